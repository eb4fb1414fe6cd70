"""The web console in a real headless browser (Debian's Chromium driven by Playwright) against a real
`lading serve`: sign in with a workspace token, run a tool on one record from its page, open the run
and read a node's context; a second workspace sees none of it; a forged form is refused. Every page is
photographed at 1280×800 and at phone width (390×844) into `$LADING_SCREENSHOTS_DIR`
(default `tests/.screenshots/`)."""

from __future__ import annotations

import json
import re
from typing import Any

from console_helpers import (
    DESKTOP,
    PHONE,
    browser,  # noqa: F401  (the fixture)
    console_errors,
    deployed_tool,
    shot,
    sign_in,
    sign_in_page,
)


def test_sign_in_run_a_tool_on_a_record_and_read_a_node_context(browser: Any, api_server: Any) -> None:  # noqa: F811
    tool = deployed_tool(api_server, "alpha", "Greeting enricher")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{api_server.url}/")
    page.wait_for_url(re.compile(r".*/login$"))
    shot(page, "login-desktop")
    page.get_by_label("Workspace token").fill(api_server.tokens["alpha"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{api_server.url}/tools")
    assert api_server.workspaces["alpha"] in page.locator("header").inner_text()
    assert page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts() == [
        "Tools", "Plays", "Runs", "Batches", "Data", "Analytics", "Agents"]

    page.get_by_label("Search").fill("greeting")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/tools\?q=greeting.*"))
    shot(page, "tools-desktop")
    page.get_by_role("link", name="Greeting enricher").click()
    page.wait_for_url(f"{api_server.url}/tools/{tool['uuid']}")
    assert page.get_by_role("heading", name="Greeting enricher").is_visible()
    assert page.locator("figure.diagram svg, figure.diagram pre").count() == 1
    if page.locator("figure.diagram pre").count():  # until console/svg.py exists: the Mermaid text
        assert page.locator("figure.diagram pre").inner_text().startswith("flowchart")
    assert "greet" in (page.locator("figure.diagram").text_content() or "")
    shot(page, "tool-desktop")

    page.get_by_label("Record (JSON object)").fill(json.dumps({"name": "Ada"}))
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f-]{36}$"))
    run_uuid = page.url.rsplit("/", 1)[1]
    # The page follows the run until it ends (console.js), without a reload by hand.
    page.locator("#run-status .status-success").wait_for(timeout=60_000)
    rows = page.locator("table.executions tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("th").inner_text() for i in range(3)] == ["start", "greet", "end"]
    node = page.locator('section[data-node="greet"]')
    node.get_by_text("runContext.greet").click()
    context_json = json.loads(node.locator("details.context pre").inner_text())
    assert context_json == {"hello": "Hello Ada"}
    node.get_by_text("Computed config").click()
    assert "Hello Ada" in node.locator("details.config pre").inner_text()
    shot(page, "run-desktop")

    page.get_by_role("link", name="Runs", exact=True).first.click()
    page.wait_for_url(f"{api_server.url}/runs")
    assert page.get_by_role("link", name='{"name":"Ada"}').count() == 1
    page.get_by_label("Status").select_option("success")
    page.get_by_label("Record title").fill("Ada")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/runs\?.*status=success.*"))
    assert page.locator(f'a[href="/runs/{run_uuid}"]').count() == 1
    shot(page, "runs-desktop")
    page.get_by_label("Status").select_option("error")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*status=error.*"))
    assert page.locator(f'a[href="/runs/{run_uuid}"]').count() == 0

    # Keyboard: the first Tab reaches the skip link, which moves focus to the page's content.
    page.goto(f"{api_server.url}/tools")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for label in ("Search", "Folder"):  # every control has its label
        assert page.get_by_label(label).count() == 1

    # Phone width: the same pages, the navigation folded behind the Menu button.
    phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    errors += console_errors(small)
    for name, path in (("tools", "/tools"), ("tool", f"/tools/{tool['uuid']}"), ("runs", "/runs"),
                       ("run", f"/runs/{run_uuid}"), ("plays-empty", "/plays")):
        small.goto(f"{api_server.url}{path}")
        assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, path
        assert not small.locator("#nav").is_visible()
        shot(small, f"{name}-phone")
    menu = small.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert small.locator("#nav").is_visible() and menu.get_attribute("aria-expanded") == "true"
    shot(small, "menu-phone")
    small.get_by_role("button", name="Sign out").click()
    small.wait_for_url(f"{api_server.url}/login")
    shot(small, "login-phone")
    small.goto(f"{api_server.url}/runs/{run_uuid}")
    assert "/login?next=" in small.url  # signed out: the run is behind the sign-in again
    assert not errors, errors
    phone.close()
    context.close()


def test_a_second_workspace_sees_none_of_the_first(browser: Any, api_server: Any) -> None:  # noqa: F811
    tool = deployed_tool(api_server, "alpha", "Alpha only tool")
    alpha = sign_in(api_server, "alpha")
    page_html = alpha.get(f"/tools/{tool['uuid']}").text
    from console_helpers import csrf_in

    ran = alpha.post(f"/tools/{tool['uuid']}/run", data={"csrf": csrf_in(page_html), "data": '{"name": "Secret"}'})
    run_uuid = ran.headers["location"].rsplit("/", 1)[1]

    page = sign_in_page(browser, api_server, "beta")
    assert "Alpha only tool" not in page.content() and "Greeting enricher" not in page.content()
    page.goto(f"{api_server.url}/runs")
    assert run_uuid not in page.content() and "Secret" not in page.content()
    for path in (f"/runs/{run_uuid}", f"/tools/{tool['uuid']}"):
        answer = page.goto(f"{api_server.url}{path}")
        assert answer is not None and answer.status == 404, path
        assert page.get_by_role("heading", name="Not found").is_visible()
        assert "Secret" not in page.content() and "Traceback" not in page.content()
    page.goto(f"{api_server.url}/runs?tool={tool['uuid']}")
    assert page.get_by_role("heading", name="Not found").is_visible()
    shot(page, "not-found-desktop")
    page.context.close()


def test_a_form_with_a_wrong_csrf_token_is_refused(browser: Any, api_server: Any) -> None:  # noqa: F811
    tool = deployed_tool(api_server, "alpha", "Csrf in the browser")
    page = sign_in_page(browser, api_server, "alpha")
    page.goto(f"{api_server.url}/tools/{tool['uuid']}")
    page.evaluate("document.querySelector('form[action$=\"/run\"] input[name=csrf]').value = 'forged'")
    page.get_by_label("Record (JSON object)").fill('{"name": "Mallory"}')
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Run", exact=True).click()
    assert posted.value.status == 403
    assert page.get_by_role("heading", name="Refused").is_visible()
    shot(page, "refused-desktop")
    runs = api_server.client("alpha").post("/orchestration/runs/list", json={"workflowUuid": tool["workflowUuid"]})
    assert runs.json()["count"] == 0
    page.context.close()
