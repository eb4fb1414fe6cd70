"""The Batches and Plays pages in a real headless browser (Debian's Chromium driven by Playwright)
against a real `lading serve`: a batch where some records fail is started through the API, its page is
opened and followed until it finishes (the numbers change without a reload), "re-run the failed
records" opens a new batch of exactly those records; a play is run by hand from its page; a second
workspace sees none of it. Screenshots at 1280×800 and 390×844 go to `$LADING_SCREENSHOTS_DIR`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from console_batch_helpers import leads_model

from console_helpers import (
    PHONE,
    browser,  # noqa: F401  (the fixture)
    console_errors,
    shot,
    sign_in_page,
)
from graphs import chain, end, node, start, var

# Each record spends a moment computing, so the batch is still running when its page opens.
SLOW = "let s = 0; for (let i = 0; i < 60000000; i++) { s += i % 7 } "


def _slow_failing_tool(server: Any, name: str) -> dict[str, Any]:
    api = server.client("alpha")
    tool = api.post("/orchestration/tools", json={"name": name, "description": "fails some", "icon": None}).json()
    script = SLOW + "if (nodes.start.fail) { throw new Error('bad record ' + nodes.start._id) } return 'ok'"
    deployed = api.post("/orchestration/releases/draft/deploy", json={
        "workflowUuid": tool["tool"]["workflowUuid"],
        "nodes": chain(start(), node("check", "script", {"script": script}), end([var("out", "{{nodes.check}}")]))})
    assert deployed.status_code == 200, deployed.text
    return dict(tool["tool"])


def test_watch_a_batch_finish_and_rerun_its_failures(browser: Any, api_server: Any) -> None:  # noqa: F811
    tool = _slow_failing_tool(api_server, "Slow checker")
    failing = {"r3", "r7", "r11"}
    records = [{"_id": f"r{i}", "fail": f"r{i}" in failing} for i in range(1, 17)]
    page = sign_in_page(browser, api_server, "alpha", path="/batches")
    errors = console_errors(page)
    made = api_server.client("alpha").post("/orchestration/batches", json={
        "workflowUuid": tool["workflowUuid"], "data": {"kind": "records", "records": records}})
    assert made.status_code == 200, made.text
    batch = made.json()["batch"]["uuid"]

    page.goto(f"{api_server.url}/batches/{batch}")
    page.evaluate("window.__notReloaded = true")
    following = page.locator("[data-batch-progress]").get_attribute("data-following")
    first_done = int(page.locator("#batch-done [data-field=executedRunsCount]").inner_text())
    assert page.locator("#rerun").is_hidden()
    # The page follows the batch (batches.js polling progress.json) until it is final, without a reload.
    page.locator("#batch-status .status-success").wait_for(timeout=120_000)
    assert page.evaluate("window.__notReloaded") is True
    assert following == "1" and first_done < 16, "the batch finished before its page opened"
    assert page.locator("#batch-done").inner_text().startswith("16 / 16")
    assert page.locator("#batch-failed").inner_text() == "3"
    assert float(page.locator("[data-field=runsPerSecond]").first.inner_text()) > 0
    assert page.locator("[data-following-note]").is_hidden()
    rerun = page.get_by_role("button", name="Re-run the failed records")
    rerun.wait_for(state="visible")
    shot(page, "batch-desktop")

    rerun.click()
    page.wait_for_url(re.compile(r".*/batches/[0-9a-f-]{36}$"))
    new_batch = page.url.rsplit("/", 1)[1]
    assert new_batch != batch
    page.locator("#batch-status .status-success").wait_for(timeout=120_000)
    assert page.locator("#batch-done").inner_text().startswith("3 / 3")
    assert page.locator("#batch-failed").inner_text() == "3"
    data = api_server.client("alpha").get(f"/orchestration/batches/{new_batch}").json()["batch"]["data"]
    assert data["kind"] == "recordIds" and sorted(data["ids"]) == sorted(failing)
    page.get_by_role("link", name="Open the failed runs").wait_for()

    page.get_by_role("link", name="Batches", exact=True).first.click()
    page.wait_for_url(f"{api_server.url}/batches")
    rows = page.locator("table.batches tbody tr")
    assert rows.nth(0).locator("th a").get_attribute("href") == f"/batches/{new_batch}"
    assert rows.nth(1).locator("th a").get_attribute("href") == f"/batches/{batch}"
    assert "Slow checker" in rows.nth(1).inner_text()
    page.get_by_label("Status").select_option("success")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/batches\?status=success.*"))
    shot(page, "batches-desktop")

    # Keyboard: the re-run form is reachable and labelled; the download form's controls have labels.
    page.goto(f"{api_server.url}/batches/{batch}")
    assert page.get_by_label("Output node").input_value() == "end"
    assert page.get_by_label("Format").input_value() == "csv"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download outputs").click()
    saved = download.value.path()
    assert saved is not None and "bad record" not in Path(saved).read_text() and "ok" in Path(saved).read_text()
    assert errors == []

    phone = sign_in_page(browser, api_server, "alpha", PHONE, path="/batches")
    phone.goto(f"{api_server.url}/batches/{batch}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(phone, "batch-phone")
    phone.goto(f"{api_server.url}/batches")
    shot(phone, "batches-phone")

    # A second workspace sees none of it.
    other = sign_in_page(browser, api_server, "beta", path="/batches")
    assert other.locator(f'a[href="/batches/{batch}"]').count() == 0
    answer = other.goto(f"{api_server.url}/batches/{batch}")
    assert answer is not None and answer.status == 404
    answer = other.goto(f"{api_server.url}/batches/{batch}/progress.json")
    assert answer is not None and answer.status == 404


def test_run_a_play_by_hand(browser: Any, api_server: Any) -> None:  # noqa: F811
    api = api_server.client("alpha")
    model = leads_model(api_server, "alpha", "prospects")
    play = api.post("/orchestration/plays", json={"name": "Welcome prospects", "modelUuid": model,
                                                  "changeKinds": ["added", "updated"],
                                                  "runCreationRule": "always"}).json()["play"]
    deployed = api.post("/orchestration/releases/draft/deploy", json={
        "workflowUuid": play["workflowUuid"],
        "nodes": chain(start(), end([var("hello", "Hello {{nodes.start.name}}")]))})
    assert deployed.status_code == 200, deployed.text

    page = sign_in_page(browser, api_server, "alpha", path="/batches")
    errors = console_errors(page)
    page.get_by_role("link", name="Plays", exact=True).first.click()
    page.wait_for_url(f"{api_server.url}/plays")
    row = page.get_by_role("row").filter(has_text="Welcome prospects")
    assert "Prospects" in row.inner_text() and "added, updated" in row.inner_text() and "never run" in row.inner_text()
    shot(page, "plays-desktop")
    row.get_by_role("link", name="Welcome prospects").click()
    page.wait_for_url(f"{api_server.url}/plays/{play['uuid']}")
    assert page.get_by_role("heading", name="Welcome prospects").is_visible()
    shot(page, "play-desktop")
    page.get_by_role("button", name="Run on the segment").click()
    page.wait_for_url(re.compile(r".*/batches/[0-9a-f-]{36}$"))
    batch = page.url.rsplit("/", 1)[1]
    page.locator("#batch-status .status-success").wait_for(timeout=120_000)
    assert page.locator("#batch-done").inner_text().startswith("3 / 3")
    assert page.get_by_role("link", name="Welcome prospects").count() == 1
    page.goto(f"{api_server.url}/plays")
    assert page.locator(f'a[href="/batches/{batch}"]').count() == 1
    assert errors == []

    phone = sign_in_page(browser, api_server, "alpha", PHONE, path="/batches")
    phone.goto(f"{api_server.url}/plays")
    shot(phone, "plays-phone")
    phone.goto(f"{api_server.url}/plays/{play['uuid']}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(phone, "play-phone")

    other = sign_in_page(browser, api_server, "beta", path="/batches")
    other.goto(f"{api_server.url}/plays")
    assert other.get_by_text("Welcome prospects").count() == 0
    answer = other.goto(f"{api_server.url}/plays/{play['uuid']}")
    assert answer is not None and answer.status == 404

