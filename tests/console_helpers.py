"""What the console tests share: signing a plain HTTP client in, reading a form's CSRF token, making a
deployed tool through the API, and reading the server's store directly (to check what it keeps); and for
the tests in a real browser (Debian's Chromium driven by Playwright): the `browser` fixture (import it into
the test module), signing a page in, collecting a page's script errors, and photographing a page into
`$LADING_SCREENSHOTS_DIR` (default `tests/.screenshots/`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphs import chain, end, node, start, var

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("LADING_SCREENSHOTS_DIR") or Path(__file__).parent / ".screenshots")


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found, html
    return found.group(1)


def sign_in(server: Any, workspace: str = "alpha", *, token: str | None = None) -> httpx.Client:
    """An HTTP client signed in to the console (its cookies kept), not following redirects."""
    client = httpx.Client(base_url=server.url, timeout=60)
    server.clients.append(client)
    page = client.get("/login")
    answer = client.post("/login", data={"csrf": csrf_in(page.text), "token": token or server.tokens[workspace],
                                         "next": "/tools"})
    assert answer.status_code == 303, answer.text
    return client


def greeting_nodes() -> list[dict[str, Any]]:
    """start → greet (`hello` = the record's name) → end."""
    return chain(start(), node("greet", "variables", {"variables": [var("hello", "Hello {{nodes.start.name}}")]}),
                 end([var("out", "{{nodes.greet.hello}}")]))


def deployed_tool(server: Any, workspace: str, name: str) -> dict[str, Any]:
    """A tool with a deployed greeting graph, made through the API with the workspace's token."""
    api = server.client(workspace)
    created = api.post("/orchestration/tools", json={"name": name, "description": f"{name} for tests",
                                                       "icon": None})
    assert created.status_code == 200, created.text
    tool = created.json()["tool"]
    deployed = api.post("/orchestration/releases/draft/deploy",
                        json={"workflowUuid": tool["workflowUuid"], "nodes": greeting_nodes()})
    assert deployed.status_code == 200, deployed.text
    return dict(tool)


@contextmanager
def server_store(server: Any, monkeypatch: Any) -> Iterator[Any]:
    """The server's own store (SQLite under its home, or its PostgreSQL), opened as its settings say."""
    from lading.settings import load_settings
    from lading.store.database import open_database

    with monkeypatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("LADING_")]:
            patch.delenv(key)
        for key, value in server.env.items():
            if key.startswith("LADING_"):
                patch.setenv(key, value)
        db = open_database(load_settings())
    yield db


# --- in a real browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (a module imports this fixture by name)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the browser tests need Debian's chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def shot(page: Any, name: str) -> None:
    """The whole page photographed as `<name>.png` under `SHOTS`."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in_page(browser: Any, server: Any, workspace: str, viewport: dict[str, int] = DESKTOP,
                 path: str = "/tools") -> Any:
    """A page in a new browser context, sent to the sign-in page from `path` and signed in there with the
    workspace's token, back on `path`."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{server.url}{path}")
    assert page.url.startswith(f"{server.url}/login?next=")
    page.get_by_label("Workspace token").fill(server.tokens[workspace])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}{path}")
    return page


def console_errors(page: Any, *, except_containing: str | None = None) -> list[str]:
    """The page's script errors and the browser's error notes from now on (a note containing
    `except_containing` left out: e.g. a refusal the test provokes on purpose)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" and (
        except_containing is None or except_containing not in message.text) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
