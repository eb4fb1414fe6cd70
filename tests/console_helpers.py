"""What the console tests share: signing a plain HTTP client in, reading a form's CSRF token, making a
deployed tool through the API, and reading the server's store directly (to check what it keeps)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from graphs import chain, end, node, start, var


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
