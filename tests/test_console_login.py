"""Signing in to the console with a user's email and password (issue 17): `workspace user set-password`
(stdin, never a flag) and its route, the email + password form (one refusal for an unknown email and a
wrong password, a throttle, CSRF), sessions bound to the user with the user's role, and the password
never stored, printed or logged."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from console_helpers import csrf_in, deployed_tool, server_store

ADMIN_PASSWORD = "correct horse battery staple"
MEMBER_PASSWORD = "member-password-0f-length"


def _anonymous(server: Any) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    server.clients.append(client)
    return client


def _set_password_cli(server: Any, user_uuid: str, password: str,
                      workspace: str = "alpha") -> subprocess.CompletedProcess[str]:
    """`lading workspace user set-password --password-stdin` in embedded mode on the server's store."""
    env = {**server.env, "LADING_WORKSPACE_NAME": server.workspaces[workspace]}
    return subprocess.run([sys.executable, "-m", "lading", "workspace", "user", "set-password", "--user-uuid",
                           user_uuid, "--password-stdin"], env=env, input=password + "\n", capture_output=True,
                          text=True, timeout=120)


def _password_form(client: httpx.Client, email: str, password: str, workspace: str = "",
                   next_: str = "/tools") -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_in(page.text), "email": email, "password": password,
                                       "workspace": workspace, "next": next_})


def _member(server: Any) -> dict[str, Any]:
    email = f"member-{uuid.uuid4().hex[:6]}@example.com"
    return dict(server.lading("workspace", "user", "create", "--user-email", email, "--role-slug", "member")["user"])


def _admin(server: Any, workspace: str = "alpha") -> dict[str, Any]:
    return dict(server.lading("workspace", "user", "get-current", workspace=workspace)["user"])


def test_an_admin_signs_in_with_email_and_password_and_sees_their_workspace(api_server: Any) -> None:
    tool = deployed_tool(api_server, "alpha", "Login alpha tool")
    other = deployed_tool(api_server, "beta", "Login beta tool")
    admin = _admin(api_server)
    answer = api_server.client("alpha").put(f"/workspaceManagement/users/{admin['uuid']}/password",
                                            json={"password": ADMIN_PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"uuid": admin["uuid"], "passwordSet": True}
    assert ADMIN_PASSWORD not in answer.text

    client = _anonymous(api_server)
    signed = _password_form(client, admin["email"], ADMIN_PASSWORD, api_server.workspaces["alpha"])
    assert signed.status_code == 303 and signed.headers["location"] == "/tools", signed.text
    tools = client.get("/tools")
    assert tools.status_code == 200
    assert "Login alpha tool" in tools.text and "Login beta tool" not in tools.text
    assert client.get(f"/tools/{tool['uuid']}").status_code == 200
    assert client.get(f"/tools/{other['uuid']}").status_code == 404
    assert client.get("/analytics/usage").status_code == 200  # an admin's rights
    out = client.post("/logout", data={"csrf": csrf_in(tools.text)})
    assert out.status_code == 303 and client.get("/tools").status_code == 303


def test_a_member_set_by_the_cli_signs_in_with_member_rights(api_server: Any, monkeypatch: Any) -> None:
    member = _member(api_server)
    done = _set_password_cli(api_server, member["uuid"], MEMBER_PASSWORD)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"uuid": member["uuid"], "passwordSet": True}
    assert MEMBER_PASSWORD not in done.stdout + done.stderr

    client = _anonymous(api_server)
    signed = _password_form(client, member["email"], MEMBER_PASSWORD)  # one workspace: no name needed
    assert signed.status_code == 303, signed.text
    assert client.get("/tools").status_code == 200
    usage = client.get("/analytics/usage")
    assert usage.status_code == 403 and "administrator" in usage.text

    with server_store(api_server, monkeypatch) as db, db.read() as conn:
        from lading.store.schema import console_sessions, users

        stored = conn.execute(select(users.c.password_hash).where(users.c.uuid == member["uuid"])).scalar_one()
        bound = conn.execute(select(console_sessions.c.token_uuid)
                             .where(console_sessions.c.user_uuid == member["uuid"])).all()
    assert stored.startswith("scrypt$16384$8$1$") and len(stored.split("$")) == 6
    assert MEMBER_PASSWORD not in stored
    assert bound and all(row.token_uuid is None for row in bound)

    # A new password ends the user's sessions.
    again = _set_password_cli(api_server, member["uuid"], MEMBER_PASSWORD + "-new")
    assert again.returncode == 0, again.stderr
    assert client.get("/tools").status_code == 303


def test_wrong_password_and_unknown_email_get_the_same_refusal(api_server: Any) -> None:
    member = _member(api_server)
    assert _set_password_cli(api_server, member["uuid"], MEMBER_PASSWORD).returncode == 0
    client = _anonymous(api_server)
    wrong = _password_form(client, member["email"], "not the password at all")
    unknown = _password_form(client, f"nobody-{uuid.uuid4().hex[:6]}@example.com", MEMBER_PASSWORD)
    no_password = _password_form(client, _member(api_server)["email"], MEMBER_PASSWORD)
    for answer in (wrong, unknown, no_password):
        assert answer.status_code == 401
        assert "That email and password do not match." in answer.text
        assert "lading_console=" not in answer.headers.get("set-cookie", "")
        assert "not the password" not in answer.text and MEMBER_PASSWORD not in answer.text
    assert client.get("/tools").status_code == 303


def test_failed_sign_ins_are_throttled(api_server: Any) -> None:
    member = _member(api_server)
    assert _set_password_cli(api_server, member["uuid"], MEMBER_PASSWORD).returncode == 0
    client = _anonymous(api_server)
    for _ in range(5):
        assert _password_form(client, member["email"], "wrong password, again").status_code == 401
    blocked = _password_form(client, member["email"], MEMBER_PASSWORD)  # even the right one, for a minute
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert client.get("/tools").status_code == 303


def test_the_password_form_needs_its_csrf_token(api_server: Any) -> None:
    member = _member(api_server)
    assert _set_password_cli(api_server, member["uuid"], MEMBER_PASSWORD).returncode == 0
    forged = _anonymous(api_server).post("/login", data={"csrf": "x", "email": member["email"],
                                                          "password": MEMBER_PASSWORD})
    assert forged.status_code == 403
    assert "lading_console=" not in forged.headers.get("set-cookie", "")


def test_set_password_rules(api_server: Any) -> None:
    member = _member(api_server)
    short = _set_password_cli(api_server, member["uuid"], "short-pw")
    assert short.returncode != 0 and "at least 12 characters" in short.stdout + short.stderr
    assert "short-pw" not in short.stdout + short.stderr
    api = api_server.client("alpha")
    too_short = api.put(f"/workspaceManagement/users/{member['uuid']}/password", json={"password": "tiny-secret"})
    assert too_short.status_code == 400 and "tiny-secret" not in too_short.text
    beta_admin = _admin(api_server, "beta")  # another workspace's user is not found from alpha
    assert api.put(f"/workspaceManagement/users/{beta_admin['uuid']}/password",
                   json={"password": ADMIN_PASSWORD}).status_code == 404
    # --password is no flag: a password never goes on the command line
    env = {**api_server.env, "LADING_WORKSPACE_NAME": api_server.workspaces["alpha"]}
    flagged = subprocess.run([sys.executable, "-m", "lading", "workspace", "user", "set-password", "--user-uuid",
                              member["uuid"], "--password", MEMBER_PASSWORD], env=env, capture_output=True, text=True,
                             timeout=120, input="")
    assert flagged.returncode == 2


def test_no_password_in_the_server_log(api_server: Any) -> None:
    log = (api_server.home / "serve.log").read_text(errors="replace")
    for secret in (ADMIN_PASSWORD, MEMBER_PASSWORD, "not the password at all", "wrong password, again"):
        assert secret not in log


def test_a_member_sets_only_their_own_password() -> None:
    """Admin-only for another user, anyone for themselves (checked in the service, on every face)."""
    from dataclasses import replace

    import pytest

    from lading.domain.errors import AuthError
    from lading.services.access import Access
    from lading.services.wiring import open_session
    from lading.services.workspace import users

    admin = open_session()
    admin_uuid = users.get_current_user(admin)["user"]["uuid"]
    made = users.create_user(admin, user_email="self@example.com", role_slug="member")["user"]
    member = replace(admin, user_uuid=made["uuid"], user_email=made["email"],
                     access=Access(role="member", token_uuid=None))
    assert users.set_password(member, made["uuid"], password=MEMBER_PASSWORD)["passwordSet"] is True
    with pytest.raises(AuthError):
        users.set_password(member, admin_uuid, password=MEMBER_PASSWORD)
