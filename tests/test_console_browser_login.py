"""Signing in with an email and password in a real headless browser (Debian's Chromium driven by
Playwright) against a real `lading serve`: the second way on the sign-in page, keyboard-reachable, a
refusal shown in the page, then the user's workspace; photographed at 1280×800 and 390×844 into
`$LADING_SCREENSHOTS_DIR` (default `tests/.screenshots/`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("LADING_SCREENSHOTS_DIR") or Path(__file__).parent / ".screenshots")
PASSWORD = "browser-password-long-enough"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the browser tests need Debian's chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.mark.parametrize(("label", "viewport"), [("desktop", {"width": 1280, "height": 800}),
                                                 ("phone", {"width": 390, "height": 844})])
def test_sign_in_with_email_and_password(browser: Any, api_server: Any, label: str, viewport: dict[str, int]) -> None:
    admin = api_server.lading("workspace", "user", "get-current")["user"]
    env = {**api_server.env, "LADING_WORKSPACE_NAME": api_server.workspaces["alpha"]}
    done = subprocess.run([sys.executable, "-m", "lading", "workspace", "user", "set-password", "--user-uuid",
                           admin["uuid"], "--password-stdin"], env=env, input=PASSWORD, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{api_server.url}/tools")
    page.get_by_text("With your email and password").click()
    page.get_by_label("Email").fill(admin["email"])
    page.get_by_label("Password", exact=True).fill("not the right one")
    page.get_by_label("Workspace name").fill(api_server.workspaces["alpha"])
    page.get_by_role("button", name="Sign in with password").click()
    page.wait_for_load_state()
    assert "do not match" in page.get_by_role("alert").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"login-password-refused-{label}.png"), full_page=True)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")  # the keyboard alone signs in
    page.wait_for_url(f"{api_server.url}/tools")
    page.screenshot(path=str(SHOTS / f"login-password-signed-in-{label}.png"), full_page=True)
    page.context.close()
