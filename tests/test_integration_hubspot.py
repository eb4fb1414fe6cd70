"""The `hubspot` integration against a local server answering like the HubSpot CRM v3 API: search
bodies and paging, create/patch shapes, upsert on domain, error answers and autocompletes."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ActionCall, ProviderError, RateLimit, get_integration
from lading.integrations._http import ProviderHttp
from lading.integrations._runtime import call_action
from lading.integrations.hubspot import INTEGRATION, normalize_domain

from fakes import Answer, Recorded, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "hubspot.md"
TOKEN = "pat-na1-secret-token-42"
FAST = dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=500, max_concurrency=5))


def record(rid: str, **props: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "properties": props,
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "archived": False,
    }


def run(action: str, config: dict[str, Any], base_url: str) -> tuple[Any, float]:
    found = FAST.action(action)
    assert found is not None
    credentials = {"accessToken": TOKEN, "baseUrl": base_url}
    result, credits, _ = asyncio.run(call_action(FAST, found, config, credentials, None))
    return result.output, credits


def test_catalog_entry() -> None:
    assert get_integration("hubspot") is INTEGRATION
    assert INTEGRATION.category == "sales"
    assert INTEGRATION.default_base_url == "https://api.hubapi.com"
    assert INTEGRATION.secret_fields() == {"accessToken", "refreshToken"}
    assert INTEGRATION.rate_limit == RateLimit(requests_per_second=10, max_concurrency=5)
    slugs = {a.slug for a in INTEGRATION.actions}
    assert {"findRecords", "create_contact", "update_deal", "upsert_company"} <= slugs
    assert all(a.credits == () for a in INTEGRATION.actions)
    find = INTEGRATION.action("findRecords")
    assert find is not None
    assert find.ui_schema["objectType"]["ui:options"]["slug"] == "listObjects"
    assert find.ui_schema["propertyName"]["ui:options"] == {
        "slug": "listObjectProperties",
        "allowRefresh": True,
        "params": {"objectType": "$this.$parent.objectType"},
    }


def test_find_records_follows_paging_up_to_limit() -> None:
    pages = [
        Answer(200, {"total": 5, "results": [record("1"), record("2")], "paging": {"next": {"after": "2"}}}),
        Answer(200, {"total": 5, "results": [record("3")], "paging": {"next": {"after": "3"}}}),
    ]
    with fake_provider() as fake:
        fake.route("POST", "/crm/v3/objects/contacts/search", pages)
        output, credits = run(
            "findRecords",
            {
                "objectType": "contacts",
                "propertyName": "email",
                "value": "ann@acme.com",
                "properties": ["email"],
                "limit": 3,
            },
            fake.url,
        )
    assert output == {"records": [record("1"), record("2"), record("3")], "total": 5}
    assert credits == 0
    first, second = fake.requests
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.json() == {
        "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "ann@acme.com"}]}],
        "properties": ["email"],
        "limit": 3,
    }
    assert second.json()["after"] == "2" and second.json()["limit"] == 1


def test_search_companies_query_filters_and_last_page() -> None:
    with fake_provider() as fake:
        fake.route(
            "POST", "/crm/v3/objects/companies/search", Answer(200, {"total": 1, "results": [record("7")]})
        )
        output, _ = run(
            "search_companies",
            {
                "query": "acme",
                "filters": [
                    {"propertyName": "numberofemployees", "operator": "GTE", "value": 50},
                    {"propertyName": "industry", "operator": "IN", "values": ["SOFTWARE"]},
                ],
                "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
            },
            fake.url,
        )
    assert output == {"records": [record("7")], "total": 1}
    assert len(fake.requests) == 1
    assert fake.requests[0].json() == {
        "query": "acme",
        "limit": 100,
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "numberofemployees", "operator": "GTE", "value": "50"},
                    {"propertyName": "industry", "operator": "IN", "values": ["SOFTWARE"]},
                ]
            }
        ],
        "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
    }


def test_create_contact_and_conflict_message() -> None:
    conflict = {
        "status": "error",
        "message": "Contact already exists. Existing ID: 5101",
        "correlationId": "abc",
        "category": "CONFLICT",
    }
    with fake_provider() as fake:
        fake.route(
            "POST",
            "/crm/v3/objects/contacts",
            [Answer(201, record("901", email="ann@acme.com")), Answer(409, conflict)],
        )
        output, _ = run(
            "create_contact",
            {
                "email": "ann@acme.com",
                "firstname": "Ann",
                "properties": {
                    "lifecyclestage": "lead",
                    "vip": True,
                    "tags": ["a", "b"],
                    "firstname": "ignored",
                },
            },
            fake.url,
        )
        with pytest.raises(ProviderError) as exc:
            run("create_contact", {"email": "ann@acme.com"}, fake.url)
    assert output["id"] == "901"
    assert fake.requests[0].json() == {
        "properties": {
            "email": "ann@acme.com",
            "firstname": "Ann",
            "lifecyclestage": "lead",
            "vip": "true",
            "tags": "a;b",
        }
    }
    message = exc.value.message
    assert "409" in message and "Existing ID: 5101" in message and "CONFLICT" in message
    assert TOKEN not in message and exc.value.retryable is False


def test_update_contact_by_email_and_update_deal() -> None:
    with fake_provider() as fake:
        fake.route("PATCH", "/crm/v3/objects/contacts/ann@acme.com", Answer(200, record("901")))
        fake.route("PATCH", "/crm/v3/objects/deals/55", Answer(200, record("55", dealstage="closedwon")))
        run(
            "update_contact",
            {"contactId": "ann@acme.com", "idProperty": "email", "lastname": "Lee"},
            fake.url,
        )
        output, _ = run(
            "update_deal", {"dealId": 55, "properties": {"dealstage": "closedwon", "amount": 5000}}, fake.url
        )
    contact, deal = fake.requests
    assert contact.query == {"idProperty": ["email"]} and contact.json() == {
        "properties": {"lastname": "Lee"}
    }
    assert deal.method == "PATCH" and deal.json() == {
        "properties": {"dealstage": "closedwon", "amount": "5000"}
    }
    assert output["properties"] == {"dealstage": "closedwon"}


def test_upsert_company_updates_the_match() -> None:
    with fake_provider() as fake:
        fake.route(
            "POST",
            "/crm/v3/objects/companies/search",
            Answer(
                200,
                {
                    "total": 2,
                    "results": [record("300", domain="acme.com")],
                    "paging": {"next": {"after": "1"}},
                },
            ),
        )
        fake.route("PATCH", "/crm/v3/objects/companies/300", Answer(200, record("300", name="Acme")))
        output, _ = run("upsert_company", {"domain": "https://www.Acme.com/about", "name": "Acme"}, fake.url)
    assert output["operation"] == "updated" and output["id"] == "300"
    search, patch = fake.requests
    assert search.json()["filterGroups"] == [
        {"filters": [{"propertyName": "domain", "operator": "EQ", "value": "acme.com"}]}
    ]
    assert search.json()["limit"] == 1
    assert patch.json() == {"properties": {"name": "Acme", "domain": "acme.com"}}


def test_upsert_company_creates_when_missing() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/crm/v3/objects/companies/search", Answer(200, {"total": 0, "results": []}))
        fake.route("POST", "/crm/v3/objects/companies", Answer(201, record("301", domain="new.io")))
        output, _ = run(
            "upsert_company", {"domain": "new.io", "properties": {"industry": "SOFTWARE"}}, fake.url
        )
    assert output["operation"] == "created" and output["id"] == "301"
    # One create (a search a loaded machine timed out and sent again is not this test's concern).
    created = [r for r in fake.requests if (r.method, r.path) == ("POST", "/crm/v3/objects/companies")]
    assert len(created) == 1
    assert created[0].json() == {"properties": {"industry": "SOFTWARE", "domain": "new.io"}}


def test_validation_error_and_server_error() -> None:
    invalid = {
        "status": "error",
        "message": "Property values were not valid: amount",
        "category": "VALIDATION_ERROR",
    }
    with fake_provider() as fake:
        fake.route("PATCH", "/crm/v3/objects/deals/1", [Answer(400, invalid), Answer(502, "Bad gateway")])
        with pytest.raises(ProviderError) as bad:
            run("update_deal", {"dealId": "1", "properties": {"amount": "x"}}, fake.url)
        with pytest.raises(ProviderError) as down:
            run("update_deal", {"dealId": "1", "properties": {"amount": "1"}}, fake.url)
    assert "VALIDATION_ERROR" in bad.value.message and "not valid" in bad.value.message
    assert bad.value.status == 400 and bad.value.retryable is False
    assert down.value.status == 502 and down.value.retryable is True


def test_rate_limited() -> None:
    with fake_provider() as fake:
        fake.route(
            "PATCH",
            "/crm/v3/objects/deals/1",
            Answer(
                429,
                {
                    "status": "error",
                    "message": "You have reached your secondly limit.",
                    "category": "RATE_LIMITS",
                },
                headers={"Retry-After": "0"},
            ),
        )
        with pytest.raises(ProviderError) as exc:
            run("update_deal", {"dealId": "1", "properties": {"amount": "1"}}, fake.url)
    assert "rate limited" in exc.value.message and exc.value.retryable is True


@pytest.mark.parametrize(
    ("action", "config", "fragment"),
    [
        ("findRecords", {"objectType": "contacts", "propertyName": "email"}, "value"),
        ("findRecords", {"objectType": "../x", "propertyName": "email", "value": "a"}, "objectType"),
        ("update_deal", {"dealId": "1", "properties": {}}, "properties"),
        ("create_contact", {}, "at least one of"),
        ("upsert_company", {"domain": "  "}, "domain"),
    ],
)
def test_invalid_config(action: str, config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ProviderError) as exc:
        run(action, config, "http://127.0.0.1:9")
    assert exc.value.message.startswith(f"invalid config for hubspot.{action}")
    assert fragment in exc.value.message


def _autocomplete(slug: str, base_url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    autocomplete = INTEGRATION.autocomplete(slug)
    assert autocomplete is not None
    http = ProviderHttp("hubspot", "HubSpot", base_url, RateLimit(500, 5), [TOKEN])
    call = ActionCall(config={}, credentials={"accessToken": TOKEN}, base_url=base_url, http=http)
    return asyncio.run(autocomplete.run(call, params))


def test_list_objects_includes_custom_objects() -> None:
    schemas = {
        "results": [
            {
                "id": "1",
                "name": "cars",
                "labels": {"singular": "Car", "plural": "Cars"},
                "objectTypeId": "2-123",
                "fullyQualifiedName": "p99_cars",
                "archived": False,
            },
            {"id": "2", "name": "old", "objectTypeId": "2-9", "archived": True},
        ]
    }
    with fake_provider() as fake:
        fake.route("GET", "/crm/v3/schemas", Answer(200, schemas))
        results = _autocomplete("listObjects", fake.url, {})
    values = [r["value"] for r in results]
    assert values[:4] == ["contacts", "companies", "deals", "tickets"]
    assert results[-1] == {"label": "Cars", "value": "2-123", "description": "Custom object p99_cars"}
    assert "2-9" not in values
    assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_list_objects_without_schema_scope_keeps_standard_objects() -> None:
    with fake_provider() as fake:
        fake.route(
            "GET",
            "/crm/v3/schemas",
            Answer(403, {"status": "error", "message": "missing scopes", "category": "MISSING_SCOPES"}),
        )
        results = _autocomplete("listObjects", fake.url, {})
    assert [r["value"] for r in results][:3] == ["contacts", "companies", "deals"]


def test_list_object_properties() -> None:
    def props(req: Recorded) -> Answer:
        assert req.path == "/crm/v3/properties/contacts"
        return Answer(
            200,
            {
                "results": [
                    {
                        "name": "email",
                        "label": "Email",
                        "type": "string",
                        "groupName": "contactinformation",
                        "description": "A contact's email address",
                        "hidden": False,
                    },
                    {
                        "name": "hs_secret",
                        "label": "Internal",
                        "type": "string",
                        "groupName": "x",
                        "hidden": True,
                    },
                    {
                        "name": "amount",
                        "label": "Amount",
                        "type": "number",
                        "groupName": "dealinformation",
                        "description": "",
                    },
                ]
            },
        )

    with fake_provider() as fake:
        fake.route("GET", "/crm/v3/properties/contacts", props)
        results = _autocomplete("listObjectProperties", fake.url, {"objectType": "contacts"})
    assert results == [
        {
            "label": "Email",
            "value": "email",
            "description": "A contact's email address",
            "parent": "contactinformation",
        },
        {"label": "Amount", "value": "amount", "description": "number", "parent": "dealinformation"},
    ]
    with pytest.raises(ProviderError, match="Invalid autocomplete params"):
        _autocomplete("listObjectProperties", "http://127.0.0.1:9", {})


def test_normalize_domain() -> None:
    assert normalize_domain("https://www.Acme.com/about?x=1") == "acme.com"
    assert normalize_domain(" sub.acme.io ") == "sub.acme.io"


def test_docs_page_matches_documentation() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
