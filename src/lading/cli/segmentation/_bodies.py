"""Request bodies of the `segmentation …` commands in remote mode: their parsed flags with the
route's camelCase keys (api.md §4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def camel(fields: Mapping[str, Any], *, keep_none: bool = False) -> dict[str, Any]:
    """`fields` with camelCase keys. Unset flags (None) are left out unless `keep_none`: an update's
    explicit `null` (`--sort null`) clears a value, so there None is sent."""
    from lading.cli.remote import camel_key

    return {camel_key(name): value for name, value in fields.items() if keep_none or value is not None}


def one_url(answer: dict[str, Any]) -> dict[str, Any]:
    """A download's answer as the CLI prints it, `{"url"}`: the route answers `{"urls":[…]}` for Cargo's
    client (one file, so one link), the embedded service `{"url"}`."""
    urls = answer.get("urls")
    if isinstance(urls, list) and len(urls) == 1 and "url" not in answer:
        return {"url": urls[0]}
    return answer
