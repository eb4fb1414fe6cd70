"""Integrations declared as data (issue 18 item 3): a JSON/YAML document in `$LADING_HOME/integrations/`
or a workspace's custom integration runs like a built-in — catalog, validation, rate limit, pricing,
analytics — against fake providers on 127.0.0.1; auth kinds, pagination, response mapping, bad documents,
workspace isolation and `integration import-openapi`."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import REMOTE, j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import end, node, start

KEY = "decl-secret-key-77881"


def document(base_url: str, **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "slug": "acmeData", "name": "Acme Data", "description": "Company data from Acme.",
        "category": "enrichment", "baseUrl": base_url,
        "auth": {"type": "header", "name": "X-Api-Key"},
        "rateLimit": {"requestsPerSecond": 5, "maxConcurrency": 2},
        "actions": [{
            "slug": "enrichCompany", "name": "Enrich company", "description": "Company by domain.",
            "config": {"type": "object", "required": ["domain"],
                       "properties": {"domain": {"type": "string", "minLength": 3}}},
            "request": {"method": "GET", "path": "/companies/{{config.domain}}", "query": {"full": "true"}},
            "response": {"output": {"name": "{{response.body.data.name}}",
                                    "employees": "{{response.body.data.headcount}}",
                                    "label": "{{response.body.data.name}} ({{config.domain}})"},
                         "emptyOn": [404]},
            "credits": {"perCall": 0.5, "perResult": 1},
        }],
    }
    doc.update(over)
    return doc


def acme_fake(times: list[float] | None = None) -> Any:
    def answer(rec: Recorded) -> Answer:
        if times is not None:
            times.append(time.monotonic())
        domain = rec.path.rsplit("/", 1)[-1]
        if rec.headers.get("x-api-key") != KEY:
            return Answer(401, {"error": "bad key"})
        if domain.startswith("missing"):
            return Answer(404, {"error": "unknown"})
        return Answer(200, {"data": {"name": domain.split(".")[0].title(), "headcount": len(domain)}})
    return answer


def write_file(home: Path, name: str, content: str) -> Path:
    folder = home / "integrations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content)
    return path


def to_yaml(doc: dict[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(doc, sort_keys=False))


def connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    code, out = run_cli("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                        "--name", slug, "--config", j(config))
    assert code == 0, out
    return str(out["connector"]["uuid"])


def call(doc: dict[str, Any], action: str, config: dict[str, Any], credentials: dict[str, Any]) -> tuple[Any, float]:
    """One action of a document's integration, straight through the runtime (as a run's node calls it)."""
    from lading.integrations._runtime import call_action
    from lading.integrations.declarative import integration_from_document

    integration = integration_from_document(copy.deepcopy(doc))
    found = integration.action(action)
    assert found is not None
    result, credits, _ = asyncio.run(call_action(integration, found, config, credentials, None))
    return result.output, credits


# --- a file in $LADING_HOME/integrations, in a batch ------------------------------------------------

@pytest.fixture
def autostart_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")


def test_file_integration_runs_in_a_batch_with_rate_limit_and_pricing(lading_env: Path, autostart_off: None) -> None:
    times: list[float] = []
    with fake_provider() as fake:
        fake.fallback = acme_fake(times)
        write_file(lading_env, "acme.yaml", to_yaml(document(fake.url)))
        code, out = run_cli("connection", "integration", "get", "acmeData")
        assert code == 0, out
        integ = out["integration"]
        assert integ["category"] == "enrichment" and integ["name"] == "Acme Data"
        schema = integ["connector"]["config"]["jsonSchema"]
        assert schema["properties"]["apiKey"]["format"] == "password" and schema["required"] == ["apiKey"]
        assert integ["actions"]["enrichCompany"]["credits"]["costs"] == [
            {"type": "unit", "cost": 1.0, "unit": "result", "fixedCost": 0.5}]
        code, listed = run_cli("connection", "integration", "list", "--category", "enrichment")
        assert "acmeData" in [i["slug"] for i in listed["integrations"]]
        code, text = run_cli("connection", "integration", "get-documentation", "acmeData")
        assert code == 0 and "enrichCompany" in text
        code, found = run_cli("connection", "action", "search", "enrich", "company", "--integration", "acmeData")
        assert [a["actionSlug"] for a in found["actions"]] == ["enrichCompany"]

        uuid = connector("acmeData", "acme", {"apiKey": KEY, "baseUrl": fake.url})
        code, shown = run_cli("connection", "connector", "get", uuid)
        assert KEY not in j(shown)
        action = {"kind": "connector", "integrationSlug": "acmeData", "actionSlug": "enrichCompany",
                  "connectorUuid": uuid}
        records = [{"domain": f"co{i}.com"} for i in range(12)] + [{"domain": "missing.com"}]
        started = time.monotonic()
        code, out = run_cli("orchestration", "action", "execute-batch", "--action", j(action),
                            "--records", j(records), "--wait-until-finished")
        assert code == 0, out
        batch = out["batch"]
        assert batch["status"] == "success" and batch["executedRunsCount"] == 13, batch
        assert batch["failedRunsCount"] == 0
        # 12 hits at 0.5 + 1 per result, one miss (404 → empty) at 0.5.
        assert batch["creditsUsedCount"] == pytest.approx(12 * 1.5 + 0.5)
    assert len(times) == 13
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate <= 5 * 1.2, rate  # the declared 5 requests per second
    assert time.monotonic() - started >= 12 / 5 * 0.9
    code, rows = run_cli("orchestration", "query", "execute",
                         "SELECT node_integration_slug AS i, count() AS n, sum(credits_used_count) AS c FROM spans "
                         f"WHERE batch_uuid = '{batch['uuid']}' AND node_kind = 'connector' GROUP BY i")
    assert code == 0, rows
    assert [(r["i"], r["n"]) for r in rows["rows"]] == [("acmeData", 13)]
    assert float(rows["rows"][0]["c"]) == pytest.approx(18.5)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    code, out = run_cli("billing", "usage", "get-metrics", "--from", today, "--to", today, "--unit", "billing.credits",
                        "--group-by", "integration_slug")
    assert code == 0, out
    by_integration = {i["groupBy"]: i["count"] for m in out["metrics"] for i in m["items"]}
    assert by_integration["acmeData"] == pytest.approx(18.5)


def test_file_validation_and_execute_with_mapping(lading_env: Path, autostart_off: None) -> None:
    with fake_provider() as fake:
        fake.fallback = acme_fake()
        doc = document(fake.url)
        # Beyond plain paths, templates are the engine's expression language (JavaScript).
        doc["actions"][0]["request"]["query"]["tld"] = "{{config.domain.split('.').pop().toUpperCase()}}"
        write_file(lading_env, "acme.json", json.dumps(doc))
        uuid = connector("acmeData", "acme", {"apiKey": KEY, "baseUrl": fake.url})
        action = {"kind": "connector", "integrationSlug": "acmeData", "actionSlug": "enrichCompany",
                  "connectorUuid": uuid}
        code, out = run_cli("orchestration", "action", "execute", "--action", j(action),
                            "--data", j({"domain": "stripe.com"}), "--wait-until-finished")
        assert code == 0, out
        assert out["runContext"]["action"] == {"name": "Stripe", "employees": 10, "label": "Stripe (stripe.com)"}
        assert fake.requests[-1].query == {"full": ["true"], "tld": ["COM"]}
        # The action's JSON Schema config is checked like a built-in's.
        code, out = run_cli("orchestration", "action", "execute", "--action", j(action),
                            "--data", j({"domain": 42}), "--wait-until-finished")
        assert code == 1 and out["reason"] == "invalidData"
        assert "domain: 42 is not of type 'string'" in out["errorMessage"]


def test_bad_file_is_skipped_with_a_warning(lading_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_file(lading_env, "broken.yaml", "slug: x\nactions: [")
    write_file(lading_env, "wrong.json", json.dumps(document("http://127.0.0.1:9", slug="Bad Slug")))
    write_file(lading_env, "clash.json", json.dumps(document("http://127.0.0.1:9", slug="hunter")))
    write_file(lading_env, "good.json", json.dumps(document("http://127.0.0.1:9", slug="goodOne")))
    code, out = run_cli("connection", "integration", "list")
    assert code == 0
    slugs = [i["slug"] for i in out["integrations"]]
    assert "goodOne" in slugs and "hunter" in slugs and "x" not in slugs
    if not REMOTE:  # the warnings go to the stderr of the process that reads the files
        err = capsys.readouterr().err
        assert "broken.yaml skipped" in err and "not valid YAML" in err
        assert "wrong.json skipped" in err and "slug" in err
        assert "clash.json skipped" in err and "already taken" in err


# --- auth kinds ----------------------------------------------------------------------------------------

def echo(rec: Recorded) -> Answer:
    return Answer(200, {"ok": True, "path": rec.path})


@pytest.mark.parametrize("auth, sent", [
    ({"type": "header", "name": "X-Api-Key", "prefix": "Token "}, lambda r: r.headers["x-api-key"] == f"Token {KEY}"),
    ({"type": "query", "name": "api_key"}, lambda r: r.query["api_key"] == [KEY]),
    ({"type": "bearer"}, lambda r: r.headers["authorization"] == f"Bearer {KEY}"),
])
def test_key_auth_kinds(auth: dict[str, Any], sent: Any) -> None:
    with fake_provider() as fake:
        fake.fallback = echo
        doc = document(fake.url, auth=auth)
        doc["actions"][0]["response"] = {}
        output, credits = call(doc, "enrichCompany", {"domain": "a.com"}, {"apiKey": KEY, "baseUrl": fake.url})
    assert sent(fake.requests[0]) and output == {"ok": True, "path": "/companies/a.com"}
    assert credits == 1.5


def test_basic_auth() -> None:
    with fake_provider() as fake:
        fake.fallback = echo
        doc = document(fake.url, auth={"type": "basic"})
        call(doc, "enrichCompany", {"domain": "a.com"}, {"username": "ann", "password": KEY, "baseUrl": fake.url})
    assert fake.requests[0].headers["authorization"] == "Basic " + base64.b64encode(f"ann:{KEY}".encode()).decode()


def test_oauth2_client_credentials_token_fetched_and_cached() -> None:
    with fake_provider() as api, fake_provider() as auth_server:
        auth_server.route("POST", "/oauth/token", Answer(200, {"access_token": "tok-abcdef-123456", "expires_in": 3600,
                                                              "token_type": "bearer"}))
        api.fallback = lambda rec: Answer(200, {"seen": rec.headers.get("authorization")})
        doc = document(api.url, auth={"type": "oauth2ClientCredentials", "tokenUrl": f"{auth_server.url}/oauth/token",
                                      "scopes": ["read"]})
        doc["actions"][0]["response"] = {}
        creds = {"clientId": "cid-1", "clientSecret": "csecret-99887766", "baseUrl": api.url}
        first, _ = call(doc, "enrichCompany", {"domain": "a.com"}, creds)
        call(doc, "enrichCompany", {"domain": "b.com"}, creds)
    assert [r.path for r in auth_server.requests] == ["/oauth/token"]  # fetched once, then cached
    token_req = auth_server.requests[0]
    assert token_req.form() == {"grant_type": ["client_credentials"], "scope": ["read"]}
    assert token_req.headers["authorization"] == "Basic " + base64.b64encode(b"cid-1:csecret-99887766").decode()
    assert [r.headers["authorization"] for r in api.requests] == ["Bearer tok-abcdef-123456"] * 2
    assert "tok-abcdef-123456" not in j(first)  # the token is a secret of the call: scrubbed from outputs


def test_oauth2_token_refused_is_fetched_again() -> None:
    from lading.integrations import ProviderError

    with fake_provider() as api:
        api.route("POST", "/token", [Answer(200, {"access_token": "tok-one-11111111", "expires_in": 3600}),
                                     Answer(200, {"access_token": "tok-two-22222222", "expires_in": 3600})])
        api.route("GET", "/companies/a.com", [Answer(401, {"error": "expired"}), Answer(200, {"ok": True})])
        doc = document(api.url, auth={"type": "oauth2ClientCredentials", "tokenUrl": "/token", "clientAuth": "body"})
        doc["actions"][0]["response"] = {}
        creds = {"clientId": "cid-2", "clientSecret": "csecret-2-998877", "baseUrl": api.url}
        with pytest.raises(ProviderError):
            call(doc, "enrichCompany", {"domain": "a.com"}, creds)
        output, _ = call(doc, "enrichCompany", {"domain": "a.com"}, creds)
    assert output == {"ok": True}
    tokens = [r.form() for r in api.requests if r.path == "/token"]
    assert tokens[0] == {"grant_type": ["client_credentials"], "client_id": ["cid-2"],
                         "client_secret": ["csecret-2-998877"]}
    assert [r.headers["authorization"] for r in api.requests if r.path != "/token"] == [
        "Bearer tok-one-11111111", "Bearer tok-two-22222222"]


def test_path_values_are_one_segment_each() -> None:
    with fake_provider() as fake:
        fake.fallback = echo
        doc = document(fake.url)
        doc["actions"][0]["response"] = {}
        call(doc, "enrichCompany", {"domain": "../admin?x=1#y"}, {"apiKey": KEY, "baseUrl": fake.url})
    assert fake.requests[0].target == "/companies/..%2Fadmin%3Fx=1%23y?full=true"


def test_credentials_never_go_to_another_host() -> None:
    with fake_provider() as fake:
        doc = document(fake.url)
        doc["actions"][0]["request"]["path"] = "http://127.0.0.2:9/steal"
        from lading.integrations import ProviderError

        with pytest.raises(ProviderError, match=r"credentialHostNotAllowed|not allowed|only sent"):
            call(doc, "enrichCompany", {"domain": "a.com"}, {"apiKey": KEY, "baseUrl": fake.url})


# --- pagination and mapping ----------------------------------------------------------------------------

PEOPLE = [{"id": i, "first": f"P{i}", "mail": f"p{i}@x.com"} for i in range(7)]


def paged(style: str) -> Any:
    def answer(rec: Recorded) -> Answer:
        if style == "cursor":
            start = int(rec.query.get("cursor", ["0"])[0])
            chunk = PEOPLE[start:start + 3]
            nxt = str(start + 3) if start + 3 < len(PEOPLE) else None
            return Answer(200, {"results": chunk, "next": nxt})
        if style == "offset":
            start, limit = int(rec.query["offset"][0]), int(rec.query["limit"][0])
            return Answer(200, {"results": PEOPLE[start:start + limit]})
        page = int(rec.query["page"][0])
        return Answer(200, {"results": PEOPLE[(page - 1) * 3:page * 3]})
    return answer


@pytest.mark.parametrize("style, pagination, requests", [
    ("cursor", {"style": "cursor", "param": "cursor", "next": "{{response.body.next}}"}, 3),
    ("offset", {"style": "offset", "param": "offset", "limitParam": "limit", "limit": 3}, 3),
    ("page", {"style": "page", "param": "page"}, 4),  # the empty fourth page ends it
])
def test_pagination_styles(style: str, pagination: dict[str, Any], requests: int) -> None:
    with fake_provider() as fake:
        fake.fallback = paged(style)
        doc = document(fake.url)
        doc["actions"].append({
            "slug": "listPeople", "name": "List people", "request": {"path": "/people"},
            "pagination": pagination,
            "response": {"items": "{{response.body.results}}",
                         "item": {"name": "{{item.first}}", "email": "{{item.mail}}"}},
            "credits": {"perResult": 0.1}})
        output, credits = call(doc, "listPeople", {}, {"apiKey": KEY, "baseUrl": fake.url})
    assert output == {"items": [{"name": p["first"], "email": p["mail"]} for p in PEOPLE]}
    assert credits == pytest.approx(0.7)
    assert len(fake.requests) == requests


def test_max_pages_and_output_mapping() -> None:
    with fake_provider() as fake:
        fake.fallback = paged("cursor")
        doc = document(fake.url)
        doc["actions"][0] = {
            "slug": "listPeople", "name": "List people", "request": {"path": "/people"},
            "pagination": {"style": "cursor", "param": "cursor", "next": "{{response.body.next}}", "maxPages": 2},
            "response": {"items": "{{response.body.results}}",
                         "output": {"people": "{{items}}", "count": "{{items.length}}",
                                    "more": "{{response.body.next}}"}}}
        output, credits = call(doc, "listPeople", {}, {"apiKey": KEY, "baseUrl": fake.url})
    assert len(fake.requests) == 2 and output["count"] == 6 and output["more"] == "6"
    assert [p["id"] for p in output["people"]] == list(range(6)) and credits == 0


def test_post_body_template_keeps_types() -> None:
    with fake_provider() as fake:
        fake.fallback = lambda rec: Answer(200, {"got": rec.json()})
        doc = document(fake.url)
        doc["actions"][0]["request"] = {"method": "POST", "path": "/search",
                                        "body": {"domain": "{{config.domain}}", "limit": "{{config.limit}}",
                                                 "filters": {"tags": "{{config.tags}}"}}}
        doc["actions"][0]["config"]["properties"].update(limit={"type": "integer"}, tags={"type": "array"})
        doc["actions"][0]["response"] = {"output": "{{response.body.got}}"}
        output, _ = call(doc, "enrichCompany", {"domain": "a.com", "limit": 5, "tags": ["x", "y"]},
                         {"apiKey": KEY, "baseUrl": fake.url})
    assert output == {"domain": "a.com", "limit": 5, "filters": {"tags": ["x", "y"]}}


# --- bad documents ----------------------------------------------------------------------------------------

def problems(doc: Any) -> list[str]:
    from lading.domain.errors import ValidationError
    from lading.integrations.declarative import integration_from_document

    with pytest.raises(ValidationError) as info:
        integration_from_document(doc)
    assert info.value.reason == "invalidIntegrationDocument"
    return list(info.value.details["problems"])


def test_bad_documents_name_the_path() -> None:
    base = document("https://api.acme.test")
    bad = copy.deepcopy(base)
    bad["actions"][0]["request"]["method"] = "FETCH"
    assert any(p.startswith("actions[0].request.method:") for p in problems(bad))
    bad = copy.deepcopy(base)
    del bad["slug"]
    assert any("'slug' is a required property" in p for p in problems(bad))
    bad = copy.deepcopy(base)
    bad["actions"].append(copy.deepcopy(bad["actions"][0]))
    assert any(p.startswith("actions[1].slug:") and "already" in p for p in problems(bad))
    bad = copy.deepcopy(base)
    bad["actions"][0]["pagination"] = {"style": "cursor", "param": "c"}
    found = problems(bad)
    assert any(p.startswith("actions[0].pagination.next:") for p in found)
    assert any("response.items" in p for p in found)
    bad = copy.deepcopy(base)
    bad["actions"][0]["config"] = {"type": "object", "properties": {"x": {"type": "nope"}}}
    assert any(p.startswith("actions[0].config: not a valid JSON Schema") for p in problems(bad))
    bad = copy.deepcopy(base)
    bad["auth"] = {"type": "header"}
    assert any(p.startswith("auth.name:") for p in problems(bad))
    bad = copy.deepcopy(base)
    bad["actions"][0]["request"]["surprise"] = 1
    assert any(p.startswith("actions[0].request: unknown key") for p in problems(bad))


def test_bad_text_is_reported_with_line_and_aliases_are_refused() -> None:
    from lading.domain.errors import ValidationError
    from lading.integrations.declarative import parse_text

    with pytest.raises(ValidationError, match=r"not valid JSON \(line 2"):
        parse_text('{"slug": "a",\n "name": }', name="x.json")
    with pytest.raises(ValidationError, match="aliases"):
        parse_text("a: &x [1, 2]\nb: *x\n")
    with pytest.raises(ValidationError, match="not valid YAML"):
        parse_text("a: [1, 2\n")


# --- custom integrations of a workspace -----------------------------------------------------------------

def switch_workspace(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("LADING_WORKSPACE_NAME", name)
    if REMOTE:
        from lading.services.wiring import open_session
        from lading.services.workspace.tokens import create_token

        token = create_token(open_session(), name="other workspace")["token"]["token"]
        monkeypatch.setenv("LADING_TOKEN", token)


def test_custom_integration_lifecycle_batch_and_isolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          autostart_off: None) -> None:
    times: list[float] = []
    with fake_provider() as fake:
        fake.fallback = acme_fake(times)
        doc = document(fake.url, slug="teamAcme", rateLimit={"requestsPerSecond": 4, "maxConcurrency": 2})
        path = tmp_path / "team.json"
        path.write_text(json.dumps(doc))
        code, out = run_cli("connection", "custom-integration", "create", "--file", str(path))
        assert code == 0, out
        created = out["customIntegration"]
        assert created["slug"] == "teamAcme" and created["actionsCount"] == 1 and created["category"] == "enrichment"
        code, out = run_cli("connection", "custom-integration", "create", "--file", str(path))
        assert code == 1 and out["reason"] == "integrationSlugTaken"
        code, out = run_cli("connection", "custom-integration", "list")
        assert [c["slug"] for c in out["customIntegrations"]] == ["teamAcme"]
        code, out = run_cli("connection", "integration", "get", "teamAcme")
        assert code == 0 and out["integration"]["actions"]["enrichCompany"]["name"] == "Enrich company"

        uuid = connector("teamAcme", "team", {"apiKey": KEY, "baseUrl": fake.url})
        action = {"kind": "connector", "integrationSlug": "teamAcme", "actionSlug": "enrichCompany",
                  "connectorUuid": uuid}
        records = [{"domain": f"t{i}.io"} for i in range(9)]
        code, out = run_cli("orchestration", "action", "execute-batch", "--action", j(action),
                            "--records", j(records), "--wait-until-finished")
        assert code == 0, out
        assert out["batch"]["status"] == "success" and out["batch"]["executedRunsCount"] == 9
        assert out["batch"]["creditsUsedCount"] == pytest.approx(9 * 1.5)
        rate = (len(times) - 1) / (times[-1] - times[0])
        assert rate <= 4 * 1.2, rate

        enrich = node("enrich", kind="connector", integrationSlug="teamAcme", actionSlug="enrichCompany",
                      connectorUuid=uuid, config={"domain": "{{nodes.start.domain}}"})
        finish = end()
        enrich["childrenUuids"] = [finish["uuid"]]
        nodes = [start(children=[enrich["uuid"]]), enrich, finish]
        code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
        assert out == {"outcome": "valid"}, out
        _, tool = run_cli("orchestration", "tool", "create", "--name", "Team enrich")
        wf = tool["tool"]["workflowUuid"]
        code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
        assert code == 0, out
        _, out = run_cli("orchestration", "tool", "get", tool["tool"]["uuid"])
        assert out["tool"]["creditsCost"] == {"kind": "minMax", "min": 0.53, "max": 0.53}  # perCall + 3 × 0.01

        # update: a new price applies to the next calls
        doc["actions"][0]["credits"] = {"perCall": 2}
        path.write_text(json.dumps(doc))
        code, out = run_cli("connection", "custom-integration", "update", "teamAcme", "--file", str(path))
        assert code == 0, out
        code, out = run_cli("connection", "integration", "get", "teamAcme")
        assert out["integration"]["actions"]["enrichCompany"]["credits"]["costs"] == [{"type": "fixed", "cost": 2.0}]
        code, out = run_cli("connection", "custom-integration", "remove", "teamAcme")
        assert code == 1 and out["reason"] == "customIntegrationIsUsed"

        # another workspace sees none of it
        switch_workspace(monkeypatch, f"other-{time.time_ns()}")
        code, out = run_cli("connection", "integration", "get", "teamAcme")
        assert code == 1 and out["reason"] == "integrationNotFound"
        code, out = run_cli("connection", "custom-integration", "list")
        assert out == {"customIntegrations": []}
        code, out = run_cli("connection", "custom-integration", "get", created["uuid"])
        assert code == 1 and out["reason"] == "customIntegrationNotFound"
        code, out = run_cli("connection", "connector", "create", "--integration-slug", "teamAcme", "--slug", "x",
                            "--name", "x", "--config", j({"apiKey": "k"}))
        assert code == 1 and out["reason"] == "integrationNotFound"
        code, out = run_cli("connection", "integration", "list")
        assert "teamAcme" not in [i["slug"] for i in out["integrations"]]
        code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
        assert out["outcome"] != "valid" and "teamAcme" in j(out)


def test_custom_integration_bad_document_and_builtin_slug(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("slug: okSlug\nname: X\nbaseUrl: https://a.test\nactions:\n  - slug: a\n    name: A\n")
    code, out = run_cli("connection", "custom-integration", "create", "--file", str(path))
    assert code == 1 and out["reason"] == "invalidIntegrationDocument"
    assert "actions[0]: 'request' is a required property" in out["errorMessage"]
    assert any(p.startswith("actions[0].slug:") for p in out["details"]["problems"])
    path.write_text(json.dumps(document("https://a.test", slug="hunter")))
    code, out = run_cli("connection", "custom-integration", "create", "--file", str(path))
    assert code == 1 and out["reason"] == "integrationSlugTaken"
    code, out = run_cli("connection", "custom-integration", "create", "--file", str(tmp_path / "none.json"))
    assert code == 1 and out["reason"] == "invalidData"
    code, out = run_cli("connection", "custom-integration", "remove", "nothing")
    assert code == 1 and out["reason"] == "customIntegrationNotFound"


def test_custom_integration_routes(api_server: Any) -> None:
    doc = document("https://api.acme.test", slug="routeAcme")
    other = api_server.client("beta")
    with api_server.client("alpha") as http:
        answer = http.post("/connection/customIntegrations", json={"document": doc})
        assert answer.status_code == 200, answer.text
        uuid = answer.json()["customIntegration"]["uuid"]
        assert http.get("/connection/customIntegrations/list").json()["customIntegrations"][0]["uuid"] == uuid
        assert http.get(f"/connection/customIntegrations/{uuid}").json()["customIntegration"]["slug"] == "routeAcme"
        doc["name"] = "Route Acme 2"
        answer = http.put(f"/connection/customIntegrations/{uuid}", json={"document": doc})
        assert answer.json()["customIntegration"]["name"] == "Route Acme 2"
        assert http.get("/connection/integrations/routeAcme").json()["integration"]["name"] == "Route Acme 2"
        assert other.get(f"/connection/customIntegrations/{uuid}").status_code == 404
        assert other.get("/connection/integrations/routeAcme").json()["reason"] == "integrationNotFound"
        bad = http.post("/connection/customIntegrations", json={"document": {"slug": "x"}})
        assert bad.status_code == 400 and bad.json()["reason"] == "invalidIntegrationDocument"
        assert http.delete(f"/connection/customIntegrations/{uuid}").json() == {"uuid": uuid, "removed": True}
        assert http.get(f"/connection/customIntegrations/{uuid}").status_code == 404


# --- import-openapi ----------------------------------------------------------------------------------------

OPENAPI = """
openapi: 3.0.3
info: {title: Widget API, description: Widgets for all.}
servers: [{url: "%s/v2"}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Widget-Key}
  schemas:
    Widget:
      type: object
      properties: {id: {type: string}, name: {type: string}}
security: [{key: []}]
paths:
  /widgets/{widgetId}:
    get:
      operationId: getWidget
      summary: Get a widget
      parameters:
        - {name: widgetId, in: path, required: true, schema: {type: string}}
        - {name: expand, in: query, schema: {type: boolean}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Widget"}}}}
  /widgets:
    post:
      operationId: create_widget
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Widget"}}}
      responses: {"201": {description: created}}
"""


def test_import_openapi_produces_a_working_integration(lading_env: Path, tmp_path: Path, autostart_off: None) -> None:
    with fake_provider() as fake:
        fake.fallback = lambda rec: Answer(200, {"id": rec.path.rsplit("/", 1)[-1], "name": "W",
                                                 "key": rec.headers.get("x-widget-key"),
                                                 "expand": rec.query.get("expand"),
                                                 "body": rec.json() if rec.body else None})
        spec = tmp_path / "widgets.yaml"
        spec.write_text(OPENAPI % fake.url)
        out_file = tmp_path / "widget.yaml"
        code, out = run_cli("connection", "integration", "import-openapi", str(spec), "--slug", "widgets",
                            "--output", str(out_file))
        assert code == 0, out
        doc = out["document"]
        assert doc["slug"] == "widgets" and doc["name"] == "Widget API" and doc["baseUrl"] == f"{fake.url}/v2"
        assert doc["auth"] == {"type": "header", "name": "X-Widget-Key"}
        actions = {a["slug"]: a for a in doc["actions"]}
        assert set(actions) == {"getWidget", "createWidget"}
        get_widget = actions["getWidget"]
        assert get_widget["request"] == {"method": "GET", "path": "/widgets/{{config.widgetId}}",
                                         "query": {"expand": "{{config.expand}}"}}
        assert get_widget["config"]["required"] == ["widgetId"]
        assert get_widget["outputSchema"]["properties"]["name"] == {"type": "string"}
        assert actions["createWidget"]["config"]["required"] == ["body"]

        code, out = run_cli("connection", "custom-integration", "create", "--file", str(out_file))
        assert code == 0, out
        uuid = connector("widgets", "w", {"apiKey": KEY, "baseUrl": f"{fake.url}/v2"})
        action = {"kind": "connector", "integrationSlug": "widgets", "actionSlug": "getWidget",
                  "connectorUuid": uuid}
        code, out = run_cli("orchestration", "action", "execute", "--action", j(action),
                            "--data", j({"widgetId": "w-42", "expand": True}), "--wait-until-finished")
        assert code == 0, out
        assert out["runContext"]["action"] == {"id": "w-42", "name": "W", "key": "********", "expand": ["true"],
                                               "body": None}
        assert fake.requests[-1].path == "/v2/widgets/w-42" and fake.requests[-1].headers["x-widget-key"] == KEY
        create = {**action, "actionSlug": "createWidget"}
        code, out = run_cli("orchestration", "action", "execute", "--action", j(create),
                            "--data", j({"body": {"name": "New"}}), "--wait-until-finished")
        assert code == 0 and fake.requests[-1].json() == {"name": "New"} and fake.requests[-1].method == "POST"


def test_import_openapi_refuses_non_openapi(tmp_path: Path) -> None:
    spec = tmp_path / "x.json"
    spec.write_text(json.dumps({"swagger": "2.0"}))
    code, out = run_cli("connection", "integration", "import-openapi", str(spec))
    assert code == 1 and out["reason"] == "invalidIntegrationDocument" and "OpenAPI 3" in out["errorMessage"]


def test_rate_limit_concurrency_under_threads() -> None:
    """The declared concurrency cap holds within one process (two at a time at most)."""
    active, peak = [0], [0]
    lock = threading.Lock()

    def slow(rec: Recorded) -> Answer:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return Answer(200, {"data": {"name": "x"}})

    from lading.integrations._runtime import call_action
    from lading.integrations.declarative import integration_from_document

    with fake_provider() as fake:
        fake.fallback = slow
        doc = document(fake.url, slug="slowAcme", rateLimit={"requestsPerSecond": 1000, "maxConcurrency": 2})
        integration = integration_from_document(doc)
        action = integration.action("enrichCompany")
        assert action is not None

        async def many() -> None:
            await asyncio.gather(*(call_action(integration, action, {"domain": f"d{i}.com"},
                                               {"apiKey": KEY, "baseUrl": fake.url}, None) for i in range(8)))
        asyncio.run(many())
    assert peak[0] == 2


def test_two_workspaces_custom_integrations_of_one_slug_have_their_own_gates() -> None:
    """A workspace's custom integration is its own: another workspace's document with the same slug
    (and a concurrency cap of 1) in the same process never holds its calls back."""
    active: dict[str, int] = {"alpha": 0, "beta": 0}
    peak: dict[str, int] = {"alpha": 0, "beta": 0}
    both = [0]
    lock = threading.Lock()

    def slow(rec: Recorded) -> Answer:
        team = rec.path.strip("/").split("/")[0]
        with lock:
            active[team] += 1
            peak[team] = max(peak[team], active[team])
            both[0] = max(both[0], active["alpha"] + active["beta"])
        time.sleep(0.1)
        with lock:
            active[team] -= 1
        return Answer(200, {"data": {"name": "x"}})

    from lading.integrations._runtime import call_action
    from lading.integrations.declarative import integration_from_document

    with fake_provider() as fake:
        fake.fallback = slow
        built = {}
        for team in ("alpha", "beta"):
            doc = document(f"{fake.url}/{team}", slug="sharedAcme",
                           rateLimit={"requestsPerSecond": 1000, "maxConcurrency": 1})
            built[team] = integration_from_document(doc, rate_scope=f"workspace-{team}")

        async def many() -> None:
            calls = []
            for team, integration in built.items():
                action = integration.action("enrichCompany")
                assert action is not None
                calls += [call_action(integration, action, {"domain": f"d{i}.com"},
                                      {"apiKey": KEY, "baseUrl": f"{fake.url}/{team}"}, None) for i in range(4)]
            await asyncio.gather(*calls)
        asyncio.run(many())
    assert peak == {"alpha": 1, "beta": 1}  # each workspace's own cap holds
    assert both[0] == 2  # and the two ran side by side, not one behind the other


def test_the_documented_example_is_a_valid_document() -> None:
    import re

    from lading.integrations.declarative import integration_from_document, parse_text

    text = (Path(__file__).resolve().parent.parent / "docs" / "declared-integrations.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    integration = integration_from_document(parse_text(block.group(1)))
    assert [a.slug for a in integration.actions] == ["enrichCompany", "listPeople"]
    assert integration.secret_fields() == {"apiKey"}


def test_declared_autocomplete_through_the_connector(tmp_path: Path) -> None:
    with fake_provider() as fake:
        fake.route("GET", "/lists", lambda rec: Answer(200, {
            "lists": [{"id": "L1", "title": f"Leads {rec.query['team'][0]}"}, {"id": "L2", "title": "Customers"}]}))
        doc = document(fake.url, slug="acmeLists")
        doc["autocompletes"] = [{"slug": "listLists", "params": ["team"],
                                 "request": {"path": "/lists", "query": {"team": "{{config.team}}"}},
                                 "response": {"items": "{{response.body.lists}}", "value": "{{item.id}}",
                                              "label": "{{item.title}}"}}]
        path = tmp_path / "lists.json"
        path.write_text(json.dumps(doc))
        code, out = run_cli("connection", "custom-integration", "create", "--file", str(path))
        assert code == 0, out
        code, out = run_cli("connection", "integration", "get", "acmeLists")
        assert [a["slug"] for a in out["integration"]["autocompletes"]] == ["listLists"]
        uuid = connector("acmeLists", "lists", {"apiKey": KEY, "baseUrl": fake.url})
        code, out = run_cli("connection", "connector", "autocomplete", "--connector-uuid", uuid,
                            "--slug", "listLists", "--params", j({"team": "eu"}))
        assert code == 0, out
        assert out["results"] == [{"value": "L1", "label": "Leads eu"}, {"value": "L2", "label": "Customers"}]
        assert fake.requests[-1].headers["x-api-key"] == KEY
        code, out = run_cli("connection", "connector", "autocomplete", "--connector-uuid", uuid,
                            "--slug", "listLists", "--params", "{}")
        assert code == 1 and out["reason"] == "invalidAutocompleteParams"


def test_declared_integrations_as_waterfall_providers(lading_env: Path, tmp_path: Path) -> None:
    """A file integration (cheap, finds some emails) then a workspace one (dearer, finds the rest): the
    waterfall stops at the first that fills the field and bills each attempt at its declared price."""
    from graphs import chain, var

    def finder(known: set[int]) -> Any:
        def answer(rec: Recorded) -> Answer:
            n = int(rec.query["id"][0])
            return Answer(200, {"person": {"email": f"p{n}@x.com"}}) if n in known else Answer(404, {})
        return answer

    def provider(slug: str, base_url: str, price: dict[str, float]) -> dict[str, Any]:
        return {"slug": slug, "name": slug, "baseUrl": base_url, "category": "enrichment",
                "auth": {"type": "bearer"},
                "actions": [{"slug": "findEmail", "name": "Find email",
                             "config": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                             "request": {"path": "/find", "query": {"id": "{{config.id}}"}},
                             "response": {"output": {"email": "{{response.body.person.email}}"}, "emptyOn": [404]},
                             "credits": price}]}

    with fake_provider() as cheap, fake_provider() as dear:
        cheap.fallback, dear.fallback = finder({1, 3}), finder({2})
        write_file(lading_env, "cheap.json", json.dumps(provider("cheapFinder", cheap.url, {"perResult": 0.2})))
        path = tmp_path / "dear.json"
        path.write_text(json.dumps(provider("dearFinder", dear.url, {"perCall": 0.1, "perResult": 1})))
        assert run_cli("connection", "custom-integration", "create", "--file", str(path))[0] == 0
        cheap_uuid = connector("cheapFinder", "cheap", {"apiKey": KEY, "baseUrl": cheap.url})
        dear_uuid = connector("dearFinder", "dear", {"apiKey": KEY, "baseUrl": dear.url})
        steps = [{"integrationSlug": slug, "actionSlug": "findEmail", "connectorUuid": uuid,
                  "config": {"id": "{{nodes.start.id}}"}, "mapping": {"email": "email"}}
                 for slug, uuid in (("cheapFinder", cheap_uuid), ("dearFinder", dear_uuid))]
        nodes = chain(start(), node("enrich", "waterfall", {"fields": ["email"], "steps": steps}),
                      end([var("email", "{{nodes.enrich.fields.email}}")]))
        code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
        assert out == {"outcome": "valid"}, out
        found = {}
        for n, credits in ((1, 0.2), (2, 0.1 + 1), (4, 0.1)):  # a miss costs perCall only
            code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"id": str(n)}),
                                "--wait-until-finished")
            assert code == 0 and out["run"]["status"] == "success", out
            found[n] = out["runContext"]["enrich"]["filledBy"]
            assert out["run"]["creditsUsedCount"] == pytest.approx(credits), (n, out["run"])
    assert found == {1: {"email": "cheapFinder"}, 2: {"email": "dearFinder"}, 4: {}}
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in [*cheap.requests, *dear.requests])
