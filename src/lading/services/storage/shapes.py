"""The JSON shapes `storage …` answers (data spec §1–5), defined once for the CLI, MCP tools and the API.

Pydantic models on the common `Shape` base (camelCase aliases); `dump()` renders the documented field
names in the documented order. Documents are shaped (datasets, models, relationships, write reports);
data rows (record lists, query rows) stay plain dicts, so bulk paths pay nothing per row. Column
definitions vary by kind (computed, metric, lookup…) and are passed as the ordered dicts
`lading.data.columns.column_document` makes.
"""

from __future__ import annotations

from typing import Any

from lading.data.columns import column_document
from lading.data.derived import AGGREGATION_NAMES
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
    updated_at: str | None = None
    deleted_at: str | None = None


class Position(Shape):
    """Where the model sits on the client's canvas."""

    x: float = 0
    y: float = 0


class StorageRun(Shape):
    """An extractor sync of a model (data spec §2.1 `lastRun`, api.md §13)."""

    uuid: str
    status: str
    error_message: str | None
    created_at: str | None
    finished_at: str | None
    workspace_uuid: str
    model_uuid: str
    temporal_workflow_id: str
    s3_filenames: list[str]
    updated_at: str | None
    # Lading: what the sync did. `trigger`: manual | schedule | segmentFetch; `mode`: full | incremental
    # (from `cursorFrom`, the high-water mark of the previous successful sync); `cursor`: the high-water
    # mark reached (where the next incremental sync starts); `resumedCount`: how many times another
    # process took the run over after its driver died, resuming after the last committed page.
    trigger: str = "manual"
    mode: str = "full"
    cursor_from: str | None = None
    cursor: str | None = None
    pages_count: int = 0
    records_count: int = 0
    inserted_records_count: int = 0
    updated_records_count: int = 0
    unchanged_records_count: int = 0
    resumed_count: int = 0
    started_at: str | None = None


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
    last_run: StorageRun | None
    created_at: str | None
    updated_at: str | None
    description: str | None = None
    position: Position = Position()
    meta: dict[str, Any] = {}
    unification: Any = None
    folder_uuid: str | None = None
    last_emitted_at: str | None = None
    deleted_at: str | None = None


class Relationship(Shape):
    """A relationship between two models (data spec §3.3) with the keys the HTTP client reads
    (api.md §13): the models' datasets and the join columns under the client's names as well."""

    uuid: str
    from_model_uuid: str
    to_model_uuid: str
    from_column_slug: str
    to_column_slug: str
    relation: str
    workspace_uuid: str
    from_dataset_uuid: str | None
    to_dataset_uuid: str | None
    from_property_slug: str
    to_property_slug: str
    from_selected_column_slugs: list[str] = []
    to_selected_column_slugs: list[str] = []


def column(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored column definition as every face answers it: the documented field order, the client's
    `description` and `properties` (null when never given), a metric's function upper case (api.md §3)."""
    document = column_document(definition)
    document.setdefault("description", None)
    document.setdefault("properties", None)
    aggregation = document.get("aggregation")
    if isinstance(aggregation, dict) and aggregation.get("function") in AGGREGATION_NAMES:
        document["aggregation"] = {**aggregation, "function": AGGREGATION_NAMES[aggregation["function"]]}
    return document


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
    # `{slug, type}` of each created column (a CSV import types them from the data: data spec §4.3).
    created_column_types: list[dict[str, str]]
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
