"""Content object keys: a file, library or folder is named by a uuid (any case); anything else names nothing."""

from __future__ import annotations

from lading.domain.nodes import UUID_RE


def uuid_or_none(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) and UUID_RE.match(value) else None
