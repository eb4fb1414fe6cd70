"""The console's Data pages in a real headless browser (Debian's Chromium driven by Playwright) against a
real `lading serve`: open a model, sort by a column with the keyboard and the mouse, filter with the
condition row, open a segment, save a filter the validator refuses and read its message next to the
editor, save a good one and see the count change. Pages are photographed at 1280×800 and at phone width
(390×844) into `$LADING_SCREENSHOTS_DIR` (default `tests/.screenshots/`)."""

from __future__ import annotations

import json
import re
from typing import Any

from test_console_data import country, make_model, make_segment, where

from console_helpers import (
    DESKTOP,
    PHONE,
    browser,  # noqa: F401  (the fixture)
    console_errors,
    shot,
)


def _first_ids(page: Any, count: int = 3) -> list[str]:
    return page.locator("table.records tbody th").all_inner_texts()[:count]


def test_sort_filter_and_edit_a_segment_filter(browser: Any, api_server: Any) -> None:  # noqa: F811
    model = make_model(api_server, "alpha", "Browser leads")
    segment = make_segment(api_server, "alpha", model["uuid"], "Browser US leads", country("US"))
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    # A refused save answers 400 on purpose: the browser's note of it is not a script error.
    errors = console_errors(page, except_containing="status of 400")
    page.goto(f"{api_server.url}/data")
    page.get_by_label("Workspace token").fill(api_server.tokens["alpha"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{api_server.url}/data")
    shot(page, "data-desktop")

    page.get_by_role("link", name="Browser leads").click()
    page.wait_for_url(f"{api_server.url}/data/models/{model['uuid']}")
    assert page.get_by_role("heading", name="Browser leads").is_visible()
    assert _first_ids(page) == ["r001", "r002", "r003"]
    shot(page, "data-model-desktop")

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
    shot(page, "data-records-desktop")

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
    shot(page, "data-segment-error-desktop")

    good = where({"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]},
                 {"kind": "number", "columnSlug": "score", "operator": "greaterThan", "value": 50})
    editor.fill(json.dumps(good, indent=2))
    page.get_by_role("button", name="Save filter").click()
    page.wait_for_url(re.compile(r".*\?saved=1$"))
    assert page.get_by_role("status").inner_text().startswith("Saved")
    count = int(page.locator("#segment-count").inner_text())
    assert 0 < count < 40
    assert page.locator("table.records tbody tr").count() == min(count, 20)
    shot(page, "data-segment-desktop")
    page.locator('a[href^="/data/changes/"]').first.click()
    page.wait_for_url(re.compile(r".*/data/changes/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", name=re.compile("Change of")).is_visible()
    shot(page, "data-change-desktop")
    change_path = page.url.split(api_server.url, 1)[1]

    # Phone width: every Data page fits without sideways scrolling of the page itself.
    phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    errors += console_errors(small, except_containing="status of 400")
    for name, path in (("data", "/data"),
                       ("data-model", f"/data/models/{model['uuid']}?field=country&op=equals&value=US"),
                       ("data-segment", f"/data/segments/{segment['uuid']}"), ("data-change", change_path)):
        small.goto(f"{api_server.url}{path}")
        assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, path
        shot(small, f"{name}-phone")
    small.goto(f"{api_server.url}/data/segments/{segment['uuid']}")
    small.get_by_label("Filter (JSON)").fill('{"conjonction": "and", "groups": [')
    small.get_by_role("button", name="Save filter").click()
    small.locator("#segment-issues").wait_for()
    assert "not valid JSON" in small.locator("#segment-issues").inner_text()
    shot(small, "data-segment-error-phone")
    assert not errors, errors
    phone.close()
    context.close()
