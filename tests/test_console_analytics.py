"""The console's Analytics pages over httpx against a real `lading serve`: the SQL page runs a query
through the same guarded, workspace-scoped service as `orchestration query execute` (results table,
count, a chart for a time series), shows the guard's and the engine's refusals inline in their
documented words, refuses a POST without the session's CSRF token, and never shows beta alpha's runs;
the usage page draws credits and executions per day by workflow or by integration, for admins only."""

from __future__ import annotations

import html
import os
import re
import secrets
import time
import uuid as uuidlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from console_helpers import csrf_in, deployed_tool, sign_in

RUNS = 3
TIME_SERIES = ("SELECT toStartOfMinute(created_at) AS minute, count() AS runs FROM runs "
               "GROUP BY minute ORDER BY minute")


def member_token(server: Any, workspace: str = "alpha") -> str:
    """A member user of the workspace with a token of their own, written straight into the server's
    store (as `test_api_billing.py` does: no face makes a member's token)."""
    import sqlalchemy

    from lading.store.repositories.tokens import hash_token
    from lading.store.schema import api_tokens, users

    url = os.environ.get("LADING_TEST_DATABASE_URL")
    engine = (sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)) if url else
              sqlalchemy.create_engine(f"sqlite:///{server.home / 'lading.db'}", connect_args={"timeout": 30}))
    workspace_uuid = server.client(workspace).get("/whoami").json()["workspace"]["uuid"]
    value = "ldg_" + secrets.token_urlsafe(32)
    user_uuid = str(uuidlib.uuid4())
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(users.insert().values(uuid=user_uuid, workspace_uuid=workspace_uuid,
                                           email=f"member-{user_uuid[:8]}@example.com", role="member",
                                           created_at=now, updated_at=now))
        conn.execute(api_tokens.insert().values(uuid=str(uuidlib.uuid4()), workspace_uuid=workspace_uuid,
                                                user_uuid=user_uuid, name="member", token_hash=hash_token(value),
                                                created_at=now, updated_at=now))
    engine.dispose()
    return value


def _finished_runs(server: Any, workspace: str, name: str, count: int) -> dict[str, Any]:
    tool = deployed_tool(server, workspace, name)
    api = server.client(workspace)
    uuids = []
    for i in range(count):
        created = api.post("/orchestration/runs", json={"workflowUuid": tool["workflowUuid"],
                                                        "data": {"name": f"{name} {i}"}})
        assert created.status_code == 200, created.text
        uuids.append(created.json()["run"]["uuid"])
    deadline = time.monotonic() + 60
    for uuid in uuids:
        while api.get(f"/orchestration/runs/{uuid}").json()["run"]["status"] not in ("success", "error"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    return tool


@pytest.fixture(scope="module")
def world(api_server: Any) -> dict[str, Any]:
    return {"alpha_tool": _finished_runs(api_server, "alpha", "Analytics greeter", RUNS),
            "alpha": sign_in(api_server, "alpha"), "beta": sign_in(api_server, "beta")}


def _query(client: httpx.Client, sql: str) -> httpx.Response:
    page = client.get("/analytics")
    assert page.status_code == 200, page.text
    return client.post("/analytics", data={"csrf": csrf_in(page.text), "sql": sql})


def _textarea(text: str) -> str:
    found = re.search(r'<textarea id="sql"[^>]*>(.*?)</textarea>', text, re.S)
    assert found, text
    return html.unescape(found.group(1))


def _cells(text: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", text, re.S)]


def test_a_query_shows_its_columns_rows_and_count(world: dict[str, Any]) -> None:
    answer = _query(world["alpha"], "SELECT status, count() AS n FROM runs GROUP BY status")
    assert answer.status_code == 200, answer.text
    assert '<th scope="col">status</th><th scope="col">n</th>' in answer.text
    assert _cells(answer.text) == ["success", str(RUNS)]
    assert "1 row." in answer.text
    assert "<svg" not in answer.text  # not a time series
    # The query stays in the form, escaped.
    assert _textarea(answer.text) == "SELECT status, count() AS n FROM runs GROUP BY status"


def test_a_time_series_result_is_charted(world: dict[str, Any]) -> None:
    answer = _query(world["alpha"], TIME_SERIES)
    assert answer.status_code == 200, answer.text
    assert '<figure class="diagram chart"' in answer.text and "<svg" in answer.text
    assert 'class="series" data-series="runs"' in answer.text
    assert '<th scope="col">minute</th><th scope="col">runs</th>' in answer.text


def test_refusals_are_shown_inline_in_their_documented_words(world: dict[str, Any]) -> None:
    for sql, code in (("SELECT * FROM system.tables", "Code: "), ("SELEC 1", "Code: 62."),
                      ("INSERT INTO runs VALUES (1)", "Code: ")):
        answer = _query(world["alpha"], sql)
        assert answer.status_code == 400, answer.text
        error = re.search(r'<p class="error" role="alert" id="sql-error">(.*?)</p>', answer.text, re.S)
        assert error and html.unescape(error.group(1)).startswith(code), answer.text
        assert "Traceback" not in answer.text and "<svg" not in answer.text
    empty = _query(world["alpha"], "   ")
    assert empty.status_code == 400 and "Write a query first." in empty.text


def test_the_example_queries_run(world: dict[str, Any]) -> None:
    from lading.api.console.analytics import EXAMPLES

    page = world["alpha"].get("/analytics")
    for label, sql in EXAMPLES:
        assert html.escape(label) in page.text
        linked = world["alpha"].get("/analytics", params={"sql": sql})
        assert _textarea(linked.text) == sql
        answer = _query(world["alpha"], sql)
        assert answer.status_code == 200, (label, answer.text)


def test_beta_cannot_query_alphas_runs(world: dict[str, Any]) -> None:
    alpha_run = world["alpha"].get("/runs").text
    alpha_uuid = re.search(r'href="/runs/([0-9a-f-]{36})"', alpha_run)
    assert alpha_uuid
    counted = _query(world["beta"], "SELECT count() AS n FROM runs")
    assert _cells(counted.text) == ["0"]
    by_uuid = _query(world["beta"], f"SELECT uuid FROM runs WHERE uuid = '{alpha_uuid.group(1)}'")
    assert by_uuid.status_code == 200 and "No rows." in by_uuid.text
    assert alpha_uuid.group(1) not in by_uuid.text.split("</textarea>")[1]


def test_a_query_without_the_csrf_token_is_refused(world: dict[str, Any]) -> None:
    for data in ({"sql": "SELECT 1"}, {"sql": "SELECT 1", "csrf": "forged"}):
        answer = world["alpha"].post("/analytics", data=data)
        assert answer.status_code == 403 and "<table" not in answer.text
    other = world["beta"].get("/analytics")
    refused = world["alpha"].post("/analytics", data={"sql": "SELECT 1", "csrf": csrf_in(other.text)})
    assert refused.status_code == 403


def test_the_usage_page_charts_credits_and_executions_by_workflow_and_integration(world: dict[str, Any]) -> None:
    page = world["alpha"].get("/analytics/usage")
    assert page.status_code == 200, page.text
    assert page.text.count("<svg") == 2
    assert "Credits per day by workflow" in page.text and "Executions per day by workflow" in page.text
    assert world["alpha_tool"]["name"] in page.text  # the workflow is named by its tool
    rows = re.findall(r'<tr><th scope="row">(\d{4}-\d\d-\d\d)</th>', page.text)
    assert rows, page.text
    executions = [int(c.replace(",", "")) for c in _cells(page.text)[2::3]]
    assert sum(executions) >= RUNS * 3  # start, greet, end of each run
    by_integration = world["alpha"].get("/analytics/usage", params={"group": "integration"})
    assert by_integration.status_code == 200 and "by integration" in by_integration.text
    bounded = world["alpha"].get("/analytics/usage", params={"from": "2020-01-01", "to": "2020-01-31"})
    assert bounded.status_code == 200 and "No usage in this period." in bounded.text
    reversed_range = world["alpha"].get("/analytics/usage", params={"from": "2020-02-01", "to": "2020-01-01"})
    assert reversed_range.status_code == 400 and "--from must not be later than --to" in reversed_range.text
    bad = world["alpha"].get("/analytics/usage", params={"from": "soon"})
    assert bad.status_code == 400 and "Traceback" not in bad.text
    beta = world["beta"].get("/analytics/usage")
    assert beta.status_code == 200 and world["alpha_tool"]["name"] not in beta.text
    assert "No usage in this period." in beta.text


def test_a_members_session_is_told_usage_is_for_admins(api_server: Any, world: dict[str, Any]) -> None:
    member = sign_in(api_server, token=member_token(api_server, "alpha"))
    page = member.get("/analytics/usage")
    assert page.status_code == 403
    assert "Usage is for workspace administrators" in page.text and "<svg" not in page.text
