"""The `connection` routes of api.md §5 and `POST /connection/actions/search` (§12) against a real
`lading serve`, with HubSpot (OAuth token endpoint, CRM properties) faked by a real HTTP server on
127.0.0.1: every route's answer and documented errors, two-workspace isolation, secrets never in an
answer or the server's log, and the `lading connection …` commands in remote mode printing what the
embedded commands print."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_server import refused
from fakes import Answer, FakeProvider, Recorded, fake_provider
from graphs import end, node, start

CLIENT_SECRET = "hubspot-client-secret-0123456789"
ACCESS_TOKEN = "oauth-access-token-abcdef0123456789"
REFRESH_TOKEN = "oauth-refresh-token-abcdef0123456789"
GOOD_CODE = "the-good-authorization-code"
PAT = "pat-na1-static-token-0123456789"
RENEWED_TOKEN = "oauth-renewed-access-token-0123456789"
SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, GOOD_CODE, PAT, RENEWED_TOKEN)

PROPERTIES = {"results": [
    {"name": "email", "label": "Email", "type": "string", "groupName": "contactinformation"},
    {"name": "lifecyclestage", "label": "Lifecycle stage", "type": "enumeration",
     "options": [{"value": "lead"}, {"value": "customer"}]},
    {"name": "hs_object_id", "label": "Record ID", "type": "number",
     "modificationMetadata": {"readOnlyValue": True}},
    {"name": "secret_field", "label": "Hidden", "type": "string", "hidden": True},
]}


def _token_endpoint(rec: Recorded) -> Answer:
    form = rec.form()
    if form.get("grant_type") == ["refresh_token"] and form.get("refresh_token") == [REFRESH_TOKEN]:
        return Answer(200, {"access_token": RENEWED_TOKEN, "expires_in": 1800, "token_type": "bearer"})
    if form.get("code") == [GOOD_CODE] and form.get("client_secret") == [CLIENT_SECRET]:
        return Answer(200, {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "expires_in": 1800,
                            "token_type": "bearer", "hub_id": 4242})
    # A provider that echoes what it was sent: the server must not pass it on.
    return Answer(400, {"status": "BAD_AUTH_CODE",
                        "message": f"code {form.get('code')} with secret {form.get('client_secret')} refused"})


def _renewed_only(rec: Recorded) -> Answer:
    """HubSpot once the first access token has expired: only the renewed one is accepted."""
    if rec.headers.get("authorization") != f"Bearer {RENEWED_TOKEN}":
        return Answer(401, {"status": "error", "message": "The OAuth token used to make this call expired.",
                            "category": "EXPIRED_AUTHENTICATION"})
    if rec.method == "POST":
        return Answer(200, {"total": 1, "results": [{"id": "7", "properties": {"email": "a@b.co"}}]})
    return Answer(200, {"results": [{"name": "email", "label": "Email"}]})


@pytest.fixture(scope="module")
def hubspot() -> Iterator[FakeProvider]:
    with fake_provider() as fake:
        fake.route("POST", "/oauth/v1/token", _token_endpoint)
        fake.route("GET", "/crm/v3/properties/contacts", Answer(200, PROPERTIES))
        fake.route("GET", "/crm/v3/properties/renewing", _renewed_only)
        fake.route("POST", "/crm/v3/objects/renewing/search", _renewed_only)
        fake.route("GET", "/crm/v3/properties/broken", Answer(500, {"status": "error", "message": "HubSpot is down"}))
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, hubspot: FakeProvider) -> Iterator[Any]:
    """A `lading serve` whose HubSpot is the fake, with an OAuth app configured."""
    from api_server import start_server, stop_server

    started = start_server(tmp_path_factory.mktemp("server") / "home", extra_env={
        "LADING_HUBSPOT_BASE_URL": hubspot.url, "LADING_INTEGRATION_HUBSPOT_CLIENT_ID": "client-1",
        "LADING_INTEGRATION_HUBSPOT_CLIENT_SECRET": CLIENT_SECRET,
        "LADING_OAUTH_REDIRECT_URI": "https://app.example/oauth/callback"})
    yield started
    stop_server(started)


@pytest.fixture(scope="module")
def alpha(server: Any) -> Any:
    return server.client("alpha")


@pytest.fixture(scope="module")
def beta(server: Any) -> Any:
    return server.client("beta")


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()




def no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def create_connector(client: Any, slug: str, integration: str = "hubspot", **fields: Any) -> dict[str, Any]:
    body = {"name": slug.title(), "slug": slug, "integrationSlug": integration, **fields}
    if "config" not in body:
        body["config"] = {"accessToken": PAT}
    answer = ok(client.post("/connection/connectors", json=body))
    no_secret(json.dumps(answer))
    return answer


# --- integrations -----------------------------------------------------------------------------------


def test_integration_list_and_get(alpha: Any) -> None:
    listed = ok(alpha.get("/connection/integrations/list"))["integrations"]
    slugs = {i["slug"] for i in listed}
    assert {"hubspot", "slack", "clearbit", "http", "openAi"} <= slugs
    sales = ok(alpha.get("/connection/integrations/list", params={"category": "sales", "hasActions": "true"}))
    assert {i["slug"] for i in sales["integrations"]} == {"attio", "hubspot", "pipedrive", "salesforce"}
    one = ok(alpha.get("/connection/integrations/list", params={"slug": "slack"}))["integrations"]
    assert [i["slug"] for i in one] == ["slack"]
    assert {i["slug"] for i in ok(alpha.get("/connection/integrations/list?slugs[]=slack&slugs[]=hubspot"))[
        "integrations"]} == {"slack", "hubspot"}
    assert [i["slug"] for i in ok(alpha.get("/connection/integrations/list", params={"search": "HUBS"}))[
        "integrations"]] == ["hubspot"]
    extracting = ok(alpha.get("/connection/integrations/list", params={"hasExtractors": "true"}))["integrations"]
    assert {i["slug"]: sorted(i["extractors"]) for i in extracting} == {
        "hubspot": ["hubspot", "hubspot_files"],
        "salesforce": ["salesforce", "salesforce_files"]}
    assert {i["extractors"]["hubspot_files"]["dataKind"] for i in extracting if i["slug"] == "hubspot"} == {"files"}
    without = ok(alpha.get("/connection/integrations/list", params={"hasExtractors": "false"}))["integrations"]
    assert "slack" in {i["slug"] for i in without} and not {"hubspot", "salesforce"} & {i["slug"] for i in without}
    refused(alpha.get("/connection/integrations/list", params={"category": "nope"}), 400, "invalidData")
    refused(alpha.get("/connection/integrations/list", params={"hasActions": "maybe"}), 400, "invalidData")

    hubspot = ok(alpha.get("/connection/integrations/hubspot"))["integration"]
    assert hubspot == next(i for i in listed if i["slug"] == "hubspot")
    # api.md §13: autocompletes and actions' config.schema.
    assert {"slug": "listObjectProperties", "cacheExpirationInSeconds": 1800,
            "params": {"jsonSchema": {"type": "object", "required": ["objectType"],
                                      "properties": {"objectType": {"type": "string", "minLength": 1}}}}
            } in hubspot["autocompletes"]
    assert hubspot["actions"]["findRecords"]["config"]["schema"]["required"] == ["objectType", "propertyName", "value"]
    assert hubspot["connector"]["config"]["jsonSchema"]["x-oauth"]["field"] == "accessToken"
    assert set(hubspot["dynamicSchemas"]) == {"recordProperties"}
    assert ok(alpha.get("/connection/integrations/openai"))["integration"]["slug"] == "openAi"
    refused(alpha.get("/connection/integrations/nope"), 404, "integrationNotFound")


def test_integration_documentation_is_markdown(alpha: Any) -> None:
    response = alpha.get("/connection/integrations/slack/documentation")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("#") and "postMessage" in response.text
    refused(alpha.get("/connection/integrations/nope/documentation"), 404, "integrationNotFound")


def test_native_integration(alpha: Any) -> None:
    native = ok(alpha.get("/connection/nativeIntegrations"))["nativeIntegration"]
    assert {"start", "end", "branch", "script"} <= set(native["actions"]) and native["extractors"] == {}
    assert native["actions"]["branch"]["childrenCount"] == 2


def test_custom_integrations_answer(alpha: Any) -> None:
    """Custom integrations are served (issue 18; tests/test_enrich_declarative.py has the whole story)."""
    uuid = "00000000-0000-4000-8000-000000000000"
    refused(alpha.post("/connection/customIntegrations", json={"name": "x"}), 400, "invalidIntegrationDocument")
    assert ok(alpha.get("/connection/customIntegrations/list")) == {"customIntegrations": []}
    for method, body in (("GET", None), ("PUT", {"document": {"name": "y"}}), ("DELETE", None)):
        response = alpha.request(method, f"/connection/customIntegrations/{uuid}", json=body)
        assert response.status_code in (400, 404), response.text


# --- OAuth ------------------------------------------------------------------------------------------


def test_oauth_consent_exchange_and_binding(server: Any, alpha: Any, beta: Any, hubspot: FakeProvider) -> None:
    refused(alpha.post("/connection/integrations/slack/initiateOauth"), 400, "initiateOauthNotSupported")
    refused(alpha.post("/connection/integrations/nope/initiateOauth"), 404, "integrationNotFound")
    consent = ok(alpha.post("/connection/integrations/hubspot/initiateOauth"))
    url = consent["consentUrl"]
    assert url.startswith("https://app.hubspot.com/oauth/authorize?") and "client_id=client-1" in url
    assert "redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Fcallback" in url
    state = re.search(r"state=([^&]+)", url).group(1)  # type: ignore[union-attr]
    # A state is the workspace's own: beta cannot complete alpha's consent.
    refused(beta.post("/connection/integrations/hubspot/completeOauth",
                      json={"params": {"code": GOOD_CODE, "state": state}}), 400, "oauthExchangeFailed")
    done = ok(alpha.post("/connection/integrations/hubspot/completeOauth",
                         json={"params": {"code": GOOD_CODE, "state": state}}))
    assert re.fullmatch(r"oauth:[0-9a-f-]{36}", done["value"]) and done["extraValues"] == {"hubId": 4242}
    sent = hubspot.requests[-1].form()
    assert sent["grant_type"] == ["authorization_code"] and sent["redirect_uri"] == ["https://app.example/oauth/callback"]
    # A state serves once.
    refused(alpha.post("/connection/integrations/hubspot/completeOauth",
                       json={"params": {"code": GOOD_CODE, "state": state}}), 400, "oauthExchangeFailed")

    # Another workspace cannot bind alpha's token set.
    refused(beta.post("/connection/connectors", json={"name": "B", "slug": "stolen", "integrationSlug": "hubspot",
                                                      "config": {"accessToken": done["value"]}}),
            400, "invalidConnectorConfig")
    created = create_connector(alpha, "oauth_hub", config={"accessToken": done["value"]})["connector"]
    assert created["config"] == {"accessToken": "********", "refreshToken": "********"}
    # The connector calls HubSpot with the exchanged access token.
    results = ok(alpha.post(f"/connection/connectors/{created['uuid']}/autocomplete",
                            json={"slug": "listObjectProperties", "params": {"objectType": "contacts"}}))
    assert hubspot.requests[-1].headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    no_secret(json.dumps(results))
    # The value is consumed by the connector that took it.
    refused(alpha.post("/connection/connectors", json={"name": "Again", "slug": "again", "integrationSlug": "hubspot",
                                                       "config": {"accessToken": done["value"]}}),
            400, "invalidConnectorConfig")
    # Without a state (a code obtained elsewhere) the exchange still works; update binds the value too.
    second = ok(alpha.post("/connection/integrations/hubspot/completeOauth", json={"params": {"code": GOOD_CODE}}))
    ok(alpha.put(f"/connection/connectors/{created['uuid']}", json={"config": {"accessToken": second["value"]}}))


def test_expired_oauth_token_is_renewed(alpha: Any, hubspot: FakeProvider) -> None:
    """A 401 from the provider renews the access token with the stored refresh token, once, and the
    renewed token is kept for the next calls (autocompletes and node calls alike)."""
    def oauth_connector(slug: str) -> str:
        value = ok(alpha.post("/connection/integrations/hubspot/completeOauth",
                              json={"params": {"code": GOOD_CODE}}))
        return str(create_connector(alpha, slug, config={"accessToken": value["value"]})["connector"]["uuid"])

    looked_up = oauth_connector("renew_lookup")
    results = ok(alpha.post(f"/connection/connectors/{looked_up}/autocomplete",
                            json={"slug": "listObjectProperties", "params": {"objectType": "renewing"}}))
    assert results == {"results": [{"label": "Email", "value": "email", "description": None, "parent": None}]}
    def renewals() -> int:
        return sum(r.path == "/oauth/v1/token" and r.form()["grant_type"] == ["refresh_token"]
                   for r in hubspot.requests)

    assert renewals() == 1
    ok(alpha.post(f"/connection/connectors/{looked_up}/autocomplete",
                  json={"slug": "listObjectProperties", "params": {"objectType": "renewing"}}))
    assert hubspot.requests[-1].headers["authorization"] == f"Bearer {RENEWED_TOKEN}" and renewals() == 1

    called = oauth_connector("renew_node")
    answer = ok(alpha.post("/orchestration/actions/execute", json={
        "action": {"kind": "connector", "integrationSlug": "hubspot", "actionSlug": "findRecords",
                   "connectorUuid": called},
        "data": {"objectType": "renewing", "propertyName": "email", "value": "a@b.co"}}))
    no_secret(json.dumps(answer))
    run = answer["run"]
    deadline = time.monotonic() + 60
    while run["status"] not in ("success", "error", "cancelled") and time.monotonic() < deadline:
        time.sleep(0.2)
        run = ok(alpha.get(f"/orchestration/runs/{run['uuid']}"))["run"]
    no_secret(json.dumps(run))
    assert run["status"] == "success", run
    searches = [r for r in hubspot.requests if r.path == "/crm/v3/objects/renewing/search"]
    assert [r.headers["authorization"] for r in searches] == [f"Bearer {ACCESS_TOKEN}", f"Bearer {RENEWED_TOKEN}"]
    assert renewals() == 2


def test_oauth_errors_keep_secrets_out(server: Any, alpha: Any) -> None:
    bad = refused(alpha.post("/connection/integrations/hubspot/completeOauth",
                             json={"params": {"code": "a-wrong-code-value-123"}}), 400, "oauthExchangeFailed")
    assert "HTTP 400" in bad["errorMessage"] and CLIENT_SECRET not in bad["errorMessage"]
    assert "a-wrong-code-value-123" not in bad["errorMessage"]
    refused(alpha.post("/connection/integrations/hubspot/completeOauth", json={"params": {}}), 400,
            "oauthExchangeFailed")
    refused(alpha.post("/connection/integrations/hubspot/completeOauth", json={"params": {"code": 5}}), 400,
            "oauthExchangeFailed")
    refused(alpha.post("/connection/integrations/hubspot/completeOauth", json={}), 400, "invalidPayload")
    refused(alpha.post("/connection/integrations/slack/completeOauth", json={"params": {"code": "x"}}), 400,
            "initiateOauthNotSupported")
    refused(alpha.post("/connection/integrations/nope/completeOauth", json={"params": {"code": "x"}}), 404,
            "integrationNotFound")
    refused(alpha.post("/connection/connectors", json={
        "name": "N", "slug": "unknown_grant", "integrationSlug": "hubspot",
        "config": {"accessToken": "oauth:00000000-0000-4000-8000-000000000000"}}), 400, "invalidConnectorConfig")


# --- connectors -------------------------------------------------------------------------------------


def test_connector_lifecycle_and_default(server: Any, hubspot: FakeProvider) -> None:
    server.add_workspace("gamma")  # a workspace of its own: the first hubspot connector there is the default
    alpha = server.client("gamma")
    first = create_connector(alpha, "hub_one", rateLimit={"unit": "second", "max": 5, "strategy": "spread"},
                             cacheTtlMilliseconds=1000)
    connector, dataset = first["connector"], first["dataset"]
    assert connector["isDefault"] is True and connector["config"]["accessToken"] == "********"
    assert connector["rateLimit"] == {"unit": "second", "max": 5, "strategy": "spread"}
    assert connector["cacheTtlMilliseconds"] == 1000 and connector["useCredits"] is False
    assert {"playsCount", "toolsCount", "modelsCount", "workspaceUuid", "userUuid", "deletedAt"} <= set(connector)
    assert dataset["kind"] == "connector" and dataset["connectorUuid"] == connector["uuid"]
    second = create_connector(alpha, "hub_two", rateLimit={"unit": "minute", "max": 60})["connector"]
    assert second["isDefault"] is False and second["rateLimit"]["strategy"] == "burst"

    # Setting the default moves it.
    updated = ok(alpha.put(f"/connection/connectors/{second['uuid']}", json={"isDefault": True}))["connector"]
    assert updated["isDefault"] is True
    assert ok(alpha.get(f"/connection/connectors/{connector['uuid']}"))["connector"]["isDefault"] is False

    # Config merges key by key; "********" keeps the stored secret.
    renamed = ok(alpha.put(f"/connection/connectors/{connector['uuid']}",
                           json={"name": "Renamed", "config": {"accessToken": "********", "baseUrl": hubspot.url},
                                 "rateLimit": None, "cacheTtlMilliseconds": None}))["connector"]
    assert renamed["name"] == "Renamed" and renamed["rateLimit"] is None and renamed["cacheTtlMilliseconds"] is None
    assert renamed["config"] == {"accessToken": "********", "baseUrl": hubspot.url}
    ok(alpha.post(f"/connection/connectors/{connector['uuid']}/autocomplete",
                  json={"slug": "listObjectProperties", "params": {"objectType": "contacts"}}))
    assert hubspot.requests[-1].headers["authorization"] == f"Bearer {PAT}"

    listed = ok(alpha.get("/connection/connectors/list", params={"integrationSlug": "hubspot"}))["connectors"]
    assert {c["slug"] for c in listed} >= {"hub_one", "hub_two"}
    assert all(c["integrationSlug"] == "hubspot" for c in listed)
    assert ok(alpha.get("/connection/connectors/list", params={"integrationSlug": "slack"})) == {"connectors": []}
    assert ok(alpha.get("/connection/connectors/existsBySlug", params={"slug": "hub_one"})) == {"exists": True}
    assert ok(alpha.get("/connection/connectors/existsBySlug", params={"slug": "no_such"})) == {"exists": False}
    refused(alpha.get("/connection/connectors/existsBySlug"), 400, "invalidPayload")

    assert ok(alpha.delete(f"/connection/connectors/{second['uuid']}")) == {"uuid": second["uuid"], "removed": True}
    refused(alpha.get(f"/connection/connectors/{second['uuid']}"), 404, "connectorNotFound")
    refused(alpha.delete(f"/connection/connectors/{second['uuid']}"), 404, "connectorNotFound")
    assert ok(alpha.get("/connection/connectors/existsBySlug", params={"slug": "hub_two"})) == {"exists": False}


def test_connector_create_and_update_errors(alpha: Any) -> None:
    create_connector(alpha, "taken")
    refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "taken", "integrationSlug": "hubspot",
                                                       "config": {"accessToken": PAT}}),
            409, "connectorSlugAlreadyExists")
    refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "x1", "integrationSlug": "nope"}),
            404, "integrationNotFound")
    bad = refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "x2", "integrationSlug": "hubspot",
                                                             "config": {}}), 400, "invalidConnectorConfig")
    assert bad["details"]["errors"]
    refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "x3", "integrationSlug": "hubspot",
                                                       "config": "token"}), 400, "invalidConnectorConfig")
    for limit in ({"unit": "week", "max": 1}, {"unit": "second", "max": 0}, {"unit": "second", "max": 1,
                                                                              "strategy": "random"}):
        refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "x4", "integrationSlug": "hubspot",
                                                           "config": {"accessToken": PAT}, "rateLimit": limit}),
                400, "invalidData")
    refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "bad slug", "integrationSlug": "hubspot"}),
            400, "invalidData")
    refused(alpha.post("/connection/connectors", json={"slug": "x5", "integrationSlug": "hubspot"}), 400,
            "invalidPayload")
    refused(alpha.post("/connection/connectors", json={"name": "T", "slug": "x6", "integrationSlug": "hubspot",
                                                       "colour": "red"}), 400, "invalidPayload")
    assert ok(alpha.get("/connection/connectors/existsBySlug", params={"slug": "x4"})) == {"exists": False}
    missing = "00000000-0000-4000-8000-000000000000"
    refused(alpha.put(f"/connection/connectors/{missing}", json={"name": "N"}), 404, "connectorNotFound")
    refused(alpha.get(f"/connection/connectors/{missing}"), 404, "connectorNotFound")


def extracted_model(server: Any, monkeypatch: pytest.MonkeyPatch, workspace_uuid: str, dataset_uuid: str) -> None:
    """A model in a connector's dataset, as an extractor sync would make it (no built-in integration has
    extractors yet, and users cannot create models there): written straight into the server's store."""
    import uuid as uuidlib

    from sqlalchemy import insert

    from lading.store.clock import utcnow
    from lading.store.database import open_database, reset_database_cache
    from lading.store.schema import models

    monkeypatch.setenv("LADING_HOME", str(server.home))
    if server.env.get("LADING_DATABASE_URL"):
        monkeypatch.setenv("LADING_DATABASE_URL", server.env["LADING_DATABASE_URL"])
    reset_database_cache()
    now = utcnow()
    with open_database().write() as conn:
        conn.execute(insert(models).values(
            uuid=str(uuidlib.uuid4()), workspace_uuid=workspace_uuid, dataset_uuid=dataset_uuid, slug="contacts",
            name="Contacts", extractor_slug="contacts", id_column_slug="id", columns=[], table_schema="",
            table_name=f"extracted_{uuidlib.uuid4().hex}", created_at=now, updated_at=now))
    reset_database_cache()


def test_remove_refused_while_used(server: Any, alpha: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    used = create_connector(alpha, "used_by_tool")["connector"]
    enrich = node("find", kind="connector", integrationSlug="hubspot", actionSlug="findRecords",
                  connectorUuid=used["uuid"], config={"objectType": "contacts", "propertyName": "email", "value": "x"})
    finish = end()
    enrich["childrenUuids"] = [finish["uuid"]]
    tool = server.lading("orchestration", "tool", "create", "--name", "Uses hubspot")["tool"]
    server.lading("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"],
                  "--nodes", json.dumps([start(children=[enrich["uuid"]]), enrich, finish]))
    assert ok(alpha.get(f"/connection/connectors/{used['uuid']}"))["connector"]["toolsCount"] == 1
    body = refused(alpha.delete(f"/connection/connectors/{used['uuid']}"), 409, "connectorIsUsedInWorkflows")
    assert body["details"] == {"playsCount": 0, "toolsCount": 1, "modelsCount": 0}

    feeding = create_connector(alpha, "feeds_model")
    extracted_model(server, monkeypatch, feeding["connector"]["workspaceUuid"], feeding["dataset"]["uuid"])
    assert ok(alpha.get(f"/connection/connectors/{feeding['connector']['uuid']}"))["connector"]["modelsCount"] == 1
    refused(alpha.delete(f"/connection/connectors/{feeding['connector']['uuid']}"), 409, "connectorIsUsedInModels")
    assert ok(alpha.get(f"/connection/connectors/{used['uuid']}"))["connector"]["deletedAt"] is None


def test_autocomplete_and_dynamic_schema(alpha: Any, hubspot: FakeProvider) -> None:
    made = create_connector(alpha, "hub_lookup", config={"accessToken": PAT, "baseUrl": hubspot.url})
    uuid = made["connector"]["uuid"]
    results = ok(alpha.post(f"/connection/connectors/{uuid}/autocomplete",
                            json={"slug": "listObjectProperties", "params": {"objectType": "contacts"},
                                  "variables": {"any": 1}, "refresh": True}))["results"]
    assert [r["value"] for r in results] == ["email", "lifecyclestage", "hs_object_id"]
    narrowed = ok(alpha.post(f"/connection/connectors/{uuid}/autocomplete",
                             json={"slug": "listObjectProperties", "params": {"objectType": "contacts"},
                                   "value": "LIFE"}))["results"]
    assert [r["value"] for r in narrowed] == ["lifecyclestage"]
    refused(alpha.post(f"/connection/connectors/{uuid}/autocomplete",
                       json={"slug": "listObjectProperties", "params": {}}), 400, "invalidAutocompleteParams")
    refused(alpha.post(f"/connection/connectors/{uuid}/autocomplete", json={"slug": "nope", "params": {}}),
            404, "failedToGetIntegration")
    down = refused(alpha.post(f"/connection/connectors/{uuid}/autocomplete",
                              json={"slug": "listObjectProperties", "params": {"objectType": "broken"}}),
                   400, "failedToGetIntegrationAutocomplete")
    assert "HubSpot is down" in down["errorMessage"]
    refused(alpha.post(f"/connection/connectors/{uuid}/autocomplete", json={"slug": "listObjects"}), 400,
            "invalidPayload")

    schema = ok(alpha.post(f"/connection/connectors/{uuid}/dynamicSchemas/recordProperties",
                           json={"params": {"objectType": "contacts"}}))
    assert set(schema["schema"]["properties"]) == {"email", "lifecyclestage"}
    assert schema["schema"]["properties"]["lifecyclestage"]["enum"] == ["lead", "customer"]
    assert schema["uiSchema"]["email"] == {"ui:title": "Email", "ui:group": "contactinformation"}
    refused(alpha.post(f"/connection/connectors/{uuid}/dynamicSchemas/nope", json={"params": {}}), 404,
            "failedToGetIntegration")
    refused(alpha.post(f"/connection/connectors/{uuid}/dynamicSchemas/recordProperties", json={"params": {}}), 400,
            "invalidData")
    missing = "00000000-0000-4000-8000-000000000000"
    refused(alpha.post(f"/connection/connectors/{missing}/autocomplete", json={"slug": "listObjects", "params": {}}),
            404, "connectorNotFound")
    refused(alpha.post(f"/connection/connectors/{missing}/dynamicSchemas/recordProperties",
                       json={"params": {"objectType": "contacts"}}), 404, "connectorNotFound")


def test_language_models_of_a_connector(alpha: Any) -> None:
    openai = create_connector(alpha, "llm", integration="openAi", config={"apiKey": "sk-local-0123456789"})
    models = ok(alpha.get(f"/connection/connectors/{openai['connector']['uuid']}/languageModels"))["languageModels"]
    assert models and {m["integrationSlug"] for m in models} == {"openAi"}
    gpt = next(m for m in models if m["slug"] == "gpt-4o")
    assert gpt["contextWindowTokensLimit"] == 128_000 and gpt["isReasoning"] is False and gpt["description"]
    assert gpt["credits"]["cost"]["unit"] == "token" and isinstance(gpt["outputTokensLimit"], int)
    slack = create_connector(alpha, "slacker", integration="slack", config={"botToken": "xoxb-0123456789"})
    refused(alpha.get(f"/connection/connectors/{slack['connector']['uuid']}/languageModels"), 400,
            "languageModelsNotSupported")
    refused(alpha.get("/connection/connectors/00000000-0000-4000-8000-000000000000/languageModels"), 404,
            "connectorNotFound")


def test_action_search(alpha: Any) -> None:
    hits = ok(alpha.post("/connection/actions/search", json={"query": "enrich company"}))["actions"]
    assert hits[0]["integrationSlug"] in ("clearbit", "peopleDataLabs", "apolloio", "hunter")
    assert {"integrationSlug", "actionSlug", "name", "description", "category", "credits"} == set(hits[0])
    assert any(h["integrationSlug"] == "clearbit" and h["actionSlug"] == "enrichCompany" for h in hits)
    only = ok(alpha.post("/connection/actions/search", json={"query": ["hubspot"], "integration": "hubspot",
                                                            "limit": 2}))["actions"]
    assert len(only) == 2 and {h["integrationSlug"] for h in only} == {"hubspot"}
    priced = ok(alpha.post("/connection/actions/search", json={"query": "enrich", "creditsOnly": True}))["actions"]
    assert priced and all(h["credits"] for h in priced)
    assert ok(alpha.post("/connection/actions/search", json={"query": "zzzz qqqq"})) == {"actions": []}
    refused(alpha.post("/connection/actions/search", json={"query": "x", "limit": 1001}), 400, "invalidLimit")
    refused(alpha.post("/connection/actions/search", json={"query": "x", "integration": "nope"}), 404,
            "integrationNotFound")
    refused(alpha.post("/connection/actions/search", json={"query": "x", "category": "nope"}), 400, "invalidData")
    refused(alpha.post("/connection/actions/search", json={}), 400, "invalidPayload")


# --- isolation, rights, secrets -----------------------------------------------------------------------


def test_workspaces_are_isolated(alpha: Any, beta: Any, hubspot: FakeProvider) -> None:
    theirs = create_connector(beta, "beta_only", config={"accessToken": PAT, "baseUrl": hubspot.url})["connector"]
    uuid = theirs["uuid"]
    refused(alpha.get(f"/connection/connectors/{uuid}"), 404, "connectorNotFound")
    refused(alpha.put(f"/connection/connectors/{uuid}", json={"name": "mine"}), 404, "connectorNotFound")
    refused(alpha.put(f"/connection/connectors/{uuid}", json={"isDefault": True}), 404, "connectorNotFound")
    refused(alpha.delete(f"/connection/connectors/{uuid}"), 404, "connectorNotFound")
    refused(alpha.post(f"/connection/connectors/{uuid}/autocomplete",
                       json={"slug": "listObjectProperties", "params": {"objectType": "contacts"}}), 404,
            "connectorNotFound")
    refused(alpha.post(f"/connection/connectors/{uuid}/dynamicSchemas/recordProperties",
                       json={"params": {"objectType": "contacts"}}), 404, "connectorNotFound")
    refused(alpha.get(f"/connection/connectors/{uuid}/languageModels"), 404, "connectorNotFound")
    assert uuid not in {c["uuid"] for c in ok(alpha.get("/connection/connectors/list"))["connectors"]}
    assert ok(alpha.get("/connection/connectors/existsBySlug", params={"slug": "beta_only"})) == {"exists": False}
    # Beta's first hubspot connector is beta's default, whatever alpha has.
    assert theirs["isDefault"] is True
    assert ok(beta.get(f"/connection/connectors/{uuid}"))["connector"]["name"] == "Beta_Only"


def test_rights_and_auth(server: Any) -> None:
    anonymous = server.client("alpha", token="ldg_not_a_token")
    refused(anonymous.get("/connection/connectors/list"), 401, "unauthorized")
    refused(anonymous.get("/connection/integrations/list"), 401, "unauthorized")


def test_no_secret_in_the_server_log(server: Any, alpha: Any) -> None:
    ok(alpha.get("/connection/connectors/list"))
    log = (Path(server.home) / "serve.log").read_text(errors="replace")
    no_secret(log)
    no_secret(json.dumps(ok(alpha.get("/connection/connectors/list"))))


# --- the CLI in remote mode ---------------------------------------------------------------------------


@pytest.fixture
def remote_to_server(server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """This module's own server (its fake HubSpot wired in) as the CLI's remote target, as alpha."""
    monkeypatch.setenv("LADING_API_URL", server.url)
    monkeypatch.setenv("LADING_TOKEN", server.tokens["alpha"])
    return server


def test_remote_cli_prints_what_the_embedded_cli_prints(remote_to_server: Any, cli: Any, hubspot: FakeProvider) -> None:
    def same(*args: str) -> Any:
        code, out = cli(*args)
        embedded = remote_to_server.lading(*args, check=False)
        assert out == embedded, args
        return code, out

    code, created = cli("connection", "connector", "create", "--integration-slug", "hubspot", "--slug", "cli_hub",
                        "--name", "CLI hub", "--config", json.dumps({"accessToken": PAT, "baseUrl": hubspot.url}),
                        "--rate-limit", json.dumps({"unit": "second", "max": 3}))
    assert code == 0 and created["connector"]["rateLimit"]["strategy"] == "burst" and created["dataset"]
    uuid = created["connector"]["uuid"]
    assert same("connection", "connector", "get", uuid)[0] == 0
    assert same("connection", "connector", "list", "--integration-slug", "hubspot")[0] == 0
    assert same("connection", "connector", "exists-by-slug", "--slug", "cli_hub") == (0, {"exists": True})
    assert same("connection", "integration", "get", "hubspot")[0] == 0
    assert same("connection", "integration", "list", "--category", "sales", "--has-actions", "true")[0] == 0
    assert same("connection", "integration", "list", "--slugs", "slack,http")[0] == 0
    assert same("connection", "native-integration", "get")[0] == 0
    assert same("connection", "action", "search", "enrich", "company", "--limit", "5")[0] == 0
    _, found = same("connection", "connector", "autocomplete", "--connector-uuid", uuid, "--slug",
                    "listObjectProperties", "--params", json.dumps({"objectType": "contacts"}), "--value", "mail")
    assert found["results"][0]["value"] == "email"
    assert same("connection", "connector", "dynamic-schema", "--connector-uuid", uuid, "--slug", "recordProperties",
                "--params", json.dumps({"objectType": "contacts"}))[0] == 0
    code, docs = cli("connection", "integration", "get-documentation", "slack")
    served = remote_to_server.client("alpha").get("/connection/integrations/slack/documentation").text
    assert code == 0 and docs.strip() == served.strip() and "postMessage" in docs

    # Errors: the same document and exit code.
    for args in (("connection", "connector", "get", "00000000-0000-4000-8000-000000000000"),
                 ("connection", "integration", "get", "nope"),
                 ("connection", "integration", "list", "--has-actions", "maybe"),
                 ("connection", "connector", "autocomplete", "--connector-uuid", uuid, "--slug", "nope",
                  "--params", "{}"),
                 ("connection", "connector", "update", "--uuid", uuid, "--config", '"text"'),
                 ("connection", "action", "search", "x", "--limit", "5000")):
        code, _ = same(*args)
        assert code != 0, args

    code, out = cli("connection", "connector", "update", "--uuid", uuid, "--name", "Renamed", "--is-default",
                    "--config", json.dumps({"accessToken": "********"}), "--cache-ttl-milliseconds", "5")
    assert code == 0 and out["connector"]["name"] == "Renamed" and out["connector"]["isDefault"] is True
    assert out["connector"]["cacheTtlMilliseconds"] == 5 and out["connector"]["config"]["accessToken"] == "********"

    # OAuth from the CLI: consent URL, then the code given straight to the connector.
    code, consent = cli("connection", "integration", "initiate-oauth", "hubspot")
    assert code == 0 and consent["consentUrl"].startswith("https://app.hubspot.com/oauth/authorize?")
    state = re.search(r"state=([^&]+)", consent["consentUrl"]).group(1)  # type: ignore[union-attr]
    code, bound = cli("connection", "integration", "complete-oauth", "--connector-uuid", uuid, "--code", GOOD_CODE,
                      "--state", state)
    assert code == 0 and bound["connector"]["config"]["refreshToken"] == "********"
    no_secret(json.dumps(bound))
    code, value = cli("connection", "integration", "complete-oauth", "hubspot", "--code", GOOD_CODE)
    assert code == 0 and value["value"].startswith("oauth:")

    assert cli("connection", "connector", "remove", uuid) == (0, {"uuid": uuid, "removed": True})
    assert same("connection", "connector", "get", uuid)[0] == 1
