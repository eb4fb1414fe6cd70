"""Hunter.io: find and verify professional email addresses, enrich a person from an email.

Hunter's v2 API takes the key in the `api_key` query parameter or in the `X-API-KEY` header; Lading
sends the header, so the key is never part of a URL (URLs reach logs, proxies and exception texts).
Errors are built here from Hunter's own `errors[].details`, and the runtime's redaction removes the
key from anything the provider might echo back. Outputs are Hunter's `data`
object as returned (spec §5.2). Hunter signals rate limiting with 403 (per second) and 429 (plan
quota); both fail the node as retryable so `retry` with back-off applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lading.integrations import _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import Action, ActionCall, ActionResult, CreditCost, ProviderError

if TYPE_CHECKING:  # annotations only: httpx loads with the first provider call
    import httpx

PROVIDER = "Hunter"
MAX_PEOPLE_PER_CALL = 10
SENIORITIES = ("junior", "senior", "executive")
DEPARTMENTS = ("executive", "it", "finance", "management", "sales", "legal", "support", "hr", "marketing",
               "communication", "education", "design", "health", "operations")


def _details(response: httpx.Response) -> tuple[str, str]:
    """(error id, details) of `{"errors": [{"id", "code", "details"}]}`."""
    body = parse_body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("id") or ""), str(first.get("details") or first.get("id") or "")[:300]
    if isinstance(body, str):
        return "", body.strip()[:200]
    return "", ""


def _error(response: httpx.Response, what: str) -> ProviderError:
    status = response.status_code
    error_id, details = _details(response)
    hint = ""
    retryable = status >= 500 or status in (403, 408, 429)
    if status == 401:
        hint = " (check the connector's API key)"
    elif status == 403:
        hint = " (rate limited; retry shortly)"
    elif status == 429:
        hint = (f" (rate or usage limit reached; retry after {response.headers.get('Retry-After', '?')}s"
                " or upgrade the Hunter plan)")
    elif status == 404:
        hint = f" ({what} not found)"
    elif status == 451:
        hint = " (this person asked Hunter not to process their data)"
    text = f"{PROVIDER} answered {status}{hint}"
    if details:
        text += f": {details}"
    if error_id and error_id not in text:
        text += f" [{error_id}]"
    return ProviderError(text, status=status, retryable=retryable)


async def _get(call: ActionCall, path: str, params: dict[str, Any], what: str) -> Any:
    key = str(call.credentials.get("apiKey") or "")
    response = await call.http.request("GET", path, params=params, headers={"X-API-KEY": key},
                                       raise_for_status=False)
    status = response.status_code
    if status == 202:
        raise ProviderError(f"{PROVIDER}: verification of {what} is still in progress; try again shortly",
                            status=202, retryable=True)
    if status == 222:
        raise ProviderError(f"{PROVIDER}: verification of {what} failed on the remote mail server; "
                            "try again later", status=222, retryable=True)
    if status >= 400:
        raise _error(response, what)
    body = parse_body(response)
    if not isinstance(body, dict) or "data" not in body:
        raise ProviderError(f"{PROVIDER}: unexpected answer from {path} (no data)", status=status)
    return body["data"]


def _company(config: dict[str, Any]) -> dict[str, Any]:
    return {"domain": config.get("domain") or None, "company": config.get("company") or None}


def _csv(value: Any) -> str | None:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or None
    return str(value) if value else None


async def search_domain(call: ActionCall) -> ActionResult:
    c = call.config
    params = {**_company(c), "limit": min(int(c.get("limit") or MAX_PEOPLE_PER_CALL), MAX_PEOPLE_PER_CALL),
              "offset": c.get("offset"), "type": c.get("type"), "seniority": _csv(c.get("seniority")),
              "department": _csv(c.get("department"))}
    data = await _get(call, "/domain-search", params, c.get("domain") or c.get("company") or "domain")
    return ActionResult(output=data)


async def find_email(call: ActionCall) -> ActionResult:
    c = call.config
    params = {**_company(c), "first_name": c.get("firstName") or None, "last_name": c.get("lastName") or None,
              "full_name": c.get("fullName") or None, "max_duration": c.get("maxDuration")}
    data = await _get(call, "/email-finder", params, "email")
    return ActionResult(output=data)


async def verify_email(call: ActionCall) -> ActionResult:
    email = str(call.config["email"]).strip()
    return ActionResult(output=await _get(call, "/email-verifier", {"email": email}, email))


async def enrich_person(call: ActionCall) -> ActionResult:
    c = call.config
    params = {"email": (c.get("email") or "").strip() or None,
              "linkedin_handle": c.get("linkedinHandle") or None}
    return ActionResult(output=await _get(call, "/people/find", params, "person"))


_DOMAIN_OR_COMPANY = [{"required": ["domain"]}, {"required": ["company"]}]
_COMPANY_FIELDS = {
    "domain": {"type": "string", "minLength": 1, "description": "Company domain, e.g. stripe.com."},
    "company": {"type": "string", "minLength": 1,
                "description": "Company name (the domain gives better results)."},
}


def _multi(values: tuple[str, ...], what: str) -> dict[str, Any]:
    return {"description": f"One {what} or a list of them.",
            "anyOf": [{"enum": list(values)}, {"type": "array", "items": {"enum": list(values)}}]}


SEARCH_DOMAIN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **_COMPANY_FIELDS,
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PEOPLE_PER_CALL,
                  "default": MAX_PEOPLE_PER_CALL, "description": "Addresses to return (max 10 per call)."},
        "offset": {"type": "integer", "minimum": 0, "description": "Email addresses to skip (pagination)."},
        "type": {"enum": ["personal", "generic"]},
        "seniority": _multi(SENIORITIES, "seniority"),
        "department": _multi(DEPARTMENTS, "department"),
    },
    "anyOf": _DOMAIN_OR_COMPANY,
}

FIND_EMAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **_COMPANY_FIELDS,
        "firstName": {"type": "string", "minLength": 1},
        "lastName": {"type": "string", "minLength": 1},
        "fullName": {"type": "string", "minLength": 1, "description": "Instead of firstName + lastName."},
        "maxDuration": {"type": "integer", "minimum": 3, "maximum": 20,
                        "description": "Seconds Hunter may spend (default 10)."},
    },
    "allOf": [{"anyOf": _DOMAIN_OR_COMPANY},
              {"anyOf": [{"required": ["firstName", "lastName"]}, {"required": ["fullName"]}]}],
}

_EMAIL = {"type": "string", "minLength": 3, "pattern": "@"}
_STR = {"type": ["string", "null"]}

DOMAIN_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "domain": {"type": "string"}, "organization": _STR, "pattern": _STR,
        "disposable": {"type": "boolean"}, "webmail": {"type": "boolean"}, "accept_all": {"type": "boolean"},
        "industry": _STR, "country": _STR,
        "emails": {"type": "array", "items": {"type": "object", "properties": {
            "value": {"type": "string"}, "type": _STR, "confidence": {"type": ["integer", "null"]},
            "first_name": _STR, "last_name": _STR, "position": _STR, "seniority": _STR, "department": _STR,
            "linkedin": _STR, "twitter": _STR, "phone_number": _STR,
            "verification": {"type": "object", "properties": {"date": _STR, "status": _STR}}}}},
    },
}

FINDER_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "email": _STR, "score": {"type": ["integer", "null"]}, "first_name": _STR, "last_name": _STR,
        "domain": _STR, "company": _STR, "position": _STR, "linkedin_url": _STR, "twitter": _STR,
        "phone_number": _STR, "accept_all": {"type": ["boolean", "null"]},
        "verification": {"type": "object", "properties": {"date": _STR, "status": _STR}},
    },
}

VERIFIER_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string",
                   "description": "valid, invalid, accept_all, webmail, disposable or unknown"},
        "result": _STR, "score": {"type": ["integer", "null"]}, "email": {"type": "string"},
        "regexp": {"type": "boolean"}, "gibberish": {"type": "boolean"}, "disposable": {"type": "boolean"},
        "webmail": {"type": "boolean"}, "mx_records": {"type": "boolean"}, "smtp_server": {"type": "boolean"},
        "smtp_check": {"type": "boolean"}, "accept_all": {"type": "boolean"}, "block": {"type": "boolean"},
    },
}

PERSON_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": _STR, "email": _STR, "location": _STR,
        "name": {"type": "object", "properties": {"fullName": _STR, "givenName": _STR, "familyName": _STR}},
        "employment": {"type": "object", "properties": {"domain": _STR, "name": _STR, "title": _STR,
                                                        "role": _STR, "seniority": _STR}},
        "geo": {"type": "object", "properties": {"city": _STR, "state": _STR, "country": _STR}},
        "linkedin": {"type": "object", "properties": {"handle": _STR}},
        "twitter": {"type": "object", "properties": {"handle": _STR}},
    },
}


def _fixed(cost: float) -> tuple[CreditCost, ...]:
    return (CreditCost(type="fixed", cost=cost),)


# Cargo's noun-first names and Hunter's own product names (Domain Search, Email Finder, Email Verifier);
# `search_domain`, `find_email`… come with the slugs' other spelling.
ACTION_ALIASES = {
    "domain_search": "searchDomain",
    "email_find": "findEmail",
    "email_finder": "findEmail",
    "email_verify": "verifyEmail",
    "email_verifier": "verifyEmail",
    "person_enrich": "enrichPerson",
}


async def check(call: ActionCall) -> None:
    """`connector test`: the account endpoint (`GET /account`), free of charge."""
    await _get(call, "/account", {}, "the account")


INTEGRATION = _sdk.Integration(
    slug="hunter",
    name="Hunter",
    description="Find, verify and enrich professional email addresses with Hunter.io.",
    category="enrichment",
    connector_schema={
        "type": "object",
        "properties": {"apiKey": _sdk.secret("Hunter.io API key.", "API key"), "baseUrl": _sdk.BASE_URL_FIELD},
        "required": ["apiKey"],
    },
    default_base_url="https://api.hunter.io/v2",
    actions=(
        Action(slug="searchDomain", name="Search a domain",
               description="Email addresses found for a company domain (max 10 people per call).",
               config_schema=SEARCH_DOMAIN_SCHEMA, output_schema=DOMAIN_OUTPUT, run=search_domain,
               credits=_fixed(1.0), category="enrichment"),
        Action(slug="findEmail", name="Find an email",
               description="The most likely email address of a person at a company.",
               config_schema=FIND_EMAIL_SCHEMA, output_schema=FINDER_OUTPUT, run=find_email,
               credits=_fixed(0.5), category="enrichment"),
        Action(slug="verifyEmail", name="Verify an email",
               description="Deliverability of an email address.",
               config_schema={"type": "object", "properties": {"email": _EMAIL}, "required": ["email"]},
               output_schema=VERIFIER_OUTPUT, run=verify_email, credits=_fixed(1.0), category="enrichment"),
        Action(slug="enrichPerson", name="Enrich a person",
               description="A person's profile (name, employment, location, socials) from an email.",
               config_schema={"type": "object",
                              "properties": {"email": _EMAIL,
                                             "linkedinHandle": {"type": "string", "minLength": 1}},
                              "anyOf": [{"required": ["email"]}, {"required": ["linkedinHandle"]}]},
               output_schema=PERSON_OUTPUT, run=enrich_person, credits=_fixed(1.0), category="enrichment"),
    ),
    action_aliases=ACTION_ALIASES,
    rate_limit=_sdk.RateLimit(requests_per_second=10, max_concurrency=10),
    url="https://hunter.io",
    color="#FF5722",
    check=check,
)
