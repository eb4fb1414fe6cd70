"""`orchestration play …`: segment-driven workflows, and the batches segment changes create for them.

A play is a workflow (releases, draft, deploys, like a tool's) bound to a model and to its own
generated segment (`GENERATED_PLAY_SEGMENT`, `fromPlay: true`) whose filter, limit and tracking
columns are the play's `--filter`, `--limit` and `--tracking-column-slugs`. When a sync computes a
change for that segment and the play is enabled, `on_segment_change` creates one batch of the
deployed release over the change's records whose kind the play reacts to (data spec §10.1).
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from lading.domain.errors import LadingError, NotFoundError, ValidationError, found, shown
from lading.services.orchestration import shapes
from lading.services.orchestration._graphs import insert_new_workflow
from lading.services.orchestration._play_batch_rows import normalise_change_kinds
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import iso, utcnow
from lading.store.repositories import plays as repo
from lading.store.repositories import segments as seg_repo
from lading.store.repositories import workflows as wf_repo

SEGMENT_NAME = "GENERATED_PLAY_SEGMENT"
RULES = ("always", "once")
EMPTY_FILTER: dict[str, Any] = {"conjonction": "and", "groups": []}
_UNSET: Any = object()
_log = logging.getLogger(__name__)


def play_document(conn: Any, row: Any) -> dict[str, Any]:
    """The play with its segment's filter as segments answer it (object/array property conditions
    under `propertyConditions`)."""
    from lading.data.filters import answered_filter

    seg = seg_repo.get_segment(conn, row.workspace_uuid, row.segment_uuid, include_deleted=True)
    # Who created the play: its workflow's draft was written by them, in the same transaction.
    draft = wf_repo.release_by_status(conn, row.workspace_uuid, row.workflow_uuid, "draft")
    return shapes.Play(
        uuid=row.uuid, name=row.name, workflow_uuid=row.workflow_uuid, model_uuid=row.model_uuid,
        segment_uuid=row.segment_uuid, change_kinds=list(row.change_kinds or []),
        run_creation_rule=row.run_creation_rule, is_enabled=bool(row.is_enabled), schedule=row.schedule,
        description=row.description, health_threshold=row.health_threshold, folder_uuid=row.folder_uuid,
        filter=answered_filter(seg.filter) if seg is not None else None,
        limit=seg.records_limit if seg is not None else None,
        tracking_column_slugs=seg.tracking_column_slugs if seg is not None else None,
        workspace_uuid=row.workspace_uuid, user_uuid=draft.user_uuid if draft is not None else None,
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at),
    ).dump()


def require_play(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_play(conn, session.workspace_uuid, uuid), "Play", uuid)


# --- validation of the play's own settings ---------------------------------------------------------


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("--name must not be empty", reason="invalidData")
    return name.strip()


def _rule(rule: Any) -> str:
    if rule == "onlyOnce":  # the data spec's spelling of `once`
        rule = "once"
    if rule not in RULES:
        raise ValidationError(f"--run-creation-rule must be one of {', '.join(RULES)}", reason="invalidData")
    return str(rule)


def _threshold(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise ValidationError("--health-threshold must be a whole number between 0 and 100", reason="invalidData")
    return value


# Schedule types the client knows that Lading cannot run (api.md §2.2).
UNSCHEDULABLE = ("dbt", "realtime", "dependency")


def _schedule(value: Any) -> dict[str, Any] | None:
    """`null`, `{"type":"watch"}` or `{"type":"cron","cron":"…"}` (a valid cron, checked on write)."""
    if value is None:
        return None
    if isinstance(value, dict) and value.get("type") in UNSCHEDULABLE:
        raise ValidationError(f"--schedule: {shown(value['type'])} schedules are not available; use null, "
                              '{"type":"watch"} or {"type":"cron","cron":"…"}', reason="failedToSchedule")
    if isinstance(value, dict) and value.get("type") == "watch" and set(value) == {"type"}:
        return {"type": "watch"}
    if isinstance(value, dict) and value.get("type") == "cron":
        from croniter import croniter

        cron = value.get("cron")
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise ValidationError(f"--schedule: invalid cron expression {shown(cron)}", reason="invalidData")
        return {"type": "cron", "cron": cron}
    raise ValidationError('--schedule must be null, {"type":"watch"} or {"type":"cron","cron":"…"}',
                          reason="invalidData")


def _as_given(value: Any) -> Any:
    return value


# --- commands ---------------------------------------------------------------------------------------


def create_play(session: Session, *, name: str, model_uuid: str, change_kinds: Any = None,
                run_creation_rule: str = "always", description: str | None = None, filter: Any = None,
                sort: Any = None, limit: int | None = None, schedule: Any = None, health_threshold: int = 80,
                tracking_column_slugs: list[str] | None = None, folder_uuid: str | None = None) -> dict[str, Any]:
    """The play, its workflow (a `start → end` draft) and its generated segment, synced at once.

    Everything is validated before anything is written; the segment is created through the segments
    service (which validates the filter against the model and syncs it), then claimed by the play in
    the same transaction that writes the play and its workflow."""
    from lading.services.segmentation import segments

    kinds = ["added"] if change_kinds is None else change_kinds
    values = {"name": _name(name), "change_kinds": normalise_change_kinds(kinds, "--change-kinds"),
              "run_creation_rule": _rule(run_creation_rule), "schedule": _schedule(schedule),
              "health_threshold": _threshold(health_threshold)}
    if not model_uuid:
        raise ValidationError("--model-uuid is required", reason="invalidData")
    with session.db.read() as conn:
        folder_uuid = require_folder(conn, session.workspace_uuid, folder_uuid, "play")
    segment = segments.create_segment(session, name=SEGMENT_NAME, model_uuid=model_uuid,
                                      filter=EMPTY_FILTER if filter is None else filter, sort=sort, limit=limit,
                                      tracking_column_slugs=tracking_column_slugs)["segment"]
    now = utcnow()
    ws = session.workspace_uuid
    play_uuid, workflow_uuid = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    try:
        with session.db.write() as conn:
            insert_new_workflow(session, conn, workflow_uuid, now, play_uuid=play_uuid, folder_uuid=folder_uuid)
            repo.insert_play(conn, ws, {
                **values, "uuid": play_uuid, "workflow_uuid": workflow_uuid, "model_uuid": model_uuid,
                "segment_uuid": segment["uuid"], "description": description, "is_enabled": False,
                "folder_uuid": folder_uuid, "created_at": now, "updated_at": now})
            seg_repo.update_segment(conn, ws, segment["uuid"], {"from_play": True, "play_uuid": play_uuid})
            return {"play": play_document(conn, require_play(session, conn, play_uuid))}
    except BaseException:
        _drop_segment(session, segment["uuid"])
        raise


def _drop_segment(session: Session, segment_uuid: str) -> None:
    with session.db.write() as conn:
        seg_repo.update_segment(conn, session.workspace_uuid, segment_uuid, {"deleted_at": utcnow()})
        seg_repo.drop_members(conn, segment_uuid)


def get_play(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"play": play_document(conn, require_play(session, conn, uuid))}


def list_plays(session: Session, *, folder_uuid: str | None = None, is_enabled: bool | None = None,
               model_uuid: str | None = None, segment_uuid: str | None = None,
               schedule_type: str | None = None) -> dict[str, Any]:
    """Plays newest first, narrowed by each filter given (`schedule_type` `none` = no schedule)."""
    with session.db.read() as conn:
        rows = [r for r in repo.list_plays(conn, session.workspace_uuid, folder_uuid)
                if (is_enabled is None or bool(r.is_enabled) == is_enabled)
                and (model_uuid is None or r.model_uuid == model_uuid)
                and (segment_uuid is None or r.segment_uuid == segment_uuid)
                and (schedule_type is None or (r.schedule or {}).get("type", "none") == schedule_type)]
        return {"plays": [play_document(conn, r) for r in rows]}


def update_play(session: Session, uuid: str, *, name: Any = _UNSET, description: Any = _UNSET,
                filter: Any = _UNSET, sort: Any = _UNSET, limit: Any = _UNSET, schedule: Any = _UNSET,
                change_kinds: Any = _UNSET,
                run_creation_rule: Any = _UNSET, is_enabled: Any = _UNSET, health_threshold: Any = _UNSET,
                tracking_column_slugs: Any = _UNSET, folder_uuid: Any = _UNSET) -> dict[str, Any]:
    """Settings of the play; `--filter`/`--limit`/`--tracking-column-slugs` update (and sync) its
    generated segment. Enabling needs a deployed release (`noDeployedRelease`)."""
    from lading.services.segmentation import segments

    # Each given setting, checked in this order (the first bad one is the error reported).
    given: tuple[tuple[str, Any, Callable[[Any], Any]], ...] = (
        ("name", name, _name), ("description", description, _as_given), ("schedule", schedule, _schedule),
        ("change_kinds", change_kinds, lambda kinds: normalise_change_kinds(kinds, "--change-kinds")),
        ("run_creation_rule", run_creation_rule, _rule), ("health_threshold", health_threshold, _threshold),
        ("folder_uuid", folder_uuid, _as_given), ("is_enabled", is_enabled, bool))
    values = {key: check(value) for key, value, check in given if value is not _UNSET}
    segment_values = {k: v for k, v in (("filter", filter), ("sort", sort), ("limit", limit),
                                         ("tracking_column_slugs", tracking_column_slugs)) if v is not _UNSET}
    ws = session.workspace_uuid
    with session.db.read() as conn:
        row = require_play(session, conn, uuid)
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "play")
        if values.get("is_enabled") and wf_repo.release_by_status(conn, ws, row.workflow_uuid, "deployed") is None:
            raise NotFoundError("this play has no deployed release; deploy its draft before enabling it",
                                reason="noDeployedRelease")
    if segment_values:
        if segment_values.get("filter", 0) is None:
            segment_values["filter"] = EMPTY_FILTER
        segments.update_segment(session, uuid=row.segment_uuid, **segment_values)
    now = utcnow()
    with session.db.write() as conn:
        require_play(session, conn, uuid)
        repo.update_play(conn, ws, uuid, {**values, "updated_at": now})
        if "folder_uuid" in values:
            conn.execute(_workflow_folder(row.workflow_uuid, ws, values["folder_uuid"], now))
        out = {"play": play_document(conn, require_play(session, conn, uuid))}
    if out["play"]["isEnabled"] and (out["play"]["schedule"] or {}).get("type") == "cron":
        session.work.announce()  # the scheduler runs in the worker: cron ticks must fire
    return out


def _workflow_folder(workflow_uuid: str, ws: str, folder_uuid: str | None, now: Any) -> Any:
    from sqlalchemy import update

    from lading.store.schema import workflows

    return update(workflows).where(workflows.c.workspace_uuid == ws, workflows.c.uuid == workflow_uuid) \
        .values(folder_uuid=folder_uuid, updated_at=now)


def remove_play(session: Session, uuid: str) -> dict[str, Any]:
    """Deletes the play, its workflow and its generated segment (soft); run history stays queryable."""
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_play(session, conn, uuid)
        repo.update_play(conn, ws, uuid, {"deleted_at": now, "updated_at": now, "is_enabled": False})
        wf_repo.soft_delete_workflow(conn, ws, row.workflow_uuid, now)
        seg_repo.update_segment(conn, ws, row.segment_uuid, {"deleted_at": now, "updated_at": now})
        seg_repo.drop_members(conn, row.segment_uuid)
    return shapes.Removed(uuid=uuid).dump()


# --- change triggers (data spec §10.1) --------------------------------------------------------------


def on_segment_change(session: Session, play_uuid: str, change_uuid: str) -> str | None:
    """A sync computed a change for a play's segment: if the play is enabled, one batch of its
    deployed release over the change's records of the play's kinds. With `runCreationRule: once`,
    records that already have a run in the workflow are left out. Returns the batch uuid, or None
    when the play is disabled or no record qualifies. Never raises (the sync has committed)."""
    from lading.services.orchestration import batches
    from lading.services.orchestration._play_batch_rows import change_record_ids

    try:
        with session.db.read() as conn:
            play = repo.get_play(conn, session.workspace_uuid, play_uuid)
            if play is None or not play.is_enabled:
                return None
            change = seg_repo.get_change(conn, session.workspace_uuid, change_uuid)
        if change is None:
            return None
        kinds = list(play.change_kinds)
        skip: set[str] = set()
        if play.run_creation_rule == "once":
            ids = change_record_ids(session, change, kinds)
            with session.db.read() as conn:
                skip = repo.records_with_runs(conn, session.workspace_uuid, play.workflow_uuid, ids)
            if len(skip) == len(ids):
                return None
        out = batches.create_batch(session, workflow_uuid=play.workflow_uuid, skip_record_ids=skip,
                                   data={"kind": "change", "changeUuid": change_uuid, "changeKinds": kinds})
    except LadingError as exc:
        if exc.reason != "noRecords":
            _log.warning("play %s: no batch for change %s: %s", play_uuid, change_uuid, exc.message)
        return None
    session.work.announce()  # embedded mode never strands the batch
    return str(out["batch"]["uuid"])
