"""`connection …` through the real CLI: catalog, connectors, secrets at rest, autocomplete."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from conftest import j, run_cli
from fakes import Answer, fake_provider

SECRET = "xoxb-very-secret-token-4242"


def create_slack(base_url: str = "http://127.0.0.1:9", slug: str = "slack_main") -> dict[str, Any]:
    code, out = run_cli("connection", "connector", "create", "--integration-slug", "slack", "--slug", slug,
                        "--name", "Slack", "--config", j({"botToken": SECRET, "baseUrl": base_url}))
    assert code == 0, out
    return out["connector"]


def test_integration_catalog() -> None:
    code, out = run_cli("connection", "integration", "list")
    assert code == 0
    slugs = {i["slug"] for i in out["integrations"]}
    assert {"http", "slack"} <= slugs
    slack = next(i for i in out["integrations"] if i["slug"] == "slack")
    assert set(slack) >= {"slug", "name", "description", "category", "subCategories", "icon", "color", "url",
                          "documentationPath", "isDeprecated", "connector", "actions", "extractors", "dynamicSchemas"}
    action = slack["actions"]["postMessage"]
    assert set(action) >= {"name", "description", "category", "config", "credits", "childrenCount"}
    assert action["childrenCount"] == 1 and "schema" in action["config"]
    code, out = run_cli("connection", "integration", "list", "--category", "engagement")
    assert [i["slug"] for i in out["integrations"]] == ["instantly", "lemlist", "slack", "smtp"]
    code, out = run_cli("connection", "integration", "list", "--search", "SLA")
    assert [i["slug"] for i in out["integrations"]] == ["slack"]
    code, out = run_cli("connection", "integration", "list", "--slugs", "http,slack")
    assert {i["slug"] for i in out["integrations"]} == {"http", "slack"}
    code, out = run_cli("connection", "integration", "get", "slack")
    assert code == 0 and out["integration"]["slug"] == "slack"
    code, text = run_cli("connection", "integration", "get-documentation", "slack")
    assert code == 0 and isinstance(text, str) and "postMessage" in text
    code, out = run_cli("connection", "integration", "get", "nope")
    assert code == 1 and out["reason"] == "integrationNotFound"
    code, out = run_cli("connection", "integration", "list", "--category", "bogus")
    assert code == 1 and out["reason"] == "invalidData"
    code, out = run_cli("connection", "native-integration", "get")
    actions = out["nativeIntegration"]["actions"]
    assert {"start", "end", "branch", "switch", "group", "python", "script"} <= set(actions)
    assert actions["branch"]["childrenCount"] == 2 and actions["end"]["childrenCount"] == 0


def test_connector_lifecycle_masks_secrets() -> None:
    conn = create_slack()
    assert conn["config"]["botToken"] == "********" and conn["useCredits"] is False
    assert set(conn) >= {"uuid", "workspaceUuid", "userUuid", "name", "slug", "integrationSlug", "rateLimit",
                         "cacheTtlMilliseconds", "playsCount", "toolsCount", "modelsCount", "useCredits", "config",
                         "createdAt", "updatedAt", "deletedAt"}
    code, out = run_cli("connection", "connector", "exists-by-slug", "--slug", "slack_main")
    assert out == {"exists": True}
    code, out = run_cli("connection", "connector", "create", "--integration-slug", "slack", "--slug", "slack_main",
                        "--name", "Again", "--config", j({"botToken": "x"}))
    assert code == 1 and out["reason"] == "connectorSlugAlreadyExists"
    code, out = run_cli("connection", "connector", "create", "--integration-slug", "slack", "--slug", "s2",
                        "--name", "No token", "--config", "{}")
    assert code == 1 and out["reason"] == "invalidConnectorConfig" and out["details"]["errors"]
    code, out = run_cli("connection", "connector", "create", "--integration-slug", "nope", "--slug", "s3",
                        "--name", "x")
    assert code == 1 and out["reason"] == "integrationNotFound"
    code, out = run_cli("connection", "connector", "update", "--uuid", conn["uuid"], "--name", "Renamed",
                        "--config", j({"botToken": "********", "baseUrl": "http://127.0.0.1:10"}))
    assert code == 0 and out["connector"]["name"] == "Renamed"
    assert out["connector"]["config"] == {"baseUrl": "http://127.0.0.1:10", "botToken": "********"}
    from lading.services.connection.connectors import decrypted_config
    from lading.services.wiring import open_session
    from lading.store.repositories.connectors import get_connector

    sess = open_session()
    with sess.db.read() as c:
        row = get_connector(c, sess.workspace_uuid, conn["uuid"])
    assert decrypted_config(sess.workspace_uuid, row)["botToken"] == SECRET  # "********" kept the stored value
    code, out = run_cli("connection", "connector", "list", "--integration-slug", "slack")
    assert [c["uuid"] for c in out["connectors"]] == [conn["uuid"]]
    code, out = run_cli("connection", "connector", "remove", conn["uuid"])
    assert out == {"uuid": conn["uuid"], "removed": True}
    code, out = run_cli("connection", "connector", "get", conn["uuid"])
    assert code == 1 and out["reason"] == "connectorNotFound"


def test_autocomplete_through_the_connector() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/conversations.list", Answer(200, {
            "ok": True, "channels": [{"id": "C1", "name": "general", "purpose": {"value": "all"}},
                                     {"id": "C2", "name": "sales", "purpose": {"value": "deals"}}],
            "response_metadata": {"next_cursor": ""}}))
        conn = create_slack(fake.url)
        code, out = run_cli("connection", "connector", "autocomplete", "--connector-uuid", conn["uuid"],
                            "--slug", "listChannels", "--params", "{}")
        assert code == 0, out
        assert [r["value"] for r in out["results"]] == ["C1", "C2"]
        code, out = run_cli("connection", "connector", "autocomplete", "--connector-uuid", conn["uuid"],
                            "--slug", "listChannels", "--params", "{}", "--value", "sal")
        assert [r["value"] for r in out["results"]] == ["C2"]
        assert fake.requests[0].headers["authorization"] == f"Bearer {SECRET}"
        code, out = run_cli("connection", "connector", "autocomplete", "--connector-uuid", conn["uuid"],
                            "--slug", "nope", "--params", "{}")
        assert code == 1 and out["reason"] == "failedToGetIntegration"


def test_vault_key_file_rights_and_row_binding(lading_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LADING_SECRET_KEY", raising=False)
    from lading.domain.errors import LadingError
    from lading.integrations import _vault

    token = _vault.encrypt({"apiKey": "k"}, associated="ws:a")
    key_file = lading_env / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert _vault.decrypt(token, associated="ws:a") == {"apiKey": "k"}
    with pytest.raises(LadingError):
        _vault.decrypt(token, associated="ws:b")  # moved to another row
    import base64

    new_key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("LADING_SECRET_KEY", new_key)
    with pytest.raises(LadingError):
        _vault.decrypt(token, associated="ws:a")
    monkeypatch.setenv("LADING_SECRET_KEYS_PREVIOUS", key_file.read_text())
    assert _vault.decrypt(token, associated="ws:a") == {"apiKey": "k"}
    assert _vault.needs_reencryption(token)


def _all_text_in_store() -> bytes:
    """Everything the store holds, as bytes: the SQLite files, or every PostgreSQL row as text."""
    from lading.services.wiring import open_session

    sess = open_session()
    if sess.db.backend == "sqlite":
        home = sess.settings.home
        return b"".join(p.read_bytes() for p in home.glob("lading.db*"))
    from sqlalchemy import text

    chunks = []
    with sess.db.read() as c:
        for table in ("connectors", "runs", "executions", "releases", "batches"):
            for row in c.execute(text(f"SELECT t::text FROM {table} t")):
                chunks.append(row[0].encode())
    return b"\n".join(chunks)


def test_secret_never_appears_in_outputs_logs_or_the_store(lading_env: Path) -> None:
    outputs: list[Any] = []
    with fake_provider() as fake:
        fake.route("POST", "/chat.postMessage", [Answer(200, {"ok": False, "error": "invalid_auth"}),
                                                 Answer(200, {"ok": True, "channel": "C1", "ts": "1.2"})])
        conn = create_slack(fake.url)
        outputs.append(conn)
        node = {"uuid": "6f1c2f3e-1111-4a4a-8b8b-000000000001", "slug": "post", "kind": "connector",
                "integrationSlug": "slack", "actionSlug": "postMessage", "connectorUuid": conn["uuid"],
                "config": {"channelId": "C1", "body": "token is {{nodes.start.t}}"}, "childrenUuids": [],
                "fallbackOnFailure": False, "position": {"x": 0, "y": 0}}
        from graphs import chain, end, start

        nodes = chain(start(), node, end())
        for _ in range(2):
            code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"t": "x"}),
                                "--wait-until-finished")
            outputs.append(out)
        # the body the provider received never carried the token either
        assert all(SECRET not in r.body.decode() for r in fake.requests)
        assert fake.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert outputs[1]["run"]["status"] == "error" and "invalid_auth" in outputs[1]["run"]["errorMessage"]
    assert outputs[2]["run"]["status"] == "success"
    for args in (("connection", "connector", "list"), ("connection", "connector", "get", conn["uuid"])):
        outputs.append(run_cli(*args)[1])
    text = json.dumps(outputs)
    assert SECRET not in text
    for log in lading_env.glob("*.log"):
        assert SECRET not in log.read_text()
    assert SECRET.encode() not in _all_text_in_store()


@pytest.mark.embedded_only  # the OAuth app and HubSpot's base URL are set in the CLI process's environment
def test_oauth_from_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """initiate-oauth gives the consent URL; complete-oauth with --connector-uuid exchanges the code and
    gives the connector the tokens, which are never printed."""
    access, refresh = "oauth-access-0123456789abcdef", "oauth-refresh-0123456789abcdef"
    with fake_provider() as hubspot:
        hubspot.route("POST", "/oauth/v1/token", Answer(200, {"access_token": access, "refresh_token": refresh,
                                                             "expires_in": 1800}))
        hubspot.route("GET", "/crm/v3/properties/contacts", Answer(200, {"results": [{"name": "email"}]}))
        monkeypatch.setenv("LADING_HUBSPOT_BASE_URL", hubspot.url)
        monkeypatch.setenv("LADING_INTEGRATION_HUBSPOT_CLIENT_ID", "cli-app")
        monkeypatch.setenv("LADING_INTEGRATION_HUBSPOT_CLIENT_SECRET", "cli-app-secret-0123456789")
        code, out = run_cli("connection", "integration", "initiate-oauth", "hubspot")
        assert code == 1 and out["reason"] == "failedToInitiateOauth"  # no redirect URI configured
        code, out = run_cli("connection", "integration", "initiate-oauth", "hubspot", "--redirect-uri",
                            "http://localhost:8765/callback")
        assert code == 0 and "state=" in out["consentUrl"] and "client_id=cli-app" in out["consentUrl"]
        state = out["consentUrl"].split("state=")[1].split("&")[0]
        code, out = run_cli("connection", "connector", "create", "--integration-slug", "hubspot", "--slug", "hub",
                            "--name", "Hub", "--config", j({"accessToken": "pat-first-0123456789"}))
        assert code == 0 and out["connector"]["isDefault"] is True and out["dataset"]["kind"] == "connector"
        uuid = out["connector"]["uuid"]
        code, out = run_cli("connection", "integration", "complete-oauth", "--connector-uuid", uuid, "--code", "c0de",
                            "--state", state)
        assert code == 0 and out["connector"]["config"]["refreshToken"] == "********", out
        assert access not in json.dumps(out) and refresh not in json.dumps(out)
        assert hubspot.requests[-1].form()["redirect_uri"] == ["http://localhost:8765/callback"]
        code, out = run_cli("connection", "connector", "autocomplete", "--connector-uuid", uuid, "--slug",
                            "listObjectProperties", "--params", j({"objectType": "contacts"}))
        assert code == 0 and hubspot.requests[-1].headers["authorization"] == f"Bearer {access}"
        code, out = run_cli("connection", "integration", "complete-oauth", "--code", "c0de")
        assert code == 2  # neither a slug nor a connector


def test_action_search_cli() -> None:
    code, out = run_cli("connection", "action", "search", "enrich", "company", "--integration", "clearbit")
    assert code == 0 and out["actions"][0] == {
        "integrationSlug": "clearbit", "actionSlug": "enrichCompany", "name": out["actions"][0]["name"],
        "description": out["actions"][0]["description"], "category": "enrichment",
        "credits": [{"type": "fixed", "cost": 1}]}
    code, out = run_cli("connection", "action", "search", "x", "--limit", "0")
    assert code == 1 and out["reason"] == "invalidLimit"


def test_rate_limit_windows() -> None:
    """`burst` counts calls per calendar unit; `spread` lets one call through per unit/max slice."""
    from datetime import datetime

    from lading.services.connection.calls import _window

    now = datetime(2026, 1, 2, 3, 4, 5, 600_000)
    assert _window(now, "second", 10, "burst") == (datetime(2026, 1, 2, 3, 4, 5), 10)
    assert _window(now, "minute", 10, "burst") == (datetime(2026, 1, 2, 3, 4), 10)
    assert _window(now, "day", 10, "burst") == (datetime(2026, 1, 2), 10)
    assert _window(now, "second", 4, "spread") == (datetime(2026, 1, 2, 3, 4, 5, 500_000), 1)
    assert _window(now, "minute", 6, "spread") == (datetime(2026, 1, 2, 3, 4), 1)
