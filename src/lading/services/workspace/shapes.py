"""The JSON shapes `workspaceManagement …` answers, defined once for the CLI, the MCP tools and the HTTP API."""

from __future__ import annotations

from lading.domain.shapes import Shape


class UploadedFile(Shape):
    """A batch input file in the store; `s3Filename` is what `batch create --data '{"kind":"file",…}'` names."""

    s3_filename: str
    content_type: str
    name: str


class Column(Shape):
    """A column of an uploaded file (CSV columns, and the keys of a JSON file's first object, are strings)."""

    type: str
    name: str


class Columns(Shape):
    columns: list[Column]
