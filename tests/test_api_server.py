"""`lading serve` as a team server: tokens, authentication, errors, health, docs, and the CLI's
remote mode (login, whoami, doctor, exit codes) — all against a real server process."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_server import refused, start_server


def test_health_ready_openapi_and_offline_docs(api_server: Any) -> None:
    assert httpx.get(f"{api_server.url}/health").json()["status"] == "ok"
    ready = httpx.get(f"{api_server.url}/ready").json()
    assert ready["status"] == "ok" and ready["revision"] == ready["head"]
    spec = httpx.get(f"{api_server.url}/openapi.json").json()
    assert "/v1/workspaceManagement/tokens/list" in spec["paths"]
    docs = httpx.get(f"{api_server.url}/docs")
    assert docs.status_code == 200
    # Every asset of the docs page is served by the server itself (no CDN).
    assert "cdn" not in docs.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/static-offline-docs/{asset}" in docs.text
        assert httpx.get(f"{api_server.url}/static-offline-docs/{asset}").status_code == 200


def test_every_route_needs_a_valid_token(api_server: Any) -> None:
    for headers in ({}, {"authorization": "Bearer nope"}, {"authorization": "Basic abc"},
                    {"authorization": f"Bearer {api_server.tokens['alpha']}x"}):
        response = httpx.get(f"{api_server.url}/v1/workspaceManagement/tokens/list", headers=headers)
        refused(response, 401, "unauthorized")


def test_token_lifecycle_value_shown_once_and_stored_hashed(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    created = alpha.post("/workspaceManagement/tokens", json={"name": "ci", "description": "pipelines"})
    assert created.status_code == 200
    token = created.json()["token"]
    value = token["token"]
    assert value.startswith("ldg_") and len(value) == 47
    listed = alpha.get("/workspaceManagement/tokens/list").json()["tokens"]
    mine = next(t for t in listed if t["uuid"] == token["uuid"])
    assert mine["token"] == "********" and mine["description"] == "pipelines"
    assert value not in alpha.get("/workspaceManagement/tokens/list").text
    # The new token works, records when it was used, and never reaches the store in clear.
    fresh = api_server.client(token=value)
    assert fresh.get("/whoami").json()["workspace"]["uuid"] == token["workspaceUuid"]
    used = next(t for t in alpha.get("/workspaceManagement/tokens/list").json()["tokens"] if t["uuid"] == token["uuid"])
    assert used["lastUsedAt"] is not None
    store = _store_bytes(api_server)
    assert value.encode() not in store
    renamed = alpha.patch(f"/workspaceManagement/tokens/{token['uuid']}", json={"name": "ci-2"})
    assert renamed.json()["token"]["name"] == "ci-2" and renamed.json()["token"]["token"] == "********"
    removed = alpha.delete(f"/workspaceManagement/tokens/{token['uuid']}")
    assert removed.json() == {"uuid": token["uuid"], "removed": True}
    refused(fresh.get("/whoami"), 401, "unauthorized")
    refused(alpha.delete(f"/workspaceManagement/tokens/{token['uuid']}"), 404, "tokenNotFound")


def _store_bytes(server: Any) -> bytes:
    if os.environ.get("LADING_TEST_DATABASE_URL"):
        import sqlalchemy

        url = os.environ["LADING_TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text("SELECT token_hash, name FROM api_tokens")).all()
        engine.dispose()
        return repr(rows).encode()
    data = b""
    for path in server.home.glob("lading.db*"):
        data += path.read_bytes()
    return data


def test_another_workspace_token_is_not_found_never_forbidden(api_server: Any) -> None:
    beta_token = api_server.client("beta").get("/workspaceManagement/tokens/list").json()["tokens"][0]
    alpha = api_server.client("alpha")
    refused(alpha.patch(f"/workspaceManagement/tokens/{beta_token['uuid']}", json={"name": "x"}), 404, "tokenNotFound")
    refused(alpha.delete(f"/workspaceManagement/tokens/{beta_token['uuid']}"), 404, "tokenNotFound")
    assert all(t["workspaceUuid"] != beta_token["workspaceUuid"]
               for t in alpha.get("/workspaceManagement/tokens/list").json()["tokens"])
    other = alpha.get("/whoami", headers={"selected-workspace-uuid": beta_token["workspaceUuid"]})
    refused(other, 403, "forbidden")


def test_narrowed_token_is_refused_what_its_rules_deny(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    rules = [{"effect": "allow", "resources": None, "actions": ["workspaceManagement:read"]}]
    value = alpha.post("/workspaceManagement/tokens", json={"name": "read-only", "permissions": rules}).json()
    narrow = api_server.client(token=value["token"]["token"])
    assert narrow.get("/workspaceManagement/tokens/list").status_code == 200
    refused(narrow.post("/workspaceManagement/tokens", json={"name": "escalate"}), 403, "forbidden")


@pytest.mark.parametrize("send", [
    lambda c: c.post("/workspaceManagement/tokens", content=b"{not json", headers={"content-type": "application/json"}),
    lambda c: c.post("/workspaceManagement/tokens", json={"name": ["a"]}),
    lambda c: c.post("/workspaceManagement/tokens", json={"name": "x", "unknownField": 1}),
    lambda c: c.post("/workspaceManagement/tokens", json={}),
    lambda c: c.post("/workspaceManagement/tokens", json={"name": "x", "permissions": [{"effect": "maybe"}]}),
])
def test_bad_bodies_get_invalid_payload_and_write_nothing(api_server: Any, send: Any) -> None:
    alpha = api_server.client("alpha")
    before = len(alpha.get("/workspaceManagement/tokens/list").json()["tokens"])
    response = send(alpha)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["reason"] in ("invalidPayload", "invalidPermissions") and body["errorMessage"]
    assert "Traceback" not in response.text and "None" not in body["errorMessage"]
    assert len(alpha.get("/workspaceManagement/tokens/list").json()["tokens"]) == before


def test_oversized_body_and_unknown_routes(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    huge = b'{"name":"' + b"x" * (33 * 1024 * 1024) + b'"}'
    refused(alpha.post("/workspaceManagement/tokens", content=huge, headers={"content-type": "application/json"}),
           413, "tooLarge")
    refused(alpha.get("/hosting/apps/list"), 501, "notSupported")
    refused(alpha.get("/noSuchDomain/things"), 404, "routeNotFound")


def test_remote_cli_login_whoami_logout(api_server: Any, cli: Any, lading_env: Any) -> None:
    code, out = cli("login", "--token", api_server.tokens["alpha"], "--api-url", api_server.url)
    assert code == 0 and out["baseUrl"] == api_server.url
    assert out["workspace"]["name"] == api_server.workspaces["alpha"]
    credentials = lading_env / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    code, out = cli("whoami")
    assert code == 0 and out["workspace"]["name"] == api_server.workspaces["alpha"]
    code, out = cli("workspaceManagement", "token", "list")
    assert code == 0 and all(t["token"] == "********" for t in out["tokens"])
    code, out = cli("doctor")
    assert code == 0 and out["mode"] == "remote" and out["apiReachable"] is True
    code, out = cli("logout")
    assert code == 0 and out == {"loggedOut": True} and not credentials.exists()
    code, out = cli("whoami")
    assert code == 0 and out["baseUrl"] is None


def test_remote_cli_exit_codes(api_server: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", "ldg_wrong")
    code, out = cli("whoami")
    assert code == 3 and out["reason"] == "unauthorized"
    code, out = cli("login", "--token", api_server.tokens["alpha"], "--api-url", api_server.url,
                    "--workspace-uuid", "00000000-0000-0000-0000-000000000000")
    assert code == 3 and out["reason"] == "forbidden"
    from api_server import free_port

    monkeypatch.setenv("LADING_API_URL", f"http://127.0.0.1:{free_port()}")
    code, out = cli("whoami")
    assert code == 4 and out["reason"] == "serverUnreachable"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(bool(os.environ.get("LADING_TEST_DATABASE_URL")), reason="the query helper serves SQLite stores")
def test_a_killed_server_leaves_no_query_helper_behind(tmp_path: Path) -> None:
    """Runtime SQL on a SQLite server runs in a helper process; when the server is killed outright
    (SIGKILL, OOM), the helper goes with it instead of holding its memory forever."""
    server = start_server(tmp_path / "home", workspaces=("alpha",))
    try:
        answer = server.client("alpha").post("/orchestration/query", json={"query": "SELECT count() AS n FROM runs"})
        assert answer.status_code == 200, answer.text
        helpers = [pid for pid in _children(server.process.pid)
                   if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert helpers, "the query ran in no helper process"
    finally:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in helpers):
        assert time.monotonic() < deadline, f"helper processes {helpers} outlived their server"
        time.sleep(0.2)
