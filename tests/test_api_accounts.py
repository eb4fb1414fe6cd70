"""Accounts on a real `lading serve` (api.md §9, §10; C §3.3–3.6): users and roles, the users' own
permission rules, folders (and resources entering only folders of their kind), reports, work
sessions, the workspace's settings and the caller's profile — with two-workspace isolation, the
admin-only writes, and the remote CLI printing what the embedded CLI prints."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import httpx
import pytest

from api_server import refused

WS = "/workspaceManagement"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()




def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def _engine(server: Any) -> Any:
    import sqlalchemy

    url = os.environ.get("LADING_TEST_DATABASE_URL")
    if url:
        return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return sqlalchemy.create_engine(f"sqlite:///{server.home / 'lading.db'}", connect_args={"timeout": 30})


def token_of(server: Any, user_uuid: str, workspace: str = "alpha") -> str:
    """A token owned by `user_uuid`: minted by the workspace's admin, then handed to the user in the
    store (Lading mints tokens for their creator only; this is how a test gets a member's token)."""
    import sqlalchemy

    value = _ok(server.client(workspace).post(f"{WS}/tokens", json={"name": f"for {user_uuid}"}))["token"]
    engine = _engine(server)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE api_tokens SET user_uuid = :u WHERE uuid = :t"),
                     {"u": user_uuid, "t": value["uuid"]})
    engine.dispose()
    return str(value["token"])


def new_user(client: httpx.Client, role: str = "member", tag: str = "user") -> dict[str, Any]:
    return dict(_ok(client.post(f"{WS}/users", json={"userEmail": _email(tag), "roleSlug": role}))["user"])


def new_folder(client: httpx.Client, kind: str = "tool", name: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"name": name or f"folder-{uuid.uuid4().hex[:6]}", "emojiSlug": "rocket", "kind": kind, **extra}
    return dict(_ok(client.post(f"{WS}/folders", json=body))["folder"])


USER_KEYS = {"uuid", "email", "firstName", "lastName", "picture", "webExtensionData", "lastSignInAt", "createdAt",
             "updatedAt", "workspaceUuid", "role", "permissions"}
ROLE_KEYS = {"uuid", "slug", "workspaceUuid", "permissions", "createdAt"}
FOLDER_KEYS = {"uuid", "workspaceUuid", "parentUuid", "kind", "name", "emojiSlug", "order", "isReadOnly",
               "createdAt", "updatedAt", "deletedAt"}
WORKSPACE_KEYS = {"uuid", "name", "allowedEmailDomains", "syncs", "temporalNamespace", "temporalTaskQueuePrefix",
                  "maxConcurrentRuns", "openAiVectorStoreId", "logoUrl", "metadata", "chromeExtensionMasterAgentUuid",
                  "chromeExtensionAvailableAgentUuids", "defaultRoleUuid", "allowedLoginProviders", "ssoIdentifier",
                  "quotaBuckets", "createdAt", "updatedAt"}


# --- users and roles -------------------------------------------------------------------------------

def test_roles_and_users_lifecycle(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    roles = _ok(alpha.get(f"{WS}/roles/list"))["roles"]
    assert [r["slug"] for r in roles] == ["admin", "member"] and all(set(r) == ROLE_KEYS for r in roles)
    me = _ok(alpha.get(f"{WS}/users/current"))["user"]
    assert set(me) == USER_KEYS and me["role"]["slug"] == "admin" and me["role"] == roles[0]

    email = _email("ada")
    created = _ok(alpha.post(f"{WS}/users", json={"userEmail": email.upper(), "roleSlug": "member"}))["user"]
    assert created["email"] == email and created["role"]["slug"] == "member" and created["permissions"] is None
    assert created["uuid"] in {u["uuid"] for u in _ok(alpha.get(f"{WS}/users/list"))["users"]}
    refused(alpha.post(f"{WS}/users", json={"userEmail": email, "roleSlug": "member"}), 409, "userAlreadyExists")
    refused(alpha.post(f"{WS}/users", json={"userEmail": _email("x"), "roleSlug": "owner"}), 404, "roleNotFound")
    refused(alpha.post(f"{WS}/users", json={"userEmail": "not an email", "roleSlug": "member"}), 400,
            "invalidUserEmail")
    refused(alpha.post(f"{WS}/users", json={"userEmail": _email("x")}), 400, "invalidPayload")

    promoted = _ok(alpha.put(f"{WS}/users/{created['uuid']}", json={"roleSlug": "admin"}))["user"]
    assert promoted["role"]["slug"] == "admin"
    refused(alpha.put(f"{WS}/users/{created['uuid']}", json={"roleSlug": "root"}), 404, "roleNotFound")
    refused(alpha.put(f"{WS}/users/{uuid.uuid4()}", json={"roleSlug": "member"}), 404, "userNotFound")
    assert _ok(alpha.request("DELETE", f"{WS}/users", json={"userUuid": created["uuid"]})) == \
        {"uuid": created["uuid"], "removed": True}
    assert created["uuid"] not in {u["uuid"] for u in _ok(alpha.get(f"{WS}/users/list"))["users"]}
    refused(alpha.request("DELETE", f"{WS}/users", json={"userUuid": created["uuid"]}), 404, "userNotFound")
    # The email is free again once its user is removed.
    again = _ok(alpha.post(f"{WS}/users", json={"userEmail": email, "roleSlug": "member"}))["user"]
    assert again["uuid"] != created["uuid"]


def test_the_last_admin_stays(api_server: Any) -> None:
    gamma = api_server.client(token=api_server.add_workspace(f"solo{uuid.uuid4().hex[:4]}"))
    me = _ok(gamma.get(f"{WS}/users/current"))["user"]
    refused(gamma.put(f"{WS}/users/{me['uuid']}", json={"roleSlug": "member"}), 409, "lastAdminCannotBeRemoved")
    refused(gamma.request("DELETE", f"{WS}/users", json={"userUuid": me["uuid"]}), 409, "lastAdminCannotBeRemoved")
    assert _ok(gamma.get(f"{WS}/users/current"))["user"]["role"]["slug"] == "admin"


def test_members_are_refused_admin_writes_and_tokens_follow_their_owner(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    member = new_user(alpha, "member", "member")
    as_member = api_server.client(token=token_of(api_server, member["uuid"]))
    assert _ok(as_member.get(f"{WS}/users/current"))["user"]["uuid"] == member["uuid"]
    # Admin-only: users, tokens, workspace settings. Open to members: folders, reports, reads.
    refused(as_member.post(f"{WS}/users", json={"userEmail": _email("x"), "roleSlug": "member"}), 403, "forbidden")
    refused(as_member.put(f"{WS}/users/{member['uuid']}", json={"roleSlug": "admin"}), 403, "forbidden")
    refused(as_member.request("DELETE", f"{WS}/users", json={"userUuid": member["uuid"]}), 403, "forbidden")
    refused(as_member.post(f"{WS}/tokens", json={"name": "mine"}), 403, "forbidden")
    refused(as_member.put(f"{WS}/workspaces/current", json={"metadata": {"a": 1}}), 403, "forbidden")
    refused(as_member.post(f"{WS}/users/permissions", json={"userUuids": [member["uuid"]], "action": "x:read",
                                                           "resourceUuid": str(uuid.uuid4()), "effect": "deny"}),
           403, "forbidden")
    assert _ok(as_member.get(f"{WS}/users/list"))["users"]
    assert new_folder(as_member)["kind"] == "tool"
    assert _ok(as_member.post(f"{WS}/reports", json={"title": "t", "description": "d"}))["report"]["userUuid"] == \
        member["uuid"]
    # Promoting widens the member's token at once; demoting narrows it at once; removing revokes it.
    _ok(alpha.put(f"{WS}/users/{member['uuid']}", json={"roleSlug": "admin"}))
    made = new_user(as_member, "member", "made-by-member")
    _ok(alpha.put(f"{WS}/users/{member['uuid']}", json={"roleSlug": "member"}))
    refused(as_member.post(f"{WS}/users", json={"userEmail": _email("x"), "roleSlug": "member"}), 403, "forbidden")
    _ok(alpha.request("DELETE", f"{WS}/users", json={"userUuid": member["uuid"]}))
    refused(as_member.get(f"{WS}/users/current"), 401, "unauthorized")
    assert made["role"]["slug"] == "member"


def test_user_permission_rules(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    member = new_user(alpha, "member", "rules")
    other = new_user(alpha, "member", "rules-other")
    folder = new_folder(alpha, "play")
    as_member = api_server.client(token=token_of(api_server, member["uuid"]))
    assert _ok(as_member.get(f"{WS}/folders/{folder['uuid']}"))["folder"]["uuid"] == folder["uuid"]

    rule = {"action": "workspaceManagement:folder:*", "resourceUuid": folder["uuid"], "effect": "deny"}
    changed = _ok(alpha.post(f"{WS}/users/permissions",
                             json={**rule, "userUuids": [member["uuid"]], "emails": [other["email"]]}))["users"]
    expected = [{"effect": "deny", "resources": [folder["uuid"]], "actions": ["workspaceManagement:folder:*"]}]
    assert {u["uuid"]: u["permissions"] for u in changed} == {member["uuid"]: expected, other["uuid"]: expected}
    # The same rule again replaces it rather than piling up.
    again = _ok(alpha.post(f"{WS}/users/permissions", json={**rule, "userUuids": [member["uuid"]]}))["users"]
    assert again[0]["permissions"] == expected
    # A user's deny rule takes the right away on that resource only.
    refused(as_member.get(f"{WS}/folders/{folder['uuid']}"), 403, "forbidden")
    refused(as_member.request("DELETE", f"{WS}/folders/{folder['uuid']}"), 403, "forbidden")
    assert new_folder(as_member, "play")["kind"] == "play"

    for body in ({**rule}, {**rule, "userUuids": [member["uuid"]], "effect": "maybe"},
                 {**rule, "userUuids": "abc"}, {**rule, "userUuids": [member["uuid"]], "extra": 1}):
        assert alpha.post(f"{WS}/users/permissions", json=body).status_code == 400
    refused(alpha.post(f"{WS}/users/permissions", json={**rule, "userUuids": [str(uuid.uuid4())]}), 404, "userNotFound")
    refused(alpha.post(f"{WS}/users/permissions", json={**rule, "emails": [_email("nobody")]}), 404, "userNotFound")

    removed = _ok(alpha.request("DELETE", f"{WS}/users/{member['uuid']}/permissions",
                                json={"resourceUuid": folder["uuid"], "effect": "deny"}))["user"]
    assert removed["permissions"] is None
    assert _ok(as_member.get(f"{WS}/folders/{folder['uuid']}"))["folder"]["uuid"] == folder["uuid"]
    refused(alpha.request("DELETE", f"{WS}/users/{uuid.uuid4()}/permissions",
                         json={"resourceUuid": folder["uuid"], "effect": "deny"}), 404, "userNotFound")


# --- folders ---------------------------------------------------------------------------------------

def test_folders_lifecycle_and_rules(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    name = f"Sales {uuid.uuid4().hex[:6]}"
    parent = new_folder(alpha, "tool", name)
    assert set(parent) == FOLDER_KEYS and parent["parentUuid"] is None and parent["isReadOnly"] is False
    assert _ok(alpha.get(f"{WS}/folders/{parent['uuid']}")) == {"folder": parent}
    refused(alpha.post(f"{WS}/folders", json={"name": name, "emojiSlug": "x", "kind": "tool"}), 409, "duplicateName")
    # Same name, another kind or another parent: fine.
    other_kind = new_folder(alpha, "agent", name)
    child = new_folder(alpha, "tool", name, parentUuid=parent["uuid"])
    assert child["parentUuid"] == parent["uuid"]
    refused(alpha.post(f"{WS}/folders", json={"name": "c", "emojiSlug": "x", "kind": "agent",
                                             "parentUuid": parent["uuid"]}), 404, "folderNotFound")
    refused(alpha.post(f"{WS}/folders", json={"name": "c", "emojiSlug": "x", "kind": "tool",
                                             "parentUuid": str(uuid.uuid4())}), 404, "folderNotFound")
    refused(alpha.post(f"{WS}/folders", json={"name": "c", "emojiSlug": "x", "kind": "spaceship"}), 400,
           "invalidPayload")
    for kind in ("mcpServer", "model", "alert", "app", "worker", "play", "file"):
        assert new_folder(alpha, kind)["kind"] == kind

    tools = _ok(alpha.get(f"{WS}/folders/list", params={"kind": "tool"}))["folders"]
    assert {parent["uuid"], child["uuid"]} <= {f["uuid"] for f in tools} and all(f["kind"] == "tool" for f in tools)
    assert other_kind["uuid"] in {f["uuid"] for f in _ok(alpha.get(f"{WS}/folders/list"))["folders"]}
    refused(alpha.get(f"{WS}/folders/list", params={"kind": "nope"}), 400, "invalidPayload")

    renamed = _ok(alpha.put(f"{WS}/folders/{child['uuid']}", json={"name": "Renamed", "emojiSlug": "star",
                                                                   "order": 2}))["folder"]
    assert (renamed["name"], renamed["emojiSlug"], renamed["order"], renamed["parentUuid"]) == \
        ("Renamed", "star", 2, parent["uuid"])
    refused(alpha.put(f"{WS}/folders/{parent['uuid']}", json={"parentUuid": child["uuid"]}), 400, "invalidParent")
    refused(alpha.put(f"{WS}/folders/{child['uuid']}", json={"parentUuid": None, "name": name}), 409, "duplicateName")
    refused(alpha.put(f"{WS}/folders/{uuid.uuid4()}", json={"name": "x"}), 404, "folderNotFound")

    # Not empty while it holds a subfolder or a resource.
    refused(alpha.delete(f"{WS}/folders/{parent['uuid']}"), 409, "folderNotEmpty")
    moved = _ok(alpha.put(f"{WS}/folders/{child['uuid']}", json={"parentUuid": None}))["folder"]
    assert moved["parentUuid"] is None
    tool = api_server.lading("orchestration", "tool", "create", "--name", "In a folder",
                             "--folder-uuid", parent["uuid"])["tool"]
    assert tool["folderUuid"] == parent["uuid"]
    refused(alpha.delete(f"{WS}/folders/{parent['uuid']}"), 409, "folderNotEmpty")
    api_server.lading("orchestration", "tool", "update", tool["uuid"], "--folder-uuid", "null")
    assert _ok(alpha.delete(f"{WS}/folders/{parent['uuid']}")) == {"uuid": parent["uuid"], "removed": True}
    refused(alpha.get(f"{WS}/folders/{parent['uuid']}"), 404, "folderNotFound")
    refused(alpha.delete(f"{WS}/folders/{parent['uuid']}"), 404, "folderNotFound")


def test_resources_enter_only_existing_folders_of_their_kind(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    tool_folder, agent_folder = new_folder(alpha, "tool"), new_folder(alpha, "agent")
    removed = new_folder(alpha, "tool")
    _ok(alpha.delete(f"{WS}/folders/{removed['uuid']}"))
    beta_folder = new_folder(api_server.client("beta"), "tool")
    for wrong in (agent_folder["uuid"], removed["uuid"], beta_folder["uuid"], str(uuid.uuid4())):
        out = api_server.lading("orchestration", "tool", "create", "--name", "T", "--folder-uuid", wrong, check=False)
        assert out["reason"] == "folderNotFound", out
    agent = api_server.lading("ai", "agent", "create", "--name", "A", "--folder-uuid", agent_folder["uuid"])["agent"]
    assert agent["folderUuid"] == agent_folder["uuid"]
    out = api_server.lading("ai", "agent", "update", "--uuid", agent["uuid"], "--folder-uuid", tool_folder["uuid"],
                            check=False)
    assert out["reason"] == "folderNotFound"
    assert not api_server.lading("orchestration", "tool", "list", "--folder-uuid", agent_folder["uuid"])["tools"]


# --- reports and sessions --------------------------------------------------------------------------

def test_reports_and_sessions(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    report = _ok(alpha.post(f"{WS}/reports", json={"title": "Bug", "description": "It broke."}))["report"]
    assert set(report) == {"uuid", "workspaceUuid", "title", "description", "userUuid", "createdAt"}
    listed = _ok(alpha.get(f"{WS}/reports/list"))["reports"]
    assert listed[0] == report
    refused(alpha.post(f"{WS}/reports", json={"title": "", "description": "d"}), 400, "invalidPayload")
    refused(alpha.post(f"{WS}/reports", json={"title": "t"}), 400, "invalidPayload")
    refused(alpha.get(f"{WS}/reports/list", params={"limit": 1001}), 400, "invalidLimit")

    sid = f"session-{uuid.uuid4().hex[:6]}"
    first = _ok(alpha.post(f"{WS}/sessions", json={"sessionId": sid, "title": "Work", "summary": "Started"}))["session"]
    assert set(first) == {"uuid", "sessionId", "workspaceUuid", "userUuid", "title", "summary", "createdAt",
                          "updatedAt", "finishedAt"}
    assert first["finishedAt"] is None
    done = _ok(alpha.post(f"{WS}/sessions", json={"sessionId": sid, "title": "Work", "summary": "Done",
                                                  "finishedAt": "2026-01-02T03:04:05+01:00"}))["session"]
    assert (done["uuid"], done["createdAt"], done["summary"], done["finishedAt"]) == \
        (first["uuid"], first["createdAt"], "Done", "2026-01-02T02:04:05.000Z")
    refused(alpha.post(f"{WS}/sessions", json={"sessionId": sid, "title": "W", "summary": "S", "finishedAt": "soon"}),
           400, "invalidPayload")
    # The same session id in another workspace is another session.
    beta = _ok(api_server.client("beta").post(f"{WS}/sessions", json={"sessionId": sid, "title": "B", "summary": "b"}))
    assert beta["session"]["uuid"] != first["uuid"]


# --- the workspace ---------------------------------------------------------------------------------

def test_workspace_current_list_and_settings(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    current = _ok(alpha.get(f"{WS}/workspaces/current"))["workspace"]
    assert set(current) == WORKSPACE_KEYS and current["name"] == api_server.workspaces["alpha"]
    assert (current["syncs"], current["quotaBuckets"], current["allowedEmailDomains"]) == ([], {}, [])
    assert _ok(alpha.get(f"{WS}/workspaces/list")) == {"workspaces": [current]}
    refused(alpha.post(f"{WS}/workspaces", json={"name": "new"}), 501, "notSupported")

    short = f"set{uuid.uuid4().hex[:4]}"
    gamma = api_server.client(token=api_server.add_workspace(short))
    member_role = next(r for r in _ok(gamma.get(f"{WS}/roles/list"))["roles"] if r["slug"] == "member")
    secret = "sk-test-" + uuid.uuid4().hex
    body = {"allowedEmailDomains": ["Example.com"], "metadata": {"team": "sales"},
            "defaultRoleUuid": member_role["uuid"], "allowedLoginProviders": ["email"], "logoBase64": PNG,
            "openAiApiKey": secret, "syncs": [], "chromeExtensionAvailableAgentUuids": []}
    updated = _ok(gamma.put(f"{WS}/workspaces/current", json=body))["workspace"]
    assert (updated["allowedEmailDomains"], updated["metadata"], updated["defaultRoleUuid"],
            updated["allowedLoginProviders"]) == (["example.com"], {"team": "sales"}, member_role["uuid"], ["email"])
    assert updated["logoUrl"] == f"data:image/png;base64,{PNG}"
    assert secret not in gamma.get(f"{WS}/workspaces/current").text
    assert secret.encode() not in _settings_bytes(api_server)
    # Only the given fields change.
    kept = _ok(gamma.put(f"{WS}/workspaces/current", json={"metadata": {"team": "ops"}}))["workspace"]
    assert (kept["metadata"], kept["allowedEmailDomains"], kept["logoUrl"]) == \
        ({"team": "ops"}, ["example.com"], updated["logoUrl"])

    refused(gamma.put(f"{WS}/workspaces/current", json={"syncs": [{"kind": "hubspot"}]}), 501, "notSupported")
    refused(gamma.put(f"{WS}/workspaces/current", json={"chromeExtensionMasterAgentUuid": str(uuid.uuid4())}),
           501, "notSupported")
    refused(gamma.put(f"{WS}/workspaces/current", json={"defaultRoleUuid": str(uuid.uuid4())}), 404, "roleNotFound")
    beta_role = _ok(api_server.client("beta").get(f"{WS}/roles/list"))["roles"][0]["uuid"]
    refused(gamma.put(f"{WS}/workspaces/current", json={"defaultRoleUuid": beta_role}), 404, "roleNotFound")
    refused(gamma.put(f"{WS}/workspaces/current", json={"logoBase64": "not base64!"}), 400, "invalidPayload")
    refused(gamma.put(f"{WS}/workspaces/current", json={"name": api_server.workspaces["alpha"]}), 409,
           "duplicateName")
    refused(gamma.put(f"{WS}/workspaces/current", json={"metadata": [1]}), 400, "invalidPayload")
    refused(gamma.put(f"{WS}/workspaces/current", json={"unknown": 1}), 400, "invalidPayload")
    assert _ok(gamma.get(f"{WS}/workspaces/current"))["workspace"]["metadata"] == {"team": "ops"}
    renamed = _ok(gamma.put(f"{WS}/workspaces/current", json={"name": f"{short}-renamed"}))["workspace"]
    assert renamed["name"] == f"{short}-renamed"
    assert _ok(gamma.get("/whoami"))["workspace"]["name"] == f"{short}-renamed"


def _settings_bytes(server: Any) -> bytes:
    import sqlalchemy

    engine = _engine(server)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT settings FROM workspaces")).all()
    engine.dispose()
    return repr(rows).encode()


# --- userManagement --------------------------------------------------------------------------------

def test_user_management_profile(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    member = new_user(alpha, "member", "profile")
    as_member = api_server.client(token=token_of(api_server, member["uuid"]))
    profile = _ok(as_member.get("/userManagement/users/current"))["user"]
    assert set(profile) == USER_KEYS - {"role", "permissions", "workspaceUuid"}
    assert profile["uuid"] == member["uuid"]
    updated = _ok(as_member.put("/userManagement/users/current",
                                json={"firstName": "Grace", "lastName": "Hopper",
                                      "webExtensionData": {"pinned": True}}))["user"]
    assert (updated["firstName"], updated["lastName"], updated["webExtensionData"]) == \
        ("Grace", "Hopper", {"pinned": True})
    assert _ok(as_member.get("/whoami"))["user"] == {"uuid": member["uuid"], "email": member["email"],
                                                     "firstName": "Grace", "lastName": "Hopper"}
    only_last = _ok(as_member.put("/userManagement/users/current", json={"lastName": None}))["user"]
    assert (only_last["firstName"], only_last["lastName"]) == ("Grace", None)
    refused(as_member.put("/userManagement/users/current", json={"firstName": 3}), 400, "invalidPayload")
    refused(as_member.put("/userManagement/users/current", json={"role": "admin"}), 400, "invalidPayload")
    listed = {u["uuid"]: u for u in _ok(alpha.get(f"{WS}/users/list"))["users"]}
    assert listed[member["uuid"]]["firstName"] == "Grace"


# --- isolation -------------------------------------------------------------------------------------

def test_another_workspace_accounts_are_not_found(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    beta_user = new_user(beta, "member", "beta")
    beta_folder = new_folder(beta, "tool")
    new_folder(alpha, "tool")  # alpha's own rows, so each list below has something to show
    _ok(alpha.post(f"{WS}/reports", json={"title": "alpha report", "description": "a"}))
    _ok(beta.post(f"{WS}/reports", json={"title": "beta report", "description": "b"}))
    refused(alpha.put(f"{WS}/users/{beta_user['uuid']}", json={"roleSlug": "admin"}), 404, "userNotFound")
    refused(alpha.request("DELETE", f"{WS}/users", json={"userUuid": beta_user["uuid"]}), 404, "userNotFound")
    refused(alpha.post(f"{WS}/users/permissions", json={"userUuids": [beta_user["uuid"]], "action": "x:read",
                                                       "resourceUuid": beta_folder["uuid"], "effect": "deny"}),
           404, "userNotFound")
    refused(alpha.post(f"{WS}/users/permissions", json={"emails": [beta_user["email"]], "action": "x:read",
                                                       "resourceUuid": beta_folder["uuid"], "effect": "deny"}),
           404, "userNotFound")
    refused(alpha.request("DELETE", f"{WS}/users/{beta_user['uuid']}/permissions",
                         json={"resourceUuid": beta_folder["uuid"], "effect": "deny"}), 404, "userNotFound")
    refused(alpha.get(f"{WS}/folders/{beta_folder['uuid']}"), 404, "folderNotFound")
    refused(alpha.put(f"{WS}/folders/{beta_folder['uuid']}", json={"name": "mine"}), 404, "folderNotFound")
    refused(alpha.delete(f"{WS}/folders/{beta_folder['uuid']}"), 404, "folderNotFound")
    refused(alpha.post(f"{WS}/folders", json={"name": "x", "emojiSlug": "x", "kind": "tool",
                                             "parentUuid": beta_folder["uuid"]}), 404, "folderNotFound")
    beta_ws = beta_user["workspaceUuid"]
    for path, key in (("/users/list", "users"), ("/roles/list", "roles"), ("/folders/list", "folders"),
                      ("/reports/list", "reports"), ("/workspaces/list", "workspaces")):
        items = _ok(alpha.get(WS + path))[key]
        assert items and all(item.get("workspaceUuid", item.get("uuid")) != beta_ws for item in items), path
    assert _ok(beta.get(f"{WS}/folders/{beta_folder['uuid']}"))["folder"]["name"] == beta_folder["name"]


# --- the remote CLI --------------------------------------------------------------------------------

def test_remote_cli_prints_what_the_embedded_cli_prints(api_server: Any, remote: Any, cli: Any) -> None:
    def both(*args: str) -> Any:
        code, out = cli(*args)
        assert code == 0, out
        assert api_server.lading(*args) == out, args
        return out

    both("workspaceManagement", "role", "list")
    users = both("workspaceManagement", "user", "list")["users"]
    assert both("workspace", "user", "get-current")["user"]["uuid"] == users[0]["uuid"]
    code, created = cli("workspaceManagement", "user", "create", "--user-email", _email("cli"), "--role-slug", "member")
    assert code == 0 and created["user"]["role"]["slug"] == "member"
    code, updated = cli("workspaceManagement", "user", "update", "--user-uuid", created["user"]["uuid"],
                        "--role-slug", "admin")
    assert code == 0 and updated["user"]["role"]["slug"] == "admin"
    code, out = cli("workspaceManagement", "user", "remove", "--user-uuid", created["user"]["uuid"])
    assert code == 0 and out == {"uuid": created["user"]["uuid"], "removed": True}

    code, folder = cli("workspaceManagement", "folder", "create", "--name", f"cli-{uuid.uuid4().hex[:6]}",
                       "--emoji-slug", "rocket", "--kind", "play")
    assert code == 0
    uuid_ = folder["folder"]["uuid"]
    assert both("workspaceManagement", "folder", "get", uuid_) == folder
    assert uuid_ in {f["uuid"] for f in both("workspaceManagement", "folder", "list", "--kind", "play")["folders"]}
    code, child = cli("workspaceManagement", "folder", "create", "--name", "child", "--emoji-slug", "x",
                      "--kind", "play", "--parent-uuid", uuid_)
    assert code == 0 and child["folder"]["parentUuid"] == uuid_
    code, moved = cli("workspaceManagement", "folder", "update", "--uuid", child["folder"]["uuid"], "--parent-uuid",
                      "null", "--order", "4")
    assert code == 0 and (moved["folder"]["parentUuid"], moved["folder"]["order"]) == (None, 4)
    code, out = cli("workspaceManagement", "folder", "remove", uuid_)
    assert code == 0 and out == {"uuid": uuid_, "removed": True}
    code, out = cli("workspaceManagement", "folder", "get", uuid_)
    embedded = api_server.lading("workspaceManagement", "folder", "get", uuid_, check=False)
    # The server's error document always carries `details` (api.md §0.3); the embedded one leaves it
    # out when empty: everything else is the same.
    assert code == 1 and {**out, "details": {}} == {**embedded, "details": {}}
    assert out["reason"] == "folderNotFound"

    code, report = cli("workspaceManagement", "report", "create", "--title", "remote", "--description", "d")
    assert code == 0
    assert both("workspaceManagement", "report", "list", "--limit", "1")["reports"] == [report["report"]]
    code, session = cli("workspaceManagement", "session", "upsert", "--session-id", f"s-{uuid.uuid4().hex[:6]}",
                        "--title", "t", "--summary", "s", "--finished")
    assert code == 0 and session["session"]["finishedAt"] is not None

    code, me = cli("user", "update", "--first-name", "Remote", "--last-name", "Admin")
    assert code == 0 and (me["user"]["firstName"], me["user"]["lastName"]) == ("Remote", "Admin")
    assert both("user", "get-current") == me
    code, who = cli("whoami")
    assert code == 0 and who["user"]["firstName"] == "Remote" and who["baseUrl"] == api_server.url


def test_remote_cli_errors_and_forbidden_exit_codes(api_server: Any, cli: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    member = new_user(api_server.client("alpha"), "member", "cli-member")
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", token_of(api_server, member["uuid"]))
    code, out = cli("workspaceManagement", "user", "create", "--user-email", _email("x"), "--role-slug", "member")
    assert code == 3 and out["reason"] == "forbidden"
    code, out = cli("workspaceManagement", "folder", "create", "--name", "f", "--emoji-slug", "x", "--kind", "nope")
    assert code == 1 and out["reason"] == "invalidPayload"
    code, out = cli("workspaceManagement", "user", "update", "--user-uuid", str(uuid.uuid4()), "--role-slug", "admin")
    assert code == 3 and out["reason"] == "forbidden"
    code, out = cli("user", "update", "--first-name", "Member")
    assert code == 0 and out["user"]["firstName"] == "Member"
