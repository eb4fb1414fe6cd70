"""The Analytics and Agents pages in a real headless browser (Debian's Chromium driven by Playwright)
against a real `lading serve`: run a SQL query and see its table and its chart; read the usage page;
chat with an agent backed by the fake model and watch its answer (an action call, then the text) appear
without a reload. Each page is photographed at 1280×800 and 390×844 into `$LADING_SCREENSHOTS_DIR`."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from test_console_agents import make_agent, model

from console_helpers import (
    PHONE,
    browser,  # noqa: F401  (the fixture)
    console_errors,
    deployed_tool,
    shot,
    sign_in_page,
)
from fakes import fake_provider

TIME_SERIES = ("SELECT toStartOfMinute(created_at) AS minute, count() AS runs FROM runs "
               "GROUP BY minute ORDER BY minute")


@pytest.fixture(scope="module")
def fake_model() -> Iterator[Any]:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", model)
        yield fake


def _runs(server: Any, count: int) -> None:
    tool = deployed_tool(server, "alpha", "Browser analytics greeter")
    api = server.client("alpha")
    uuids = [api.post("/orchestration/runs", json={"workflowUuid": tool["workflowUuid"],
                                                   "data": {"name": f"Ada {i}"}}).json()["run"]["uuid"]
             for i in range(count)]
    deadline = time.monotonic() + 60
    for uuid in uuids:
        while api.get(f"/orchestration/runs/{uuid}").json()["run"]["status"] not in ("success", "error"):
            assert time.monotonic() < deadline
            time.sleep(0.1)


def _fits_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


def test_run_a_sql_query_and_see_the_table_and_the_chart(browser: Any, api_server: Any) -> None:  # noqa: F811
    _runs(api_server, 3)
    page = sign_in_page(browser, api_server, "alpha")
    errors = console_errors(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Analytics").click()
    page.wait_for_url(f"{api_server.url}/analytics")
    shot(page, "analytics-desktop")
    page.get_by_label("SQL").fill(TIME_SERIES)
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#result")
    assert page.locator("table.result thead th").all_inner_texts() == ["minute", "runs"]
    assert page.locator("figure.chart svg polyline.series[data-series='runs']").count() == 1
    assert "row" in page.locator(".result-count").inner_text()
    shot(page, "analytics-query-desktop")

    # An example fills the form; a refusal is shown beside it in the engine's words.
    page.get_by_text("Example queries").click()
    page.get_by_role("link", name="Runs per day by status").click()
    assert "countIf(status = 'success')" in page.get_by_label("SQL").input_value()
    page.get_by_label("SQL").fill("SELECT * FROM system.tables")
    page.get_by_role("button", name="Run query").click()
    assert page.get_by_role("alert").inner_text().startswith("Code: ")
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    errors.clear()  # the refused query's page answers 400 on purpose

    # The usage page: a chart each for credits and executions, and the table.
    page.goto(f"{api_server.url}/analytics/usage")
    assert page.locator("figure.chart svg").count() == 2
    assert page.locator("table tbody tr").count() >= 1
    page.get_by_label("Group by").select_option("integration")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*group=integration.*"))
    shot(page, "usage-desktop")

    phone = browser.new_context(viewport=PHONE, storage_state=page.context.storage_state())
    small = phone.new_page()
    errors += console_errors(small)
    small.goto(f"{api_server.url}/analytics")
    small.get_by_label("SQL").fill(TIME_SERIES)
    small.get_by_role("button", name="Run query").click()
    small.wait_for_selector("#result")
    _fits_phone(small)
    shot(small, "analytics-query-phone")
    small.goto(f"{api_server.url}/analytics/usage")
    _fits_phone(small)
    shot(small, "usage-phone")
    assert not errors, errors


def test_chat_with_an_agent_and_see_the_answer_stream_in(browser: Any, api_server: Any,  # noqa: F811
                                                         fake_model: Any) -> None:
    make_agent(api_server, "alpha", fake_model.url, "Browser researcher")
    page = sign_in_page(browser, api_server, "alpha")
    errors = console_errors(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agents").click()
    page.wait_for_url(f"{api_server.url}/agents")
    shot(page, "agents-desktop")
    page.get_by_role("link", name="Browser researcher").click()
    page.get_by_label("Message", exact=True).fill("Please remember that Dana prefers email.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r".*/agents/chats/[0-9a-f-]{36}$"))
    # Mark this document: the answer must arrive in it, not in a reloaded one.
    page.evaluate("window.__notReloaded = true")
    answer = page.locator(".message-assistant").last
    answer.locator(".part-action").first.wait_for(timeout=30_000)
    answer.get_by_text("Noted: Dana prefers email.").wait_for(timeout=30_000)
    page.wait_for_function("!document.querySelector('.message[data-stream]')", timeout=30_000)
    assert page.evaluate("window.__notReloaded === true")
    assert answer.get_attribute("data-status") == "success"
    assert answer.locator(".status").inner_text() == "success"
    assert answer.locator(".part summary").first.inner_text() == "Called remember"
    shot(page, "chat-desktop")

    # A second message: sent with the keyboard, answered in the page as well.
    page.get_by_label("Message", exact=True).fill("Hello again")
    page.get_by_label("Message", exact=True).press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/agents/chats/[0-9a-f-]{36}#m-.*"))
    page.locator(".message-assistant").nth(1).get_by_text("Hello from the fake model.").wait_for(timeout=30_000)

    phone = browser.new_context(viewport=PHONE, storage_state=page.context.storage_state())
    small = phone.new_page()
    errors += console_errors(small)
    for name, path in (("agents", "/agents"), ("chat", page.url.split("#")[0])):
        small.goto(path if path.startswith("http") else f"{api_server.url}{path}")
        _fits_phone(small)
        shot(small, f"{name}-phone")
    assert not errors, errors
