"""Names from Cargo's documents (issue 19, "Names"): the action slugs they use are listed in the catalog
and run, and `storage relationship set` without join columns links two models by their id/foreign key.

The CLI tests run embedded and in remote mode (`LADING_TEST_MODE=remote`); the `api_server` tests check
the routes with httpx, including two-workspace isolation.
"""

from __future__ import annotations

import re
from typing import Any

from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import end, node, start, var

# --- helpers -------------------------------------------------------------------------------------------


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    return str(ok("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                  "--name", slug, "--config", j(config))["connector"]["uuid"])


def clearbit_fake(rec: Recorded) -> Answer:
    domain = rec.query["domain"][0]
    return Answer(200, {"name": domain.split(".")[0].title(), "domain": domain})


def default_dataset() -> str:
    return str(ok("storage", "dataset", "list")["datasets"][0]["uuid"])


def make_model(slug: str, columns: list[dict[str, Any]], **flags: str) -> str:
    args = ["storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid",
            default_dataset(), "--extractor-slug", "native", "--config", "{}", "--columns", j(columns)]
    for flag, value in flags.items():
        args += [f"--{flag.replace('_', '-')}", value]
    return str(ok(*args)["model"]["uuid"])


def string_columns(*slugs: str) -> list[dict[str, Any]]:
    return [{"slug": s, "type": "string"} for s in slugs]


# --- action aliases: listed ----------------------------------------------------------------------------


def test_integration_get_lists_every_accepted_slug() -> None:
    actions = ok("connection", "integration", "get", "clearbit")["integration"]["actions"]
    canonical = actions["enrichCompany"]
    assert "aliasOf" not in canonical
    assert set(canonical["aliases"]) == {"company_enrich", "enrichCompanyFromDomain", "enrich_company"}
    for alias in canonical["aliases"]:
        assert actions[alias] == {**canonical, "aliasOf": "enrichCompany"}
    assert actions["person_enrich"]["aliasOf"] == "enrichPerson"
    slack = ok("connection", "integration", "get", "slack")["integration"]["actions"]
    assert {slack[a]["aliasOf"] for a in ("send_message", "sendMessage", "post_message")} == {"postMessage"}
    hubspot = ok("connection", "integration", "get", "hubspot")["integration"]["actions"]
    assert hubspot["createContact"]["aliasOf"] == "create_contact"
    assert hubspot["find_records"]["aliasOf"] == "findRecords"


def test_every_integration_lists_its_aliases_the_same_way() -> None:
    """The rule for every built-in integration: each canonical action lists its aliases; each alias is a
    key of the map standing for that action; camelCase and snake_case spellings both exist; the
    integration's documentation names each alias."""
    integrations = ok("connection", "integration", "list")["integrations"]
    assert integrations == [ok("connection", "integration", "get", i["slug"])["integration"] for i in integrations]
    for integration in integrations:
        actions = integration["actions"]
        canonical = {slug: a for slug, a in actions.items() if "aliasOf" not in a}
        aliases = {slug: a["aliasOf"] for slug, a in actions.items() if "aliasOf" in a}
        assert set(aliases) == {alias for a in canonical.values() for alias in a["aliases"]}, integration["slug"]
        for alias, target in aliases.items():
            assert target in canonical and alias in canonical[target]["aliases"]
        for slug in canonical:
            snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", slug).lower()
            assert snake in actions, (integration["slug"], slug)
        documentation = run_cli("connection", "integration", "get-documentation", integration["slug"])[1]
        for alias in aliases:
            assert f"`{alias}`" in documentation, (integration["slug"], alias)


def test_action_search_finds_an_alias() -> None:
    hits = ok("connection", "action", "search", "company_enrich")["actions"]
    assert hits[0]["integrationSlug"] == "clearbit" and hits[0]["actionSlug"] == "enrichCompany"
    hits = ok("connection", "action", "search", "email_verifier", "--integration", "hunter")["actions"]
    assert [h["actionSlug"] for h in hits] == ["verifyEmail"]


# --- action aliases: working ---------------------------------------------------------------------------


def test_alias_runs_in_action_execute_and_execute_batch() -> None:
    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", clearbit_fake)
        connector("clearbit", "cb", {"apiKey": "k", "baseUrl": cb.url})
        for alias in ("company_enrich", "enrichCompanyFromDomain", "enrich_company"):
            action = {"kind": "connector", "integrationSlug": "clearbit", "actionSlug": alias, "config": {}}
            out = ok("orchestration", "action", "execute", "--action", j(action), "--data", j({"domain": "acme.com"}),
                     "--wait-until-finished")
            assert out["run"]["status"] == "success" and out["runContext"]["action"]["name"] == "Acme", alias
        # The seed's execute-batch line, verbatim but for the records.
        out = ok("orchestration", "action", "execute-batch", "--action",
                 '{"kind":"connector","integrationSlug":"clearbit","actionSlug":"company_enrich","config":{}}',
                 "--records", '[{"domain":"acme.com"},{"domain":"globex.com"}]', "--wait-until-finished")
        assert out["batch"]["status"] == "success" and out["batch"]["executedRunsCount"] == 2
        assert sorted(r.query["domain"][0] for r in cb.requests[-2:]) == ["acme.com", "globex.com"]
    code, out = run_cli("orchestration", "action", "execute", "--action",
                        j({"kind": "connector", "integrationSlug": "clearbit", "actionSlug": "companyEnrich"}),
                        "--data", j({"domain": "acme.com"}))
    assert code == 1 and out["reason"] == "actionNotFound"  # exact and case-sensitive: not a guessed name


def test_alias_runs_in_a_connector_node_of_a_run() -> None:
    with fake_provider() as cb, fake_provider() as slack:
        cb.route("GET", "/v2/companies/find", clearbit_fake)
        slack.route("POST", "/chat.postMessage", Answer(200, {"ok": True, "channel": "C9", "ts": "17.5"}))
        cb_uuid = connector("clearbit", "cb", {"apiKey": "k", "baseUrl": cb.url})
        sl_uuid = connector("slack", "sl", {"botToken": "xoxb-1", "baseUrl": slack.url})
        done = end([var("name", "{{nodes.enrich.name}}"), var("ts", "{{nodes.notify.ts}}")])
        notify = node("notify", kind="connector", integrationSlug="slack", actionSlug="send_message",
                      connectorUuid=sl_uuid, config={"channelId": "C9", "body": "Hi {{nodes.enrich.name}}"},
                      children=[done["uuid"]])
        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="company_enrich",
                      connectorUuid=cb_uuid, config={"domain": "{{nodes.start.domain}}"}, children=[notify["uuid"]])
        nodes = [start(children=[enrich["uuid"]]), enrich, notify, done]
        assert ok("orchestration", "node", "validate", "--nodes", j(nodes)) == {"outcome": "valid"}
        out = ok("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"domain": "acme.com"}),
                 "--wait-until-finished")
        assert out["run"]["status"] == "success", out["run"]
        assert out["runContext"]["end"] == {"name": "Acme", "ts": "17.5"}
        assert out["run"]["creditsUsedCount"] == 1  # the alias is priced as its action
        assert slack.requests[-1].json()["text"] == "Hi Acme"


# --- relationships: inferred join columns --------------------------------------------------------------


def test_relationship_set_infers_the_foreign_key_and_says_which() -> None:
    companies = make_model("companies", string_columns("name"))
    people = make_model("people", string_columns("email", "companyId"))
    out = ok("storage", "relationship", "set", "--from-model-uuid", people, "--to-model-uuid", companies)
    [rel] = out["relationships"]
    assert (rel["fromColumnSlug"], rel["toColumnSlug"], rel["relation"]) == ("companyId", "_id", "manyToOne")
    inferred = out["inferred"]
    assert inferred["fromModelUuid"] == people and inferred["toModelUuid"] == companies
    assert (inferred["fromColumnSlug"], inferred["toColumnSlug"]) == ("companyId", "_id")
    assert "companyId" in inferred["reason"] or "reference to companies" in inferred["reason"]
    assert ok("storage", "relationship", "list", "--model-uuid", people)["relationships"] == [rel]


def test_relationship_set_uses_the_to_models_id_column() -> None:
    accounts = make_model("accounts", string_columns("domain", "name"), id_column_slug="domain")
    deals = make_model("deals", string_columns("amount", "account_domain"))
    out = ok("storage", "relationship", "set", "--from-model-uuid", deals, "--to-model-uuid", accounts)
    assert (out["inferred"]["fromColumnSlug"], out["inferred"]["toColumnSlug"]) == ("account_domain", "domain")
    # A column named like the key itself, failing a foreign-key name.
    orders = make_model("orders", string_columns("domain", "total"))
    out = ok("storage", "relationship", "set", "--from-model-uuid", orders, "--to-model-uuid", accounts)
    assert (out["inferred"]["fromColumnSlug"], out["inferred"]["toColumnSlug"]) == ("domain", "domain")
    # Half given: the other half is inferred; both given: nothing is inferred (the explicit form).
    out = ok("storage", "relationship", "set", "--from-model-uuid", orders, "--to-model-uuid", accounts,
             "--from-column-slug", "total")
    assert (out["inferred"]["fromColumnSlug"], out["inferred"]["toColumnSlug"]) == ("total", "domain")
    out = ok("storage", "relationship", "set", "--from-model-uuid", orders, "--to-model-uuid", accounts,
             "--from-column-slug", "domain", "--to-column-slug", "domain")
    assert "inferred" not in out and len(out["relationships"]) == 2


def test_relationship_set_ambiguous_or_missing_is_a_clear_error() -> None:
    people = make_model("people", string_columns("email"))
    events = make_model("events", string_columns("person_id", "people_id"))
    code, err = run_cli("storage", "relationship", "set", "--from-model-uuid", events, "--to-model-uuid", people)
    assert code == 1 and err["reason"] == "invalidRelationship" and err["status"] == 400
    assert sorted(err["details"]["candidates"]) == ["people_id", "person_id"]
    assert "person_id" in err["errorMessage"] and "--from-column-slug" in err["errorMessage"]
    code, err = run_cli("storage", "relationship", "set", "--from-model-uuid", people, "--to-model-uuid", events)
    assert code == 1 and err["reason"] == "invalidRelationship" and err["details"]["candidates"] == []
    assert "--from-column-slug" in err["errorMessage"]
    assert ok("storage", "relationship", "list", "--model-uuid", people) == {"relationships": []}  # nothing written
    code, err = run_cli("storage", "relationship", "set", "--from-model-uuid", events, "--to-model-uuid",
                        "00000000-0000-4000-8000-000000000000")
    assert code == 1 and err["reason"] == "modelNotFound"


# --- the HTTP routes -----------------------------------------------------------------------------------


def test_routes_list_aliases_and_infer_relationships(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    got = alpha.get("/connection/integrations/clearbit")
    assert got.status_code == 200
    assert got.json()["integration"]["actions"]["company_enrich"]["aliasOf"] == "enrichCompany"
    listed = alpha.get("/connection/integrations/list", params={"slugs[]": "hunter"})
    assert listed.status_code == 200, listed.text
    hunter = next(i for i in listed.json()["integrations"] if i["slug"] == "hunter")
    assert hunter["actions"]["email_find"]["aliasOf"] == "findEmail"

    dataset = api_server.lading("storage", "dataset", "list", workspace="alpha")["datasets"][0]["uuid"]

    def model(slug: str, *columns: str) -> str:
        created = alpha.post("/storage/models", json={
            "datasetUuid": dataset, "slug": slug, "name": slug.title(), "extractorSlug": "native", "config": {},
            "columns": string_columns(*columns)})
        assert created.status_code == 200, created.text
        return str(created.json()["model"]["uuid"])

    companies, contacts = model("companies", "name"), model("contacts", "company_id", "email")
    answer = alpha.post("/storage/relationships", json={"fromModelUuid": contacts, "toModelUuid": companies})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(r["fromColumnSlug"], r["toColumnSlug"]) for r in body["relationships"]] == [("company_id", "_id")]
    assert (body["inferred"]["fromColumnSlug"], body["inferred"]["toColumnSlug"]) == ("company_id", "_id")
    refused = alpha.post("/storage/relationships", json={"fromModelUuid": companies, "toModelUuid": contacts})
    assert refused.status_code == 400 and refused.json()["reason"] == "invalidRelationship"
    # Another workspace's models are not found, and nothing of alpha shows in beta.
    other = beta.post("/storage/relationships", json={"fromModelUuid": contacts, "toModelUuid": companies})
    assert other.status_code == 404 and other.json()["reason"] == "modelNotFound"
    assert all(r["fromModelUuid"] != contacts for r in beta.get("/storage/relationships/list").json()["relationships"])
