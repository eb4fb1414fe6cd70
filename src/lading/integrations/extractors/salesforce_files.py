"""Salesforce files extractor (`salesforce_files`, alias `salesforce_content_versions`): the latest
ContentVersion of each file into a connector library.

Listing: SOQL `SELECT Id, ContentDocumentId, Title, FileExtension, ContentSize, SystemModstamp FROM
ContentVersion WHERE IsLatest = true [AND ContentDocument.ParentId = '<libraryId>'] [AND (<where>)]
ORDER BY ContentDocumentId`, keyset-paged by ContentDocumentId (`> last`, `LIMIT pageSize`): no query
locator to expire, and a resumed sync starts after the last committed page. The provider id is the
ContentDocumentId (stable across versions); the version stamp is the version's Id and SystemModstamp.
Download: `GET /services/data/vXX.X/sobjects/ContentVersion/{Id}/VersionData`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lading.integrations._sdk import ActionCall
from lading.integrations.extractors._files import FileExtractor, FilePage, RemoteFile, wanted_extension
from lading.integrations.extractors._sdk import iso_utc, parse_time, request_bytes, request_json
from lading.integrations.salesforce import api_path, headers

LIMIT = 200
_ID = "^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$"

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "libraryId": {"type": "string", "pattern": _ID,
                      "description": "Only files of this Salesforce library (ContentWorkspace id, 058…)."},
        "where": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "^[^;]*$",
                  "description": "A SOQL condition on ContentVersion, e.g. FileExtension IN ('pdf','md')."},
        "extensions": {"type": "array", "items": {"type": "string", "pattern": "^\\.?[A-Za-z0-9]{1,16}$"},
                       "minItems": 1, "description": "Only these extensions."},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": 2000, "default": LIMIT},
    },
}

FIELDS = "Id, ContentDocumentId, Title, FileExtension, ContentSize, SystemModstamp"


def soql(config: Mapping[str, Any], after: str | None) -> str:
    clauses = ["IsLatest = true"]
    if config.get("libraryId"):
        clauses.append(f"ContentDocument.ParentId = '{config['libraryId']}'")
    if config.get("where"):
        clauses.append(f"({config['where']})")
    if after:
        clauses.append(f"ContentDocumentId > '{after}'")
    limit = int(config.get("pageSize") or LIMIT)
    return f"SELECT {FIELDS} FROM ContentVersion WHERE {' AND '.join(clauses)} ORDER BY ContentDocumentId LIMIT {limit}"


def _remote(raw: Mapping[str, Any]) -> RemoteFile:
    title = str(raw.get("Title") or raw.get("ContentDocumentId"))
    extension = str(raw.get("FileExtension") or "")
    name = title if not extension or title.lower().endswith("." + extension.lower()) else f"{title}.{extension}"
    stamp = parse_time(raw.get("SystemModstamp"))
    size = raw.get("ContentSize")
    return RemoteFile(external_id=str(raw["ContentDocumentId"]), name=name,
                      version=f"{raw.get('Id')}@{raw.get('SystemModstamp')}",
                      size=int(size) if isinstance(size, (int, float)) else None,
                      modified=iso_utc(stamp) if stamp is not None else None, ref={"versionId": str(raw.get("Id"))})


async def list_page(call: ActionCall, config: Mapping[str, Any], token: str | None) -> FilePage:
    state: dict[str, Any] = json.loads(token) if token else {}
    answer = await request_json(call, "GET", api_path(call, "query"), headers=headers(call),
                                params={"q": soql(config, state.get("after"))}) or {}
    records = [r for r in answer.get("records") or [] if isinstance(r, dict) and r.get("ContentDocumentId")]
    files = [f for f in (_remote(r) for r in records) if wanted_extension(config, f.name)]
    full = len(records) >= int(config.get("pageSize") or LIMIT)
    next_token = json.dumps({"after": str(records[-1]["ContentDocumentId"])}) if full else None
    return FilePage(files, next_token)


async def download(call: ActionCall, config: Mapping[str, Any], remote: RemoteFile) -> bytes:
    version = (remote.ref or {}).get("versionId")
    return await request_bytes(call, api_path(call, f"sobjects/ContentVersion/{version}/VersionData"),
                               headers={**headers(call), "Accept": "*/*"})


EXTRACTOR = FileExtractor(
    slug="salesforce_files", integration_slug="salesforce", name="Salesforce files (ContentVersion)",
    description="The latest version of each Salesforce file (optionally one library, or a SOQL condition), "
                "re-downloaded only when a new version or change appears.",
    config_schema=CONFIG_SCHEMA, list_page=list_page, download=download,
    aliases={"salesforce_content_versions": {}},
)
