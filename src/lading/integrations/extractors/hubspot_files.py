"""HubSpot files extractor (`hubspot_files`): the portal's File Manager into a connector library.

Listing: `GET /files/v3/files/search` (`limit`, `after` from `paging.next.after`, `sort=id`), the
configured folder and extensions kept; `archived` files are gone. Version stamp: `updatedAt`. Download:
`GET /files/v3/files/{id}/signed-url`, then the signed URL itself without credentials (it is often
another host: HubSpot's CDN).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lading.integrations._sdk import ActionCall, ProviderError
from lading.integrations.extractors._files import FileExtractor, FilePage, RemoteFile, wanted_extension
from lading.integrations.extractors._sdk import iso_utc, parse_time, request_bytes, request_json
from lading.integrations.extractors.hubspot import _headers

LIMIT = 100

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "folderPath": {"type": "string", "pattern": "^/", "maxLength": 1000,
                       "description": "Only files in this folder and its subfolders, e.g. /sales/playbooks "
                                      "(default: every file)."},
        "extensions": {"type": "array", "items": {"type": "string", "pattern": "^\\.?[A-Za-z0-9]{1,16}$"},
                       "minItems": 1, "description": "Only these extensions, e.g. [\"pdf\", \"md\"]."},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": LIMIT, "default": LIMIT},
    },
}


def _in_folder(config: Mapping[str, Any], path: str) -> bool:
    folder = str(config.get("folderPath") or "").rstrip("/")
    return not folder or path.startswith(folder + "/")


def _remote(raw: Mapping[str, Any]) -> RemoteFile:
    name = str(raw.get("name") or raw.get("id"))
    extension = str(raw.get("extension") or "")
    if extension and not name.lower().endswith("." + extension.lower()):
        name = f"{name}.{extension}"
    updated = parse_time(raw.get("updatedAt"))
    size = raw.get("size")
    return RemoteFile(external_id=str(raw["id"]), name=name, version=str(raw.get("updatedAt") or ""),
                      size=int(size) if isinstance(size, (int, float)) else None,
                      modified=iso_utc(updated) if updated is not None else None,
                      archived=bool(raw.get("archived")))


async def list_page(call: ActionCall, config: Mapping[str, Any], token: str | None) -> FilePage:
    state: dict[str, Any] = json.loads(token) if token else {}
    params: dict[str, Any] = {"limit": int(config.get("pageSize") or LIMIT), "sort": "id"}
    if state.get("after"):
        params["after"] = state["after"]
    answer = await request_json(call, "GET", "/files/v3/files/search", headers=_headers(call), params=params) or {}
    results = [r for r in answer.get("results") or [] if isinstance(r, dict) and r.get("id") is not None]
    files = [_remote(r) for r in results
             if _in_folder(config, str(r.get("path") or "/" + str(r.get("name") or "")))
             and wanted_extension(config, _remote(r).name)]
    nxt = ((answer.get("paging") or {}).get("next") or {}).get("after")
    return FilePage(files, json.dumps({"after": str(nxt)}) if nxt is not None and results else None)


async def download(call: ActionCall, config: Mapping[str, Any], remote: RemoteFile) -> bytes:
    signed = await request_json(call, "GET", f"/files/v3/files/{remote.external_id}/signed-url",
                                headers=_headers(call)) or {}
    url = signed.get("url")
    if not isinstance(url, str) or not url:
        raise ProviderError(f"hubspot: file {remote.external_id} has no signed URL", retryable=False)
    return await request_bytes(call, url)  # no Authorization: the signed URL is the credential


EXTRACTOR = FileExtractor(
    slug="hubspot_files", integration_slug="hubspot", name="HubSpot files",
    description="Files of the HubSpot File Manager (optionally one folder, some extensions), re-downloaded "
                "only when changed.",
    config_schema=CONFIG_SCHEMA, list_page=list_page, download=download,
)
