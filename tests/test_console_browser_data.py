"""The console's Data pages in a real headless browser (Debian's Chromium driven by Playwright) against a
real `lading serve`: open a model, sort by a column with the keyboard and the mouse, filter with the
condition row, open a segment, save a filter the validator refuses and read its message next to the
editor, save a good one and see the count change. Pages are photographed at 1280×800 and at phone width
(390×844) into `$LADING_SCREENSHOTS_DIR` (default `tests/.screenshots/`)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_console_data import country, make_model, make_segment, where

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("LADING_SCREENSHOTS_DIR") or Path(__file__).parent / ".screenshots")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the browser tests need Debian's chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _errors(page: Any) -> list[str]:
    """Script errors of the page (a refused save answers 400 on purpose: the browser's note of it is not one)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "status of 400" not in message.text else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _first_ids(page: Any, count: int = 3) -> list[str]:
    return page.locator("table.records tbody th").all_inner_texts()[:count]


def test_sort_filter_and_edit_a_segment_filter(browser: Any, api_server: Any) -> None:
    model = make_model(api_server, "alpha", "Browser leads")
    segment = make_segment(api_server, "alpha", model["uuid"], "Browser US leads", country("US"))
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = _errors(page)
    page.goto(f"{api_server.url}/data")
    page.get_by_label("Workspace token").fill(api_server.tokens["alpha"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{api_server.url}/data")
    _shot(page, "data-desktop")

    page.get_by_role("link", name="Browser leads").click()
    page.wait_for_url(f"{api_server.url}/data/models/{model['uuid']}")
    assert page.get_by_role("heading", name="Browser leads").is_visible()
    assert _first_ids(page) == ["r001", "r002", "r003"]
    _shot(page, "data-model-desktop")

    # Sort: the column header is a link, reached and followed with the keyboard.
    header = page.get_by_role("link", name="Score")
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*sort=score&dir=asc.*"))
    assert page.locator('th[aria-sort="ascending"]').inner_text().startswith("Score")
    scores = [float(s) for s in page.locator("table.records tbody tr td:nth-child(4)").all_inner_texts()]
    assert scores == sorted(scores)
    page.get_by_role("link", name="Score").click()
    page.wait_for_url(re.compile(r".*sort=score&dir=desc.*"))
    scores = [float(s) for s in page.locator("table.records tbody tr td:nth-child(4)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)

    # Filter with the condition row (column, operator, value); the sort is kept.
    page.get_by_label("Column").select_option("country")
    page.get_by_label("Operator").select_option("equals")
    page.get_by_label("Value").fill("US")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*field=country.*"))
    assert "40 matching records" in page.locator("#records-summary").inner_text()
    countries = set(page.locator("table.records tbody tr td:nth-child(3)").all_inner_texts())
    assert countries == {"US"}
    assert page.locator('th[aria-sort="descending"]').count() == 1
    _shot(page, "data-records-desktop")

    # A segment: a refused filter shows the validator's message next to the editor.
    page.get_by_role("link", name="Browser US leads").click()
    page.wait_for_url(f"{api_server.url}/data/segments/{segment['uuid']}")
    assert page.locator("#segment-count").inner_text() == "40"
    editor = page.get_by_label("Filter (JSON)")
    assert json.loads(editor.input_value()) == country("US")
    editor.fill(json.dumps(where({"kind": "number", "columnSlug": "score", "operator": "contains", "value": 5}),
                           indent=2))
    page.get_by_role("button", name="Save filter").click()
    alert = page.locator("#segment-issues")
    alert.wait_for()
    assert "groups[0].conditions[0].operator" in alert.inner_text()
    assert editor.get_attribute("aria-invalid") == "true"
    assert "contains" in editor.input_value()  # what was typed stays in the editor
    assert page.locator("#segment-count").inner_text() == "40"
    _shot(page, "data-segment-error-desktop")

    good = where({"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]},
                 {"kind": "number", "columnSlug": "score", "operator": "greaterThan", "value": 50})
    editor.fill(json.dumps(good, indent=2))
    page.get_by_role("button", name="Save filter").click()
    page.wait_for_url(re.compile(r".*\?saved=1$"))
    assert page.get_by_role("status").inner_text().startswith("Saved")
    count = int(page.locator("#segment-count").inner_text())
    assert 0 < count < 40
    assert page.locator("table.records tbody tr").count() == min(count, 20)
    _shot(page, "data-segment-desktop")
    page.locator('a[href^="/data/changes/"]').first.click()
    page.wait_for_url(re.compile(r".*/data/changes/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", name=re.compile("Change of")).is_visible()
    _shot(page, "data-change-desktop")
    change_path = page.url.split(api_server.url, 1)[1]

    # Phone width: every Data page fits without sideways scrolling of the page itself.
    phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    errors += _errors(small)
    for name, path in (("data", "/data"),
                       ("data-model", f"/data/models/{model['uuid']}?field=country&op=equals&value=US"),
                       ("data-segment", f"/data/segments/{segment['uuid']}"), ("data-change", change_path)):
        small.goto(f"{api_server.url}{path}")
        assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, path
        _shot(small, f"{name}-phone")
    small.goto(f"{api_server.url}/data/segments/{segment['uuid']}")
    small.get_by_label("Filter (JSON)").fill('{"conjonction": "and", "groups": [')
    small.get_by_role("button", name="Save filter").click()
    small.locator("#segment-issues").wait_for()
    assert "not valid JSON" in small.locator("#segment-issues").inner_text()
    _shot(small, "data-segment-error-phone")
    assert not errors, errors
    phone.close()
    context.close()
