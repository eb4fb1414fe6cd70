"""`billing usage get-metrics`: executions and credits per UTC day, agreeing with `spans`, own workspace only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from analytics_store import Filled, fill, other_workspace, remove
from conftest import run_cli


@pytest.fixture
def stores() -> Iterator[tuple[Filled, Filled]]:
    from lading.services.wiring import open_session

    session = open_session()
    mine = fill(session.db, session.workspace_uuid, seed=5, runs_count=90)
    theirs = fill(session.db, other_workspace(session.db, f"other-{session.workspace_uuid}"), seed=6,
                  runs_count=90)
    yield mine, theirs
    remove(session.db, mine, theirs)


def usage(*flags: str) -> list[dict[str, Any]]:
    code, out = run_cli("billing", "usage", "get-metrics", *flags)
    assert code == 0, out
    assert set(out) == {"metrics"}
    return out["metrics"]


def _days(execs: list[dict[str, Any]], start: str, end: str) -> list[dict[str, Any]]:
    lo = datetime.strptime(start, "%Y-%m-%d")
    hi = datetime.strptime(end, "%Y-%m-%d") + timedelta(days=1)
    return [e for e in execs if lo <= e["started_at"] < hi]


def test_executions_and_credits_per_day(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    today = datetime.utcnow().date()
    start, end = (today - timedelta(days=10)).isoformat(), today.isoformat()
    in_range = _days(mine.executions, start, end)

    metrics = usage("--from", start, "--to", end, "--unit", "orchestration.executions")
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for e in in_range:
        if e["status"] in ("success", "error"):
            expected[e["started_at"].strftime("%Y-%m-%dT00:00:00Z")][e["status"]] += 1
    assert [m["date"] for m in metrics] == sorted(expected)
    for m in metrics:
        assert {i["slug"]: i["count"] for i in m["items"]} == expected[m["date"]]
        assert all(i["groupBy"] is None for i in m["items"])

    credits = usage("--from", start, "--to", end, "--unit", "billing.credits")
    by_day: dict[str, float] = defaultdict(float)
    for e in in_range:
        if e["credits_used_count"] > 0:
            by_day[e["started_at"].strftime("%Y-%m-%dT00:00:00Z")] += e["credits_used_count"]
    assert {m["date"]: sum(i["count"] for i in m["items"]) for m in credits} == pytest.approx(dict(by_day))
    assert {i["slug"] for m in credits for i in m["items"]} == {"integration.clearbit.action.company_enrich"}

    both = usage("--from", start, "--to", end)
    assert sum(len(m["items"]) for m in both) == sum(len(m["items"]) for m in metrics + credits)
    assert usage("--from", start, "--to", end, "--unit", "storage.records") == []


def test_executions_unit_agrees_row_for_row_with_spans(stores: tuple[Filled, Filled]) -> None:
    day = (datetime.utcnow().date() - timedelta(days=5)).isoformat()
    today = datetime.utcnow().date().isoformat()
    code, out = run_cli("orchestration", "query", "execute",
                        "SELECT execution_status, count() AS executions FROM spans WHERE execution_started_at >= "
                        f"'{day}' AND execution_status IN ('success', 'error') GROUP BY execution_status")
    assert code == 0, out
    spans = {r["execution_status"]: r["executions"] for r in out["rows"]}
    billed: Counter[str] = Counter()
    for m in usage("--from", day, "--to", today, "--unit", "orchestration.executions"):
        for item in m["items"]:
            billed[item["slug"]] += item["count"]
    assert billed == spans and sum(spans.values()) > 0


def test_group_by_and_filters(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    today = datetime.utcnow().date()
    start, end = (today - timedelta(days=40)).isoformat(), today.isoformat()
    in_range = [e for e in _days(mine.executions, start, end) if e["status"] in ("success", "error")]
    grouped = usage("--from", start, "--to", end, "--unit", "orchestration.executions", "--group-by", "workflow_uuid")
    per_wf: Counter[str] = Counter()
    for m in grouped:
        for i in m["items"]:
            per_wf[i["groupBy"]] += i["count"]
    assert per_wf == Counter(e["workflow_uuid"] for e in in_range)

    wf = mine.workflows[1]
    only = usage("--from", start, "--to", end, "--unit", "orchestration.executions", "--workflow-uuid", wf,
                 "--slug", "error")
    assert sum(i["count"] for m in only for i in m["items"]) == sum(
        1 for e in in_range if e["workflow_uuid"] == wf and e["status"] == "error")
    assert {i["slug"] for m in only for i in m["items"]} <= {"error"}

    by_connector = usage("--from", start, "--to", end, "--unit", "billing.credits", "--group-by", "connector_uuid")
    assert {i["groupBy"] for m in by_connector for i in m["items"]} == {mine.connector_uuid}
    assert usage("--from", start, "--to", end, "--integration-slug", "hubspot") == []
    assert usage("--from", start, "--to", end, "--model-uuid", mine.connector_uuid) == []


def test_other_workspace_usage_is_never_counted(stores: tuple[Filled, Filled]) -> None:
    mine, theirs = stores
    today = datetime.utcnow().date()
    start, end = (today - timedelta(days=60)).isoformat(), today.isoformat()
    total = sum(i["count"] for m in usage("--from", start, "--to", end, "--unit", "orchestration.executions")
                for i in m["items"])
    assert total == sum(1 for e in mine.executions if e["status"] in ("success", "error"))
    grouped = usage("--from", start, "--to", end, "--group-by", "workflow_uuid")
    assert not {i["groupBy"] for m in grouped for i in m["items"]} & set(theirs.workflows)


@pytest.mark.parametrize(("flags", "fragment"), [
    (("--to", "2025-1-15"), "--to"),
    (("--from", "2025-13-01", "--to", "2025-12-31"), "YYYY-MM-DD"),
    (("--from", "yesterday", "--to", "2025-01-01"), "YYYY-MM-DD"),
    (("--from", "2025-02-01", "--to", "2025-01-01"), "later"),
    (("--from", "2024-01-01", "--to", "2025-06-01"), "366"),
    (("--from", "2025-01-01", "--to", "2025-01-02", "--unit", "dollars"),
     "billing.credits, orchestration.executions, storage.records"),
    (("--from", "2025-01-01", "--to", "2025-01-02", "--group-by", "play_uuid"), "workflow_uuid"),
])
def test_bad_input(flags: tuple[str, ...], fragment: str) -> None:
    code, out = run_cli("billing", "usage", "get-metrics", *flags)
    assert code != 0 and fragment in out["errorMessage"] and out["statusCode"] == 400


def test_only_admins_see_usage() -> None:
    """Billing is admin only on every face: a member's token is refused in the service itself (over
    HTTP in test_api_billing.py); direct store access, the embedded CLI, is the administrator."""
    from dataclasses import replace

    from lading.domain.errors import AuthError
    from lading.services.access import Access
    from lading.services.billing import usage
    from lading.services.wiring import open_session

    member = replace(open_session(), access=Access(role="member", token_uuid="t"))
    with pytest.raises(AuthError) as refused:
        usage.get_metrics(member, date_from="2025-01-01", date_to="2025-01-02")
    assert refused.value.to_document()["errorMessage"] == "forbidden" and refused.value.status_code == 403
    code, out = run_cli("billing", "usage", "get-metrics", "--from", "2025-01-01", "--to", "2025-01-02")
    assert code == 0 and out == {"metrics": []}
