"""Salesforce extractor: one SOQL object (Account, Contact, Opportunity, a custom `…__c`) into a model.

Columns come from `GET /services/data/vXX.X/sobjects/{object}/describe` (or the configured `fields`
only; `Id` and `SystemModstamp` are always read). A sync runs `SELECT … FROM {object} [WHERE
SystemModstamp > {cursor}] ORDER BY SystemModstamp ASC` and follows `nextRecordsUrl`; the page token
is that URL. Query locators expire (about 15 minutes idle): a resumed sync whose locator is refused
starts its query again from the cursor it had committed (records already written are upserted unchanged).
"""

from __future__ import annotations

import json
import re
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
from lading.integrations.salesforce import api_path, headers

MODSTAMP = "SystemModstamp"
TYPES = {"double": "number", "currency": "number", "percent": "number", "int": "number", "long": "number",
         "boolean": "boolean", "datetime": "date", "date": "date", "address": "object", "location": "object"}
TITLES = {"Contact": "name", "Lead": "name", "Account": "name", "Opportunity": "name", "Case": "subject"}
_FIELD = "^[A-Za-z][A-Za-z0-9_]*$"

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["object"], "additionalProperties": False,
    "properties": {
        "object": {"type": "string", "pattern": _FIELD, "description": "The SObject: Account, Contact, Custom__c…"},
        "fields": {"type": "array", "items": {"type": "string", "pattern": _FIELD}, "minItems": 1,
                   "description": "Only these fields (default: every field the object describes)."},
        "pageSize": {"type": "integer", "minimum": 200, "maximum": 2000, "default": 2000,
                     "description": "Records per page (Salesforce's batchSize)."},
    },
}


def column_slug(name: str) -> str:
    slug = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    slug = re.sub(r"[^a-z0-9_]", "_", slug.lower())
    if not slug or not slug[0].isalpha():
        slug = "f_" + slug
    return slug[:63]


async def columns(call: ActionCall, config: Mapping[str, Any]) -> list[ExtractorColumn]:
    answer = await request_json(call, "GET", api_path(call, f"sobjects/{config['object']}/describe"),
                                headers=headers(call)) or {}
    found = {str(f["name"]): f for f in answer.get("fields") or [] if isinstance(f, dict) and f.get("name")}
    wanted = list(config.get("fields") or found)
    for required in (MODSTAMP, "Id"):
        if required not in wanted:
            wanted.insert(0, required)
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ProviderError(f"salesforce {config['object']} has no field{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)}", retryable=False)
    out: list[ExtractorColumn] = []
    taken: set[str] = set()
    for name in wanted:
        field = found[name]
        slug = "id" if name == "Id" else column_slug(name)
        while slug in taken:
            slug = f"{slug}_"[:63]
        taken.add(slug)
        out.append(ExtractorColumn(slug, TYPES.get(str(field.get("type")), "string"), str(field.get("label") or name),
                                   name))
    return out


def _literal(cursor: str) -> str:
    parsed = parse_time(cursor)
    if parsed is None:
        raise ProviderError(f"salesforce: cursor {cursor!r} is not a timestamp", retryable=False)
    text = iso_utc(parsed)
    return text.replace(".000Z", "Z")


def soql(config: Mapping[str, Any], cols: list[ExtractorColumn], cursor: str | None) -> str:
    where = f" WHERE {MODSTAMP} > {_literal(cursor)}" if cursor is not None else ""
    return (f"SELECT {', '.join(c.original_slug for c in cols)} FROM {config['object']}{where} "
            f"ORDER BY {MODSTAMP} ASC")


async def page(call: ActionCall, config: Mapping[str, Any], cols: list[ExtractorColumn], cursor: str | None,
               token: str | None) -> Page:
    state: dict[str, Any] = json.loads(token) if token else {}
    query_headers = {**headers(call), "Sforce-Query-Options": f"batchSize={int(config.get('pageSize') or 2000)}"}
    answer: Any = None
    if state.get("next"):
        try:
            answer = await request_json(call, "GET", str(state["next"]), headers=query_headers)
        except ProviderError as exc:
            if exc.status not in (400, 404):
                raise
            # An expired query locator: query again from the last committed high-water mark.
            cursor = later(cursor, state.get("since"))
    if answer is None:
        answer = await request_json(call, "GET", api_path(call, "query"), headers=query_headers,
                                    params={"q": soql(config, cols, cursor)})
    answer = answer or {}
    records = [r for r in answer.get("records") or [] if isinstance(r, dict)]
    high: str | None = None
    rows = []
    for raw in records:
        stamp = parse_time(raw.get(MODSTAMP))
        if stamp is not None:
            high = later(high, iso_utc(stamp))
        rows.append({c.slug: coerce(raw.get(c.original_slug), c.type) for c in cols})
    nxt = answer.get("nextRecordsUrl")
    next_token = (json.dumps({"next": str(nxt), "since": later(state.get("since"), high)})
                  if nxt and not answer.get("done", False) else None)
    return Page(rows, next_token, high)


async def total(call: ActionCall, config: Mapping[str, Any]) -> int:
    answer = await request_json(call, "GET", api_path(call, "query"), headers=headers(call),
                                params={"q": f"SELECT COUNT() FROM {config['object']}"}) or {}
    return int(answer.get("totalSize") or 0)


EXTRACTOR = Extractor(
    slug="salesforce", integration_slug="salesforce", name="Salesforce objects (SOQL)",
    description="Any SObject with its fields; full then incremental by SystemModstamp.",
    config_schema=CONFIG_SCHEMA, columns=columns, page=page, count=total,
    title_column=lambda config: TITLES.get(str(config.get("object"))),
    time_column="system_modstamp",
    aliases={"salesforce_accounts": {"object": "Account"}, "salesforce_contacts": {"object": "Contact"},
             "salesforce_opportunities": {"object": "Opportunity"}},
)
