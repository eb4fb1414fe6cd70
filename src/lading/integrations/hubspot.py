"""HubSpot (`hubspot`): find, create and update CRM records through the HubSpot CRM v3 API.

Why these shapes: workflows enrich and sync records, so the actions are the CRM primitives a
workflow needs (search by a property, create, patch, upsert a company on its domain). Every call
goes through `_api`, which turns HubSpot's `{"status":"error","message","category"}` answers into
node failures that keep HubSpot's own message (a 409 says which contact already exists). The
search endpoint pages with `paging.next.after`; `_search` follows it up to the node's `limit`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from lading.integrations import _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import Action, ActionCall, ActionResult, Autocomplete, ProviderError

STANDARD_OBJECTS = (("contacts", "Contacts"), ("companies", "Companies"), ("deals", "Deals"),
                    ("tickets", "Tickets"), ("products", "Products"), ("line_items", "Line items"),
                    ("quotes", "Quotes"), ("calls", "Calls"), ("emails", "Emails"), ("meetings", "Meetings"),
                    ("notes", "Notes"), ("tasks", "Tasks"))
PAGE_SIZE = 100
MAX_RESULTS = 1000
OPERATORS = ["EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"]

CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["accessToken"],
    "properties": {
        "accessToken": _sdk.secret("Access token of a HubSpot private app (`pat-…`) with the CRM scopes the "
                              "actions need (crm.objects.*.read/write, crm.schemas.*.read), or the "
                              "`oauth:<uuid>` value `completeOauth` answered.", "Access token"),
        "refreshToken": _sdk.secret("OAuth refresh token (set by connecting through OAuth).", "Refresh token"),
        "baseUrl": _sdk.BASE_URL_FIELD,
    },
}

# --- schemas -----------------------------------------------------------------------------------------

_SCALAR = {"type": ["string", "number", "boolean", "null"]}
_PROPERTIES = {"type": "object",
               "additionalProperties": {"type": ["string", "number", "boolean", "null", "array"]},
               "description": "HubSpot property internal names → values (arrays join with `;`, null clears)."}
_PROPERTY_LIST = {"type": "array", "items": {"type": "string"}, "description": "Properties to return."}
_LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS}
_OBJECT_TYPE = {"type": "string", "pattern": "^[A-Za-z0-9_-]+$",
                "description": "`contacts`, `companies`, `deals`, `tickets`… or a custom object type id."}
_ID = {"type": ["string", "integer"], "minLength": 1}
_FILTER = {"type": "object", "required": ["propertyName", "operator"],
           "properties": {"propertyName": {"type": "string"}, "operator": {"enum": OPERATORS},
                          "value": _SCALAR, "highValue": _SCALAR,
                          "values": {"type": "array", "items": _SCALAR}}}

RECORD: dict[str, Any] = {"type": "object", "properties": {
    "id": {"type": "string"}, "properties": {"type": "object"}, "createdAt": {"type": "string"},
    "updatedAt": {"type": "string"}, "archived": {"type": "boolean"}}}
RECORDS_OUTPUT: dict[str, Any] = {"type": "object", "required": ["records", "total"], "properties": {
    "records": {"type": "array", "items": RECORD}, "total": {"type": "integer"}}}
UPSERT_OUTPUT: dict[str, Any] = {**RECORD, "properties": {**RECORD["properties"],
                                                          "operation": {"enum": ["created", "updated"]}}}


def _obj(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": True}


FIND_SCHEMA = _obj(["objectType", "propertyName", "value"], {
    "objectType": _OBJECT_TYPE, "propertyName": {"type": "string", "minLength": 1},
    "value": {"type": ["string", "number", "boolean"], "description": "Value to match (EQ)."},
    "properties": _PROPERTY_LIST, "limit": {**_LIMIT, "default": 10}})
SEARCH_SCHEMA = _obj([], {
    "query": {"type": "string", "description": "Full-text search over the default searchable properties."},
    "filters": {"type": "array", "items": _FILTER, "maxItems": 6, "description": "All must match (AND)."},
    "filterGroups": {"type": "array", "maxItems": 5, "description": "Raw HubSpot filter groups (OR of ANDs).",
                     "items": {"type": "object",
                               "properties": {"filters": {"type": "array", "items": _FILTER}}}},
    "sorts": {"type": "array", "items": {"type": "object", "required": ["propertyName"], "properties": {
        "propertyName": {"type": "string"}, "direction": {"enum": ["ASCENDING", "DESCENDING"]}}}},
    "properties": _PROPERTY_LIST, "limit": {**_LIMIT, "default": 100}})
CREATE_CONTACT_SCHEMA = _obj([], {"email": {"type": "string"}, "firstname": {"type": "string"},
                                  "lastname": {"type": "string"}, "properties": _PROPERTIES})
UPDATE_CONTACT_SCHEMA = _obj(["contactId"], {
    "contactId": _ID,
    "idProperty": {"type": "string",
                   "description": "Find the contact by this unique property (e.g. `email`), not by id."},
    "email": {"type": "string"}, "firstname": {"type": "string"}, "lastname": {"type": "string"},
    "properties": _PROPERTIES})
CREATE_COMPANY_SCHEMA = _obj([], {"name": {"type": "string"}, "domain": {"type": "string"},
                                  "properties": _PROPERTIES})
UPDATE_COMPANY_SCHEMA = _obj(["companyId"], {"companyId": _ID, "name": {"type": "string"},
                                             "domain": {"type": "string"}, "properties": _PROPERTIES})
UPSERT_COMPANY_SCHEMA = _obj(["domain"], {"domain": {"type": "string", "minLength": 1},
                                          "name": {"type": "string"}, "properties": _PROPERTIES})
UPDATE_DEAL_SCHEMA = _obj(["dealId", "properties"],
                          {"dealId": _ID, "properties": {**_PROPERTIES, "minProperties": 1}})

# --- HTTP helpers ------------------------------------------------------------------------------------


def _headers(call: ActionCall) -> dict[str, str]:
    token = call.credentials.get("accessToken")
    if not token:
        raise ProviderError("invalid connector config for hubspot: accessToken is required", retryable=False)
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


async def _api(call: ActionCall, method: str, path: str, *, json: Any = None,
               params: dict[str, Any] | None = None) -> Any:
    """One HubSpot call; an error answer fails with HubSpot's message and category."""
    response = await call.http.request(method, path, headers=_headers(call), json=json, params=params,
                                       raise_for_status=False)
    if response.status_code >= 400:
        err = call.http.error_for(response)
        body = parse_body(response)
        text = err.message
        if isinstance(body, dict) and body.get("category"):
            text += f" [{body['category']}]"
        raise ProviderError(text, status=err.status, retryable=err.retryable)
    return parse_body(response) if response.content else None


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_value(v) for v in value)
    return str(value)


def _props(cfg: dict[str, Any], named: tuple[str, ...]) -> dict[str, str]:
    """`properties` plus the action's named shortcut fields (which win), as HubSpot strings."""
    merged = {**(cfg.get("properties") or {}), **{k: cfg[k] for k in named if k in cfg}}
    return {k: _value(v) for k, v in merged.items()}


def _invalid(action: str, message: str) -> ProviderError:
    return ProviderError(f"invalid config for hubspot.{action}: {message}", retryable=False)


def _segment(value: Any) -> str:
    return quote(str(value), safe="@")


def _filter(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"propertyName": raw["propertyName"], "operator": raw["operator"]}
    for key in ("value", "highValue"):
        if key in raw:
            out[key] = _value(raw[key])
    if "values" in raw:
        out["values"] = [_value(v) for v in raw["values"]]
    return out


async def _search(call: ActionCall, object_type: str, body: dict[str, Any], limit: int) -> dict[str, Any]:
    """POST …/search, following `paging.next.after` until `limit` records."""
    records: list[Any] = []
    total = 0
    after: Any = None
    while len(records) < limit:
        page = {**body, "limit": min(PAGE_SIZE, limit - len(records))}
        if after is not None:
            page["after"] = after
        answer = await _api(call, "POST", f"/crm/v3/objects/{object_type}/search", json=page) or {}
        results = answer.get("results") or []
        records.extend(results)
        total = int(answer.get("total") or len(records))
        after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        if not results or after is None:
            break
    return {"records": records[:limit], "total": total}


# --- actions -----------------------------------------------------------------------------------------


async def find_records(call: ActionCall) -> ActionResult:
    cfg = call.config
    body: dict[str, Any] = {"filterGroups": [{"filters": [
        {"propertyName": cfg["propertyName"], "operator": "EQ", "value": _value(cfg["value"])}]}]}
    if cfg.get("properties"):
        body["properties"] = list(cfg["properties"])
    return ActionResult(output=await _search(call, cfg["objectType"], body, int(cfg.get("limit") or 10)))


def _search_action(object_type: str) -> Any:
    async def run(call: ActionCall) -> ActionResult:
        cfg = call.config
        body: dict[str, Any] = {}
        if cfg.get("query"):
            body["query"] = cfg["query"]
        groups = [{"filters": [_filter(f) for f in group.get("filters") or []]}
                  for group in cfg.get("filterGroups") or []]
        if cfg.get("filters"):
            groups.append({"filters": [_filter(f) for f in cfg["filters"]]})
        if groups:
            body["filterGroups"] = groups
        for key in ("sorts", "properties"):
            if cfg.get(key):
                body[key] = list(cfg[key])
        return ActionResult(output=await _search(call, object_type, body, int(cfg.get("limit") or 100)))

    return run


def _create_action(object_type: str, slug: str, named: tuple[str, ...]) -> Any:
    async def run(call: ActionCall) -> ActionResult:
        props = _props(call.config, named)
        if not props:
            raise _invalid(slug, f"give at least one of {', '.join(named)} or properties")
        return ActionResult(output=await _api(call, "POST", f"/crm/v3/objects/{object_type}",
                                              json={"properties": props}))

    return run


def _update_action(object_type: str, slug: str, id_field: str, named: tuple[str, ...]) -> Any:
    async def run(call: ActionCall) -> ActionResult:
        cfg = call.config
        props = _props(cfg, named)
        if not props:
            raise _invalid(slug, "nothing to update: give properties")
        params = {"idProperty": cfg.get("idProperty")}
        path = f"/crm/v3/objects/{object_type}/{_segment(cfg[id_field])}"
        return ActionResult(output=await _api(call, "PATCH", path, json={"properties": props}, params=params))

    return run


def normalize_domain(domain: str) -> str:
    """`https://www.Acme.com/about` → `acme.com` (how HubSpot stores company domains)."""
    text = domain.strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or text
    return host.removeprefix("www.")


async def upsert_company(call: ActionCall) -> ActionResult:
    cfg = call.config
    domain = normalize_domain(cfg["domain"])
    if not domain:
        raise _invalid("upsert_company", "domain is empty")
    props = {**_props(cfg, ("name",)), "domain": domain}
    found = await _search(call, "companies", {
        "filterGroups": [{"filters": [{"propertyName": "domain", "operator": "EQ", "value": domain}]}],
        "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}], "properties": ["domain"]}, 1)
    if found["records"]:
        company_id = _segment(found["records"][0]["id"])
        record = await _api(call, "PATCH", f"/crm/v3/objects/companies/{company_id}",
                            json={"properties": props})
        return ActionResult(output={**(record or {}), "operation": "updated"})
    record = await _api(call, "POST", "/crm/v3/objects/companies", json={"properties": props})
    return ActionResult(output={**(record or {}), "operation": "created"})


# --- autocompletes -----------------------------------------------------------------------------------


async def list_objects(call: ActionCall, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Standard CRM objects, then the portal's custom objects (skipped without the schemas scope)."""
    results = [{"label": label, "value": value, "description": None} for value, label in STANDARD_OBJECTS]
    try:
        answer = await _api(call, "GET", "/crm/v3/schemas") or {}
    except ProviderError as exc:
        if exc.status == 403:
            return results
        raise
    for schema in answer.get("results") or []:
        if schema.get("archived") or not schema.get("objectTypeId"):
            continue
        labels = schema.get("labels") or {}
        results.append({"label": labels.get("plural") or schema.get("name") or schema["objectTypeId"],
                        "value": schema["objectTypeId"],
                        "description": "Custom object "
                                       f"{schema.get('fullyQualifiedName') or schema.get('name')}"})
    return results


async def list_object_properties(call: ActionCall, params: dict[str, Any]) -> list[dict[str, Any]]:
    object_type = str(params.get("objectType") or "")
    if not object_type or not all(c.isalnum() or c in "_-" for c in object_type):
        raise ProviderError("Invalid autocomplete params: objectType is required (e.g. contacts)",
                            retryable=False)
    answer = await _api(call, "GET", f"/crm/v3/properties/{object_type}") or {}
    return [{"label": p.get("label") or p["name"], "value": p["name"],
             "description": p.get("description") or p.get("type") or None, "parent": p.get("groupName")}
            for p in answer.get("results") or [] if p.get("name") and not p.get("hidden")]


_PROPERTY_TYPES = {"number": {"type": "number"}, "bool": {"type": "boolean"},
                   "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"}}


async def object_properties_schema(call: ActionCall, params: Any) -> dict[str, Any]:
    """`recordProperties`: a form for one object type's writable properties (enumerations as `enum`)."""
    object_type = str(params.get("objectType") or "")
    if not object_type or not all(c.isalnum() or c in "_-" for c in object_type):
        raise ProviderError("Invalid params: objectType is required (e.g. contacts)", retryable=False)
    answer = await _api(call, "GET", f"/crm/v3/properties/{object_type}") or {}
    properties: dict[str, Any] = {}
    ui: dict[str, Any] = {}
    for prop in answer.get("results") or []:
        name = prop.get("name")
        if not name or prop.get("hidden") or (prop.get("modificationMetadata") or {}).get("readOnlyValue"):
            continue
        field_schema: dict[str, Any] = dict(_PROPERTY_TYPES.get(str(prop.get("type")), {"type": "string"}))
        field_schema["title"] = prop.get("label") or name
        if prop.get("description"):
            field_schema["description"] = prop["description"]
        options = [o.get("value") for o in prop.get("options") or [] if o.get("value") is not None]
        if prop.get("type") == "enumeration" and options:
            field_schema["enum"] = options
        properties[name] = field_schema
        ui[name] = {"ui:title": field_schema["title"]}
        if prop.get("groupName"):
            ui[name]["ui:group"] = prop["groupName"]
    return {"schema": {"type": "object", "properties": properties, "additionalProperties": True}, "uiSchema": ui}


# --- catalog -----------------------------------------------------------------------------------------


def _autocomplete_ui(slug: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    return {"ui:widget": "IntegrationAutocompleteWidget",
            "ui:options": {"slug": slug, "allowRefresh": True, "params": params or {}}}


_CONTACT_FIELDS = ("email", "firstname", "lastname")
_COMPANY_FIELDS = ("name", "domain")

ACTIONS = (
    Action(slug="findRecords", name="Find records", run=find_records, category="sales",
           description="Find CRM records of any object type whose property equals a value.",
           config_schema=FIND_SCHEMA, output_schema=RECORDS_OUTPUT,
           ui_schema={"objectType": _autocomplete_ui("listObjects"),
                      "propertyName": _autocomplete_ui("listObjectProperties",
                                                       {"objectType": "$this.$parent.objectType"})}),
    Action(slug="search_contacts", name="Search contacts", run=_search_action("contacts"), category="sales",
           description="Search contacts by text query and/or property filters.",
           config_schema=SEARCH_SCHEMA, output_schema=RECORDS_OUTPUT),
    Action(slug="search_companies", name="Search companies", run=_search_action("companies"),
           category="sales",
           description="Search companies by text query and/or property filters.",
           config_schema=SEARCH_SCHEMA, output_schema=RECORDS_OUTPUT),
    Action(slug="create_contact", name="Create contact", category="sales",
           run=_create_action("contacts", "create_contact", _CONTACT_FIELDS),
           description="Create a contact; fails with HubSpot's message if the email already exists.",
           config_schema=CREATE_CONTACT_SCHEMA, output_schema=RECORD),
    Action(slug="update_contact", name="Update contact", category="sales",
           run=_update_action("contacts", "update_contact", "contactId", _CONTACT_FIELDS),
           description="Update a contact's properties.", config_schema=UPDATE_CONTACT_SCHEMA,
           output_schema=RECORD),
    Action(slug="create_company", name="Create company", category="sales",
           run=_create_action("companies", "create_company", _COMPANY_FIELDS),
           description="Create a company.", config_schema=CREATE_COMPANY_SCHEMA, output_schema=RECORD),
    Action(slug="update_company", name="Update company", category="sales",
           run=_update_action("companies", "update_company", "companyId", _COMPANY_FIELDS),
           description="Update a company's properties.", config_schema=UPDATE_COMPANY_SCHEMA,
           output_schema=RECORD),
    Action(slug="upsert_company", name="Upsert company", run=upsert_company, category="sales",
           description="Update the company with this domain, or create it.",
           config_schema=UPSERT_COMPANY_SCHEMA, output_schema=UPSERT_OUTPUT),
    Action(slug="update_deal", name="Update deal", category="sales",
           run=_update_action("deals", "update_deal", "dealId", ()),
           description="Update a deal's properties (stage, amount…).", config_schema=UPDATE_DEAL_SCHEMA,
           output_schema=RECORD),
)


async def check(call: ActionCall) -> None:
    """`connector test`: the account's details (`GET /account-info/v3/details`), readable by any token."""
    await _api(call, "GET", "/account-info/v3/details")


INTEGRATION = _sdk.Integration(
    slug="hubspot",
    name="HubSpot",
    description="Find, create, update and upsert HubSpot CRM records (contacts, companies, deals…).",
    category="sales",
    connector_schema=CONNECTOR_SCHEMA,
    default_base_url="https://api.hubapi.com",
    actions=ACTIONS,
    autocompletes=(Autocomplete(slug="listObjects", run=list_objects),
                   Autocomplete(slug="listObjectProperties", run=list_object_properties,
                                params=("objectType",))),
    dynamic_schemas=(_sdk.DynamicSchema(slug="recordProperties", run=object_properties_schema,
                                        params=("objectType",)),),
    oauth=_sdk.OAuth(authorize_url="https://app.hubspot.com/oauth/authorize", token_path="/oauth/v1/token",
                     scopes=("crm.objects.contacts.read", "crm.objects.contacts.write",
                             "crm.objects.companies.read", "crm.objects.companies.write",
                             "crm.objects.deals.read", "crm.objects.deals.write", "crm.schemas.contacts.read"),
                     token_field="accessToken", refresh_field="refreshToken",
                     extra_fields={"hub_id": "hubId"}),
    rate_limit=_sdk.RateLimit(requests_per_second=10, max_concurrency=5),
    url="https://www.hubspot.com",
    color="#FF7A59",
    check=check,
)
