"""Signing in with an email and password in a real headless browser (Debian's Chromium driven by
Playwright) against a real `lading serve`: the second way on the sign-in page, keyboard-reachable, a
refusal shown in the page, then the user's workspace; photographed at 1280×800 and 390×844 into
`$LADING_SCREENSHOTS_DIR` (default `tests/.screenshots/`)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from console_helpers import (
    DESKTOP,
    PHONE,
    browser,  # noqa: F401  (the fixture)
    shot,
)

PASSWORD = "browser-password-long-enough"


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_sign_in_with_email_and_password(browser: Any, api_server: Any, label: str,  # noqa: F811
                                         viewport: dict[str, int]) -> None:
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
    shot(page, f"login-password-refused-{label}")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")  # the keyboard alone signs in
    page.wait_for_url(f"{api_server.url}/tools")
    shot(page, f"login-password-signed-in-{label}")
    page.context.close()
