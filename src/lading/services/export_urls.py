"""Signed, short-lived URLs for export files (spec §4.1).

`<baseUrl>/v1/exports/<export-uuid>/<file>?expires=<unix-seconds>&signature=<hex HMAC-SHA256 over
path and expires>`, valid `LADING_EXPORT_URL_TTL` seconds (default 3,600), served by `lading serve`
without other authentication. The HMAC key is derived from the installation's secret key, so every
API process of one deployment verifies every other's URLs. Without `LADING_API_URL` (embedded mode,
no server) an export's URL is its `file://` path.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

PREFIX = "/v1/exports"
DEFAULT_TTL_SECONDS = 3600
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def _key() -> bytes:
    from lading.integrations._vault import current_key

    return hmac.new(current_key(), b"lading export urls v1", hashlib.sha256).digest()


def _ttl() -> int:
    try:
        return max(1, int(os.environ.get("LADING_EXPORT_URL_TTL") or DEFAULT_TTL_SECONDS))
    except ValueError:
        return DEFAULT_TTL_SECONDS


def signature(path: str, expires: int) -> str:
    return hmac.new(_key(), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def export_path(export_uuid: str, filename: str) -> str:
    return f"{PREFIX}/{export_uuid}/{quote(filename)}"


def signed_url(base_url: str, export_uuid: str, filename: str, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + _ttl())
    path = export_path(export_uuid, filename)
    return f"{base_url.rstrip('/')}{path}?expires={expires}&signature={signature(path, expires)}"


def export_url(home: Path, file: Path) -> str:
    """The URL an export answers with: signed HTTP when an API base URL is configured, else file://."""
    base = os.environ.get("LADING_API_URL")
    if not base:
        return file.resolve().as_uri()
    return signed_url(base, file.parent.name, file.name)


def resolve(home: Path, export_uuid: str, filename: str, expires: str | None, given: str | None,
            now: float | None = None) -> Path | None:
    """The file a signed request may read, or None (bad, expired or tampered URL → 403)."""
    if not (_UUID.match(export_uuid) and _FILENAME.match(filename) and expires and given):
        return None
    try:
        expiry = int(expires)
    except ValueError:
        return None
    if expiry < (now if now is not None else time.time()):
        return None
    expected = signature(export_path(export_uuid, filename), expiry)
    if not hmac.compare_digest(expected.encode(), given.encode()):  # bytes: any text compares, never raises
        return None
    return home / "exports" / export_uuid / filename
