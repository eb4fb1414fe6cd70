"""The scheduler: cron triggers of tools and cron schedules of plays (orchestration spec §1).

Ticks are driven with an injected clock (`fire_due(..., now)`), set in the year 2100: each tool or
play is stamped as last written just before that date, so a real scheduler sharing the PostgreSQL
test database (every worker runs one) never finds one of this file's ticks due. Runs and batches are
created and executed for real (the on-demand worker is started by `tool create --triggers`, as for a
user) and read back through the CLI. Two real `lading worker` processes check exactly-once firing
with the real clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, start, var

BASE = datetime(2100, 1, 1)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
POSTGRES = bool(os.environ.get("LADING_TEST_DATABASE_URL"))


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def _db() -> Any:
    from lading.store.database import open_database

    return open_database()


def _workspace() -> str:
    return str(ok("whoami")["workspace"]["uuid"])


def fire(now: datetime) -> list[dict[str, Any]]:
    """One scheduler pass at `now` over this test's workspace (the shared database holds others')."""
    from lading.settings import load_settings
    from lading.worker.scheduler import fire_due, load_schedules

    ws = _workspace()
    return fire_due(_db(), load_settings(), now, [s for s in load_schedules(_db()) if s.workspace_uuid == ws])


def written_at(table: str, uuid: str, when: datetime) -> None:
    """Pretend the tool/play was last written at `when` (where a never-fired trigger starts counting)."""
    from sqlalchemy import update

    from lading.store import schema

    tbl = getattr(schema, table)
    with _db().write() as conn:
        conn.execute(update(tbl).where(tbl.c.uuid == uuid).values(updated_at=when))


def scheduled_tool(triggers: list[dict[str, Any]], *, deploy: bool = True, since: datetime = BASE) -> dict[str, Any]:
    """A tool (deployed unless told otherwise) whose triggers are set last and stamped `since`."""
    tool = ok("orchestration", "tool", "create", "--name", "Digest")["tool"]
    if deploy:
        nodes = chain(start(), end([var("greeting", "{{nodes.start.greeting}}")]))
        ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"], "--nodes", j(nodes))
    ok("orchestration", "tool", "update", tool["uuid"], "--triggers", j(triggers))
    written_at("tools", tool["uuid"], since)
    return dict(tool)


def runs_of(workflow: str) -> list[dict[str, Any]]:
    return list(ok("orchestration", "run", "list", "--workflow-uuid", workflow, "--limit", "1000")["runs"])


def finished(run_uuid: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        out = ok("orchestration", "run", "get", run_uuid)
        if out["run"]["status"] in ("success", "error", "cancelled"):
            return dict(out)
        assert time.monotonic() < deadline, out["run"]
        time.sleep(0.2)


def cleanup(*tools: dict[str, Any]) -> None:
    """Remove the tools (their triggers go with them) so nothing of this test stays scheduled."""
    for tool in tools:
        ok("orchestration", "tool", "remove", tool["uuid"])


def test_every_minute_trigger_fires_once_per_tick() -> None:
    tool = scheduled_tool([{"name": "Every minute", "type": "cron", "cron": "* * * * *", "data": {"greeting": "hi"}}],
                          since=BASE - 30 * SECOND)
    wf = tool["workflowUuid"]
    assert runs_of(wf) == []
    first = fire(BASE + 10 * SECOND)
    assert [(f["tick"], f["trigger"]) for f in first] == [("2100-01-01T00:00:00.000Z", "Every minute")]
    # The same tick is never fired twice, nor a tick before it is due.
    assert fire(BASE + 10 * SECOND) == [] and fire(BASE + 59 * SECOND) == []
    assert len(fire(BASE + MINUTE)) == 1  # exactly on the tick
    assert fire(BASE + MINUTE + 30 * SECOND) == []
    assert len(fire(BASE + 2 * MINUTE + SECOND)) == 1
    runs = runs_of(wf)
    assert len(runs) == 3 and first[0]["runUuid"] in {r["uuid"] for r in runs}
    assert all(r["recordTitle"] == '{"greeting":"hi"}' for r in runs)
    # Each tick's run executes the deployed release over the trigger's `data`.
    done = finished(first[0]["runUuid"])
    assert done["run"]["status"] == "success" and done["run"]["workflowUuid"] == wf
    assert done["runContext"]["end"] == {"greeting": "hi"}
    cleanup(tool)
    assert fire(BASE + 10 * MINUTE) == []  # a removed tool's triggers are gone


def test_restart_after_downtime_fires_once_then_follows_the_cron() -> None:
    from lading.store.database import reset_database_cache

    tool = scheduled_tool([{"name": "Hourly", "type": "cron", "cron": "0 * * * *", "data": {"greeting": "hourly"}}])
    assert [f["tick"] for f in fire(BASE + timedelta(hours=1, minutes=5))] == ["2100-01-01T01:00:00.000Z"]
    # Nothing ran for five hours and a half; a new process (fresh engine) starts.
    reset_database_cache()
    fired = fire(BASE + timedelta(hours=6, minutes=30))
    assert [f["tick"] for f in fired] == ["2100-01-01T06:00:00.000Z"]  # the most recent missed tick, once
    assert fire(BASE + timedelta(hours=6, minutes=59)) == []
    assert [f["tick"] for f in fire(BASE + timedelta(hours=7))] == ["2100-01-01T07:00:00.000Z"]
    assert len(runs_of(tool["workflowUuid"])) == 3
    cleanup(tool)


def test_timezone_of_a_trigger() -> None:
    paris = {"name": "Paris 9am", "type": "cron", "cron": "0 9 * * *", "timezone": "Europe/Paris",
             "data": {"greeting": "bonjour"}}
    utc = {"name": "UTC 9am", "type": "cron", "cron": "0 9 * * *", "data": {"greeting": "hello"}}
    tool = scheduled_tool([paris, utc])
    # Winter: 09:00 in Paris is 08:00 UTC.
    assert fire(BASE + timedelta(hours=7, minutes=59)) == []
    assert [f["trigger"] for f in fire(BASE + timedelta(hours=8))] == ["Paris 9am"]
    assert [f["trigger"] for f in fire(BASE + timedelta(hours=9))] == ["UTC 9am"]
    # Summer: 09:00 in Paris is 07:00 UTC (the days in between collapse into one missed tick each).
    july = datetime(2100, 7, 1)
    catch_up = fire(july + timedelta(hours=6))
    assert sorted((f["trigger"], f["tick"]) for f in catch_up) == [
        ("Paris 9am", "2100-06-30T07:00:00.000Z"), ("UTC 9am", "2100-06-30T09:00:00.000Z")]
    assert [(f["trigger"], f["tick"]) for f in fire(july + timedelta(hours=7))] == [
        ("Paris 9am", "2100-07-01T07:00:00.000Z")]
    runs = runs_of(tool["workflowUuid"])
    titles = sorted(r["recordTitle"] for r in runs)
    assert titles == sorted(['{"greeting":"bonjour"}'] * 3 + ['{"greeting":"hello"}'] * 2)
    cleanup(tool)


def test_tool_without_deployed_release_is_skipped_and_the_tick_not_replayed(caplog: pytest.LogCaptureFixture) -> None:
    tool = scheduled_tool([{"name": "Hourly", "type": "cron", "cron": "0 * * * *", "data": {"greeting": "x"}}],
                          deploy=False)
    with caplog.at_level("WARNING", logger="lading.scheduler"):
        fired = fire(BASE + timedelta(hours=1))
    assert [f.get("skipped") for f in fired] == ["noDeployedRelease"]
    assert "no deployed release" in caplog.text and runs_of(tool["workflowUuid"]) == []
    nodes = chain(start(), end([var("greeting", "{{nodes.start.greeting}}")]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"], "--nodes", j(nodes))
    # Deploying does not replay the skipped tick; the next one runs.
    assert fire(BASE + timedelta(hours=1, minutes=30)) == []
    assert [f.get("runUuid") is not None for f in fire(BASE + timedelta(hours=2))] == [True]
    # A required form field the trigger's data lacks: the tick is skipped the same way.
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"], "--nodes", j(nodes),
       "--form-fields", j([{"slug": "domain", "label": "Domain", "type": "string", "required": True}]))
    assert [f.get("skipped") for f in fire(BASE + timedelta(hours=3))] == ["invalidData"]
    assert len(runs_of(tool["workflowUuid"])) == 1
    cleanup(tool)


def test_two_schedulers_racing_never_double_fire() -> None:
    """Two schedulers that both believe they lead (separate threads and connections, no leader lock)
    fire the same ticks at the same moment: the store's compare-and-set lets one through per tick."""
    from lading.settings import load_settings
    from lading.worker.scheduler import fire_due, load_schedules

    tool = scheduled_tool([{"name": "Every minute", "type": "cron", "cron": "* * * * *", "data": {"greeting": "r"}}])
    ws, db, settings = _workspace(), _db(), load_settings()
    fired: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    for minute in range(1, 6):
        now = BASE + minute * MINUTE
        schedules = [s for s in load_schedules(db) if s.workspace_uuid == ws]
        barrier = threading.Barrier(2)

        def race(schedules: list[Any] = schedules, now: datetime = now, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                fired.extend(fire_due(db, settings, now, schedules))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=race) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(f["tick"] for f in fired) == [f"2100-01-01T00:0{m}:00.000Z" for m in range(1, 6)]
    assert len(runs_of(tool["workflowUuid"])) == 5
    cleanup(tool)


def test_two_worker_processes_fire_a_missed_tick_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real clock, real processes: a daily trigger whose ticks were missed for three days; two
    `lading worker` processes start at once; exactly one run is created and executed."""
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    from lading.store.clock import utcnow

    now = utcnow()
    tool = scheduled_tool([{"name": "Daily", "type": "cron", "cron": "0 0 * * *", "data": {"greeting": "daily"}}],
                          since=now - timedelta(days=3))
    procs = [subprocess.Popen([sys.executable, "-m", "lading", "worker", "--idle-exit", "4"], env=dict(os.environ),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while not (runs := runs_of(tool["workflowUuid"])):
            assert time.monotonic() < deadline, "the missed tick never fired"
            time.sleep(0.2)
        done = finished(runs[0]["uuid"])
        assert done["runContext"]["end"] == {"greeting": "daily"}
        time.sleep(2.5)  # more than two scheduler passes of both processes
        assert len(runs_of(tool["workflowUuid"])) == 1
    finally:
        cleanup(tool)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_play_with_cron_schedule_gets_its_batch_on_the_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.services.segmentation import changes as segment_changes

    monkeypatch.setattr(segment_changes, "DEBOUNCE", timedelta(0))  # a watched segment would sync on every write
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = ok("storage", "model", "create", "--slug", "leads", "--name", "Leads", "--dataset-uuid", ds,
               "--columns", j([{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"}]),
               "--title-column-slug", "name")["model"]["uuid"]
    ann = {"_id": "l1", "name": "Ann", "country": "US"}
    ok("storage", "record", "upsert", "--model-uuid", model, "--records", j([ann]))
    us = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]}]}]}
    play = ok("orchestration", "play", "create", "--name", "Greet", "--model-uuid", model, "--filter", j(us),
              "--schedule", j({"type": "cron", "cron": "*/15 * * * *"}))["play"]
    nodes = chain(start(), end([var("name", "{{nodes.start.name}}")]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", play["workflowUuid"], "--nodes", j(nodes))
    ok("orchestration", "play", "update", play["uuid"], "--is-enabled", "true")
    written_at("plays", play["uuid"], BASE)
    wf = play["workflowUuid"]

    # Records enter the segment: a cron play does not re-evaluate on writes, only on its ticks.
    ok("storage", "record", "upsert", "--model-uuid", model, "--records", j([
        {"_id": "l2", "name": "Bob", "country": "US"}, {"_id": "l3", "name": "Cy", "country": "FR"}]))
    assert ok("orchestration", "batch", "list", "--workflow-uuids", wf)["batches"] == []
    assert fire(BASE + 14 * MINUTE) == []
    assert [f["kind"] for f in fire(BASE + 15 * MINUTE)] == ["play"]
    deadline = time.monotonic() + 60
    while True:
        batches = ok("orchestration", "batch", "list", "--workflow-uuids", wf)["batches"]
        if batches and batches[0]["status"] in ("success", "error", "cancelled"):
            break
        assert time.monotonic() < deadline, batches
        time.sleep(0.2)
    assert len(batches) == 1 and batches[0]["status"] == "success" and batches[0]["data"]["kind"] == "change"
    runs = ok("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", batches[0]["uuid"])["runs"]
    assert [(r["recordId"], r["recordTitle"]) for r in runs] == [("l2", "Bob")]
    # The next tick finds nothing new: no batch.
    assert len(fire(BASE + 30 * MINUTE)) == 1
    assert len(ok("orchestration", "batch", "list", "--workflow-uuids", wf)["batches"]) == 1
    # A disabled play is not scheduled.
    ok("orchestration", "play", "update", play["uuid"], "--is-enabled", "false")
    assert fire(BASE + 45 * MINUTE) == []
    ok("orchestration", "play", "remove", play["uuid"])


@pytest.mark.skipif(POSTGRES, reason="the shared test database holds other tests' schedules, which keep "
                                     "the on-demand worker up by design")
@pytest.mark.embedded_only  # watches the on-demand worker of the CLI's own home
def test_on_demand_worker_stays_up_while_schedules_exist(lading_env: Any) -> None:
    from lading.services.wiring import open_session
    from lading.worker.host import worker_running

    tool = ok("orchestration", "tool", "create", "--name", "Weekly", "--triggers",
              j([{"name": "Weekly", "type": "cron", "cron": "0 9 * * 1", "data": {}}]))["tool"]
    session = open_session()
    deadline = time.monotonic() + 20
    while not worker_running(session):  # started by `tool create --triggers`
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(5)  # beyond the suite's 3 s idle exit: the worker stays for the scheduler
    assert worker_running(session)
    ok("orchestration", "tool", "remove", tool["uuid"])
    deadline = time.monotonic() + 20
    while worker_running(session):  # nothing scheduled any more: it exits once idle
        assert time.monotonic() < deadline, "the on-demand worker did not exit"
        time.sleep(0.2)
