"""One segment sync (data spec §10): compare the live membership with the previous one, record a change.

Membership is kept as versions (`segment_members`): a row is valid for syncs [seq_from, seq_to). A
sync opens rows for added and updated records, closes rows of updated and removed ones, and leaves
unchanged members untouched, so a change costs rows in proportion to what moved. `updated` means a
tracking column's value changed; without tracking columns a changed member counts as unchanged.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid as uuidlib
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection

from lading.data.models import ModelHandle
from lading.data.segments import evaluate, present
from lading.data.values import json_value
from lading.store.repositories import segments as repo

RETENTION = timedelta(days=90)
KINDS = ("added", "updated", "removed", "unchanged")
_SLUG_ALPHABET = string.ascii_lowercase + string.digits


def random_slug() -> str:
    return "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(16))


def fingerprint(values: list[Any]) -> str:
    if not values:
        return ""
    return hashlib.md5(orjson.dumps([present(v) for v in values], option=orjson.OPT_NON_STR_KEYS)).hexdigest()


def sync(conn: Connection, segment: Any, handle: ModelHandle, now: datetime) -> dict[str, Any] | None:
    """Sync one segment inside the caller's write transaction; returns the new change row, or None
    when nothing moved (then only `syncedAt` and `recordsCount` are refreshed)."""
    ev = evaluate(conn, handle, segment.filter, segment.sort, segment.records_limit, now, visiting=(segment.uuid,))
    table = handle.table
    user_slugs = [c.slug for c in handle.columns]
    tracking = [s for s in (segment.tracking_column_slugs or []) if s in table.c]
    slugs = ["_id", "_title", *user_slugs]
    tracked_at = [slugs.index(s) for s in tracking]
    previous = repo.current_members(conn, segment.uuid)
    seq = int(segment.sync_seq) + 1
    opened: list[dict[str, Any]] = []
    updated: list[str] = []
    seen: set[str] = set()
    result = conn.execute(ev.members([table.c[s] for s in slugs]).execution_options(yield_per=2000))
    for row in result:
        record_id = str(row[0])
        seen.add(record_id)
        fp = fingerprint([row[i] for i in tracked_at])
        before = previous.get(record_id)
        if before is not None and before == fp:
            continue
        if before is not None:
            updated.append(record_id)
        values = {s: json_value(v) for s, v in zip(slugs, row, strict=True) if s != "_title"}
        opened.append({"segment_uuid": segment.uuid, "record_id": record_id, "seq_from": seq, "seq_to": None,
                       "fingerprint": fp, "title": row[1], "record": values, "detected_at": now})
    removed = [r for r in previous if r not in seen]
    added_count = len(opened) - len(updated)
    unchanged_count = len(seen) - len(opened)
    base = {"records_count": len(seen), "synced_at": now, "sync_due": False, "updated_at": segment.updated_at}
    if not opened and not removed:
        repo.update_segment(conn, segment.workspace_uuid, segment.uuid, base)
        return None
    repo.close_members(conn, segment.uuid, removed + updated, seq)
    repo.open_members(conn, opened)
    repo.refresh_closed(conn, segment.uuid, seq, _still_stored(conn, table, slugs, removed))
    change = {"uuid": str(uuidlib.uuid4()), "workspace_uuid": segment.workspace_uuid, "segment_uuid": segment.uuid,
              "slug": random_slug(), "seq": seq, "added_count": added_count, "updated_count": len(updated),
              "removed_count": len(removed), "unchanged_count": unchanged_count, "created_at": now}
    repo.insert_change(conn, change)
    repo.update_segment(conn, segment.workspace_uuid, segment.uuid,
                        {**base, "sync_seq": seq, "last_change_uuid": change["uuid"]})
    repo.prune_changes(conn, segment.uuid, now - RETENTION)
    return change


def _still_stored(conn: Connection, table: Any, slugs: list[str], record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Current values of removed records that are still in the model (deleted ones keep their snapshot)."""
    from sqlalchemy import select

    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(record_ids), 500):
        query = select(*(table.c[s] for s in slugs)).where(table.c["_id"].in_(record_ids[start:start + 500]))
        for row in conn.execute(query):
            out[str(row[0])] = {s: json_value(v) for s, v in zip(slugs, row, strict=True) if s != "_title"}
    return out
