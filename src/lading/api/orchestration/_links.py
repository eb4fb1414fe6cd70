"""Export links of the download routes: `{"url"}` as a signed `<baseUrl>/v1/exports/…` link (api.md
§0.6). The services answer the export's `file://` URL when no `LADING_API_URL` is configured (the CLI
streams from it); over HTTP the base is then the request's own scheme and host."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.requests import Request


def linked(request: Request, answer: dict[str, Any]) -> dict[str, Any]:
    url = answer.get("url")
    if not isinstance(url, str) or not url.startswith("file://"):
        return answer
    from lading.services.export_urls import signed_url

    file = Path(unquote(urlparse(url).path))
    base = f"{request.url.scheme}://{request.url.netloc}"
    return {**answer, "url": signed_url(base, file.parent.name, file.name)}
