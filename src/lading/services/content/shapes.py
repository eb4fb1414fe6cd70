"""The JSON shapes `content …` (and `ai file …`) answers, defined once for the CLI, the MCP tools and
the HTTP API (spec §2.7): camelCase aliases, fields in documented order."""

from __future__ import annotations

from typing import Any

from lading.domain.shapes import Shape


class File(Shape):
    """A content file; `s3Filename` is the opaque key of its bytes in the store."""

    uuid: str
    workspace_uuid: str
    name: str
    s3_filename: str
    open_ai_file_id: str | None
    content_type: str
    size: int
    is_temporary: bool
    folder_uuid: str | None
    created_at: str | None
    updated_at: str | None


class Library(Shape):
    """A named set of workspace files (`kind native`); `config` is kept as given."""

    uuid: str
    workspace_uuid: str
    name: str
    kind: str
    connector_uuid: str | None
    extractor: str | None
    extractor_slug: str | None
    config: dict[str, Any]
    file_uuids: list[str]
    folder_uuid: str | None
    synced_at: str | None
    created_at: str | None
    updated_at: str | None


class Removed(Shape):
    uuid: str
    removed: bool
