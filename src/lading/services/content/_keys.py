"""Content object keys: a file, library or folder is named by a uuid (any case); anything else names nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lading.domain.errors import found
from lading.domain.nodes import UUID_RE

# What a file or library is: uploaded to the workspace, or synced by a connector's extractor.
KINDS = ("native", "connector")


def uuid_or_none(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) and UUID_RE.match(value) else None


def require(get: Callable[[Any, str, str], Any], conn: Any, workspace_uuid: str, noun: str, uuid: str) -> Any:
    """The file or library `uuid` names in this workspace (a non-uuid names nothing), else
    `<Noun> not found` with the uuid as given in `details`."""
    key = uuid_or_none(uuid)
    return found(get(conn, workspace_uuid, key) if key else None, noun, uuid, details={"uuid": uuid})
