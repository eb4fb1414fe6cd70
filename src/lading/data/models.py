"""A model as the rest of the data layer uses it: its columns and its physical table.

`load_model` is the one way segments, filters, imports and storage SQL get at a model's table: it
reads the catalog row (scoped to the workspace) and builds a SQLAlchemy `Table` whose column keys are
the column slugs, system columns included (`_id`, `_title`, `_time`, `_created_at`, `_updated_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import Table

from lading.data.physical import build_table
from lading.domain.errors import NotFoundError
from lading.domain.shapes import Shape
from lading.store.repositories import storage as repo


@dataclass(frozen=True)
class ColumnSpec:
    """One user column: `type` per data spec §3.1, `kind` original/custom/computed/metric/lookup."""

    slug: str
    type: str
    kind: str
    label: str = ""


@dataclass(frozen=True)
class ModelHandle:
    uuid: str
    slug: str
    dataset_slug: str
    workspace_uuid: str
    table: Table
    # Every user column (original first, then additional), in position order; system columns are not
    # listed here but are on `table`.
    columns: tuple[ColumnSpec, ...]
    id_column_slug: str
    title_column_slug: str | None
    time_column_slug: str | None
    is_paused: bool
    dataset_uuid: str = ""
    table_schema: str = ""
    table_name: str = ""
    kind: str = "native"

    def column(self, slug: str) -> ColumnSpec | None:
        for col in self.columns:
            if col.slug == slug:
                return col
        return None


class Relationship(Shape):
    """A relationship between two models, as occurrence conditions join through it and as
    `storage model list-relationships` prints it: one definition for both."""

    model_config = ConfigDict(frozen=True)

    uuid: str
    from_model_uuid: str
    to_model_uuid: str
    from_column_slug: str
    to_column_slug: str
    relation: str

    @classmethod
    def of(cls, row: Any) -> Relationship:
        return cls.model_validate(row, from_attributes=True)


def column_specs(definitions: list[dict[str, Any]]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(str(c["slug"]), str(c["type"]), str(c["kind"]), str(c.get("label") or c["slug"]))
                 for c in definitions)


def handle_from_row(conn: Any, row: Any, dataset_slug: str | None = None) -> ModelHandle:
    """A `ModelHandle` for a catalog row already read in this workspace."""
    if dataset_slug is None:
        dataset = repo.get_dataset(conn, row.workspace_uuid, row.dataset_uuid)
        dataset_slug = dataset.slug if dataset is not None else ""
    columns = column_specs(row.columns or [])
    backend = conn.dialect.name
    table = build_table(backend, row.table_schema, row.table_name, [(c.slug, c.type) for c in columns])
    return ModelHandle(
        uuid=row.uuid, slug=row.slug, dataset_slug=dataset_slug, workspace_uuid=row.workspace_uuid, table=table,
        columns=columns, id_column_slug=row.id_column_slug, title_column_slug=row.title_column_slug,
        time_column_slug=row.time_column_slug, is_paused=bool(row.is_paused), dataset_uuid=row.dataset_uuid,
        table_schema=row.table_schema, table_name=row.table_name,
        kind="connector" if row.extractor_slug not in ("native",) else "native")


def load_model(conn: Any, workspace_uuid: str, model_uuid: str) -> ModelHandle:
    """The model in this workspace; `NotFoundError` if it does not exist here."""
    row = repo.get_model(conn, workspace_uuid, model_uuid)
    if row is None:
        raise NotFoundError(f"Model not found: {model_uuid}", reason="modelNotFound")
    return handle_from_row(conn, row)


def list_relationships(conn: Any, workspace_uuid: str, model_uuid: str) -> list[Relationship]:
    """Relationships where the model is either side (occurrence conditions join through them)."""
    return [Relationship.of(r) for r in repo.relationships_of_model(conn, workspace_uuid, model_uuid)]
