"""Text out of content files, cut into passages an agent's `search_<slug>` tool can rank and quote.

Only the types the spec names are read — PDF (`pypdf`, text layer only), CSV, plain text, Markdown,
HTML (tags stripped, scripts and styles dropped) and JSON; anything else is stored but unsearchable.
Passages are a few paragraphs (about `PASSAGE_CHARS`) so a quoted hit fits in a tool result; CSV rows
and JSON array items are rendered `key: value` so the words a user asks about sit next to their column.
Extraction happens once, at upload: a file that claims a readable type but cannot be read is refused
then, not discovered at chat time.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any

PASSAGE_CHARS = 1200
KINDS_BY_SUFFIX = {".pdf": "pdf", ".csv": "csv", ".txt": "text", ".text": "text", ".md": "markdown",
                   ".markdown": "markdown", ".html": "html", ".htm": "html", ".json": "json"}
KINDS_BY_TYPE = {"application/pdf": "pdf", "text/csv": "csv", "text/plain": "text", "text/markdown": "markdown",
                 "text/html": "html", "application/json": "json"}
_BLANK_LINES = re.compile(r"\n\s*\n")


class ExtractionError(ValueError):
    """The file claims a readable type but its content cannot be read as such."""


def searchable_kind(name: str, content_type: str) -> str | None:
    """`pdf`, `csv`, `text`, `markdown`, `html` or `json` — else None (stored, not searchable)."""
    return KINDS_BY_SUFFIX.get(Path(name).suffix.lower()) or KINDS_BY_TYPE.get(content_type.split(";")[0].strip())


def extract_passages(source: Path | IO[bytes], kind: str) -> list[str]:
    """The passages of a file on disk, or of an open binary stream read from where it stands (an
    upload the server spooled, which has no path of its own)."""
    if kind == "pdf":
        return _pdf(source)
    text = _decode(source.read_bytes() if isinstance(source, Path) else source.read())
    if kind == "csv":
        return _pack(_csv_lines(text), separator="\n")
    if kind == "json":
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ExtractionError(f"not valid JSON: {exc}") from exc
        return _pack(_json_lines(value), separator="\n")
    if kind == "html":
        text = _html_text(text)
    return split_text(text)


def split_text(text: str) -> list[str]:
    """Paragraphs packed into passages; an overlong paragraph is cut at word boundaries."""
    units: list[str] = []
    for paragraph in _BLANK_LINES.split(text.replace("\r\n", "\n")):
        paragraph = " ".join(paragraph.split())
        while len(paragraph) > PASSAGE_CHARS:
            cut = paragraph.rfind(" ", 0, PASSAGE_CHARS)
            cut = cut if cut > PASSAGE_CHARS // 2 else PASSAGE_CHARS
            units.append(paragraph[:cut])
            paragraph = paragraph[cut:].strip()
        if paragraph:
            units.append(paragraph)
    return _pack(units, separator="\n\n")


def _pack(units: list[str], *, separator: str) -> list[str]:
    out: list[str] = []
    current = ""
    for unit in units:
        unit = unit[: PASSAGE_CHARS * 2]
        if current and len(current) + len(separator) + len(unit) > PASSAGE_CHARS:
            out.append(current)
            current = unit
        else:
            current = f"{current}{separator}{unit}" if current else unit
    if current:
        out.append(current)
    return out


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _pdf(source: Path | IO[bytes]) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(source)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(f"not a readable PDF: {exc}") from exc
    return split_text("\n\n".join(pages))


def _csv_lines(text: str) -> list[str]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return []
    header = [h.strip() or f"column{i + 1}" for i, h in enumerate(header)]
    lines = []
    for row in rows:
        cells = [f"{header[i] if i < len(header) else f'column{i + 1}'}: {v.strip()}"
                 for i, v in enumerate(row) if v.strip()]
        if cells:
            lines.append("; ".join(cells))
    return lines


def _json_lines(value: Any) -> list[str]:
    def flat(item: Any) -> str:
        if isinstance(item, dict):
            return "; ".join(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
                             for k, v in item.items())
        return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)

    if isinstance(value, list):
        return [flat(item) for item in value]
    if isinstance(value, dict):
        return [f"{k}: {flat(v)}" for k, v in value.items()]
    return [flat(value)]


class _TextOfHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table",
              "ul", "ol", "header", "footer", "blockquote", "pre"}
    HIDDEN = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
