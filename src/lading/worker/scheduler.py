"""The scheduler: fires the cron triggers of tools and the cron schedules of plays.

Every `lading worker` runs `SchedulerLoop` in a thread; only the leader (`store/leader.py`) fires.
Each tick of a tool trigger creates one run of the tool's deployed release whose input is the
trigger's `data`; each tick of an enabled play's `{"type":"cron"}` schedule syncs the play's
segment, and the change machinery (`segment_changes.sync_segment` → `plays.on_segment_change`)
creates the play's batch.

Tick policy (what a restart does):
- the last fired tick of every trigger is stored (`schedule_ticks`); a trigger that never fired
  counts from when its tool/play was last written (`updated_at`), so a tick that passed before any
  scheduler saw the trigger is not lost;
- whatever the number of ticks missed while no scheduler ran, the trigger fires ONCE, for the most
  recent missed tick, as soon as a scheduler leads again; then it follows its cron;
- a tick is consumed even when it cannot run (tool without deployed release, input missing a
  required form field): it is logged and skipped, never fired late when the tool is deployed.

Exactly once: a tool tick's run is inserted in the transaction that moves the stored tick forward by
compare-and-set (`schedules.advance`), so two schedulers (an old leader still finishing, or two
processes racing) cannot both fire it. A play tick syncs first and then moves the tick: a repeated
sync after a crash finds nothing new, so no batch is created twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lading.domain.errors import LadingError
from lading.engine.cron import latest_due
from lading.settings import Settings
from lading.store.clock import iso, utcnow
from lading.store.database import Database
from lading.store.repositories import schedules as repo

TOOL, PLAY, MODEL = "tool", "play", "model"
POLL_SECONDS = 1.0
RESUME_SECONDS = 5.0  # how often the leader looks for syncs whose driver died
log = logging.getLogger("lading.scheduler")


@dataclass(frozen=True)
class Schedule:
    """One cron schedule as the scheduler sees it: a tool trigger or a play schedule."""

    kind: str
    workspace_uuid: str
    owner_uuid: str
    key: str
    cron: str
    timezone: str | None
    # The last fired tick; None when it never fired (then `written_at` is where counting starts).
    last_tick: datetime | None
    written_at: datetime
    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    segment_uuid: str | None = None


def trigger_keys(triggers: list[dict[str, Any]]) -> list[str]:
    """A stable key per trigger: its name, cron and timezone (not its position, so editing one trigger
    of a list leaves the others' ticks alone); identical triggers are numbered."""
    keys: list[str] = []
    for trig in triggers:
        ident = json.dumps([trig.get("name"), trig.get("cron"), trig.get("timezone")], separators=(",", ":"))
        base = "t:" + hashlib.sha256(ident.encode()).hexdigest()[:40]
        key, n = base, 1
        while key in keys:
            n += 1
            key = f"{base}#{n}"
        keys.append(key)
    return keys


def play_key(cron: str) -> str:
    return "p:" + hashlib.sha256(cron.encode()).hexdigest()[:40]


def model_key(cron: str) -> str:
    return "m:" + hashlib.sha256(cron.encode()).hexdigest()[:40]


def load_schedules(db: Database) -> list[Schedule]:
    """Every live schedule of the store with its last fired tick."""
    found: list[Schedule] = []
    with db.read() as conn:
        for tool in repo.tools_with_triggers(conn):
            triggers = [t for t in (tool.triggers or []) if isinstance(t, dict) and t.get("type") == "cron"]
            for trig, key in zip(triggers, trigger_keys(triggers), strict=True):
                found.append(Schedule(TOOL, tool.workspace_uuid, tool.uuid, key, str(trig["cron"]),
                                      trig.get("timezone"), None, tool.updated_at, name=str(trig.get("name") or ""),
                                      data=dict(trig.get("data") or {})))
        for play in repo.enabled_scheduled_plays(conn):
            schedule = play.schedule or {}
            if schedule.get("type") == "cron" and schedule.get("cron"):
                found.append(Schedule(PLAY, play.workspace_uuid, play.uuid, play_key(schedule["cron"]),
                                      schedule["cron"], None, None, play.updated_at, segment_uuid=play.segment_uuid))
        for model in repo.scheduled_models(conn):
            schedule = model.schedule or {}
            if schedule.get("type") == "cron" and schedule.get("cron") and model.extractor_slug != "native":
                found.append(Schedule(MODEL, model.workspace_uuid, model.uuid, model_key(schedule["cron"]),
                                      schedule["cron"], None, None, model.updated_at))
        ticks = repo.last_ticks(conn, [(s.owner_uuid, s.key) for s in found])
    return [Schedule(**{**s.__dict__, "last_tick": ticks.get((s.owner_uuid, s.key))}) for s in found]


def has_schedules(db: Database) -> bool:
    """Whether any tool has a trigger or any enabled play a cron schedule (keeps the on-demand worker up)."""
    with db.read() as conn:
        if repo.any_tool_with_triggers(conn):
            return True
        if any((m.schedule or {}).get("type") == "cron" for m in repo.scheduled_models(conn)):
            return True
        return any((p.schedule or {}).get("type") == "cron" for p in repo.enabled_scheduled_plays(conn))


def fire_due(db: Database, settings: Settings, now: datetime | None = None,
             schedules: list[Schedule] | None = None) -> list[dict[str, Any]]:
    """Fire every schedule whose latest tick up to `now` has not fired yet (once, however many were
    missed). Returns what fired: `{"kind","ownerUuid","tick", "runUuid"|"segmentUuid"|"skipped"}`."""
    now = now or utcnow()
    fired: list[dict[str, Any]] = []
    for schedule in load_schedules(db) if schedules is None else schedules:
        after = schedule.last_tick or schedule.written_at
        try:
            tick = latest_due(schedule.cron, schedule.timezone, after, now)
        except (ValueError, KeyError) as exc:  # stored before validation existed
            log.warning("%s %s: cron %r cannot be evaluated: %s", schedule.kind, schedule.owner_uuid,
                        schedule.cron, exc)
            continue
        if tick is None:
            continue
        try:
            if schedule.kind == TOOL:
                done = _fire_tool(db, schedule, tick)
            elif schedule.kind == MODEL:
                done = _fire_model(db, settings, schedule, tick)
            else:
                done = _fire_play(db, settings, schedule, tick)
        except Exception:
            log.exception("%s %s: firing tick %s failed", schedule.kind, schedule.owner_uuid, iso(tick))
            continue
        if done is not None:
            fired.append(done)
    return fired


def _fire_tool(db: Database, schedule: Schedule, tick: datetime) -> dict[str, Any] | None:
    """One run of the tool's deployed release over the trigger's `data`, in the transaction that
    records the tick. None when the tick was fired elsewhere or the trigger is gone."""
    from lading.services.orchestration.runs import check_form_fields, new_run_row, record_identity
    from lading.store.repositories import runs as runs_repo
    from lading.store.repositories import workflows as wf_repo

    ws = schedule.workspace_uuid
    now = utcnow()
    with db.write() as conn:
        tool = wf_repo.get_tool(conn, ws, schedule.owner_uuid)
        if tool is None:
            return None  # deleted since it was read
        triggers = [t for t in (tool.triggers or []) if isinstance(t, dict)]
        current = dict(zip(trigger_keys(triggers), triggers, strict=True))
        if schedule.key not in current:
            return None  # removed or edited since it was read: the new list is scheduled on the next pass
        data = dict(current[schedule.key].get("data") or {})
        if not repo.advance(conn, ws, TOOL, schedule.owner_uuid, schedule.key, schedule.last_tick, tick, now):
            return None
        head = {"kind": TOOL, "ownerUuid": schedule.owner_uuid, "trigger": schedule.name, "tick": iso(tick)}
        release = wf_repo.release_by_status(conn, ws, tool.workflow_uuid, "deployed")
        if release is None:
            log.warning("tool %s trigger %r: tick %s skipped: the tool has no deployed release",
                        schedule.owner_uuid, schedule.name, iso(tick))
            return {**head, "skipped": "noDeployedRelease"}
        try:
            check_form_fields(release.form_fields, data)
        except LadingError as exc:
            log.warning("tool %s trigger %r: tick %s skipped: %s", schedule.owner_uuid, schedule.name, iso(tick),
                        exc.message)
            return {**head, "skipped": exc.reason}
        run_uuid = str(uuidlib.uuid4())
        record_id, title = record_identity(data, run_uuid)
        row = new_run_row(ws, run_uuid, tool.workflow_uuid, release.uuid, data, record_id, title, now)
        row["call_stack"] = [tool.uuid]
        runs_repo.insert_runs(conn, [row])
    log.info("tool %s trigger %r: tick %s fired run %s (release %s)", schedule.owner_uuid, schedule.name,
             iso(tick), run_uuid, release.uuid)
    return {**head, "runUuid": run_uuid}


def _fire_play(db: Database, settings: Settings, schedule: Schedule, tick: datetime) -> dict[str, Any] | None:
    """Re-evaluate the play's segment (its change creates the play's batch), then record the tick."""
    from lading.services.segmentation.changes import sync_segment
    from lading.services.wiring import workspace_session
    from lading.store.repositories import plays as plays_repo

    session = workspace_session(db, settings, schedule.workspace_uuid)
    if session is None:
        return None
    with db.read() as conn:
        play = plays_repo.get_play(conn, schedule.workspace_uuid, schedule.owner_uuid)
    if play is None or not play.is_enabled or (play.schedule or {}).get("cron") != schedule.cron:
        return None
    assert schedule.segment_uuid is not None
    sync_segment(session, schedule.segment_uuid)
    with db.write() as conn:
        if not repo.advance(conn, schedule.workspace_uuid, PLAY, schedule.owner_uuid, schedule.key,
                            schedule.last_tick, tick, utcnow()):
            return None
    log.info("play %s schedule %r: tick %s fired (segment %s synced)", schedule.owner_uuid, schedule.cron,
             iso(tick), schedule.segment_uuid)
    return {"kind": PLAY, "ownerUuid": schedule.owner_uuid, "tick": iso(tick), "segmentUuid": schedule.segment_uuid}


def _fire_model(db: Database, settings: Settings, schedule: Schedule, tick: datetime) -> dict[str, Any] | None:
    """Record the tick (compare-and-set: one scheduler fires it), claim the model's sync, and drive it
    in a thread of its own, so a long sync never holds back other schedules. A sync cut short (a crash,
    the worker stopping) is resumed after its last committed page by the leader's next resume pass
    (`resume_interrupted_syncs`) or the model's next sync; a tick finding the model's sync still running
    leaves it be."""
    from lading.services.storage import _sync
    from lading.services.wiring import workspace_session
    from lading.store.repositories import storage as storage_repo

    ws = schedule.workspace_uuid
    with db.read() as conn:
        model = storage_repo.get_model(conn, ws, schedule.owner_uuid)
    if model is None or model.is_paused or (model.schedule or {}).get("cron") != schedule.cron:
        return None
    session = workspace_session(db, settings, ws)
    if session is None:
        return None
    with db.write() as conn:
        if not repo.advance(conn, ws, MODEL, schedule.owner_uuid, schedule.key, schedule.last_tick, tick, utcnow()):
            return None
    run_uuid, owner = _sync.start(session, schedule.owner_uuid, "schedule")
    head = {"kind": MODEL, "ownerUuid": schedule.owner_uuid, "tick": iso(tick), "runUuid": run_uuid}
    if owner is None:
        log.info("model %s schedule %r: tick %s found sync %s still running", schedule.owner_uuid, schedule.cron,
                 iso(tick), run_uuid)
        return {**head, "skipped": "syncRunning"}
    _drive_in_thread(session, schedule.owner_uuid, run_uuid, owner)
    log.info("model %s schedule %r: tick %s started sync %s", schedule.owner_uuid, schedule.cron, iso(tick), run_uuid)
    return head


# Syncs the scheduler started in this process (tests and a stopping worker may wait for them).
_SYNCS: list[threading.Thread] = []


def _drive_in_thread(session: Any, owner_uuid: str, run_uuid: str, owner: str,
                     drive: Callable[..., None] | None = None) -> None:
    """Drive a sync (a model's by default; `drive` of another sync kind) in a daemon thread."""
    if drive is None:
        from lading.services.storage._sync import drive

    thread = threading.Thread(target=drive, args=(session, owner_uuid, run_uuid, owner),
                              name=f"lading-sync-{run_uuid[:8]}", daemon=True)
    thread.start()
    _SYNCS.append(thread)


def syncs_in_flight() -> bool:
    """A sync this process drives is still going (the on-demand worker stays up for it)."""
    _SYNCS[:] = [t for t in _SYNCS if t.is_alive()]
    return bool(_SYNCS)


def resume_interrupted_syncs(db: Database, settings: Settings) -> list[str]:
    """Take over every model or connector-library sync whose driver died (a killed `storage model
    refresh` or `content library sync`, a crashed worker) and resume it after its last committed page,
    in a thread of its own. Returns the runs resumed."""
    from lading.services.content import _sync as library_sync
    from lading.services.storage import _sync as model_sync
    from lading.services.wiring import workspace_session

    resumed = []
    for noun, sync in (("model", model_sync), ("library", library_sync)):
        for ws, owner_uuid in sync.interrupted_syncs(db):
            session = workspace_session(db, settings, ws)
            if session is None:
                continue
            try:
                run_uuid, owner = sync.start(session, owner_uuid, "schedule")
            except LadingError as exc:  # paused or removed meanwhile: its next sync resumes it
                log.info("%s %s: interrupted sync not resumed: %s", noun, owner_uuid, exc.message)
                continue
            if owner is not None:
                _drive_in_thread(session, owner_uuid, run_uuid, owner, drive=sync.drive)
                log.info("%s %s: resumed interrupted sync %s", noun, owner_uuid, run_uuid)
                resumed.append(run_uuid)
    return resumed


def wait_for_syncs(timeout: float = 60.0) -> None:
    for thread in list(_SYNCS):
        thread.join(timeout)
        if not thread.is_alive():
            _SYNCS.remove(thread)


class SchedulerLoop:
    """The loop every `lading worker` runs beside its runs: lead if possible, fire what is due, and
    tell the worker whether schedules exist (the on-demand worker then stays up)."""

    def __init__(self, db: Database, settings: Settings, *, clock: Callable[[], datetime] = utcnow,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.poll_seconds = poll_seconds
        # Until the first look, assume there are schedules: never exit before knowing.
        self.schedules_exist = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        from lading.store.leader import LeaderLock

        lock = LeaderLock(self.db, self.settings.home)
        last_resume = 0.0
        try:
            while not self._stop.is_set():
                try:
                    if lock.held():
                        schedules = load_schedules(self.db)
                        self.schedules_exist = bool(schedules)
                        fire_due(self.db, self.settings, self.clock(), schedules)
                        if time.monotonic() - last_resume >= RESUME_SECONDS:
                            last_resume = time.monotonic()
                            resume_interrupted_syncs(self.db, self.settings)
                    else:
                        self.schedules_exist = has_schedules(self.db)
                except Exception:
                    log.exception("scheduler pass failed")
                self._stop.wait(self.poll_seconds)
        finally:
            lock.release()

    def start(self) -> SchedulerLoop:
        self._thread = threading.Thread(target=self.run, name="lading-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
