"""The integrations one workspace sees: the built-ins, the installation's declared files
(`$LADING_HOME/integrations/`), and the workspace's own custom integrations from the store.

Built-ins and installation files are looked up first and without touching the store, so the hot path
(a run's connector call of a built-in) costs nothing more. A workspace's custom integrations are built
once and kept per (database, workspace) for `FRESH_SECONDS`; a write through this process drops them at
once, other processes see it within that time."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from lading.domain.errors import LadingError
from lading.integrations import Integration, all_integrations, canonical_slug, get_integration
from lading.store.database import Database

FRESH_SECONDS = 1.0
_lock = threading.Lock()
# (database URL, workspace) → (checked at, stamp, integrations)
_CACHE: dict[tuple[str, str], tuple[float, Any, dict[str, Integration]]] = {}


def _key(db: Database, workspace_uuid: str) -> tuple[str, str]:
    return str(db.engine.url), workspace_uuid


def forget(db: Database, workspace_uuid: str) -> None:
    with _lock:
        _CACHE.pop(_key(db, workspace_uuid), None)


def workspace_integrations(db: Database, workspace_uuid: str) -> dict[str, Integration]:
    """The workspace's custom integrations by slug (built from their stored documents)."""
    from lading.integrations.declarative import integration_from_document
    from lading.store.repositories import custom_integrations as repo

    key = _key(db, workspace_uuid)
    now = time.monotonic()
    with _lock:
        cached = _CACHE.get(key)
    if cached is not None and now - cached[0] < FRESH_SECONDS:
        return cached[2]
    with db.read() as conn:
        stamp = repo.stamp(conn, workspace_uuid)
        if cached is not None and cached[1] == stamp:
            with _lock:
                _CACHE[key] = (now, stamp, cached[2])
            return cached[2]
        rows = repo.list_custom_integrations(conn, workspace_uuid) if stamp[0] else []
    built: dict[str, Integration] = {}
    for row in rows:
        try:
            built[row.slug] = integration_from_document(row.document, rate_scope=workspace_uuid)
        except LadingError as exc:  # stored before a stricter check: skipped, never breaking the catalog
            sys.stderr.write(f"warning: custom integration {row.slug} skipped: {exc.message}\n")
    with _lock:
        _CACHE[key] = (now, stamp, built)
    return built


def find_integration(db: Database | None, workspace_uuid: str | None, slug: str) -> Integration | None:
    found = get_integration(slug)
    if found is not None or db is None or not workspace_uuid:
        return found
    return workspace_integrations(db, workspace_uuid).get(canonical_slug(slug))


def catalog(db: Database | None, workspace_uuid: str | None) -> dict[str, Integration]:
    """Every integration the workspace sees; a built-in or installation slug wins over a custom one."""
    shared = all_integrations()
    if db is None or not workspace_uuid:
        return shared
    own = workspace_integrations(db, workspace_uuid)
    return {**shared, **{k: v for k, v in own.items() if k not in shared}} if own else shared
