"""Import files read row by row (data spec §4.3): CSV (UTF-8, BOM tolerated, RFC 4180 quoting, header
row, delimiter sniffed among `,` `;` tab `|`), a JSON array of objects, or NDJSON. Nothing is loaded
whole; every row carries its line number (data line for CSV/NDJSON, element index for a JSON array) so
errors point at it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from lading.data.columns import slugify
from lading.data.csv_types import CsvDialect, sniff
from lading.data.physical import SYSTEM_COLUMNS
from lading.domain.errors import ValidationError, shown

FORMATS = ("csv", "json", "ndjson")
READ_BYTES = 1 << 20

# (line, row or None, error or None); CSV rows are their fields in header order.
SourceRow = tuple[int, Any, str | None]


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValidationError(f"--format must be csv, json or ndjson, not {shown(fmt)}", reason="invalidData")
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".ndjson", ".jsonl"):
        return "ndjson"
    if suffix == ".json":
        return "json"
    raise ValidationError(f"cannot tell the format of {path.name} from its extension; pass --format csv|json|ndjson",
                          reason="invalidData")


def open_source(path: Path) -> None:
    from lading.domain.user_files import user_file

    user_file("--file", str(path))


@dataclass(frozen=True)
class CsvLayout:
    """A CSV file's sniffed dialect and its header: the column slugs and the names as written."""

    dialect: CsvDialect
    slugs: list[str]
    labels: list[str]

    def header_text(self) -> str:
        """The header as read, in JSON terms (for messages about a header that does not fit)."""
        return orjson.dumps(self.labels).decode()


def csv_header(path: Path) -> CsvLayout:
    """The dialect (delimiter sniffed from the first rows) and header of a CSV file."""
    try:
        dialect = sniff(path)
    except UnicodeDecodeError:
        raise _not_utf8(1) from None
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(dialect.reader(fh))
        except StopIteration:
            raise ValidationError("the CSV file is empty (it needs a header row)", reason="invalidData") from None
        except csv.Error as exc:
            raise ValidationError(f"unreadable CSV header: {exc}", reason="invalidData") from None
        except UnicodeDecodeError:
            raise _not_utf8(1) from None
    # System columns (`_id`, … as in an export) keep their names; other headers are slugified.
    slugs = [h.strip() if h.strip() in SYSTEM_COLUMNS else slugify(h) for h in header]
    labels = [h.strip() for h in header]
    seen: set[str] = set()
    for raw, slug in zip(header, slugs, strict=True):
        if slug in seen:
            raise ValidationError(f"CSV header {shown(raw)} maps to column {slug}, which another header already uses "
                                  f"(header read: {orjson.dumps(labels).decode()})", reason="columnMismatch",
                                  details={"header": labels})
        seen.add(slug)
    return CsvLayout(dialect, slugs, labels)


def _not_utf8(line: int) -> ValidationError:
    # The rest of the file cannot be read reliably: the whole import stops (it is one transaction).
    return ValidationError(f"the CSV file is not UTF-8 text (from line {line}); nothing was imported",
                           reason="invalidData")


def read_csv(path: Path, layout: CsvLayout) -> Iterator[SourceRow]:
    """Data rows as lists of fields in header order; a row with the wrong field count is a bad row."""
    width = len(layout.slugs)
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = layout.dialect.reader(fh)
        try:
            next(reader)
        except StopIteration:
            return
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, f"bad CSV: {exc}"
                return
            except UnicodeDecodeError:
                raise _not_utf8(start) from None
            if not fields:
                continue
            if len(fields) != width:
                yield start, None, f"expected {width} fields, got {len(fields)}"
                continue
            yield start, fields, None


def read_ndjson(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield number, None, f"invalid JSON: {exc}"
                continue
            if not isinstance(value, dict):
                yield number, None, "each line must be a JSON object"
                continue
            yield number, value, None
