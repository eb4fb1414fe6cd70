"""The storage catalog: datasets, models (with their column definitions) and relationships.

Every call takes the workspace uuid and filters on it; the physical record tables are handled by
`lading.data`, never here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from lading.store.schema import datasets, models, relationships

# --- datasets ---------------------------------------------------------------------------------------


def list_datasets(conn: Connection, ws: str) -> Sequence[Any]:
    return conn.execute(select(datasets).where(datasets.c.workspace_uuid == ws)
                        .order_by(datasets.c.created_at, datasets.c.slug)).all()


def get_dataset(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(datasets).where(datasets.c.workspace_uuid == ws, datasets.c.uuid == uuid)).first()


def dataset_by_slug(conn: Connection, ws: str, slug: str) -> Any | None:
    return conn.execute(select(datasets).where(datasets.c.workspace_uuid == ws,
                                               func.lower(datasets.c.slug) == slug.lower())).first()


def insert_dataset(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(datasets).values(workspace_uuid=ws, **values))


def delete_dataset(conn: Connection, ws: str, uuid: str) -> None:
    conn.execute(delete(datasets).where(datasets.c.workspace_uuid == ws, datasets.c.uuid == uuid))


def count_models(conn: Connection, ws: str, dataset_uuid: str) -> int:
    return int(conn.execute(select(func.count()).select_from(models).where(
        models.c.workspace_uuid == ws, models.c.dataset_uuid == dataset_uuid)).scalar() or 0)


# --- models -----------------------------------------------------------------------------------------


def list_models(conn: Connection, ws: str, dataset_uuid: str | None = None) -> Sequence[Any]:
    query = select(models).where(models.c.workspace_uuid == ws)
    if dataset_uuid is not None:
        query = query.where(models.c.dataset_uuid == dataset_uuid)
    return conn.execute(query.order_by(models.c.created_at, models.c.slug)).all()


def get_model(conn: Connection, ws: str, uuid: str, *, for_update: bool = False) -> Any | None:
    query = select(models).where(models.c.workspace_uuid == ws, models.c.uuid == uuid)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def model_by_slug(conn: Connection, ws: str, dataset_uuid: str, slug: str) -> Any | None:
    return conn.execute(select(models).where(models.c.workspace_uuid == ws, models.c.dataset_uuid == dataset_uuid,
                                             func.lower(models.c.slug) == slug.lower())).first()


def model_by_reference(conn: Connection, ws: str, dataset_slug: str, model_slug: str) -> Any | None:
    """The model a SQL reference `<datasetSlug>.<modelSlug>` names in this workspace."""
    return conn.execute(
        select(models).join(datasets, datasets.c.uuid == models.c.dataset_uuid)
        .where(models.c.workspace_uuid == ws, datasets.c.workspace_uuid == ws,
               func.lower(datasets.c.slug) == dataset_slug.lower(),
               func.lower(models.c.slug) == model_slug.lower())).first()


def table_taken(conn: Connection, schema: str, table: str) -> bool:
    return conn.execute(select(models.c.uuid).where(models.c.table_schema == schema,
                                                    models.c.table_name == table)).first() is not None


def insert_model(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(models).values(workspace_uuid=ws, **values))


def update_model(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(models).where(models.c.workspace_uuid == ws, models.c.uuid == uuid).values(**values))


def delete_model(conn: Connection, ws: str, uuid: str) -> None:
    conn.execute(delete(relationships).where(relationships.c.workspace_uuid == ws, or_(
        relationships.c.from_model_uuid == uuid, relationships.c.to_model_uuid == uuid)))
    conn.execute(delete(models).where(models.c.workspace_uuid == ws, models.c.uuid == uuid))


# --- relationships ----------------------------------------------------------------------------------


def relationships_of_model(conn: Connection, ws: str, model_uuid: str) -> Sequence[Any]:
    return conn.execute(select(relationships).where(
        relationships.c.workspace_uuid == ws,
        or_(relationships.c.from_model_uuid == model_uuid, relationships.c.to_model_uuid == model_uuid))
        .order_by(relationships.c.created_at, relationships.c.uuid)).all()


def relationships_of_dataset(conn: Connection, ws: str, dataset_uuid: str) -> Sequence[Any]:
    return conn.execute(select(relationships).where(relationships.c.workspace_uuid == ws,
                                                    relationships.c.dataset_uuid == dataset_uuid)
                        .order_by(relationships.c.created_at, relationships.c.uuid)).all()


def replace_relationships(conn: Connection, ws: str, dataset_uuid: str, rows: list[dict[str, Any]]) -> None:
    conn.execute(delete(relationships).where(relationships.c.workspace_uuid == ws,
                                             relationships.c.dataset_uuid == dataset_uuid))
    if rows:
        conn.execute(insert(relationships), [{**r, "workspace_uuid": ws, "dataset_uuid": dataset_uuid} for r in rows])


def list_relationships(conn: Connection, ws: str) -> Sequence[Any]:
    return conn.execute(select(relationships).where(relationships.c.workspace_uuid == ws)
                        .order_by(relationships.c.created_at, relationships.c.uuid)).all()


def get_relationship(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(relationships).where(relationships.c.workspace_uuid == ws,
                                                    relationships.c.uuid == uuid)).first()
