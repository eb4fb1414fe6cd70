"""Salesforce (`salesforce`): SOQL queries through the REST API, and the connector the Salesforce
extractor fills models with (`integrations/extractors/salesforce.py`).

Why this shape: the connector is an instance URL (`baseUrl`, e.g. `https://acme.my.salesforce.com`)
and an access token (a session id, or the `oauth:<uuid>` value `completeOauth` answered); the one
action `soqlQuery` runs a SOQL query following `nextRecordsUrl` up to `limit` records; `createRecord` and
`updateRecord` write one record of any sObject type (`POST …/sobjects/<type>`, `PATCH …/sobjects/<type>/<id>`,
which answers 204 No Content). Salesforce
answers errors as a list of `{"message","errorCode"}`, which `_http` turns into the node's message.
"""

from __future__ import annotations

from typing import Any

from lading.integrations import _sdk
from lading.integrations._sdk import Action, ActionCall, ActionResult, ProviderError

API_VERSION = "59.0"
MAX_RESULTS = 10_000

CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["accessToken"],
    "properties": {
        "accessToken": _sdk.secret("Access token (session id) of a Salesforce user or connected app with API "
                                   "access to the objects synced.", "Access token"),
        "apiVersion": {"type": "string", "pattern": "^[0-9]+\\.[0-9]$", "default": API_VERSION,
                       "description": "REST API version (default 59.0)."},
        "baseUrl": {**_sdk.BASE_URL_FIELD, "description": "Your instance URL, e.g. https://acme.my.salesforce.com."},
    },
}

QUERY_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["query"], "additionalProperties": True,
    "properties": {"query": {"type": "string", "minLength": 1, "description": "A SOQL query."},
                   "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 2000}},
}


def headers(call: ActionCall) -> dict[str, str]:
    token = call.credentials.get("accessToken")
    if not token:
        raise ProviderError("invalid connector config for salesforce: accessToken is required", retryable=False)
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def api_path(call: ActionCall, tail: str) -> str:
    version = str(call.credentials.get("apiVersion") or API_VERSION)
    return f"/services/data/v{version}/{tail.lstrip('/')}"


async def _get(call: ActionCall, path: str, params: dict[str, Any] | None = None) -> Any:
    from lading.integrations._http import parse_body

    response = await call.http.request("GET", path, headers=headers(call), params=params)
    return parse_body(response) if response.content else None


async def soql_query(call: ActionCall) -> ActionResult:
    limit = int(call.config.get("limit") or 2000)
    records: list[Any] = []
    answer = await _get(call, api_path(call, "query"), {"q": call.config["query"]}) or {}
    total = int(answer.get("totalSize") or 0)
    while True:
        records.extend({k: v for k, v in r.items() if k != "attributes"} for r in answer.get("records") or [])
        nxt = answer.get("nextRecordsUrl")
        if answer.get("done", True) or not nxt or len(records) >= limit:
            break
        answer = await _get(call, str(nxt)) or {}
    return ActionResult(output={"records": records[:limit], "totalSize": total})


OBJECT_TYPE: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$",
                               "description": "sObject API name, e.g. Lead, Contact, Account or Invoice__c."}
FIELDS: dict[str, Any] = {"type": "object", "minProperties": 1,
                          "description": 'Field API names and values, e.g. {"LastName": "Lee", "Company": "Acme"}.'}
CREATE_SCHEMA: dict[str, Any] = {"type": "object", "required": ["objectType", "fields"], "additionalProperties": False,
                                 "properties": {"objectType": OBJECT_TYPE, "fields": FIELDS}}
UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["objectType", "recordId", "fields"], "additionalProperties": False,
    "properties": {"objectType": OBJECT_TYPE, "fields": FIELDS,
                   "recordId": {"type": "string", "pattern": "^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$",
                                "description": "The record's 15- or 18-character id."}},
}


async def _write(call: ActionCall, method: str, path: str) -> Any:
    from lading.integrations._http import parse_body

    response = await call.http.request(method, path, headers=headers(call), json=call.config["fields"])
    return parse_body(response) if response.content else None


async def create_record(call: ActionCall) -> ActionResult:
    answer = await _write(call, "POST", api_path(call, f"sobjects/{call.config['objectType']}")) or {}
    return ActionResult(output={"id": answer.get("id"), "success": bool(answer.get("success")),
                                "errors": answer.get("errors") or []})


async def update_record(call: ActionCall) -> ActionResult:
    c = call.config
    await _write(call, "PATCH", api_path(call, f"sobjects/{c['objectType']}/{c['recordId']}"))
    return ActionResult(output={"id": c["recordId"], "success": True})


async def check(call: ActionCall) -> None:
    """`connector test`: the org's API limits (`GET …/limits`), free of charge."""
    await _get(call, api_path(call, "limits"))


ACTIONS = (
    Action(slug="createRecord", name="Create a record", category="crm",
           description="Create one record of an sObject type (Lead, Contact, Account, a custom object…).",
           config_schema=CREATE_SCHEMA, run=create_record),
    Action(slug="updateRecord", name="Update a record", category="crm",
           description="Update fields of one record by its id.", config_schema=UPDATE_SCHEMA, run=update_record),
    Action(slug="soqlQuery", name="Run a SOQL query", category="crm",
           description="Records matching a SOQL query (follows nextRecordsUrl up to `limit`).",
           config_schema=QUERY_SCHEMA, run=soql_query,
           output_schema={"type": "object", "properties": {"records": {"type": "array"},
                                                           "totalSize": {"type": "integer"}}}),
)

INTEGRATION = _sdk.Integration(
    slug="salesforce",
    name="Salesforce",
    description="Query Salesforce with SOQL, create and update records; sync Salesforce objects into models.",
    category="sales",
    connector_schema=CONNECTOR_SCHEMA,
    default_base_url="https://login.salesforce.com",
    actions=ACTIONS,
    rate_limit=_sdk.RateLimit(requests_per_second=20, max_concurrency=5),
    url="https://www.salesforce.com",
    color="#00A1E0",
    action_aliases={"query": "soqlQuery"},
    check=check,
)
