"""Issue 18 §6: `connection connector test` checks a connector's credentials against its provider with a
cheap call (fake providers on 127.0.0.1), and `connection action search` finds actions across the
integrations, their aliases and the natives by keyword, category and price."""

from __future__ import annotations

import json
from typing import Any

from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider

GOOD, BAD = "good-secret-token-7781", "bad-secret-token-1234"


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def connector(integration: str, config: dict[str, Any], slug: str) -> str:
    return ok("connection", "connector", "create", "--integration-slug", integration, "--slug", slug, "--name", slug,
              "--config", j(config))["connector"]["uuid"]


def checked(uuid: str) -> dict[str, Any]:
    out = ok("connection", "connector", "test", uuid)
    text = json.dumps(out)
    assert GOOD not in text and BAD not in text  # secrets never in the answer
    assert set(out) <= {"connector", "outcome", "errorMessage", "checkedAt"} and out["checkedAt"].endswith("Z")
    assert out["connector"]["uuid"] == uuid
    return out


def bearer_only(answer_ok: Answer, refused: Answer, header: str = "authorization",
                value: str = f"Bearer {GOOD}") -> Any:
    def handle(rec: Recorded) -> Answer:
        return answer_ok if rec.headers.get(header) == value else refused
    return handle


def test_http_connector_test_with_health_path_and_unreachable() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/me", bearer_only(Answer(200, {"id": 1}), Answer(401, {"error": "bad token"})))
        good = connector("http", {"baseUrl": fake.url, "healthPath": "/me", "auth": {"type": "bearer", "token": GOOD}},
                         "h_good")
        bad = connector("http", {"baseUrl": fake.url, "healthPath": "/me", "auth": {"type": "bearer", "token": BAD}},
                        "h_bad")
        out = checked(good)
        assert out == {"connector": {"uuid": good, "integrationSlug": "http"}, "outcome": "valid",
                       "checkedAt": out["checkedAt"]}
        out = checked(bad)
        assert out["outcome"] == "invalid" and "401" in out["errorMessage"]
        assert [r.path for r in fake.requests] == ["/me", "/me"]
    gone = connector("http", {"baseUrl": "http://127.0.0.1:9"}, "h_gone")
    out = checked(gone)
    assert out["outcome"] == "invalid" and out["errorMessage"]
    bare = connector("http", {}, "h_bare")
    assert "baseUrl" in checked(bare)["errorMessage"]
    code, out = run_cli("connection", "connector", "test", "00000000-0000-4000-8000-000000000000")
    assert code == 1 and out["reason"] == "connectorNotFound"


def test_provider_connector_tests() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/account", bearer_only(
            Answer(200, {"data": {"email": "a@b.com", "plan_name": "Free"}}),
            Answer(401, {"errors": [{"id": "authentication_failed", "code": 401, "details": "No user found"}]}),
            header="x-api-key", value=GOOD))
        fake.route("POST", "/auth.test", bearer_only(Answer(200, {"ok": True, "team": "T"}),
                                                     Answer(200, {"ok": False, "error": "invalid_auth"})))
        fake.route("GET", "/models", bearer_only(Answer(200, {"data": [{"id": "gpt-4o"}]}),
                                                 Answer(401, {"error": {"message": "Incorrect API key"}})))
        fake.route("GET", "/account-info/v3/details", bearer_only(
            Answer(200, {"portalId": 42}), Answer(401, {"message": "Authentication credentials not found",
                                                        "category": "INVALID_AUTHENTICATION"})))
        fake.route("GET", "/v1/models", bearer_only(Answer(200, {"data": [], "has_more": False}),
                                                    Answer(401, {"error": {"message": "invalid x-api-key"}}),
                                                    header="x-api-key", value=GOOD))
        # Clearbit: a non-domain is refused (422) only once the key was accepted
        fake.route("GET", "/v2/companies/find", bearer_only(Answer(422, {"error": {"type": "invalid_domain"}}),
                                                            Answer(401, {"error": {"type": "auth_required"}})))
        cases = [("hunter", "apiKey", None), ("slack", "botToken", "invalid_auth"), ("openAi", "apiKey", "401"),
                 ("hubspot", "accessToken", "INVALID_AUTHENTICATION"), ("anthropic", "apiKey", "401"),
                 ("clearbit", "apiKey", "401")]
        for integration, field, marker in cases:
            good = connector(integration, {field: GOOD, "baseUrl": fake.url}, f"{integration}_good")
            bad = connector(integration, {field: BAD, "baseUrl": fake.url}, f"{integration}_bad")
            assert checked(good)["outcome"] == "valid", integration
            out = checked(bad)
            assert out["outcome"] == "invalid", integration
            assert out["connector"]["integrationSlug"] == integration
            assert (marker or "401") in out["errorMessage"], out
        hunter_calls = [r for r in fake.requests if r.path == "/account"]
        assert len(hunter_calls) == 2 and all("api_key" not in r.target for r in hunter_calls)


def test_every_builtin_declares_a_check() -> None:
    from lading.integrations import all_integrations

    assert [slug for slug, i in all_integrations().items() if i.check is None] == []


def test_action_search_by_keyword_alias_category_and_price() -> None:
    hits = ok("connection", "action", "search", "email")["actions"]
    keys = {"integrationSlug", "actionSlug", "name", "description", "category", "credits"}
    assert hits and all(set(h) == keys for h in hits)
    found = {(h["integrationSlug"], h["actionSlug"]) for h in hits}
    assert {("native", "sendEmail"), ("smtp", "sendEmail"), ("hunter", "findEmail")} <= found
    # an alias is found (Cargo's `email_verifier` names hunter's verifyEmail)
    alias = ok("connection", "action", "search", "email_verifier")["actions"]
    assert alias[0]["integrationSlug"] == "hunter" and alias[0]["actionSlug"] == "verifyEmail"
    # natives by category, without terms
    ai = ok("connection", "action", "search", "--category", "ai", "--integration", "native")["actions"]
    assert {h["actionSlug"] for h in ai} == {"agent", "modelAsk", "fileSearch"}
    search = ok("connection", "action", "search", "file", "search")["actions"]
    assert search[0]["actionSlug"] == "fileSearch" and search[0]["credits"][0]["unitsCount"] == 1000
    # price: a ceiling and cheapest first
    cheap = ok("connection", "action", "search", "--category", "enrichment", "--max-credits", "0.5")["actions"]
    priced = {(h["integrationSlug"], h["actionSlug"]) for h in cheap if h["credits"]}
    assert priced == {("hunter", "findEmail"), ("zeroBounce", "validateEmail"), ("findymail", "verifyEmail"),
                      ("neverBounce", "verifyEmail"),
                      ("apolloio", "searchPeople"), ("apolloio", "searchOrganizations")}  # the others cost more
    assert all(h["integrationSlug"] == "native" for h in cheap if not h["credits"])
    by_price = ok("connection", "action", "search", "--category", "enrichment", "--sort", "price",
                  "--limit", "50")["actions"]
    prices = [min(c["cost"] + c.get("fixedCost", 0) for c in h["credits"]) if h["credits"] else 0 for h in by_price]
    assert prices == sorted(prices) and len(by_price) > 2
    assert ok("connection", "action", "search", "send", "email", "--max-credits", "0.05")["actions"] == [
        h for h in ok("connection", "action", "search", "send", "email")["actions"] if not h["credits"]]
    # bad input
    for args, reason in ((("--max-credits", "-1", "x"), "invalidData"), (("--sort", "cost", "x"), "invalidData"),
                         (("--category", "nope", "x"), "invalidData"), ((), "invalidData")):
        code, out = run_cli("connection", "action", "search", *args)
        assert code == 1 and out["reason"] == reason, (args, out)
