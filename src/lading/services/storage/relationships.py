"""`storage relationship …`: list, set — how a dataset's models relate (data spec §3.2).

A pair that already exists keeps its uuid when the set is replaced: metric columns name the
relationship they aggregate through by uuid, and a set that would drop one they use is refused.
"""

from __future__ import annotations

import re
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


def _norm(name: str) -> str:
    """`company_id`, `companyId`, `Company-ID` → `companyid`: how a column name is compared."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_IRREGULAR = {"people": "person"}


def _singular(word: str) -> str:
    if word.lower() in _IRREGULAR:
        return _IRREGULAR[word.lower()]
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _from_candidates(from_model: Any, to_model: Any, key: str) -> tuple[list[str], str]:
    """The columns of `from_model` that look like a reference to `to_model`'s `key`, and why.

    First the foreign-key names (`<to model>_id`, `<to model>Id`, `<to model>_uuid`, `<to model>_<key>`,
    the model's slug or name singular or not, any case or separator); failing those, a column named
    like the key itself (other than the from model's own id column) or like the to model."""
    columns = [c["slug"] for c in from_model.columns or [] if isinstance(c.get("slug"), str)]
    stems = {_norm(n) for base in (to_model.slug, to_model.name or "") for n in (base, _singular(base)) if _norm(n)}
    suffixes = {"id", "uuid"} | ({_norm(key)} if key != "_id" else set())
    foreign = {stem + suffix for stem in stems for suffix in suffixes}
    first = [c for c in columns if _norm(c) in foreign]
    if first:
        return first, f"named like a reference to {to_model.slug}"
    same = ({_norm(key)} if key != "_id" else set()) | stems
    second = [c for c in columns if _norm(c) in same and c != from_model.id_column_slug]
    return second, f"named like {key}, the key of {to_model.slug}" if key != "_id" else f"named like {to_model.slug}"


def _infer_columns(session: Session, conn: Any, from_uuid: Any, to_uuid: Any, from_col: str | None,
                   to_col: str | None) -> dict[str, Any] | None:
    """The join columns of a single pair given without them (Cargo's `relationship set --from-model-uuid
    --to-model-uuid`): the to side is the to model's id column (`idColumnSlug`), the from side the one
    column of the from model that references it. None when both were given; ambiguous or no candidate is
    a 400 `invalidRelationship` naming the candidates and the flag to pass."""
    if from_col and to_col:
        return None
    if not isinstance(from_uuid, str) or not from_uuid or not isinstance(to_uuid, str) or not to_uuid:
        return None  # _check_pair says which model uuid is missing
    from_model = require_model(session, conn, from_uuid)
    to_model = require_model(session, conn, to_uuid)
    key = to_col or to_model.id_column_slug or "_id"
    reason = f"the id column of {to_model.slug}" if not to_col else "given"
    if from_col:
        return {"fromColumnSlug": from_col, "toColumnSlug": key,
                "reason": f"toColumnSlug is {reason}; fromColumnSlug was given"}
    candidates, why = _from_candidates(from_model, to_model, key)
    if len(candidates) == 1:
        return {"fromColumnSlug": candidates[0], "toColumnSlug": key,
                "reason": f"fromColumnSlug is the one column of {from_model.slug} {why}; toColumnSlug is {reason}"}
    if candidates:
        raise ValidationError(
            f"several columns of {from_model.slug} could reference {to_model.slug}.{key}: "
            f"{', '.join(candidates)}; pass --from-column-slug (fromColumnSlug) to choose one",
            reason="invalidRelationship", details={"candidates": candidates, "toColumnSlug": key})
    raise ValidationError(
        f"no column of {from_model.slug} references {to_model.slug}.{key} (expected e.g. "
        f"{_singular(to_model.slug)}_id); pass --from-column-slug (fromColumnSlug) and --to-column-slug",
        reason="invalidRelationship", details={"candidates": [], "toColumnSlug": key})


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
    every pair must then join models of that dataset. The single-pair form without join columns infers
    them (`_infer_columns`) and says which it chose in `inferred`, beside the documented `relationships`."""
    ws = session.workspace_uuid
    inferred: dict[str, Any] | None = None
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
            inferred = _infer_columns(session, conn, from_model_uuid, to_model_uuid, from_column_slug, to_column_slug)
            if inferred is not None:
                from_column_slug, to_column_slug = inferred["fromColumnSlug"], inferred["toColumnSlug"]
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
        now_set = repo.relationships_of_dataset(conn, ws, dataset_uuid)
        out: dict[str, Any] = {"relationships": _documents(conn, ws, now_set)}
        if inferred is not None:
            out["inferred"] = {"fromModelUuid": pairs[0]["from_model_uuid"], "toModelUuid": pairs[0]["to_model_uuid"],
                               **inferred}
        return out
