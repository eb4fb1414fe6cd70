"""`orchestration query execute`: the spec's and the seed's queries give the figures computed here from
the rows the test wrote, in the caller's workspace only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from analytics_store import Filled, fill, other_workspace, remove
from conftest import run_cli


def q(sql: str) -> list[dict[str, Any]]:
    code, out = run_cli("orchestration", "query", "execute", sql)
    assert code == 0, out
    assert set(out) == {"rows"}
    return out["rows"]


@pytest.fixture
def stores() -> Iterator[tuple[Filled, Filled]]:
    from lading.services.wiring import open_session

    session = open_session()
    mine = fill(session.db, session.workspace_uuid, seed=1, title_prefix="acme")
    theirs = fill(session.db, other_workspace(session.db, f"other-{session.workspace_uuid}"), seed=2,
                  title_prefix="secret")
    yield mine, theirs
    remove(session.db, mine, theirs)


def ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f")


def test_acceptance_queries_return_the_figures_of_the_store(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    now = datetime.utcnow()
    runs, execs, batches = mine.runs, mine.executions, mine.batches

    assert q("SELECT count() FROM runs WHERE status = 'error'") == [
        {"count()": sum(r["status"] == "error" for r in runs)}]
    assert {r["status"]: r["count()"] for r in q("SELECT status, count() FROM runs GROUP BY status")} == \
        Counter(r["status"] for r in runs)
    assert {r["status"]: r["count()"] for r in q("SELECT status, count() FROM batches GROUP BY status")} == \
        Counter(b["status"] for b in batches)

    latest = q("SELECT * FROM spans ORDER BY execution_started_at DESC LIMIT 10")
    assert len(latest) == 10 and len(latest[0]) == 31
    newest = max(e["started_at"] for e in execs)
    assert ts(latest[0]["execution_started_at"]) == newest
    assert {"status", "started_at", "credits_used_count"}.isdisjoint(latest[0])  # ALIAS columns are not in *

    day = [r for r in runs if r["created_at"] > now - timedelta(days=1)]
    (rate,) = q("SELECT countIf(status='error') / count() AS error_rate FROM runs "
                "WHERE created_at > now() - INTERVAL 1 DAY")
    assert rate["error_rate"] == pytest.approx(sum(r["status"] == "error" for r in day) / len(day))

    week_errors = Counter(r["workflow_uuid"] for r in runs
                          if r["status"] == "error" and r["created_at"] > now - timedelta(days=7))
    rows = q("SELECT workflow_uuid, count() AS errors FROM runs WHERE status='error' AND "
             "created_at > now() - INTERVAL 7 DAY GROUP BY workflow_uuid ORDER BY errors DESC")
    assert {r["workflow_uuid"]: r["errors"] for r in rows} == week_errors
    assert [r["errors"] for r in rows] == sorted(week_errors.values(), reverse=True)

    failures = Counter(e["node_slug"] for e in execs
                       if e["status"] == "error" and e["started_at"] > now - timedelta(days=1))
    rows = q("SELECT node_slug, count() AS failures FROM spans WHERE execution_status='error' AND "
             "execution_started_at > now() - INTERVAL 1 DAY GROUP BY node_slug ORDER BY failures DESC")
    assert {r["node_slug"]: r["failures"] for r in rows} == failures

    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spend: dict[str, float] = defaultdict(float)
    for b in batches:
        if b["created_at"] >= month:
            spend[b["workflow_uuid"]] += sum(r["credits_used_count"] for r in runs if r["batch_uuid"] == b["uuid"])
    rows = q("SELECT workflow_uuid, sum(credits_used_count) AS credits FROM batches WHERE "
             "created_at >= toStartOfMonth(now()) GROUP BY workflow_uuid ORDER BY credits DESC")
    assert {r["workflow_uuid"]: pytest.approx(r["credits"]) for r in rows} == spend

    hour = [e for e in execs if e["finished_at"] and e["finished_at"] > now - timedelta(hours=1)]
    rows = q("SELECT node_slug, node_kind, dateDiff('second', execution_started_at, execution_finished_at) AS "
             "duration_s FROM spans WHERE execution_finished_at > now() - INTERVAL 1 HOUR "
             "ORDER BY duration_s DESC LIMIT 20")
    assert len(rows) == min(20, len(hour))
    assert [r["duration_s"] for r in rows] == sorted(
        (int((e["finished_at"] - e["started_at"]).total_seconds()) for e in hour), reverse=True)[:20]

    rows = q("WITH recent AS (SELECT * FROM runs WHERE created_at > now() - INTERVAL 1 DAY) "
             "SELECT status, count() FROM recent GROUP BY status")
    assert {r["status"]: r["count()"] for r in rows} == Counter(r["status"] for r in day)

    rows = q("SELECT uuid, workflow_uuid, record_title, status, created_at FROM runs ORDER BY created_at DESC LIMIT 10")
    assert [r["uuid"] for r in rows] == [r["uuid"] for r in sorted(runs, key=lambda r: r["created_at"],
                                                                   reverse=True)[:10]]
    one = runs[0]
    rows = q(f"SELECT uuid, workflow_uuid, record_title, status, created_at FROM runs WHERE record_title ILIKE "
             f"'%{one['record_title'].upper()}%' ORDER BY created_at DESC LIMIT 10")
    assert one["uuid"] in {r["uuid"] for r in rows}
    assert all(r["record_title"] == one["record_title"] for r in rows)

    wf = mine.workflows[0]
    of_wf = sorted((r for r in runs if r["workflow_uuid"] == wf), key=lambda r: r["created_at"], reverse=True)
    rows = q(f"SELECT uuid, status, created_at, credits_used_count FROM runs WHERE workflow_uuid = '{wf}' "
             "ORDER BY created_at DESC LIMIT 20")
    assert [(r["uuid"], r["credits_used_count"]) for r in rows] == [
        (r["uuid"], pytest.approx(r["credits_used_count"])) for r in of_wf[:20]]
    assert ts(rows[0]["created_at"]) == of_wf[0]["created_at"]

    run = next(r for r in runs if r["status"] == "error")
    rows = q("SELECT node_slug, execution_status, dateDiff('second', execution_started_at, execution_finished_at) "
             f"AS duration_s FROM spans WHERE run_uuid = '{run['uuid']}' ORDER BY duration_s DESC")
    assert sorted((r["node_slug"], r["execution_status"]) for r in rows) == sorted(
        (e["node_slug"], e["status"]) for e in execs if e["run_uuid"] == run["uuid"])

    rows = q(f"SELECT uuid FROM runs WHERE workflow_uuid = '{wf}' AND status = 'success' "
             "ORDER BY created_at DESC LIMIT 3")
    assert [r["uuid"] for r in rows] == [r["uuid"] for r in of_wf if r["status"] == "success"][:3]

    month_runs = [r for r in of_wf if r["created_at"] > now - timedelta(days=30)]
    rows = q("SELECT status, sum(credits_used_count) AS credits, count() AS runs FROM runs WHERE "
             f"workflow_uuid = '{wf}' AND created_at > now() - INTERVAL 30 DAY GROUP BY status")
    assert {r["status"]: r["runs"] for r in rows} == Counter(r["status"] for r in month_runs)

    since = (now - timedelta(days=3)).strftime("%Y-%m-%d")
    rows = q("SELECT execution_status, count() AS executions, count() / 100 AS credits FROM spans "
             f"WHERE execution_started_at >= '{since}' GROUP BY execution_status")
    expected = Counter(e["status"] for e in execs if e["started_at"] >= datetime.strptime(since, "%Y-%m-%d"))
    assert {r["execution_status"]: r["executions"] for r in rows} == expected
    assert all(r["credits"] == pytest.approx(r["executions"] / 100) for r in rows)

    hour_runs = [r for r in runs if r["created_at"] > now - timedelta(hours=1)]
    (row,) = q("select countIf(status='error')*100/count() from runs where created_at > now() - interval 1 hour")
    value = next(iter(row.values()))
    if hour_runs:
        assert value == pytest.approx(100 * sum(r["status"] == "error" for r in hour_runs) / len(hour_runs))
    else:
        assert value is None  # 0/0 is NaN, shown as null

    five = q("SELECT * FROM runs LIMIT 5")
    assert len(five) == 5 and len(five[0]) == 51 and "executions.node_slug" in five[0]


def test_tables_expose_the_spec_columns_with_consistent_values(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    run = next(r for r in mine.runs if r["status"] == "error" and r["batch_uuid"])
    (row,) = q(f"SELECT * FROM runs WHERE uuid = '{run['uuid']}'")
    own = [e for e in mine.executions if e["run_uuid"] == run["uuid"]]
    assert row["workspace_uuid"] == mine.workspace_uuid and row["batch_uuid"] == run["batch_uuid"]
    assert row["is_finished"] is True and row["error_node_slug"] == "end" and row["release_version"] == "1"
    assert row["executions.node_slug"] == [e["node_slug"] for e in own]
    assert row["error_executions_count"] == 1 and row["success_executions_count"] == len(own) - 1
    assert row["record_id"] == run["record_id"] and row["data"] and row["finished_at"] is not None

    (batch,) = q(f"SELECT batch_uuid, runs_count, failed_runs_count, executed_runs_count, runs_status, data_kind "
                 f"FROM batches WHERE uuid = '{run['batch_uuid']}'")
    of_batch = [r for r in mine.runs if r["batch_uuid"] == run["batch_uuid"]]
    assert batch["batch_uuid"] == run["batch_uuid"] and batch["data_kind"] == "records"
    assert batch["runs_count"] == len(of_batch)
    assert batch["failed_runs_count"] == sum(r["status"] == "error" for r in of_batch)
    assert batch["executed_runs_count"] == sum(r["status"] in ("success", "error") for r in of_batch)

    records = q("SELECT workflow_uuid, id, record_id, run_uuid, runs_count FROM records")
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in sorted(mine.runs, key=lambda r: (r["created_at"], r["uuid"])):
        latest[(r["workflow_uuid"], r["record_id"])] = r
    assert {(r["workflow_uuid"], r["id"]): r["run_uuid"] for r in records} == {
        k: v["uuid"] for k, v in latest.items()}
    assert all(r["id"] == r["record_id"] for r in records)
    assert sum(r["runs_count"] for r in records) == len(mine.runs)

    (span,) = q(f"SELECT record_title, status, credits_used_count, node_integration_slug, node_connector_uuid "
                f"FROM spans WHERE run_uuid = '{run['uuid']}' AND node_slug = 'enrich'")
    assert span["record_title"] == run["record_title"] and span["status"] == "success"
    assert span["node_integration_slug"] == "clearbit" and span["node_connector_uuid"] == mine.connector_uuid


def test_runs_made_by_the_worker_are_visible_at_once() -> None:
    """Real runs (written by the executor, not by the test) appear in runs, spans and records."""
    from conftest import j
    from graphs import chain, end, node, start, var

    nodes = chain(start(), node("check", "script", {"script": "if (nodes.start.fail) throw new Error('kaput');"
                                                              " return 1;"}), end([var("a", "{{nodes.start.a}}")]))
    code, out = run_cli("orchestration", "tool", "create", "--name", "Analytics")
    wf = out["tool"]["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    assert code == 0, out
    made = []
    for data in ({"_id": "r1", "a": 1}, {"_id": "r2", "fail": True}):
        code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j(data),
                            "--wait-until-finished")
        assert code == 0, out
        made.append(out["run"])
    rows = q(f"SELECT uuid, status, record_id, executions_count, error_node_slug, finished_at IS NOT NULL AS done "
             f"FROM runs WHERE workflow_uuid = '{wf}' ORDER BY created_at")
    assert [(r["uuid"], r["status"], r["record_id"]) for r in rows] == [
        (m["uuid"], m["status"], m["recordId"]) for m in made]
    assert rows[1]["status"] == "error" and rows[1]["error_node_slug"] == "check" and rows[1]["done"] == 1
    spans = q(f"SELECT node_slug, execution_status, execution_duration_ms IS NOT NULL AS timed FROM spans "
              f"WHERE run_uuid = '{made[1]['uuid']}' ORDER BY execution_started_at, uuid")
    assert [(s["node_slug"], s["execution_status"]) for s in spans] == [("start", "success"), ("check", "error")]
    assert q(f"SELECT count() AS n FROM records WHERE workflow_uuid = '{wf}'") == [{"n": 2}]
    assert q("SELECT count() AS n FROM spans WHERE execution_started_at > now() - INTERVAL 1 HOUR") == [
        {"n": sum(len(m["executions"]) for m in made)}]


def test_latest_rows_by_time_are_exact(stores: tuple[Filled, Filled]) -> None:
    """`ORDER BY <time> LIMIT k` reads only the first k rows by key; the answer is the same as a full scan."""
    mine, _ = stores
    by_time = sorted(mine.executions, key=lambda e: e["started_at"], reverse=True)
    rows = q("SELECT run_uuid, node_slug, record_title, execution_started_at FROM spans "
             "ORDER BY execution_started_at DESC LIMIT 7 OFFSET 2")
    assert [ts(r["execution_started_at"]) for r in rows] == [e["started_at"] for e in by_time[2:9]]
    titles = {r["uuid"]: r["record_title"] for r in mine.runs}
    assert all(r["record_title"] == titles[r["run_uuid"]] for r in rows)
    oldest = sorted(mine.runs, key=lambda r: r["created_at"])[:4]
    rows = q("SELECT uuid, error_executions_count, executions.node_slug FROM runs ORDER BY created_at LIMIT 4")
    assert [r["uuid"] for r in rows] == [r["uuid"] for r in oldest]
    assert [len(r["executions.node_slug"]) for r in rows] == [r["executions_count"] for r in oldest]
    rows = q("SELECT uuid, failed_runs_count FROM batches ORDER BY created_at DESC LIMIT 1")
    newest = max(mine.batches, key=lambda b: b["created_at"])
    assert rows == [{"uuid": newest["uuid"], "failed_runs_count": sum(
        r["status"] == "error" for r in mine.runs if r["batch_uuid"] == newest["uuid"])}]
    # Not eligible (a WHERE): the ordinary scan answers.
    rows = q("SELECT uuid FROM runs WHERE status = 'error' ORDER BY created_at DESC LIMIT 2")
    errors = sorted((r for r in mine.runs if r["status"] == "error"), key=lambda r: r["created_at"], reverse=True)
    assert [r["uuid"] for r in rows] == [r["uuid"] for r in errors[:2]]


def test_a_query_leaves_the_process_signal_handlers_alone() -> None:
    """chDB installs handlers for every signal; after a query the python sandbox (wasmtime's trap
    handlers) still runs in this process and Ctrl-C is still a KeyboardInterrupt."""
    import os
    import signal
    import time

    from lading.engine.sandbox.python import run_python

    assert run_python("result = 40 + 1", {}, {}) == 41
    assert q("SELECT 1 AS one") == [{"one": 1}]
    assert run_python("result = 41 + 1", {}, {}) == 42
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
