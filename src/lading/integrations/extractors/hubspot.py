"""HubSpot extractor: CRM v3 objects (companies, contacts, deals, or any object type) into a model.

Columns come from `GET /crm/v3/properties/{objectType}` (or the configured `properties` only), plus
`id`, `created_at`, `updated_at` and `archived`. A full sync lists `GET /crm/v3/objects/{objectType}`
following `paging.next.after`; an incremental one searches `POST …/search` for records whose
last-modified property is after the cursor, oldest change first, keyset-paged (see `_search_page`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lading.integrations._sdk import ActionCall, ProviderError
from lading.integrations.extractors._sdk import (
    Extractor,
    ExtractorColumn,
    Page,
    coerce,
    iso_utc,
    later,
    parse_time,
    request_json,
)

LIST_LIMIT = 100
SEARCH_LIMIT = 200
TITLES = {"companies": "name", "contacts": "email", "deals": "dealname", "tickets": "subject", "products": "name"}
# Contacts keep the older property name.
MODIFIED = {"contacts": "lastmodifieddate"}
TYPES = {"number": "number", "bool": "boolean", "datetime": "date", "date": "date"}
SYSTEM = (ExtractorColumn("id", "string", "Record ID", "id"),
          ExtractorColumn("created_at", "date", "Created at", "createdAt"),
          ExtractorColumn("updated_at", "date", "Updated at", "updatedAt"),
          ExtractorColumn("archived", "boolean", "Archived", "archived"))

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["objectType"], "additionalProperties": False,
    "properties": {
        "objectType": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$",
                       "description": "`companies`, `contacts`, `deals`… or a custom object type id."},
        "properties": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                       "description": "Only these properties (default: every property of the object)."},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": LIST_LIMIT, "default": LIST_LIMIT},
    },
}


def _headers(call: ActionCall) -> dict[str, str]:
    token = call.credentials.get("accessToken")
    if not token:
        raise ProviderError("invalid connector config for hubspot: accessToken is required", retryable=False)
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


async def columns(call: ActionCall, config: Mapping[str, Any]) -> list[ExtractorColumn]:
    answer = await request_json(call, "GET", f"/crm/v3/properties/{config['objectType']}", headers=_headers(call))
    wanted = config.get("properties")
    found = {str(p["name"]): p for p in (answer or {}).get("results") or [] if isinstance(p, dict) and p.get("name")}
    if wanted:
        missing = [w for w in wanted if w not in found]
        if missing:
            raise ProviderError(f"hubspot {config['objectType']} has no propert{'y' if len(missing) == 1 else 'ies'} "
                                f"{', '.join(missing)}", retryable=False)
        names = list(wanted)
    else:
        names = list(found)
    taken = {c.slug for c in SYSTEM}
    out = list(SYSTEM)
    for name in names:
        prop = found[name]
        slug = _column_slug(name)
        if slug in taken:
            slug = f"p_{slug}"[:63]
        taken.add(slug)
        out.append(ExtractorColumn(slug, TYPES.get(str(prop.get("type")), "string"), str(prop.get("label") or name),
                                   name))
    return out


def _column_slug(name: str) -> str:
    import re

    slug = re.sub(r"[^a-z0-9_]", "_", name.strip().lower())
    if not slug or not slug[0].isalpha():
        slug = "p_" + slug
    return slug[:63]


def _record(raw: dict[str, Any], cols: list[ExtractorColumn]) -> dict[str, Any]:
    props = raw.get("properties") or {}
    out: dict[str, Any] = {}
    for col in cols:
        value = raw.get(col.original_slug) if col in SYSTEM else props.get(col.original_slug)
        out[col.slug] = coerce(value, col.type)
    out["id"] = str(raw.get("id"))
    return out


def _modified(raw: dict[str, Any], object_type: str) -> str | None:
    props = raw.get("properties") or {}
    value = raw.get("updatedAt") or props.get(MODIFIED.get(object_type, "hs_lastmodifieddate"))
    parsed = parse_time(value)
    return iso_utc(parsed) if parsed is not None else None


async def page(call: ActionCall, config: Mapping[str, Any], cols: list[ExtractorColumn], cursor: str | None,
               token: str | None) -> Page:
    object_type = str(config["objectType"])
    properties = [c.original_slug for c in cols if c not in SYSTEM]
    state: dict[str, Any] = json.loads(token) if token else {}
    if cursor is None:
        return await _list_page(call, config, cols, object_type, properties, state)
    return await _search_page(call, config, cols, object_type, properties, cursor, state)


async def _list_page(call: ActionCall, config: Mapping[str, Any], cols: list[ExtractorColumn], object_type: str,
                     properties: list[str], state: dict[str, Any]) -> Page:
    """Full sync: the object listing in id order (`after` is HubSpot's id cursor, stable under writes)."""
    params: dict[str, Any] = {"limit": int(config.get("pageSize") or LIST_LIMIT), "archived": "false",
                              "properties": ",".join(properties)}
    if state.get("after"):
        params["after"] = state["after"]
    answer = await request_json(call, "GET", f"/crm/v3/objects/{object_type}", headers=_headers(call),
                                params=params) or {}
    results = [r for r in answer.get("results") or [] if isinstance(r, dict)]
    high: str | None = None
    for raw in results:
        high = later(high, _modified(raw, object_type))
    nxt = ((answer.get("paging") or {}).get("next") or {}).get("after")
    next_token = json.dumps({"after": str(nxt)}) if nxt is not None and results else None
    return Page([_record(r, cols) for r in results], next_token, high)


def _epoch_ms(value: str) -> str:
    parsed = parse_time(value)
    if parsed is None:
        raise ProviderError(f"hubspot: cursor {value!r} is not a timestamp", retryable=False)
    return str(round(parsed.timestamp() * 1000))


async def _search_page(call: ActionCall, config: Mapping[str, Any], cols: list[ExtractorColumn], object_type: str,
                       properties: list[str], cursor: str, state: dict[str, Any]) -> Page:
    """Incremental sync, keyset-paged: each page searches `modified >= since` oldest first, where
    `since` is the last record's modification time of the page before and `ids` the records already
    read at exactly that instant (skipped). Offsets (`after`) are used only inside one instant holding
    more records than a page; so a record modified while the sync pages moves to the end without
    shifting unread ones past an offset, and HubSpot's 10,000-result cap per search is never reached."""
    modified = MODIFIED.get(object_type, "hs_lastmodifieddate")
    since = state.get("since")
    seen = set(state.get("ids") or [])
    limit = min(SEARCH_LIMIT, int(config.get("pageSize") or LIST_LIMIT))
    body: dict[str, Any] = {
        "filterGroups": [{"filters": [{"propertyName": modified, "operator": "GTE" if since else "GT",
                                       "value": _epoch_ms(since or cursor)}]}],
        "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
        "properties": properties, "limit": limit}
    if state.get("after"):
        body["after"] = state["after"]
    answer = await request_json(call, "POST", f"/crm/v3/objects/{object_type}/search", headers=_headers(call),
                                json=body) or {}
    served = [r for r in answer.get("results") or [] if isinstance(r, dict)]
    results = [r for r in served if str(r.get("id")) not in seen]
    high: str | None = None
    for raw in results:
        high = later(high, _modified(raw, object_type))
    more = ((answer.get("paging") or {}).get("next") or {}).get("after") is not None
    if not more or not served:
        return Page([_record(r, cols) for r in results], None, high)
    last = _modified(served[-1], object_type)
    at_last = {str(r.get("id")) for r in served if _modified(r, object_type) == last}
    if last == since:  # the whole page shares one instant: page through it by offset
        offset = int(state.get("after") or 0) + len(served)
        state = {"since": since, "ids": sorted(seen | at_last), "after": str(offset)}
    else:
        state = {"since": last, "ids": sorted(at_last)}
    return Page([_record(r, cols) for r in results], json.dumps(state), high)


async def total(call: ActionCall, config: Mapping[str, Any]) -> int:
    answer = await request_json(call, "POST", f"/crm/v3/objects/{config['objectType']}/search",
                                headers=_headers(call), json={"limit": 1, "properties": []}) or {}
    return int(answer.get("total") or 0)


EXTRACTOR = Extractor(
    slug="hubspot", integration_slug="hubspot", name="HubSpot CRM objects",
    description="Companies, contacts, deals (or any CRM object type) with their properties; full then "
                "incremental by last-modified date.",
    config_schema=CONFIG_SCHEMA, columns=columns, page=page, count=total,
    title_column=lambda config: TITLES.get(str(config.get("objectType"))),
    time_column="updated_at",
    aliases={f"hubspot_{kind}": {"objectType": kind} for kind in ("companies", "contacts", "deals")},
)
