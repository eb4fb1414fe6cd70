"""The `clearbit` integration against a local server answering like Clearbit's Company and Person
APIs (Bearer auth, 202 while a lookup is queued, 404 unknown record, 422 invalid input, 429)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ActionCall, ProviderError, RateLimit, get_integration
from lading.integrations._http import ProviderHttp
from lading.integrations._runtime import call_action
from lading.integrations.clearbit import INTEGRATION, PERSON_BASE, _person_url, normalize_domain
from lading.integrations.pricing import list_price

from fakes import Answer, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "clearbit.md"
KEY = "sk_clearbit_test_secret_123"
FAST = dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=200, max_concurrency=4))
STRIPE = {
    "id": "3f5d6a4e-c284-4f78-bfdf-7669b45af907", "name": "Stripe", "legalName": "Stripe, Inc.",
    "domain": "stripe.com", "foundedYear": 2010,
    "category": {"sector": "Information Technology", "industry": "Internet Software & Services",
                 "subIndustry": "Internet Software & Services"},
    "metrics": {"employees": 8000, "employeesRange": "5K-10K", "estimatedAnnualRevenue": "$1B-$10B"},
    "geo": {"city": "South San Francisco", "country": "United States", "countryCode": "US"},
    "linkedin": {"handle": "company/stripe"}, "tech": ["stripe", "google_analytics"],
}


def run(action: str, config: dict[str, Any], base_url: str) -> tuple[Any, float, str]:
    found = FAST.action(action)
    assert found is not None
    result, credits, used = asyncio.run(call_action(FAST, found, config, {"apiKey": KEY, "baseUrl": base_url},
                                                    None))
    return result.output, credits, used


def failure(action: str, config: dict[str, Any], answer: Answer, path: str) -> ProviderError:
    with fake_provider() as fake:
        fake.route("GET", path, answer)
        with pytest.raises(ProviderError) as info:
            run(action, config, fake.url)
    assert KEY not in info.value.message
    return info.value


def test_catalog_entry() -> None:
    assert get_integration("clearbit") is INTEGRATION
    assert INTEGRATION.category == "enrichment"
    assert INTEGRATION.default_base_url == "https://company.clearbit.com"
    assert INTEGRATION.secret_fields() == {"apiKey"}
    assert INTEGRATION.connector_schema["required"] == ["apiKey"]
    assert "baseUrl" in INTEGRATION.connector_schema["properties"]
    for alias in ("company_enrich", "enrichCompanyFromDomain"):
        assert INTEGRATION.action(alias) is INTEGRATION.action("enrichCompany")
    action = INTEGRATION.action("enrichCompany")
    assert action is not None and list_price(action) == 1.0
    props = action.output_schema["properties"]
    assert {"name", "domain", "category", "metrics", "geo"} <= set(props)
    assert "industry" in props["category"]["properties"]
    assert {"employees", "employeesRange"} <= set(props["metrics"]["properties"])


def test_enrich_company_request_and_unflattened_output() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/v2/companies/find", Answer(200, STRIPE))
        output, credits, used = run("company_enrich", {"domain": "https://www.Stripe.com/about"}, fake.url)
    assert output == STRIPE  # kept as Clearbit returns it
    assert output["category"]["industry"] == "Internet Software & Services"
    assert credits == 1.0 and used == fake.url
    req = fake.requests[0]
    assert (req.method, req.path, req.query) == ("GET", "/v2/companies/find", {"domain": ["stripe.com"]})
    assert req.headers["authorization"] == f"Bearer {KEY}"


def test_queued_lookup_is_retryable() -> None:
    err = failure("enrichCompany", {"domain": "new-startup.io"}, Answer(202, {}), "/v2/companies/find")
    assert err.retryable and err.status == 202
    assert "try again" in err.message


def test_unknown_company_is_final() -> None:
    err = failure("enrichCompany", {"domain": "nothing-here.example"},
                  Answer(404, {"error": {"type": "unknown_record", "message": "Unknown domain"}}),
                  "/v2/companies/find")
    assert not err.retryable and err.status == 404
    assert "not found" in err.message and "nothing-here.example" in err.message


def test_invalid_domain_422() -> None:
    err = failure("enrichCompany", {"domain": "bad_domain.zz"},
                  Answer(422, {"error": {"type": "invalid_domain", "message": "Domain is invalid"}}),
                  "/v2/companies/find")
    assert not err.retryable and err.status == 422
    assert "Domain is invalid" in err.message


def test_auth_error_never_shows_the_key() -> None:
    err = failure("enrichCompany", {"domain": "stripe.com"},
                  Answer(401, {"error": {"type": "auth_required", "message": f"Invalid key {KEY}"}}),
                  "/v2/companies/find")
    assert err.status == 401 and "credentials" in err.message and "********" in err.message


def test_rate_limited_429() -> None:
    err = failure("enrichCompany", {"domain": "stripe.com"},
                  Answer(429, {"error": {"type": "rate_limit", "message": "Slow down"}},
                         headers={"Retry-After": "0"}),
                  "/v2/companies/find")
    assert err.retryable and err.status == 429 and "rate limit" in err.message


def test_not_a_domain_and_invalid_config() -> None:
    with pytest.raises(ProviderError, match=r"invalid config for clearbit\.enrichCompany"):
        run("enrichCompany", {}, "http://127.0.0.1:9")
    with pytest.raises(ProviderError, match="not a domain") as info:
        run("enrichCompany", {"domain": "localhost"}, "http://127.0.0.1:9")
    assert not info.value.retryable


def test_enrich_person_through_the_override() -> None:
    person = {"id": "d54c54ad", "name": {"fullName": "Alex MacCaw", "givenName": "Alex"},
              "email": "alex@clearbit.com",
              "employment": {"name": "Clearbit", "title": "CEO", "role": "leadership"}}
    with fake_provider() as fake:
        fake.route("GET", "/v2/people/find", Answer(200, person))
        output, credits, _ = run("enrichPerson", {"email": "alex@clearbit.com"}, fake.url)
    assert output == person and credits == 1.0
    req = fake.requests[0]
    assert req.query == {"email": ["alex@clearbit.com"]}
    assert req.headers["authorization"] == f"Bearer {KEY}"


def test_person_not_found() -> None:
    err = failure("enrichPerson", {"email": "ghost@example.com"}, Answer(404, {}), "/v2/people/find")
    assert not err.retryable and "not found" in err.message


def test_person_host_sibling_of_the_default_base() -> None:
    def call(base: str) -> ActionCall:
        http = ProviderHttp("clearbit", "Clearbit", base, INTEGRATION.rate_limit, [KEY])
        return ActionCall(config={}, credentials={"apiKey": KEY}, base_url=base, http=http)

    assert _person_url(call("https://company.clearbit.com")) == f"{PERSON_BASE}/v2/people/find"
    assert _person_url(call("http://127.0.0.1:8080/")) == "http://127.0.0.1:8080/v2/people/find"


def test_env_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_provider() as fake:
        fake.route("GET", "/v2/companies/find", Answer(200, STRIPE))
        monkeypatch.setenv("LADING_CLEARBIT_BASE_URL", fake.url)
        found = FAST.action("enrichCompany")
        assert found is not None
        _, _, used = asyncio.run(call_action(FAST, found, {"domain": "stripe.com"}, {"apiKey": KEY}, None))
    assert used == fake.url and len(fake.requests) == 1


@pytest.mark.parametrize("raw, domain", [("Stripe.com", "stripe.com"),
                                         ("https://www.stripe.com/x?y=1", "stripe.com"),
                                         (" http://app.acme.io:8080 ", "app.acme.io")])
def test_normalize_domain(raw: str, domain: str) -> None:
    assert normalize_domain(raw) == domain


def test_docs_page() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
    for word in ("enrichCompany", "company_enrich", "enrichCompanyFromDomain", "enrichPerson", "baseUrl"):
        assert word in INTEGRATION.documentation
