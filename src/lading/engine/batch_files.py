"""Reading batch sources row by row: CSV, JSON Lines and JSON arrays, streamed from byte chunks.

Rows come out numbered (1-based data lines for CSV/JSONL, element index + 1 for arrays) so a bad
row is reported with its line number while the good rows run. Nothing is loaded whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    line: int
    value: dict[str, Any] | None
    error: str | None = None


def _text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        *lines, pending = pending.split("\n")
        for line in lines:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


MAX_RECORD_LINES = 50


def read_csv(chunks: Iterable[bytes]) -> Iterator[Row]:
    """Header = field names; every column a string. A record may span lines inside quotes; when a
    multi-line record does not parse into the header's field count, its first line is reported as a
    bad row and the following lines are read again on their own, so one stray quote never swallows
    the good rows after it."""
    source = enumerate(_text_lines(chunks), start=1)
    replay: deque[tuple[int, str]] = deque()
    header: list[str] | None = None

    def next_line() -> tuple[int, str] | None:
        return replay.popleft() if replay else next(source, None)

    while True:
        first = next_line()
        if first is None:
            return
        buffer = [first]
        while "".join(t for _, t in buffer).count('"') % 2 == 1 and len(buffer) < MAX_RECORD_LINES:
            more = next_line()
            if more is None:
                break
            buffer.append(more)
        text = "".join(t for _, t in buffer)
        if not text.strip():
            continue
        fields: list[str] | None = None
        error = None
        if text.count('"') % 2 == 1:
            error = "bad CSV quoting: unterminated quoted field"
        else:
            try:
                fields = next(csv.reader(io.StringIO(text), strict=True))
            except (csv.Error, StopIteration) as exc:
                error = f"bad CSV: {exc}"
        if header is None:
            if fields is None:
                yield Row(first[0], None, f"unreadable header: {error}")
                return
            header = [h.strip() for h in fields]
            continue
        if fields is not None and len(fields) == len(header):
            yield Row(first[0], dict(zip(header, fields, strict=True)))
            continue
        if len(buffer) > 1:
            replay.extendleft(reversed(buffer[1:]))
            error = error or "bad CSV quoting"
            if fields is not None:
                error = "bad CSV quoting: unterminated quoted field"
        yield Row(first[0], None, error or f"expected {len(header)} fields, got {len(fields or [])}")


def read_jsonl(chunks: Iterable[bytes]) -> Iterator[Row]:
    for number, line in enumerate(_text_lines(chunks), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Row(number, None, f"invalid JSON: {exc.msg}")
            continue
        if not isinstance(value, dict):
            yield Row(number, None, "each line must be a JSON object")
            continue
        yield Row(number, value)


def read_json_array(chunks: Iterable[bytes]) -> Iterator[Row]:
    """Elements of a top-level JSON array, decoded one at a time from a sliding buffer."""
    decoder = json.JSONDecoder()
    text_decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    buffer, pos, index, started = "", 0, 0, False
    stream = iter(chunks)
    exhausted = False

    def refill() -> bool:
        nonlocal buffer, pos, exhausted
        if exhausted:
            return False
        try:
            chunk = next(stream)
        except StopIteration:
            exhausted = True
            buffer = buffer[pos:] + text_decoder.decode(b"", final=True)
            pos = 0
            return False
        buffer = buffer[pos:] + text_decoder.decode(chunk)
        pos = 0
        return True

    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n,":
            if buffer[pos] == "," and not started:
                break
            pos += 1
        if pos >= len(buffer):
            if refill():
                continue
            return
        char = buffer[pos]
        if not started:
            if char != "[":
                yield Row(1, None, "a JSON file must hold an array of objects (or use JSON Lines)")
                return
            started = True
            pos += 1
            continue
        if char == "]":
            return
        try:
            value, end = decoder.raw_decode(buffer, pos)
        except json.JSONDecodeError as exc:
            if refill():
                continue
            yield Row(index + 1, None, f"invalid JSON: {exc.msg}")
            return
        if end == len(buffer) and not exhausted and refill():
            continue  # a number might continue in the next chunk
        pos = end
        index += 1
        if isinstance(value, dict):
            yield Row(index, value)
        else:
            yield Row(index, None, "each element must be a JSON object")


def reader_for(name: str, content_type: str, chunks: Iterable[bytes]) -> Iterator[Row]:
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson")) or "ndjson" in content_type or "jsonl" in content_type:
        return read_jsonl(chunks)
    if lowered.endswith(".json") or content_type == "application/json":
        return read_json_array(chunks)
    return read_csv(chunks)


def csv_columns(chunks: Iterable[bytes]) -> list[str]:
    for line in _text_lines(chunks):
        return [h.strip() for h in next(csv.reader(io.StringIO(line)))]
    return []
