"""Export links of the download routes (api.md §0.6): a signed `<baseUrl>/v1/exports/…` link.

The services answer the export's `file://` URL when no `LADING_API_URL` is configured (the embedded
CLI streams from it); over HTTP the base is then the request's own scheme and host. One place, so
every download route (`{"url"}` or the client's `{"urls":[…]}`) signs its link the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.requests import Request


def signed(request: Request, url: str) -> str:
    """`url` as this server's signed link (already-signed links pass through)."""
    if not url.startswith("file://"):
        return url
    from lading.services.export_urls import signed_url

    file = Path(unquote(urlparse(url).path))
    return signed_url(f"{request.url.scheme}://{request.url.netloc}", file.parent.name, file.name)


def linked(request: Request, answer: dict[str, Any]) -> dict[str, Any]:
    """A service answer `{"url", …}` with its link signed for this server."""
    url = answer.get("url")
    return {**answer, "url": signed(request, url)} if isinstance(url, str) else answer


def signed_urls(request: Request, answer: dict[str, Any]) -> dict[str, Any]:
    """The client's `{"urls":[…]}` (always one file) of a service answer `{"url"}`."""
    return {"urls": [signed(request, str(answer["url"]))]}
