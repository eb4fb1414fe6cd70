"""The JSON shapes `storage …` answers (data spec §1–5), defined once for the CLI, MCP tools and the API.

Pydantic models on the common `Shape` base (camelCase aliases); `dump()` renders the documented field
names in the documented order. Documents are shaped (datasets, models, relationships, write reports);
data rows (record lists, query rows) stay plain dicts, so bulk paths pay nothing per row. Column
definitions vary by kind (computed, metric, lookup…) and are passed as the ordered dicts
`lading.data.columns.column_document` makes.
"""

from __future__ import annotations

from typing import Any

from lading.data.models import Relationship as Relationship  # the stored relationship is the document
from lading.domain.shapes import Shape


class Dataset(Shape):
    uuid: str
    slug: str
    name: str
    workspace_uuid: str
    kind: str
    connector_uuid: str | None
    config: dict[str, Any]
    created_at: str | None


class Model(Shape):
    uuid: str
    workspace_uuid: str
    slug: str
    name: str
    dataset_uuid: str
    kind: str
    connector_uuid: str | None
    extractor_slug: str
    config: dict[str, Any]
    id_column_slug: str
    title_column_slug: str
    time_column_slug: str | None
    columns: list[dict[str, Any]]
    additional_columns: list[dict[str, Any]]
    plays_count: int
    segments_count: int
    is_paused: bool
    schedule: Any
    last_run: Any
    created_at: str | None
    updated_at: str | None


class ModelDdl(Shape):
    ddl: str
    language: str


class Removed(Shape):
    """A removed dataset or model."""

    uuid: str
    removed: bool = True


class WriteCounts(Shape):
    """`storage record upsert`: what a write did; bad records are skipped and listed in `errors`."""

    inserted_records_count: int
    updated_records_count: int
    unchanged_records_count: int
    removed_records_count: int
    skipped_records_count: int
    created_columns: list[str]
    errors: list[dict[str, Any]]


class _ImportedFile(Shape):
    """What an import prints ahead of its write counts."""

    model_uuid: str
    status: str


class Import(WriteCounts, _ImportedFile):
    """`storage record import`: the write counts of one file, with its model and status. Pydantic
    takes fields base by base from the last base to the first, so `modelUuid` and `status` lead."""


class DryRunImport(Import):
    """An import under `--dry-run`: counted, then rolled back."""

    dry_run: bool = True


class RemovedRecords(Shape):
    removed_records_count: int


class RecordWrite(Shape):
    """The `modelUpsert` / `modelInsert` node's output."""

    id: str
    operation: str
