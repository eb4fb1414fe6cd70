"""`storage relationship …`: list, set — how a dataset's models relate (data spec §3.2).

A pair that already exists keeps its uuid when the set is replaced: metric columns name the
relationship they aggregate through by uuid, and a set that would drop one they use is refused.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.data import physical
from lading.domain.errors import NotFoundError, ValidationError
from lading.services.session import Session
from lading.services.storage import shapes
from lading.services.storage.models import require_model
from lading.store.clock import utcnow
from lading.store.repositories import storage as repo

RELATIONS = ("manyToOne", "oneToMany", "oneToOne")


def _relationship_document(row: Any) -> dict[str, Any]:
    return shapes.Relationship.of(row).dump()


def list_relationships(session: Session, model_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        require_model(session, conn, model_uuid)
        rows = repo.relationships_of_model(conn, session.workspace_uuid, model_uuid)
        return {"relationships": [_relationship_document(r) for r in rows]}


def _check_pair(session: Session, conn: Any, item: Any, position: int | None) -> dict[str, Any]:
    where = f"relationships[{position}]: " if position is not None else ""
    if not isinstance(item, dict):
        raise ValidationError(f"{where}each relationship is an object", reason="invalidRelationship")
    from_uuid, to_uuid = item.get("fromModelUuid"), item.get("toModelUuid")
    from_col, to_col = item.get("fromColumnSlug"), item.get("toColumnSlug")
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
                      to_column_slug: str | None = None, relation: str = "manyToOne") -> dict[str, Any]:
    """The whole set of the dataset (`--relationships`), or one pair added/replaced, others kept."""
    ws = session.workspace_uuid
    now = utcnow()
    with session.db.write() as conn:
        if relationships is not None:
            if not isinstance(relationships, list):
                raise ValidationError("--relationships must be a JSON array", reason="invalidRelationship")
            pairs = [_check_pair(session, conn, item, i) for i, item in enumerate(relationships)]
            if from_model_uuid is not None:
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
        return {"relationships": [_relationship_document(r) for r in repo.relationships_of_dataset(conn, ws,
                                                                                                    dataset_uuid)]}
