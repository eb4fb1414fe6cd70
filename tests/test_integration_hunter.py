"""The `hunter` integration against a local server answering like Hunter.io's v2 API (the key in the
`X-API-KEY` header, never in the URL, `{"data","meta"}` answers, `{"errors":[{"id","code","details"}]}` failures, 202
while a verification runs, 403/429 rate limits)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ProviderError, RateLimit, get_integration
from lading.integrations._runtime import call_action
from lading.integrations.hunter import INTEGRATION
from lading.integrations.pricing import list_price

from fakes import Answer, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "hunter.md"
KEY = "hunter-secret-key-4242"
FAST = dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=200, max_concurrency=4))


def run(action: str, config: dict[str, Any], base_url: str) -> tuple[Any, float]:
    found = FAST.action(action)
    assert found is not None
    credentials = {"apiKey": KEY, "baseUrl": base_url}
    result, credits, _ = asyncio.run(call_action(FAST, found, config, credentials, None))
    return result.output, credits


def hunter_error(status: int, error_id: str, details: str, **headers: str) -> Answer:
    return Answer(status, {"errors": [{"id": error_id, "code": status, "details": details}]}, headers=headers)


def failure(action: str, config: dict[str, Any], path: str, answer: Answer) -> ProviderError:
    with fake_provider() as fake:
        fake.route("GET", path, answer)
        with pytest.raises(ProviderError) as info:
            run(action, config, fake.url)
    assert KEY not in info.value.message
    return info.value


def test_catalog_entry() -> None:
    assert get_integration("hunter") is INTEGRATION
    assert INTEGRATION.category == "enrichment"
    assert INTEGRATION.default_base_url == "https://api.hunter.io/v2"
    assert INTEGRATION.secret_fields() == {"apiKey"}
    prices = {a.slug: list_price(a) for a in INTEGRATION.actions}
    assert prices == {"searchDomain": 1.0, "findEmail": 0.5, "verifyEmail": 1.0, "enrichPerson": 1.0}


def test_search_domain_request_and_output() -> None:
    data = {"domain": "stripe.com", "organization": "Stripe", "pattern": "{first}", "accept_all": False,
            "emails": [{"value": "patrick@stripe.com", "type": "personal", "confidence": 97,
                        "first_name": "Patrick", "last_name": "Collison", "position": "CEO",
                        "seniority": "executive", "department": "executive",
                        "verification": {"date": "2024-05-01", "status": "valid"}}]}
    with fake_provider() as fake:
        fake.route("GET", "/domain-search", Answer(200, {"data": data, "meta": {"results": 1, "limit": 10}}))
        config = {"domain": "stripe.com", "limit": 5, "seniority": ["senior", "executive"],
                  "department": "sales", "type": "personal"}
        output, credits = run("searchDomain", config, fake.url)
    assert output == data and credits == 1.0
    req = fake.requests[0]
    assert req.method == "GET" and req.path == "/domain-search"
    assert req.query == {"domain": ["stripe.com"], "limit": ["5"], "type": ["personal"],
                         "seniority": ["senior,executive"], "department": ["sales"]}
    assert req.headers["x-api-key"] == KEY and KEY not in req.target


def test_search_domain_limits() -> None:
    with pytest.raises(ProviderError, match=r"invalid config for hunter\.searchDomain"):
        run("searchDomain", {"domain": "stripe.com", "limit": 25}, "http://127.0.0.1:9")
    with pytest.raises(ProviderError, match="invalid config"):
        run("searchDomain", {"limit": 5}, "http://127.0.0.1:9")  # neither domain nor company
    with fake_provider() as fake:
        fake.route("GET", "/domain-search", Answer(200, {"data": {"domain": "acme.com", "emails": []}}))
        output, _ = run("searchDomain", {"company": "Acme"}, fake.url)
    assert output == {"domain": "acme.com", "emails": []}
    assert fake.requests[0].query["company"] == ["Acme"] and fake.requests[0].query["limit"] == ["10"]
    assert "domain" not in fake.requests[0].query


def test_find_email_with_full_name() -> None:
    data = {"first_name": "Alexis", "last_name": "Ohanian", "email": "alexis@reddit.com", "score": 97,
            "domain": "reddit.com", "position": "Cofounder", "verification": {"status": "valid"}}
    with fake_provider() as fake:
        fake.route("GET", "/email-finder", Answer(200, {"data": data, "meta": {}}))
        output, credits = run("findEmail", {"domain": "reddit.com", "fullName": "Alexis Ohanian"}, fake.url)
    assert output == data and credits == 0.5
    assert fake.requests[0].query == {"domain": ["reddit.com"], "full_name": ["Alexis Ohanian"]}


def test_find_email_needs_a_name() -> None:
    with pytest.raises(ProviderError, match=r"invalid config for hunter\.findEmail"):
        run("findEmail", {"domain": "reddit.com", "firstName": "Alexis"}, "http://127.0.0.1:9")


def test_find_email_first_and_last_name() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/email-finder", Answer(200, {"data": {"email": None, "score": None}}))
        config = {"company": "Reddit", "firstName": "Alexis", "lastName": "Ohanian"}
        output, _ = run("findEmail", config, fake.url)
    assert output == {"email": None, "score": None}
    query = fake.requests[0].query
    assert query["first_name"] == ["Alexis"] and query["last_name"] == ["Ohanian"]
    assert query["company"] == ["Reddit"] and "domain" not in query


def test_wrong_params_uses_details() -> None:
    err = failure("findEmail", {"domain": "x.io", "fullName": "A B"}, "/email-finder",
                  hunter_error(400, "wrong_params", "You are missing the domain parameter"))
    assert err.status == 400 and not err.retryable
    assert "You are missing the domain parameter" in err.message and "wrong_params" in err.message


def test_key_echoed_by_provider_is_redacted() -> None:
    err = failure("verifyEmail", {"email": "a@b.co"}, "/email-verifier",
                  hunter_error(401, "authentication_failed", f"No user found for the API key {KEY}"))
    assert err.status == 401 and "API key" in err.message and "********" in err.message


def test_rate_limits() -> None:
    err = failure("verifyEmail", {"email": "a@b.co"}, "/email-verifier",
                  hunter_error(429, "too_many_requests", "You have reached your usage limit",
                               **{"Retry-After": "0"}))
    assert err.retryable and err.status == 429 and "rate" in err.message and "limit" in err.message
    err = failure("verifyEmail", {"email": "a@b.co"}, "/email-verifier",
                  hunter_error(403, "too_many_requests", "You have reached the rate limit"))
    assert err.retryable and "rate limited" in err.message


def test_verify_email_and_in_progress() -> None:
    data = {"status": "valid", "result": "deliverable", "score": 100, "email": "patrick@stripe.com",
            "smtp_check": True, "mx_records": True}
    with fake_provider() as fake:
        fake.route("GET", "/email-verifier",
                   [Answer(202, {"data": {"status": "unknown"}}), Answer(200, {"data": data})])
        with pytest.raises(ProviderError, match="in progress") as info:
            run("verifyEmail", {"email": "patrick@stripe.com"}, fake.url)
        assert info.value.retryable
        output, credits = run("verifyEmail", {"email": "patrick@stripe.com"}, fake.url)
    assert output == data and credits == 1.0
    assert [r.query["email"] for r in fake.requests] == [["patrick@stripe.com"]] * 2


def test_enrich_person_and_not_found() -> None:
    person = {"id": "abc", "name": {"fullName": "Patrick Collison"}, "email": "patrick@stripe.com",
              "employment": {"name": "Stripe", "title": "CEO", "domain": "stripe.com"}}
    with fake_provider() as fake:
        fake.route("GET", "/people/find",
                   Answer(200, {"data": person, "meta": {"email": "patrick@stripe.com"}}))
        output, credits = run("enrichPerson", {"email": "patrick@stripe.com"}, fake.url)
    assert output == person and credits == 1.0
    assert fake.requests[0].query == {"email": ["patrick@stripe.com"]}
    assert fake.requests[0].headers["x-api-key"] == KEY
    err = failure("enrichPerson", {"email": "ghost@nowhere.io"}, "/people/find",
                  hunter_error(404, "not_found", "No person found"))
    assert not err.retryable and "not found" in err.message


def test_server_error_is_retryable() -> None:
    err = failure("enrichPerson", {"email": "a@b.co"}, "/people/find", Answer(502, "Bad gateway"))
    assert err.retryable and err.status == 502 and "Bad gateway" in err.message


def test_docs_page() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
    for word in ("searchDomain", "findEmail", "verifyEmail", "enrichPerson", "max 10 people"):
        assert word in INTEGRATION.documentation
