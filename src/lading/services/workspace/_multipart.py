"""The signed part URLs of the chunked upload protocol (api.md §0.5).

A part is sent with a bare `PUT` to a URL the server signed: the signature is the only authority, like
an export link (A §4.1, `services/export_urls.py`, whose HMAC this reuses over a path of its own), so a
browser can send parts straight from the page. The URL is
`<baseUrl>/v1/workspaceManagement/files/multipart/parts/<uploadId>/<partNumber>?expires=…&signature=…`,
valid one hour.
"""

from __future__ import annotations

import hmac
import os
import re
import time

PARTS_PATH = "/v1/workspaceManagement/files/multipart/parts"
TTL_SECONDS = 3600
PART_BYTES = 8 * 1024 * 1024  # what the client (and the CLI) cut files into
MAX_PARTS = 10_000
_UPLOAD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_upload_id(value: str) -> bool:
    return bool(_UPLOAD_ID.match(value))


def part_path(upload_id: str, part_number: int) -> str:
    return f"{PARTS_PATH}/{upload_id}/{part_number}"


def base_url(request_base: str) -> str:
    """The public base of links: `LADING_API_URL` when set (the server behind a proxy), else the
    request's own scheme and host (api.md §0.6)."""
    return (os.environ.get("LADING_API_URL") or request_base).rstrip("/")


def signed_part_url(base: str, upload_id: str, part_number: int, now: float | None = None) -> str:
    from lading.services.export_urls import signature

    expires = int((now if now is not None else time.time()) + TTL_SECONDS)
    path = part_path(upload_id, part_number)
    return f"{base.rstrip('/')}{path}?expires={expires}&signature={signature(path, expires)}"


def signature_holds(upload_id: str, part_number: int, expires: str | None, given: str | None,
                    now: float | None = None) -> bool:
    """Is this a URL the server signed, still valid? (False → 403, like a bad export link.)"""
    from lading.services.export_urls import signature

    if not (is_upload_id(upload_id) and expires and given):
        return False
    try:
        expiry = int(expires)
    except ValueError:
        return False
    if expiry < (now if now is not None else time.time()):
        return False
    expected = signature(part_path(upload_id, part_number), expiry)
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def normal_etag(value: object) -> str:
    """An ETag as a client hands it back: quotes (S3's habit) and case do not matter."""
    return str(value).strip().strip('"').lower() if isinstance(value, str) else ""
