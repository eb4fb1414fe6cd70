"""The web console's sign-in over plain HTTP against a real `lading serve`: redirects, the session
cookie and its stored hash, CSRF refusals, sign-out, expiry, and the API left as it was."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from console_helpers import csrf_in, deployed_tool, server_store, sign_in


def _anonymous(server: Any) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    server.clients.append(client)
    return client


def test_pages_redirect_to_sign_in_and_keep_where_they_were_going(api_server: Any) -> None:
    client = _anonymous(api_server)
    home = client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/login"
    for path in ("/tools", "/runs", "/runs/00000000-0000-0000-0000-000000000000", "/plays", "/agents"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2F"), answer.headers["location"]
    page = client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text and '<label for="token">' in page.text


def test_sign_in_sets_a_hashed_http_only_session_and_sign_out_ends_it(api_server: Any, monkeypatch: Any) -> None:
    from lading.store.schema import console_sessions

    client = _anonymous(api_server)
    form = client.get("/login")
    answer = client.post("/login", data={"csrf": csrf_in(form.text), "token": api_server.tokens["alpha"],
                                         "next": "/runs?status=error"})
    assert answer.status_code == 303 and answer.headers["location"] == "/runs?status=error"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("lading_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # served over plain http here; over https the cookie is Secure
    value = client.cookies["lading_console"]
    with server_store(api_server, monkeypatch) as db, db.read() as conn:
        stored = conn.execute(select(console_sessions.c.session_hash, console_sessions.c.expires_at,
                                     console_sessions.c.created_at)).all()
    hashes = {row.session_hash for row in stored}
    assert hashlib.sha256(value.encode()).hexdigest() in hashes and value not in hashes
    assert all(row.expires_at - row.created_at == timedelta(hours=12) for row in stored)

    tools = client.get("/tools")
    assert tools.status_code == 200 and "Sign out" in tools.text
    assert api_server.workspaces["alpha"] in tools.text  # the header names the workspace

    refused = client.post("/logout", data={"csrf": "not-the-token"})
    assert refused.status_code == 403 and "Traceback" not in refused.text
    assert client.get("/tools").status_code == 200  # a refused sign-out changed nothing
    out = client.post("/logout", data={"csrf": csrf_in(tools.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    with server_store(api_server, monkeypatch) as db, db.read() as conn:
        left = {r.session_hash for r in conn.execute(select(console_sessions.c.session_hash)).all()}
    assert hashlib.sha256(value.encode()).hexdigest() not in left
    stale = _anonymous(api_server)
    stale.cookies.set("lading_console", value)
    assert stale.get("/tools").status_code == 303


def test_a_wrong_token_or_a_forged_sign_in_is_refused(api_server: Any) -> None:
    client = _anonymous(api_server)
    form = client.get("/login")
    wrong = client.post("/login", data={"csrf": csrf_in(form.text), "token": "ldg_not-a-token"})
    assert wrong.status_code == 401 and "not valid" in wrong.text and 'role="alert"' in wrong.text
    assert "lading_console" not in client.cookies
    forged = _anonymous(api_server).post("/login", data={"csrf": "x", "token": api_server.tokens["alpha"]})
    assert forged.status_code == 403
    assert "lading_console=" not in " ".join(forged.headers.get_list("set-cookie"))


def test_sign_in_goes_only_to_pages_of_this_site(api_server: Any) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client = _anonymous(api_server)
        form = client.get("/login")
        answer = client.post("/login", data={"csrf": csrf_in(form.text), "token": api_server.tokens["alpha"],
                                             "next": target})
        assert answer.status_code == 303 and answer.headers["location"] == "/tools", target


def test_posts_without_the_session_csrf_token_are_refused(api_server: Any) -> None:
    tool = deployed_tool(api_server, "alpha", "Csrf check")
    alpha = sign_in(api_server, "alpha")
    beta = sign_in(api_server, "beta")
    page = alpha.get(f"/tools/{tool['uuid']}")
    for token in ("", "0" * 64, csrf_in(beta.get("/tools").text)):  # none, made up, another session's
        answer = alpha.post(f"/tools/{tool['uuid']}/run", data={"csrf": token, "data": "{}"})
        assert answer.status_code == 403, token
        assert "Refused" in answer.text and "Traceback" not in answer.text
    runs = api_server.client("alpha").post("/orchestration/runs/list", json={"workflowUuid": tool["workflowUuid"]})
    assert runs.json()["count"] == 0
    ran = alpha.post(f"/tools/{tool['uuid']}/run", data={"csrf": csrf_in(page.text), "data": '{"name": "Ada"}'})
    assert ran.status_code == 303 and ran.headers["location"].startswith("/runs/")


def test_an_expired_session_or_a_removed_token_signs_out(api_server: Any, monkeypatch: Any) -> None:
    from lading.store.clock import utcnow
    from lading.store.schema import console_sessions

    token = api_server.lading("workspace", "token", "create", "--name", "short-lived")["token"]
    client = sign_in(api_server, token=token["token"])
    assert client.get("/tools").status_code == 200
    api_server.lading("workspace", "token", "remove", token["uuid"])
    assert client.get("/tools").status_code == 303

    other = sign_in(api_server, "alpha")
    value = hashlib.sha256(other.cookies["lading_console"].encode()).hexdigest()
    with server_store(api_server, monkeypatch) as db, db.write() as conn:
        conn.execute(update(console_sessions).where(console_sessions.c.session_hash == value)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert other.get("/tools").status_code == 303


def test_a_narrowed_token_sees_only_what_it_may(api_server: Any) -> None:
    rules = '[{"effect":"deny","resources":null,"actions":["orchestration:*"]}]'
    token = api_server.lading("workspace", "token", "create", "--name", "no orchestration", "--permissions",
                              rules)["token"]["token"]
    client = sign_in(api_server, token=token)
    answer = client.get("/tools")
    assert answer.status_code == 403 and "does not allow" in answer.text and "Sign out" in answer.text


def test_the_api_and_its_docs_are_where_they_were(api_server: Any) -> None:
    client = _anonymous(api_server)
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/ready").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    assert not [p for p in client.get("/openapi.json").json()["paths"] if not p.startswith(("/v1", "/health",
                                                                                             "/ready", "/mcp"))]
    who = api_server.client("alpha").get("/whoami")
    assert who.status_code == 200 and who.json()["workspace"]["name"] == api_server.workspaces["alpha"]
    unknown = client.get("/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["reason"] == "routeNotFound"
    assert client.get("/assets/console.css").status_code == 200


def test_the_run_form_shows_what_is_wrong_on_the_tool_page(api_server: Any) -> None:
    tool = deployed_tool(api_server, "alpha", "Form errors")
    client = sign_in(api_server, "alpha")
    csrf = csrf_in(client.get(f"/tools/{tool['uuid']}").text)
    bad = client.post(f"/tools/{tool['uuid']}/run", data={"csrf": csrf, "data": '{"name": '})
    assert bad.status_code == 400 and "not valid JSON" in bad.text
    kept = re.search(r'<textarea[^>]*>([^<]*)</textarea>', bad.text)
    assert kept is not None and html.unescape(kept.group(1)) == '{"name":'  # what was typed stays to fix
    array = client.post(f"/tools/{tool['uuid']}/run", data={"csrf": csrf, "data": "[1, 2]"})
    assert array.status_code == 400 and 'role="alert"' in array.text
    undeployed = api_server.client("alpha").post("/orchestration/tools", json={"name": "Never deployed",
                                                                              "icon": None}).json()["tool"]
    page = client.get(f"/tools/{undeployed['uuid']}")
    assert page.status_code == 200 and "no deployed release" in page.text
    refused = client.post(f"/tools/{undeployed['uuid']}/run", data={"csrf": csrf, "data": "{}"})
    assert refused.status_code == 404 and "deploy its draft first" in refused.text
    missing = client.get("/tools/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "Not found" in missing.text
    for answer in (bad, array, refused, missing):
        assert "Traceback" not in answer.text and "{'" not in answer.text and "None" not in answer.text
