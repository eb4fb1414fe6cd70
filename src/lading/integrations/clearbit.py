"""Clearbit enrichment: a company from its domain, a person from an email.

The outputs are Clearbit's records exactly as returned (spec §5.2: `category.industry`,
`metrics.employees`… are read with their provider paths, never flattened). Clearbit's lookups are
asynchronous on its side: a `202` with `{}` means "queued, ask again shortly", which becomes a
retryable failure so the node's `retry` policy does the waiting; a `404` is a definitive miss,
non-retryable, so a waterfall can move on to its fallback provider.

Clearbit serves companies and people from two hosts. The default base URL is the company host and
the person host is used as its sibling; a `baseUrl` override (or `LADING_CLEARBIT_BASE_URL`) serves
both, with the paths `/v2/companies/find` and `/v2/people/find` relative to it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lading.domain.errors import shown
from lading.integrations import _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import Action, ActionCall, ActionResult, CreditCost, ProviderError

PROVIDER = "Clearbit"
COMPANY_BASE = "https://company.clearbit.com"
PERSON_BASE = "https://person.clearbit.com"


def normalize_domain(value: str) -> str:
    """`https://www.Acme.com/about` → `acme.com` (Clearbit wants a bare domain)."""
    text = value.strip().lower()
    if "://" not in text:
        text = "//" + text
    host = urlsplit(text).hostname or ""
    return host.removeprefix("www.")


def _person_url(call: ActionCall) -> str:
    base = call.base_url.rstrip("/")
    return (PERSON_BASE if base == COMPANY_BASE else base) + "/v2/people/find"


def _detail(response: Any) -> str:
    """Clearbit errors look like `{"error": {"type": "invalid_domain", "message": "…"}}`."""
    body = parse_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or "")[:300]
    return str(error or "")[:300]


async def _find(call: ActionCall, url: str, params: dict[str, Any], what: str) -> dict[str, Any]:
    key = str(call.credentials.get("apiKey") or "")
    response = await call.http.request("GET", url, params=params, headers={"Authorization": f"Bearer {key}"},
                                       raise_for_status=False)
    status = response.status_code
    if status == 202:
        raise ProviderError(f"{PROVIDER} is still looking up {what} (202 queued); try again shortly",
                            status=202, retryable=True)
    if status == 404:
        raise ProviderError(f"{PROVIDER}: {what} not found", status=404, retryable=False)
    if status == 422:
        detail = _detail(response)
        raise ProviderError(f"{PROVIDER}: invalid input for {what}" + (f": {detail}" if detail else ""),
                            status=422, retryable=False)
    if status >= 400:
        raise call.http.error_for(response)
    data = parse_body(response)
    if not isinstance(data, dict) or not data:
        raise ProviderError(f"{PROVIDER} returned no record for {what}; try again shortly", status=status)
    return data


async def enrich_company(call: ActionCall) -> ActionResult:
    domain = normalize_domain(str(call.config["domain"]))
    if not domain or "." not in domain:
        raise ProviderError(f"{PROVIDER}: {shown(call.config['domain'])} is not a domain", retryable=False)
    params = {"domain": domain}
    data = await _find(call, "/v2/companies/find", params, f"company {domain}")
    return ActionResult(output=data)


async def enrich_person(call: ActionCall) -> ActionResult:
    email = str(call.config["email"]).strip()
    data = await _find(call, _person_url(call), {"email": email}, f"person {email}")
    return ActionResult(output=data)


_STR = {"type": ["string", "null"]}
_INT = {"type": ["integer", "null"]}

COMPANY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": _STR,
        "legalName": _STR,
        "domain": _STR,
        "domainAliases": {"type": "array", "items": {"type": "string"}},
        "description": _STR,
        "foundedYear": _INT,
        "location": _STR,
        "logo": _STR,
        "tags": {"type": "array", "items": {"type": "string"}},
        "category": {"type": "object", "properties": {
            "sector": _STR, "industryGroup": _STR, "industry": _STR, "subIndustry": _STR,
            "sicCode": _STR, "naicsCode": _STR}},
        "geo": {"type": "object", "properties": {
            "streetAddress": _STR, "city": _STR, "postalCode": _STR, "state": _STR, "stateCode": _STR,
            "country": _STR, "countryCode": _STR, "lat": {"type": ["number", "null"]},
            "lng": {"type": ["number", "null"]}}},
        "metrics": {"type": "object", "properties": {
            "employees": _INT, "employeesRange": _STR, "estimatedAnnualRevenue": _STR, "annualRevenue": _INT,
            "raised": _INT, "marketCap": _INT, "alexaGlobalRank": _INT, "fiscalYearEnd": _INT}},
        "linkedin": {"type": "object", "properties": {"handle": _STR}},
        "twitter": {"type": "object", "properties": {"handle": _STR, "followers": _INT}},
        "facebook": {"type": "object", "properties": {"handle": _STR}},
        "crunchbase": {"type": "object", "properties": {"handle": _STR}},
        "site": {"type": "object", "properties": {"phoneNumbers": {"type": "array"},
                                                  "emailAddresses": {"type": "array"}}},
        "tech": {"type": "array", "items": {"type": "string"}},
        "type": _STR,
        "phone": _STR,
        "parent": {"type": "object", "properties": {"domain": _STR}},
        "indexedAt": _STR,
    },
}

PERSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "object", "properties": {"fullName": _STR, "givenName": _STR, "familyName": _STR}},
        "email": _STR,
        "location": _STR,
        "timeZone": _STR,
        "bio": _STR,
        "avatar": _STR,
        "geo": {"type": "object", "properties": {"city": _STR, "state": _STR, "country": _STR,
                                                 "countryCode": _STR}},
        "employment": {"type": "object", "properties": {
            "domain": _STR, "name": _STR, "title": _STR, "role": _STR, "subRole": _STR, "seniority": _STR}},
        "linkedin": {"type": "object", "properties": {"handle": _STR}},
        "twitter": {"type": "object", "properties": {"handle": _STR}},
        "github": {"type": "object", "properties": {"handle": _STR}},
        "indexedAt": _STR,
    },
}


# The names Cargo's documents use for these actions (`enrich_company`, `enrich_person` come with the
# slugs' other spelling).
ACTION_ALIASES = {
    "company_enrich": "enrichCompany",
    "enrichCompanyFromDomain": "enrichCompany",
    "person_enrich": "enrichPerson",
    "enrichPersonFromEmail": "enrichPerson",
}


async def check(call: ActionCall) -> None:
    """`connector test`: a company lookup of a name that is not a domain. Clearbit authenticates before it
    reads the input, so 401/403 means a refused key, while the expected 422 (never a match, never billed)
    means the key was accepted."""
    key = str(call.credentials.get("apiKey") or "")
    response = await call.http.request("GET", "/v2/companies/find", params={"domain": "invalid"},
                                       headers={"Authorization": f"Bearer {key}"}, raise_for_status=False)
    if response.status_code in (401, 403) or response.status_code >= 500:
        raise call.http.error_for(response)


INTEGRATION = _sdk.Integration(
    slug="clearbit",
    name="Clearbit",
    description="Company and person enrichment from a domain or an email.",
    category="enrichment",
    connector_schema={
        "type": "object",
        "properties": {"apiKey": _sdk.secret("Clearbit secret API key (sk_…).", "API key"),
                       "baseUrl": _sdk.BASE_URL_FIELD},
        "required": ["apiKey"],
    },
    default_base_url=COMPANY_BASE,
    # Person lookups live on their own host; the key may go there too (never elsewhere).
    credential_hosts=(urlsplit(PERSON_BASE).netloc,),
    actions=(
        Action(
            slug="enrichCompany",
            name="Enrich a company",
            description="Find a company's Clearbit record (industry, size, location…) from its domain.",
            config_schema={"type": "object",
                           "properties": {"domain": {"type": "string", "minLength": 1,
                                                     "description": "Company domain, e.g. stripe.com."}},
                           "required": ["domain"]},
            output_schema=COMPANY_SCHEMA,
            run=enrich_company,
            credits=(CreditCost(type="fixed", cost=1.0),),
            category="enrichment",
        ),
        Action(
            slug="enrichPerson",
            name="Enrich a person",
            description="Find a person's Clearbit record (name, employment, location) from an email.",
            config_schema={"type": "object",
                           "properties": {"email": {"type": "string", "minLength": 3, "pattern": "@",
                                                    "description": "Work email address."}},
                           "required": ["email"]},
            output_schema=PERSON_SCHEMA,
            run=enrich_person,
            credits=(CreditCost(type="fixed", cost=1.0),),
            category="enrichment",
        ),
    ),
    action_aliases=ACTION_ALIASES,
    rate_limit=_sdk.RateLimit(requests_per_second=10, max_concurrency=10),
    url="https://clearbit.com",
    color="#498AF2",
    check=check,
)
