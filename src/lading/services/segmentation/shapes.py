"""The JSON shapes `segmentation …` answers (data spec §7, §10), defined once for the CLI, MCP tools and
the API.

Pydantic models on the common `Shape` base (camelCase aliases); `dump()` renders the documented field
names in the documented order. Segments and changes are shaped; the records a fetch returns are data
rows and stay plain dicts, so bulk paths pay nothing per row. Filters and sorts are the caller's JSON,
kept as given.
"""

from __future__ import annotations

from typing import Any

from lading.domain.shapes import Shape


class Change(Shape):
    """One sync's movement of a segment's membership."""

    uuid: str
    workspace_uuid: str
    segment_uuid: str
    slug: str
    total_records_count: int
    added_records_count: int
    updated_records_count: int
    removed_records_count: int
    unchanged_records_count: int
    created_at: str | None


class Segment(Shape):
    uuid: str
    workspace_uuid: str
    user_uuid: str | None
    model_uuid: str
    slug: str
    name: str
    filter: Any
    sort: Any
    limit: int | None
    column_slugs: list[str] | None
    tracking_column_slugs: list[str] | None
    records_count: int
    from_play: bool
    synced_at: str | None
    last_change: Change | None
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None


class Removed(Shape):
    """A removed (soft-deleted) segment."""

    uuid: str
    removed: bool = True

