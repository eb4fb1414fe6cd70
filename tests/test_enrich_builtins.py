"""More built-in integrations (issue 18 item 4): Apollo.io, People Data Labs, Attio, Pipedrive, lemlist,
ZeroBounce, NeverBounce, Findymail, Instantly and BuiltWith ship as documents in
`integrations/declarative/builtin/` (Salesforce's create/update record join its Python module) and
behave as built-ins: listed in the catalog with their prices, documented, and each action sends the
provider's documented request (method, path, auth, query, body) to a fake provider on 127.0.0.1 and
maps its answer; the run records the action's price.

Embedded (SQLite or PostgreSQL with LADING_TEST_DATABASE_URL) and remote (LADING_TEST_MODE=remote)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import chain, end, node, start, var

KEY = "builtin-secret-key-5531"

BUILTINS = {"apolloio": "enrichment", "peopleDataLabs": "enrichment", "attio": "sales", "pipedrive": "sales",
            "lemlist": "engagement", "zeroBounce": "enrichment", "neverBounce": "enrichment",
            "findymail": "enrichment", "instantly": "engagement", "builtWith": "enrichment"}


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def connector(integration: str, config: dict[str, Any]) -> str:
    return str(ok("connection", "connector", "create", "--integration-slug", integration, "--slug",
                  f"c_{integration.lower()}", "--name", integration, "--config", j(config))["connector"]["uuid"])


def execute(integration: str, action: str, uuid: str, data: dict[str, Any]) -> Any:
    spec = {"kind": "connector", "integrationSlug": integration, "actionSlug": action, "connectorUuid": uuid}
    return run_cli("orchestration", "action", "execute", "--action", j(spec), "--data", j(data),
                   "--wait-until-finished")


# --- how each provider authenticates -------------------------------------------------------------------

def header(name: str) -> Callable[[Recorded], bool]:
    return lambda rec: rec.headers.get(name.lower()) == KEY


def bearer() -> Callable[[Recorded], bool]:
    return lambda rec: rec.headers.get("authorization") == f"Bearer {KEY}"


def query_key(name: str) -> Callable[[Recorded], bool]:
    return lambda rec: rec.query.get(name) == [KEY]


AUTH = {"apolloio": ({"apiKey": KEY}, header("X-Api-Key")),
        "peopleDataLabs": ({"apiKey": KEY}, header("X-Api-Key")),
        "salesforce": ({"accessToken": KEY}, bearer()),
        "attio": ({"accessToken": KEY}, bearer()),
        "pipedrive": ({"apiToken": KEY}, header("x-api-token")),
        "lemlist": ({"apiKey": KEY}, query_key("access_token")),
        "zeroBounce": ({"apiKey": KEY}, query_key("api_key")),
        "neverBounce": ({"apiKey": KEY}, query_key("key")),
        "findymail": ({"apiKey": KEY}, bearer()),
        "instantly": ({"apiKey": KEY}, bearer()),
        "builtWith": ({"apiKey": KEY}, query_key("KEY"))}


@dataclass
class Case:
    integration: str
    action: str
    data: dict[str, Any]
    method: str
    path: str
    answer: Any  # the provider's JSON answer (or an Answer)
    output: Any  # the node's output
    credits: float
    query: dict[str, list[str]] = field(default_factory=dict)  # expected query parameters (besides auth)
    body: Any = None  # expected JSON body (a subset for objects)

    @property
    def id(self) -> str:
        return f"{self.integration}.{self.action}"


PERSON = {"id": "p1", "name": "Ann Lee", "email": "ann@acme.com", "title": "CEO"}
ORG = {"id": "o1", "name": "Acme", "primary_domain": "acme.com"}
PDL_FILTER = {"conjonction": "and", "groups": [
    {"conjonction": "or", "conditions": [{"columnSlug": "job_title", "kind": "string", "operator": "contains",
                                          "values": ["ceo", "founder"]}]},
    {"conjonction": "and", "conditions": [{"columnSlug": "location_country", "kind": "string", "operator": "is",
                                           "values": "france"},
                                          {"columnSlug": "job_company_employee_count", "kind": "number",
                                           "operator": "between", "firstValue": 10, "lastValue": 200}]}]}
PDL_QUERY = {"bool": {"must": [
    {"bool": {"should": [{"bool": {"should": [{"match": {"job_title": "ceo"}}, {"match": {"job_title": "founder"}}]}}],
              "minimum_should_match": 1}},
    {"bool": {"must": [{"term": {"location_country": "france"}},
                       {"range": {"job_company_employee_count": {"gte": 10, "lte": 200}}}]}}]}}
TECH = {"Results": [{"Result": {"Paths": [
    {"Technologies": [{"Name": "Stripe", "Tag": "payment", "Categories": ["Payments Processor"], "Link": "s",
                       "FirstDetected": 1, "LastDetected": 2},
                      {"Name": "HubSpot", "Tag": "analytics", "Categories": ["CRM"], "Link": "h",
                       "FirstDetected": 3, "LastDetected": 4}]},
    {"Technologies": [{"Name": "Stripe", "Tag": "payment", "Categories": [], "Link": "s"}]}]}}], "Errors": []}

CASES = [
    Case("apolloio", "enrichPerson", {"email": "ann@acme.com"}, "POST", "/api/v1/people/match",
         {"person": PERSON}, PERSON, 1,
         body={"email": "ann@acme.com", "reveal_phone_number": False, "reveal_personal_emails": False}),
    Case("apolloio", "enrichPerson", {"email": "ann@acme.com", "revealPhoneNumber": True,
                                      "webhookUrl": "https://hooks.example/apollo"},
         "POST", "/api/v1/people/match", {"person": PERSON}, PERSON, 9,
         body={"reveal_phone_number": True, "webhook_url": "https://hooks.example/apollo"}),
    Case("apolloio", "enrichOrganization", {"domain": "acme.com"}, "GET", "/api/v1/organizations/enrich",
         {"organization": ORG}, ORG, 1, query={"domain": ["acme.com"]}),
    Case("apolloio", "searchPeople", {"personTitles": ["CEO"], "organizationDomains": ["acme.com"], "perPage": 2},
         "POST", "/api/v1/mixed_people/api_search", {"people": [PERSON, PERSON], "pagination": {"page": 1}},
         {"people": [PERSON, PERSON], "pagination": {"page": 1}}, 0,
         body={"person_titles": ["CEO"], "q_organization_domains_list": ["acme.com"], "page": 1, "per_page": 2}),
    Case("apolloio", "searchPeople", {"personTitles": ["CEO"], "shouldEnrich": True},
         "POST", "/api/v1/mixed_people/search", {"people": [PERSON, PERSON], "pagination": {"page": 1}},
         {"people": [PERSON, PERSON], "pagination": {"page": 1}}, 2, body={"person_titles": ["CEO"]}),
    Case("apolloio", "searchOrganizations", {"organizationLocations": ["France"]}, "POST",
         "/api/v1/mixed_companies/search", {"organizations": [ORG, ORG, ORG]},
         {"organizations": [ORG, ORG, ORG], "pagination": None}, 0.03,
         body={"organization_locations": ["France"], "page": 1, "per_page": 25}),
    Case("peopleDataLabs", "enrichPerson", {"email": "ann@acme.com", "minLikelihood": 6}, "GET",
         "/v5/person/enrich", {"status": 200, "likelihood": 9, "data": {"full_name": "ann lee"}},
         {"likelihood": 9, "data": {"full_name": "ann lee"}}, 3,
         query={"email": ["ann@acme.com"], "min_likelihood": ["6"]}),
    Case("peopleDataLabs", "enrichPerson", {"email": "nobody@acme.com"}, "GET", "/v5/person/enrich",
         Answer(404, {"status": 404, "error": {"type": "not_found"}}), None, 3, query={"email": ["nobody@acme.com"]}),
    Case("peopleDataLabs", "enrichCompany", {"website": "acme.com"}, "GET", "/v5/company/enrich",
         {"status": 200, "name": "acme", "size": "51-200"}, {"status": 200, "name": "acme", "size": "51-200"}, 3,
         query={"website": ["acme.com"]}),
    Case("peopleDataLabs", "searchPeople", {"filter": PDL_FILTER, "size": 2}, "POST", "/v5/person/search",
         {"status": 200, "data": [{"id": "a"}, {"id": "b"}], "total": 40, "scroll_token": "tok"},
         {"data": [{"id": "a"}, {"id": "b"}], "total": 40, "scrollToken": "tok"}, 6,
         body={"query": PDL_QUERY, "size": 2, "scroll_token": None}),
    Case("peopleDataLabs", "queryCompanies", {"sql": "SELECT * FROM company WHERE website='acme.com'"}, "POST",
         "/v5/company/search", {"status": 200, "data": [{"id": "c"}], "total": 1},
         {"data": [{"id": "c"}], "total": 1, "scrollToken": None}, 3,
         body={"sql": "SELECT * FROM company WHERE website='acme.com'", "size": 10}),
    Case("salesforce", "soqlQuery", {"query": "SELECT Id, Name FROM Account"}, "GET", "/services/data/v59.0/query",
         {"totalSize": 1, "done": True, "records": [{"attributes": {"type": "Account"}, "Id": "001A", "Name": "Acme"}]},
         {"totalSize": 1, "records": [{"Id": "001A", "Name": "Acme"}]}, 0,
         query={"q": ["SELECT Id, Name FROM Account"]}),
    Case("salesforce", "createRecord", {"objectType": "Lead", "fields": {"LastName": "Lee", "Company": "Acme"}},
         "POST", "/services/data/v59.0/sobjects/Lead", {"id": "00Q5e000001", "success": True, "errors": []},
         {"id": "00Q5e000001", "success": True, "errors": []}, 0, body={"LastName": "Lee", "Company": "Acme"}),
    Case("salesforce", "updateRecord", {"objectType": "Lead", "recordId": "00Q5e000001abcdEAA",
                                        "fields": {"Status": "Working"}},
         "PATCH", "/services/data/v59.0/sobjects/Lead/00Q5e000001abcdEAA", Answer(204, None),
         {"id": "00Q5e000001abcdEAA", "success": True}, 0, body={"Status": "Working"}),
    Case("attio", "assertRecord", {"object": "companies", "matchingAttribute": "domains",
                                   "values": {"domains": ["acme.com"], "name": "Acme"}},
         "PUT", "/v2/objects/companies/records",
         {"data": {"id": {"object_id": "obj1", "record_id": "rec1"}, "values": {"name": [{"value": "Acme"}]},
                   "web_url": "https://app.attio.com/r/rec1"}},
         {"recordId": "rec1", "objectId": "obj1", "values": {"name": [{"value": "Acme"}]},
          "webUrl": "https://app.attio.com/r/rec1"}, 0,
         query={"matching_attribute": ["domains"]},
         body={"data": {"values": {"domains": ["acme.com"], "name": "Acme"}}}),
    Case("attio", "queryRecords", {"object": "people", "filter": {"name": "Ann"}, "limit": 10}, "POST",
         "/v2/objects/people/records/query",
         {"data": [{"id": {"record_id": "r1"}, "values": {"a": 1}, "web_url": "u1"}]},
         {"records": [{"recordId": "r1", "values": {"a": 1}, "webUrl": "u1"}]}, 0,
         body={"filter": {"name": "Ann"}, "limit": 10, "offset": 0}),
    Case("pipedrive", "createPerson", {"name": "Ann Lee", "email": "ann@acme.com", "orgId": 7,
                                       "customFields": {"a1b2": "x"}},
         "POST", "/v1/persons", {"success": True, "data": {"id": 12, "name": "Ann Lee"}}, {"id": 12, "name": "Ann Lee"},
         0, body={"name": "Ann Lee", "email": [{"value": "ann@acme.com", "primary": True, "label": "work"}],
                  "org_id": 7, "a1b2": "x"}),
    Case("pipedrive", "createDeal", {"title": "Acme deal", "value": 5000, "currency": "EUR", "personId": 12},
         "POST", "/v1/deals", {"success": True, "data": {"id": 3, "title": "Acme deal"}},
         {"id": 3, "title": "Acme deal"}, 0,
         body={"title": "Acme deal", "value": 5000, "currency": "EUR", "person_id": 12}),
    Case("pipedrive", "searchOrganizations", {"term": "acme"}, "GET", "/v1/organizations/search",
         {"success": True, "data": {"items": [{"result_score": 1, "item": {"id": 7, "name": "Acme"}}]}},
         {"items": [{"id": 7, "name": "Acme"}]}, 0,
         query={"term": ["acme"], "exact_match": ["false"], "limit": ["50"]}),
    Case("lemlist", "addLeadToCampaign", {"campaignId": "cam_123", "email": "ann@acme.com", "firstName": "Ann",
                                          "variables": {"painPoint": "churn"}},
         "POST", "/campaigns/cam_123/leads/ann@acme.com",
         {"_id": "lea_1", "campaignId": "cam_123", "email": "ann@acme.com"},
         {"leadId": "lea_1", "campaignId": "cam_123", "email": "ann@acme.com",
          "lead": {"_id": "lea_1", "campaignId": "cam_123", "email": "ann@acme.com"}}, 0,
         query={"deduplicate": ["true"]}, body={"firstName": "Ann", "painPoint": "churn"}),
    Case("zeroBounce", "validateEmail", {"email": "ann@acme.com"}, "GET", "/validate",
         {"address": "ann@acme.com", "status": "valid", "sub_status": "", "free_email": False,
          "did_you_mean": None, "domain": "acme.com", "mx_found": "true", "mx_record": "mx.acme.com",
          "smtp_provider": "google", "firstname": "Ann", "lastname": "Lee", "processed_at": "2026-12-04 10:00:00"},
         {"email": "ann@acme.com", "status": "valid", "subStatus": "", "deliverable": True, "freeEmail": False,
          "didYouMean": None, "domain": "acme.com", "mxFound": True, "mxRecord": "mx.acme.com",
          "smtpProvider": "google", "firstName": "Ann", "lastName": "Lee", "processedAt": "2026-12-04 10:00:00"},
         0.5, query={"email": ["ann@acme.com"]}),
    Case("neverBounce", "verifyEmail", {"email": "ann@acme.com"}, "GET", "/v4/single/check",
         {"status": "success", "result": "valid", "flags": ["has_dns", "smtp_connectable"],
          "suggested_correction": "", "execution_time": 285},
         {"email": "ann@acme.com", "result": "valid", "deliverable": True, "flags": ["has_dns", "smtp_connectable"],
          "suggestedCorrection": None, "addressInfo": None}, 0.5,
         query={"email": ["ann@acme.com"], "address_info": ["0"]}),
    Case("findymail", "findEmail", {"name": "Ann Lee", "domain": "acme.com"}, "POST", "/api/search/name",
         {"contact": {"name": "Ann Lee", "domain": "acme.com", "email": "ann@acme.com"}},
         {"email": "ann@acme.com", "name": "Ann Lee", "domain": "acme.com"}, 1,
         body={"name": "Ann Lee", "domain": "acme.com"}),
    Case("findymail", "findEmail", {"name": "No One", "domain": "acme.com"}, "POST", "/api/search/name",
         {"contact": None}, None, 0, body={"name": "No One"}),
    Case("instantly", "addLead", {"campaignId": "5f1c", "email": "ann@acme.com", "firstName": "Ann",
                                  "customVariables": {"painPoint": "churn"}},
         "POST", "/api/v2/leads", {"id": "lead-1", "campaign": "5f1c", "email": "ann@acme.com", "status": 1},
         {"leadId": "lead-1", "campaignId": "5f1c", "email": "ann@acme.com", "status": 1}, 0,
         body={"campaign": "5f1c", "email": "ann@acme.com", "first_name": "Ann",
               "custom_variables": {"painPoint": "churn"}, "skip_if_in_workspace": True}),
    Case("builtWith", "lookupDomain", {"domain": "stripe.com"}, "GET", "/v21/api.json", TECH,
         {"domain": "stripe.com", "tags": ["payment", "analytics"], "technologies": [
             {"name": "Stripe", "tag": "payment", "categories": ["Payments Processor"], "link": "s",
              "firstDetected": 1, "lastDetected": 2},
             {"name": "HubSpot", "tag": "analytics", "categories": ["CRM"], "link": "h", "firstDetected": 3,
              "lastDetected": 4}]}, 1,
         query={"LOOKUP": ["stripe.com"], "NOPII": ["yes"], "NOMETA": ["yes"]}),
]


def _subset(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and _subset(v, got[k]) for k, v in expected.items())
    return bool(expected == got)


def serve(fake: Any, case: Case) -> None:
    fake.route(case.method, case.path, case.answer if isinstance(case.answer, Answer) else Answer(200, case.answer))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.id}-{i}" for i, c in enumerate(CASES)])
def test_action_sends_the_documented_request_and_maps_the_answer(case: Case) -> None:
    config, authorized = AUTH[case.integration]
    with fake_provider() as fake:
        serve(fake, case)
        uuid = connector(case.integration, {**config, "baseUrl": fake.url})
        code, out = execute(case.integration, case.action, uuid, case.data)
        assert code == 0 and out["run"]["status"] == "success", out
        assert out["runContext"]["action"] == case.output
        assert out["run"]["creditsUsedCount"] == pytest.approx(case.credits)
        assert KEY not in j(out)
        assert len(fake.requests) == 1, [(r.method, r.path) for r in fake.requests]
        rec = fake.requests[0]
        assert (rec.method, rec.path) == (case.method, case.path)
        assert authorized(rec), rec.headers
        sent_query = {k: v for k, v in rec.query.items() if k not in ("access_token", "api_key", "KEY", "key")}
        assert _subset(case.query, sent_query), sent_query
        if case.body is not None:
            assert _subset(case.body, rec.json()), rec.json()


def test_catalog_lists_prices_and_documents_them() -> None:
    listed = {i["slug"]: i for i in ok("connection", "integration", "list")["integrations"]}
    for slug, category in BUILTINS.items():
        assert listed[slug]["category"] == category, slug
        got = ok("connection", "integration", "get", slug)["integration"]
        assert got == listed[slug]
        schema = got["connector"]["config"]["jsonSchema"]
        secrets = [k for k, v in schema["properties"].items() if v.get("format") == "password"]
        assert secrets and set(secrets) <= set(schema["required"]) and "baseUrl" in schema["properties"]
        code, text = run_cli("connection", "integration", "get-documentation", slug)
        assert code == 0 and text.startswith("# ") and all(f"`{a}`" in text for a in got["actions"]), slug
    apollo = listed["apolloio"]["actions"]
    assert apollo["enrichPerson"]["credits"]["costs"] == [
        {"type": "fixed", "cost": 9.0, "config": {"jsonSchema": {
            "required": ["revealPhoneNumber"], "properties": {"revealPhoneNumber": {"const": True}}}}},
        {"type": "fixed", "cost": 1.0}]
    assert apollo["searchOrganizations"]["credits"]["costs"] == [{"type": "unit", "cost": 0.01, "unit": "result"}]
    assert apollo["enrich_person"]["aliasOf"] == "enrichPerson"
    pdl = listed["peopleDataLabs"]["actions"]
    assert set(a for a in pdl if "aliasOf" not in pdl[a]) == {
        "enrichPerson", "enrichCompany", "searchPeople", "searchCompanies", "queryPeople", "queryCompanies"}
    assert pdl["searchPeople"]["credits"]["costs"] == [{"type": "unit", "cost": 3.0, "unit": "result"}]
    assert pdl["enrichCompany"]["credits"]["costs"] == [{"type": "fixed", "cost": 3.0}]
    assert listed["salesforce"]["actions"]["createRecord"]["credits"]["costs"] == []
    assert listed["salesforce"]["actions"]["update_record"]["aliasOf"] == "updateRecord"
    # Found by action search like any built-in.
    hits = ok("connection", "action", "search", "validate", "email", "--integration", "zeroBounce")["actions"]
    assert [h["actionSlug"] for h in hits] == ["validateEmail"]
    code, sales = run_cli("connection", "integration", "list", "--category", "sales")
    assert {"salesforce", "attio", "pipedrive", "hubspot"} <= {i["slug"] for i in sales["integrations"]}


def test_a_file_cannot_take_a_builtin_document_slug(lading_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    folder = lading_env / "integrations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apollo.json").write_text(j({"slug": "apolloio", "name": "Fake Apollo", "baseUrl": "http://x",
                                           "actions": [{"slug": "a", "name": "A", "request": {"path": "/"}}]}))
    assert ok("connection", "integration", "get", "apolloio")["integration"]["name"] == "Apollo.io"


@pytest.mark.parametrize("integration,path,answer,outcome", [
    ("apolloio", "/api/v1/auth/health", {"healthy": True, "is_logged_in": True}, "valid"),
    ("apolloio", "/api/v1/auth/health", {"healthy": True, "is_logged_in": False}, "invalid"),
    ("zeroBounce", "/getcredits", {"Credits": "-1"}, "invalid"),
    ("zeroBounce", "/getcredits", {"Credits": "2500"}, "valid"),
    ("pipedrive", "/v1/users/me", Answer(401, {"success": False, "error": "unauthorized access"}), "invalid"),
    ("salesforce", "/services/data/v59.0/limits", {"DailyApiRequests": {"Max": 15000}}, "valid"),
])
def test_connector_test_checks_the_credentials(integration: str, path: str, answer: Any, outcome: str) -> None:
    config, authorized = AUTH[integration]
    with fake_provider() as fake:
        serve(fake, Case(integration, "", {}, "GET", path, answer, None, 0))
        uuid = connector(integration, {**config, "baseUrl": fake.url})
        out = ok("connection", "connector", "test", uuid)
        assert out["outcome"] == outcome, out
        assert KEY not in j(out)
        assert authorized(next(r for r in fake.requests if r.path == path))


def test_autocomplete_lists_campaigns() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/campaigns", Answer(200, [{"_id": "cam_1", "name": "Q1 founders"},
                                                     {"_id": "cam_2", "name": "Q2 VPs"}]))
        uuid = connector("lemlist", {"apiKey": KEY, "baseUrl": fake.url})
        out = ok("connection", "connector", "autocomplete", "--connector-uuid", uuid, "--slug", "listCampaigns",
                 "--params", "{}")
        assert out["results"] == [{"value": "cam_1", "label": "Q1 founders"}, {"value": "cam_2", "label": "Q2 VPs"}]
        assert fake.requests[-1].query["access_token"] == [KEY]


def test_provider_errors_fail_the_node_without_the_key() -> None:
    with fake_provider() as fake:
        # NeverBounce refuses a key with a 200 answer: the node fails with its message, not a null result.
        fake.route("GET", "/v4/single/check", Answer(200, {"status": "auth_failure", "message": "Invalid key"}))
        uuid = connector("neverBounce", {"apiKey": KEY, "baseUrl": fake.url})
        code, out = execute("neverBounce", "verifyEmail", uuid, {"email": "ann@acme.com"})
        assert out["run"]["status"] == "error" and "auth_failure: Invalid key" in j(out), out
        assert KEY not in j(out)
        fake.route("POST", "/api/v2/leads", Answer(401, {"message": f"Invalid API key {KEY}"}))
        uuid = connector("instantly", {"apiKey": KEY, "baseUrl": fake.url})
        code, out = execute("instantly", "addLead", uuid, {"campaignId": "c", "email": "ann@acme.com"})
        assert out["run"]["status"] == "error", out
        assert KEY not in j(out)
        # A bad config is refused like any built-in's, before any request.
        code, out = execute("instantly", "addLead", uuid, {"email": "ann@acme.com"})
        assert code == 1 and out["reason"] == "invalidData" and "campaignId" in out["errorMessage"]


def test_a_run_chains_builtins_and_records_their_prices() -> None:
    """Find an email (Findymail), verify it (ZeroBounce), add the lead to an Instantly campaign: three
    connector nodes in one run, each priced, the spans naming each integration."""
    with fake_provider() as fake:
        fake.route("POST", "/api/search/name", Answer(200, {"contact": {"name": "Ann Lee", "domain": "acme.com",
                                                                        "email": "ann@acme.com"}}))
        fake.route("GET", "/validate", Answer(200, {"address": "ann@acme.com", "status": "valid"}))
        fake.route("POST", "/api/v2/leads", lambda rec: Answer(200, {"id": "lead-9", **rec.json()}))
        finder = connector("findymail", {"apiKey": KEY, "baseUrl": fake.url})
        verifier = connector("zeroBounce", {"apiKey": KEY, "baseUrl": fake.url})
        outreach = connector("instantly", {"apiKey": KEY, "baseUrl": fake.url})
        nodes = chain(
            start(),
            node("find", kind="connector", integrationSlug="findymail", actionSlug="find_email", connectorUuid=finder,
                 config={"name": "{{nodes.start.name}}", "domain": "{{nodes.start.domain}}"}),
            node("verify", kind="connector", integrationSlug="zeroBounce", actionSlug="validateEmail",
                 connectorUuid=verifier, config={"email": "{{nodes.find.email}}"}),
            node("add", kind="connector", integrationSlug="instantly", actionSlug="addLead", connectorUuid=outreach,
                 config={"campaignId": "camp-1", "email": "{{nodes.find.email}}"}),
            end([var("email", "{{nodes.find.email}}"), var("status", "{{nodes.verify.status}}"),
                 var("lead", "{{nodes.add.leadId}}")]))
        code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes),
                            "--data", j({"name": "Ann Lee", "domain": "acme.com"}), "--wait-until-finished")
        assert code == 0 and out["run"]["status"] == "success", out
        assert out["runContext"]["end"] == {"email": "ann@acme.com", "status": "valid", "lead": "lead-9"}
        assert out["run"]["creditsUsedCount"] == pytest.approx(1 + 0.5)
        assert fake.requests[-1].json()["email"] == "ann@acme.com"
        run_uuid = out["run"]["uuid"]
    code, rows = run_cli("orchestration", "query", "execute",
                         "SELECT node_integration_slug AS i, sum(credits_used_count) AS c FROM spans "
                         f"WHERE run_uuid = '{run_uuid}' AND node_kind = 'connector' GROUP BY i ORDER BY i")
    assert code == 0, rows
    assert [(r["i"], float(r["c"])) for r in rows["rows"]] == [("findymail", 1.0), ("instantly", 0.0),
                                                                ("zeroBounce", 0.5)]


@pytest.mark.parametrize("integration,slug,route,answers,expected", [
    ("instantly", "listCampaigns", "/api/v2/campaigns",
     [Answer(200, {"items": [{"id": "c1", "name": "Founders"}], "next_starting_after": "c1"}),
      Answer(200, {"items": [{"id": "c2", "name": "VPs"}], "next_starting_after": None})],
     [{"value": "c1", "label": "Founders"}, {"value": "c2", "label": "VPs"}]),
    ("attio", "listObjects", "/v2/objects",
     [Answer(200, {"data": [{"api_slug": "people", "plural_noun": "People"}]})],
     [{"value": "people", "label": "People"}]),
])
def test_more_autocompletes(integration: str, slug: str, route: str, answers: list[Answer],
                            expected: list[dict[str, str]]) -> None:
    config, authorized = AUTH[integration]
    with fake_provider() as fake:
        fake.route("GET", route, answers)
        uuid = connector(integration, {**config, "baseUrl": fake.url})
        out = ok("connection", "connector", "autocomplete", "--connector-uuid", uuid, "--slug", slug, "--params", "{}")
        assert out["results"] == expected
        calls = [r for r in fake.requests if r.path == route]
        assert all(authorized(r) for r in calls)
        if integration == "instantly":  # the cursor of the first page starts the second
            assert [r.query.get("starting_after") for r in calls] == [None, ["c1"]]


@pytest.mark.embedded_only  # reads this process's cache folder
def test_checked_builtin_documents_are_cached_and_a_damaged_cache_is_ignored(tmp_path: Any,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only CLI call does not parse and check every built-in document again: the checked documents
    are kept in the cache folder, and a cache file that is damaged (or from another version) is ignored
    and written again."""
    from lading.integrations.declarative._files import builtin_documents

    monkeypatch.setenv("LADING_CACHE_DIR", str(tmp_path))
    first = sorted(i.slug for i in builtin_documents())
    assert first == sorted(BUILTINS)
    [cached] = list(tmp_path.glob("builtin-integrations-*.json"))
    assert sorted(doc["slug"] for doc in json.loads(cached.read_text())) == first
    for damage in ("{not json", "[]", '{"slug": "x"}'):
        cached.write_text(damage)
        assert sorted(i.slug for i in builtin_documents()) == first
        assert len(json.loads(cached.read_text())) == len(first)
