"""Checks of flag values several commands share (names, folder uuids, JSON objects), so they read and
fail alike."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.domain.nodes import UUID_RE

NAME_LIMIT = 255


def folder_uuid(value: Any) -> str | None:
    """`--folder-uuid`: a uuid, or nothing (`null` / empty = the root)."""
    if value in (None, "", "null"):
        return None
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise ValidationError(f"--folder-uuid must be a uuid (got {shown(value)})", reason="invalidData")
    return value.lower()


def object_name(value: Any) -> str:
    """`--name`: non-empty once trimmed, at most 255 characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("--name must not be empty", reason="invalidData")
    if len(value.strip()) > NAME_LIMIT:
        raise ValidationError(f"--name must be at most {NAME_LIMIT} characters", reason="invalidData")
    return value.strip()


def json_object(value: Any, flag: str, *, reason: str = "invalidData") -> dict[str, Any]:
    """A flag that takes a JSON object (`--data`, `--config`): an object, or nothing (= `{}`)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{flag} must be a JSON object", reason=reason)
    return value
