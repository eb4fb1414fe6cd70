"""What the scheduler reads and writes: live cron schedules and the last tick fired for each.

The scheduler serves every workspace of the store (like the worker's run queue), so the two scans
below read across workspaces; each row carries its `workspace_uuid` and everything done for it
afterwards is scoped to that workspace. `advance` is the exactly-once guard: a tick is fired only by
the transaction whose compare-and-set moved the stored tick forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, and_, cast, select, tuple_, update

from lading.store.database import upsert_insert
from lading.store.schema import models, plays, schedule_ticks, tools


def tools_with_triggers(conn: Connection) -> Sequence[Any]:
    """Live tools whose `triggers` list is not empty, every workspace."""
    return conn.execute(
        select(tools.c.workspace_uuid, tools.c.uuid, tools.c.workflow_uuid, tools.c.triggers, tools.c.updated_at)
        .where(tools.c.deleted_at.is_(None), cast(tools.c.triggers, String) != "[]")).all()


def enabled_scheduled_plays(conn: Connection) -> Sequence[Any]:
    """Live enabled plays that have a `schedule` (the caller keeps the `cron` ones), every workspace."""
    return conn.execute(
        select(plays.c.workspace_uuid, plays.c.uuid, plays.c.segment_uuid, plays.c.schedule, plays.c.updated_at)
        .where(plays.c.deleted_at.is_(None), plays.c.is_enabled.is_(True), plays.c.schedule.is_not(None))).all()


def scheduled_models(conn: Connection) -> Sequence[Any]:
    """Models with a `schedule` that are not paused, every workspace (the caller keeps the cron ones
    of connector extractors)."""
    return conn.execute(select(models.c.workspace_uuid, models.c.uuid, models.c.schedule, models.c.updated_at,
                               models.c.extractor_slug)
                        .where(models.c.schedule.is_not(None), models.c.is_paused.is_(False))).all()


def last_ticks(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
    """`(owner_uuid, trigger_key) → last fired tick` for the given keys that have fired before."""
    out: dict[tuple[str, str], datetime] = {}
    for i in range(0, len(keys), 500):
        chunk = list(keys[i:i + 500])
        rows = conn.execute(select(schedule_ticks.c.owner_uuid, schedule_ticks.c.trigger_key,
                                   schedule_ticks.c.last_tick_at)
                            .where(tuple_(schedule_ticks.c.owner_uuid, schedule_ticks.c.trigger_key).in_(chunk)))
        out.update({(r.owner_uuid, r.trigger_key): r.last_tick_at for r in rows})
    return out


def advance(conn: Connection, ws: str, kind: str, owner_uuid: str, key: str, previous: datetime | None,
            tick: datetime, now: datetime) -> bool:
    """Move the stored tick from `previous` (None: never fired) to `tick`; False when another
    transaction moved it first (the caller must then not fire). On PostgreSQL a concurrent update of
    the same row waits for the other transaction and re-checks `previous`; SQLite writers are serial."""
    if previous is None:
        upsert = upsert_insert(conn)
        stmt = upsert(schedule_ticks).values(owner_uuid=owner_uuid, trigger_key=key, workspace_uuid=ws,
                                             owner_kind=kind, last_tick_at=tick, fired_at=now)
        # RETURNING tells whether this statement wrote the row (rowcount is not reliable here).
        returning = stmt.on_conflict_do_nothing().returning(schedule_ticks.c.owner_uuid)
        return conn.execute(returning).first() is not None
    result = conn.execute(
        update(schedule_ticks)
        .where(and_(schedule_ticks.c.workspace_uuid == ws, schedule_ticks.c.owner_uuid == owner_uuid,
                    schedule_ticks.c.trigger_key == key, schedule_ticks.c.last_tick_at == previous))
        .values(last_tick_at=tick, fired_at=now).returning(schedule_ticks.c.owner_uuid))
    return result.first() is not None



def any_tool_with_triggers(conn: Connection) -> bool:
    return conn.execute(select(tools.c.uuid).where(tools.c.deleted_at.is_(None),
                                                   cast(tools.c.triggers, String) != "[]").limit(1)).first() is not None
