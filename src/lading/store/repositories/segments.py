"""Segments, their changes and membership versions, always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, and_, exists, func, insert, literal, or_, select, update

from lading.store.schema import releases, segment_changes, segment_members, segments, workflows

CHUNK = 500


# --- segments -------------------------------------------------------------------------------------


def insert_segment(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(segments).values(**values))


def get_segment(conn: Connection, ws: str, uuid: str, *, for_update: bool = False,
                include_deleted: bool = False) -> Any | None:
    query = select(segments).where(segments.c.workspace_uuid == ws, segments.c.uuid == uuid)
    if not include_deleted:
        query = query.where(segments.c.deleted_at.is_(None))
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def list_segments(conn: Connection, ws: str, model_uuid: str | None = None) -> Sequence[Any]:
    query = select(segments).where(segments.c.workspace_uuid == ws, segments.c.deleted_at.is_(None))
    if model_uuid is not None:
        query = query.where(segments.c.model_uuid == model_uuid)
    return conn.execute(query.order_by(segments.c.created_at.desc(), segments.c.uuid)).all()


def update_segment(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(segments).where(segments.c.workspace_uuid == ws, segments.c.uuid == uuid).values(**values))


def mark_due(conn: Connection, ws: str, uuids: Sequence[str]) -> None:
    if uuids:
        conn.execute(update(segments).where(segments.c.workspace_uuid == ws, segments.c.uuid.in_(list(uuids)))
                     .values(sync_due=True))


def due_segments(conn: Connection, ws: str, before: datetime) -> Sequence[Any]:
    """Segments with a pending write-triggered sync whose debounce window has passed."""
    return conn.execute(select(segments.c.uuid, segments.c.model_uuid).where(
        segments.c.workspace_uuid == ws, segments.c.deleted_at.is_(None), segments.c.sync_due.is_(True),
        or_(segments.c.synced_at.is_(None), segments.c.synced_at <= before))).all()


def workflows_using(conn: Connection, ws: str, segment_uuid: str) -> list[str]:
    """Live workflows whose graph (any non-archived release) names the segment."""
    from sqlalchemy import cast

    query = (select(releases.c.workflow_uuid).distinct()
             .select_from(releases.join(workflows, workflows.c.uuid == releases.c.workflow_uuid))
             .where(releases.c.workspace_uuid == ws, workflows.c.deleted_at.is_(None),
                    releases.c.status != "archived", cast(releases.c.nodes, String).contains(segment_uuid)))
    return [str(u) for u in conn.execute(query).scalars()]


# --- membership versions --------------------------------------------------------------------------


def current_members(conn: Connection, segment_uuid: str) -> dict[str, str]:
    """record id → fingerprint of the members as of the last sync."""
    query = select(segment_members.c.record_id, segment_members.c.fingerprint).where(
        segment_members.c.segment_uuid == segment_uuid, segment_members.c.seq_to.is_(None))
    return {str(r): str(f) for r, f in conn.execute(query)}


def close_members(conn: Connection, segment_uuid: str, record_ids: Sequence[str], seq: int) -> None:
    for start in range(0, len(record_ids), CHUNK):
        part = list(record_ids[start:start + CHUNK])
        conn.execute(update(segment_members).where(
            segment_members.c.segment_uuid == segment_uuid, segment_members.c.seq_to.is_(None),
            segment_members.c.record_id.in_(part)).values(seq_to=seq))


def refresh_closed(conn: Connection, segment_uuid: str, seq: int, records: dict[str, dict[str, Any]]) -> None:
    """Store the latest values of records just removed from the segment (their last known values)."""
    from sqlalchemy import bindparam

    if not records:
        return
    stmt = (update(segment_members)
            .where(segment_members.c.segment_uuid == segment_uuid, segment_members.c.seq_to == seq,
                   segment_members.c.record_id == bindparam("rid"))
            .values(record=bindparam("values")))
    items = [{"rid": rid, "values": values} for rid, values in records.items()]
    for start in range(0, len(items), CHUNK):
        conn.execute(stmt, items[start:start + CHUNK])


def open_members(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(insert(segment_members), batch)
            batch = []
    if batch:
        conn.execute(insert(segment_members), batch)


def drop_members(conn: Connection, segment_uuid: str) -> None:
    conn.execute(segment_members.delete().where(segment_members.c.segment_uuid == segment_uuid))


def _change_union(segment_uuid: str, seq: int, kinds: Sequence[str]) -> Any:
    """Version rows describing change `seq`, with their kind: one branch per kind, unioned."""
    m = segment_members
    other = segment_members.alias("other")
    reopened = exists(select(other.c.record_id).where(other.c.segment_uuid == segment_uuid,
                                                      other.c.record_id == m.c.record_id, other.c.seq_from == seq))
    closed = exists(select(other.c.record_id).where(other.c.segment_uuid == segment_uuid,
                                                    other.c.record_id == m.c.record_id, other.c.seq_to == seq))
    by_kind = {
        "added": and_(m.c.seq_from == seq, ~closed),
        "updated": and_(m.c.seq_from == seq, closed),
        "removed": and_(m.c.seq_to == seq, ~reopened),
        "unchanged": and_(m.c.seq_from < seq, or_(m.c.seq_to.is_(None), m.c.seq_to > seq)),
    }
    parts = [select(m.c.record_id, m.c.title, m.c.record, m.c.detected_at, literal(kind, String).label("kind"))
             .where(m.c.segment_uuid == segment_uuid, by_kind[kind]) for kind in kinds]
    union = parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])
    return union.subquery("change_records")


def change_records(conn: Connection, segment_uuid: str, seq: int, kinds: Sequence[str], limit: int,
                   offset: int) -> Sequence[Any]:
    """Version rows describing change `seq`, with their kind, ordered by kind then record id."""
    sub = _change_union(segment_uuid, seq, kinds)
    return conn.execute(select(sub).order_by(sub.c.kind, sub.c.record_id).limit(limit).offset(offset)).all()


def count_change_records(conn: Connection, segment_uuid: str, seq: int, kinds: Sequence[str]) -> int:
    """How many version rows `change_records` pages through for these kinds."""
    sub = _change_union(segment_uuid, seq, kinds)
    return int(conn.execute(select(func.count()).select_from(sub)).scalar() or 0)


# --- changes --------------------------------------------------------------------------------------


def insert_change(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(segment_changes).values(**values))


def get_change(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(segment_changes).where(segment_changes.c.workspace_uuid == ws,
                                                      segment_changes.c.uuid == uuid)).first()


_KIND_COUNTS = {"added": "added_count", "updated": "updated_count", "removed": "removed_count",
                "unchanged": "unchanged_count"}


def list_changes(conn: Connection, ws: str, segment_uuid: str | None, limit: int, offset: int, *,
                 not_empty: bool = False, has_records: str | None = None) -> Sequence[Any]:
    """Changes newest first: one segment's, or the workspace's when `segment_uuid` is None. `not_empty`
    keeps changes describing at least one record; `has_records` those with records of that kind."""
    c = segment_changes
    query = select(c).where(c.c.workspace_uuid == ws)
    if segment_uuid is not None:
        query = query.where(c.c.segment_uuid == segment_uuid)
    if not_empty:
        query = query.where(c.c.added_count + c.c.updated_count + c.c.removed_count + c.c.unchanged_count > 0)
    if has_records is not None:
        query = query.where(c.c[_KIND_COUNTS[has_records]] > 0)
    order = [c.c.seq.desc()] if segment_uuid is not None else [c.c.created_at.desc(), c.c.seq.desc(), c.c.uuid]
    return conn.execute(query.order_by(*order).limit(limit).offset(offset)).all()


def prune_changes(conn: Connection, segment_uuid: str, before: datetime) -> None:
    """Changes older than the retention window go, with the versions only they described."""
    oldest_kept = conn.execute(select(func.min(segment_changes.c.seq)).where(
        segment_changes.c.segment_uuid == segment_uuid, segment_changes.c.created_at >= before)).scalar()
    conn.execute(segment_changes.delete().where(segment_changes.c.segment_uuid == segment_uuid,
                                                segment_changes.c.created_at < before))
    if oldest_kept is not None:
        conn.execute(segment_members.delete().where(segment_members.c.segment_uuid == segment_uuid,
                                                    segment_members.c.seq_to.is_not(None),
                                                    segment_members.c.seq_to < oldest_kept))
