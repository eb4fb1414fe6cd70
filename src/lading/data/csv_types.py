"""Reading a CSV file's shape and its columns' types (data spec §4.3, revised): the delimiter and the
header are sniffed from the first rows, and the columns an import creates are typed from every value
in the file, the way DuckDB's CSV sniffer types them.

A column's type is the narrowest one all its non-empty cells fit, among the column types the rest of
the product knows (§3.1): `boolean` (`true`/`false`), `number` (decimal or exponent notation, at most
15 significant integer digits so a double keeps the value exactly), `date` (ISO-8601 date or
date-time), `object` / `array` (JSON cells), else `string`. A cell with a leading zero (`02134`) or a
thousands separator is text, so a column of postcodes or phone numbers stays a string; a column whose
cells disagree (numbers and words, dates and numbers) is a string; empty cells are nulls and say nothing.
Every cell is read, not a sample: a type guessed from the first rows would fail the row that breaks it.
"""

from __future__ import annotations

import _csv
import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_ROWS = 50

# Types a cell can suggest, narrowest first; `None` = no value seen yet.
_NUMBER = re.compile(r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?")
_MAX_EXACT_DIGITS = 15


@dataclass(frozen=True)
class CsvDialect:
    """What the sniffer found: the field delimiter (quoting is RFC 4180 `"` with doubled quotes)."""

    delimiter: str

    def reader(self, lines: Iterable[str]) -> _csv.Reader:
        return csv.reader(lines, delimiter=self.delimiter, quotechar='"', doublequote=True, strict=True)


def sniff(path: Path) -> CsvDialect:
    """The delimiter among `,` `;` tab `|` that splits the first rows into the same number (> 1) of
    fields, the most fields winning; a comma when none does (a one-column file). Rows are parsed with
    quoting, so a delimiter inside a quoted cell does not count, and a row cut by the end of the sample
    is left out."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(SNIFF_CHARS)
        truncated = bool(fh.read(1))
    best, best_width = ",", 1
    for delimiter in DELIMITERS:
        widths = _widths(sample, delimiter, truncated)
        if widths and len(set(widths)) == 1 and widths[0] > best_width:
            best, best_width = delimiter, widths[0]
    return CsvDialect(best)


def _widths(sample: str, delimiter: str, truncated: bool) -> list[int]:
    rows: list[int] = []
    reader = CsvDialect(delimiter).reader(io.StringIO(sample))
    try:
        for fields in reader:
            if fields:
                rows.append(len(fields))
            if len(rows) > SNIFF_ROWS:
                break
    except csv.Error:
        return []  # this delimiter leaves quoting unbalanced: not the file's
    if truncated and len(rows) > 1 and len(rows) <= SNIFF_ROWS:
        rows.pop()  # the last row may be cut in the middle
    return rows


def cell_type(text: str) -> str:
    """The narrowest column type one non-empty cell fits. Short cells are cached (categories, flags
    and dates repeat); long ones are not, so the cache stays small whatever the file holds."""
    return _cached_cell_type(text) if len(text) <= 64 else _cell_type(text)


def _cell_type(text: str) -> str:
    low = text.lower()
    if low == "true" or low == "false":
        return "boolean"
    first = text[0]
    if (first.isdigit() or first in "+-.") and _NUMBER.fullmatch(text):
        digits = text.lstrip("+-").split(".", 1)[0].split("e", 1)[0].split("E", 1)[0]
        if len(digits) <= _MAX_EXACT_DIGITS and math.isfinite(float(text)):
            return "number"
        return "string"
    if first.isdigit() and (_DATE.fullmatch(text) or _DATE_TIME.fullmatch(text)):
        return "date" if _valid_date(text) else "string"
    if first == "{" or first == "[":
        import orjson

        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return "string"
        if isinstance(value, dict):
            return "object"
        if isinstance(value, list):
            return "array"
    return "string"


_cached_cell_type = lru_cache(maxsize=8192)(_cell_type)


def _valid_date(text: str) -> bool:
    from lading.data.physical import parse_date

    try:
        if len(text) == 10:
            date.fromisoformat(text)
        else:
            parse_date(text)
    except ValueError:
        return False
    return True


def infer_types(path: Path, dialect: CsvDialect, indexes: Sequence[int]) -> list[str]:
    """The type of each column at `indexes` (0-based field positions) from every data row of the file;
    a column with no value at all is a string. Rows the import will reject (wrong field count,
    unreadable) are skipped here too."""
    found: dict[int, str | None] = dict.fromkeys(indexes)
    open_columns = list(indexes)
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = dialect.reader(fh)
        try:
            header = next(reader)
        except (StopIteration, csv.Error, UnicodeDecodeError):
            return ["string" for _ in indexes]
        width = len(header)
        try:
            for fields in reader:
                if len(fields) != width:
                    continue
                for index in open_columns:
                    text = fields[index]
                    if not text:
                        continue
                    current = found[index]
                    if current is None:
                        found[index] = cell_type(text)
                    elif cell_type(text) != current:
                        found[index] = "string"
                if any(found[i] == "string" for i in open_columns):
                    open_columns = [i for i in open_columns if found[i] != "string"]
                    if not open_columns:
                        break
        except (csv.Error, UnicodeDecodeError):
            pass  # the import reports the unreadable row itself
    return [found[i] or "string" for i in indexes]
