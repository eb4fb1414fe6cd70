"""The JSON shapes `workspaceManagement …` answers, defined once for the CLI, the MCP tools and the HTTP API."""

from __future__ import annotations

from typing import Any

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


class Token(Shape):
    """An API token; `token` is its value in the answer of `create` only, `********` everywhere else."""

    uuid: str
    name: str
    description: str | None
    permissions: list[dict[str, Any]] | None
    workspace_uuid: str
    user_uuid: str
    token: str
    created_at: str | None
    updated_at: str | None
    last_used_at: str | None
    deleted_at: str | None
