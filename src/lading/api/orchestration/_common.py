"""What several orchestration route modules share: refusing what Lading does not offer yet."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import LadingError


def not_supported(what: str) -> LadingError:
    """501 `notSupported` (api.md §0.3) for a documented field Lading cannot honour yet."""
    return LadingError(f"notSupported: {what}", reason="notSupported", status_code=501)


def refuse_unless_empty(value: Any, what: str) -> None:
    """A field the client may send empty (null, [], {}) but Lading cannot act on otherwise."""
    if value not in (None, [], {}):
        raise not_supported(what)
