"""`storage relationship …`: list, set — how a dataset's models relate (data spec §3.2).

A pair that already exists keeps its uuid when the set is replaced: metric columns name the
relationship they aggregate through by uuid, and a set that would drop one they use is refused.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.data import physical
from lading.domain.errors import NotFoundError, ValidationError, found
from lading.services.session import Session
from lading.services.storage import shapes
from lading.services.storage.models import require_model
from lading.store.clock import utcnow
from lading.store.repositories import storage as repo

RELATIONS = ("manyToOne", "oneToMany", "oneToOne")


def _documents(conn: Any, ws: str, rows: Any) -> list[dict[str, Any]]:
    """Relationship rows as documents, each model's dataset read once."""
    datasets: dict[str, str | None] = {}

    def dataset_of(model_uuid: str) -> str | None:
        if model_uuid not in datasets:
            model = repo.get_model(conn, ws, model_uuid)
            datasets[model_uuid] = model.dataset_uuid if model is not None else None
        return datasets[model_uuid]

    return [shapes.Relationship(
        uuid=r.uuid, from_model_uuid=r.from_model_uuid, to_model_uuid=r.to_model_uuid,
        from_column_slug=r.from_column_slug, to_column_slug=r.to_column_slug, relation=r.relation,
        workspace_uuid=r.workspace_uuid, from_dataset_uuid=dataset_of(r.from_model_uuid),
        to_dataset_uuid=dataset_of(r.to_model_uuid), from_property_slug=r.from_column_slug,
        to_property_slug=r.to_column_slug).dump() for r in rows]


def list_relationships(session: Session, model_uuid: str | None = None) -> dict[str, Any]:
    """Relationships where the model is either side; every relationship of the workspace without one."""
    ws = session.workspace_uuid
    with session.db.read() as conn:
        if model_uuid is None:
            rows = repo.list_relationships(conn, ws)
        else:
            require_model(session, conn, model_uuid)
            rows = repo.relationships_of_model(conn, ws, model_uuid)
        return {"relationships": _documents(conn, ws, rows)}


def get_relationship(session: Session, uuid: str) -> dict[str, Any]:
    ws = session.workspace_uuid
    with session.db.read() as conn:
        row = found(repo.get_relationship(conn, ws, uuid), "Relationship", uuid)
        return {"relationship": _documents(conn, ws, [row])[0]}


def _check_pair(session: Session, conn: Any, item: Any, position: int | None) -> dict[str, Any]:
    where = f"relationships[{position}]: " if position is not None else ""
    if not isinstance(item, dict):
        raise ValidationError(f"{where}each relationship is an object", reason="invalidRelationship")
    from_uuid, to_uuid = item.get("fromModelUuid"), item.get("toModelUuid")
    # The HTTP client names the join columns `fromPropertySlug` / `toPropertySlug` (api.md §13).
    from_col = item.get("fromColumnSlug", item.get("fromPropertySlug"))
    to_col = item.get("toColumnSlug", item.get("toPropertySlug"))
    relation = item.get("relation") or "manyToOne"
    for name, value in (("fromModelUuid", from_uuid), ("toModelUuid", to_uuid), ("fromColumnSlug", from_col),
                        ("toColumnSlug", to_col)):
        if not isinstance(value, str) or not value:
            raise ValidationError(f"{where}{name} is required", reason="invalidRelationship")
    if relation not in RELATIONS:
        raise ValidationError(f"{where}relation must be one of {', '.join(RELATIONS)}", reason="invalidRelationship")
    from_model = require_model(session, conn, str(from_uuid))
    to_model = require_model(session, conn, str(to_uuid))
    for model, col in ((from_model, from_col), (to_model, to_col)):
        if col not in physical.SYSTEM_COLUMNS and not any(c["slug"] == col for c in model.columns or []):
            raise NotFoundError(f"{where}Column not found: {col} in model {model.slug}", reason="columnNotFound")
    return {"from_model_uuid": from_model.uuid, "to_model_uuid": to_model.uuid, "from_column_slug": from_col,
            "to_column_slug": to_col, "relation": relation, "dataset_uuid": from_model.dataset_uuid}


def _kept(existing: dict[tuple[str, str], Any], pair: dict[str, Any], field: str, default: Any) -> Any:
    row = existing.get((pair["from_model_uuid"], pair["to_model_uuid"]))
    return getattr(row, field) if row is not None else default


def metric_columns_using(conn: Any, ws: str, relationship_uuids: set[str]) -> list[str]:
    """`model.column` of the metric columns aggregating through these relationships."""
    if not relationship_uuids:
        return []
    return [f"{m.slug}.{c['slug']}" for m in repo.list_models(conn, ws) for c in m.columns or []
            if c.get("kind") == "metric" and c.get("relationshipUuid") in relationship_uuids]


def _refuse_dropping_used(conn: Any, ws: str, dropped: set[str]) -> None:
    users = metric_columns_using(conn, ws, dropped)
    if users:
        raise ValidationError(f"the relationship set would drop relationships that metric columns use "
                              f"({', '.join(users)}); remove or change those columns first",
                              reason="invalidRelationship")


def set_relationships(session: Session, *, relationships: Any = None, from_model_uuid: str | None = None,
                      to_model_uuid: str | None = None, from_column_slug: str | None = None,
                      to_column_slug: str | None = None, relation: str = "manyToOne",
                      dataset_uuid: str | None = None) -> dict[str, Any]:
    """The whole set of the dataset (`--relationships`), or one pair added/replaced, others kept.

    `dataset_uuid` (the HTTP client's `relationship.set`) names the dataset whose set is replaced;
    every pair must then join models of that dataset."""
    ws = session.workspace_uuid
    now = utcnow()
    with session.db.write() as conn:
        if dataset_uuid is not None:
            found(repo.get_dataset(conn, ws, dataset_uuid), "Dataset", dataset_uuid)
        if relationships is not None:
            if not isinstance(relationships, list):
                raise ValidationError("--relationships must be a JSON array", reason="invalidRelationship")
            pairs = [_check_pair(session, conn, item, i) for i, item in enumerate(relationships)]
            if dataset_uuid is not None:
                for i, pair in enumerate(pairs):
                    if pair["dataset_uuid"] != dataset_uuid:
                        raise ValidationError(f"relationships[{i}]: fromModelUuid is not a model of dataset "
                                              f"{dataset_uuid}", reason="invalidRelationship")
            elif from_model_uuid is not None:
                dataset_uuid = require_model(session, conn, from_model_uuid).dataset_uuid
            elif pairs:
                dataset_uuid = pairs[0]["dataset_uuid"]
            else:
                raise ValidationError("an empty --relationships needs --from-model-uuid to name the dataset",
                                      reason="invalidRelationship")
            kept: list[dict[str, Any]] = []
        else:
            pair = _check_pair(session, conn, {"fromModelUuid": from_model_uuid, "toModelUuid": to_model_uuid,
                                               "fromColumnSlug": from_column_slug, "toColumnSlug": to_column_slug,
                                               "relation": relation}, None)
            dataset_uuid = pair["dataset_uuid"]
            kept = [{"uuid": r.uuid, "from_model_uuid": r.from_model_uuid, "to_model_uuid": r.to_model_uuid,
                     "from_column_slug": r.from_column_slug, "to_column_slug": r.to_column_slug,
                     "relation": r.relation, "created_at": r.created_at}
                    for r in repo.relationships_of_dataset(conn, ws, dataset_uuid)
                    if not (r.from_model_uuid == pair["from_model_uuid"] and r.to_model_uuid == pair["to_model_uuid"])]
            pairs = [pair]
        # A pair that already exists keeps its uuid: metric columns name relationships by uuid.
        existing = {(r.from_model_uuid, r.to_model_uuid): r
                    for r in repo.relationships_of_dataset(conn, ws, dataset_uuid)}
        rows = kept + [{"uuid": _kept(existing, p, "uuid", str(uuidlib.uuid4())),
                        "created_at": _kept(existing, p, "created_at", now),
                        **{k: v for k, v in p.items() if k != "dataset_uuid"}} for p in pairs]
        _refuse_dropping_used(conn, ws, {r.uuid for r in existing.values()} - {r["uuid"] for r in rows})
        repo.replace_relationships(conn, ws, dataset_uuid, rows)
        return {"relationships": _documents(conn, ws, repo.relationships_of_dataset(conn, ws, dataset_uuid))}
