"""`{"urls":[…]}` of the segmentation downloads (api.md §0.6): the service's export as a one-element
array of signed `<baseUrl>/v1/exports/…` links. The services answer a `file://` URL when no
`LADING_API_URL` is configured (the embedded CLI reads it); over HTTP the base is then the request's
own scheme and host."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.requests import Request


def signed_urls(request: Request, answer: dict[str, Any]) -> dict[str, Any]:
    url = str(answer["url"])
    if url.startswith("file://"):
        from lading.services.export_urls import signed_url

        file = Path(unquote(urlparse(url).path))
        url = signed_url(f"{request.url.scheme}://{request.url.netloc}", file.parent.name, file.name)
    return {"urls": [url]}
