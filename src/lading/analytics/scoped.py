"""Putting the pieces together: user SQL → workspace-scoped SQL over the store → an engine to run it."""

from __future__ import annotations

import dataclasses
import re

from lading.analytics.engine import ChdbEngine, QueryEngine
from lading.analytics.guard import parse, rewrite
from lading.analytics.sources import source_for
from lading.analytics.tables import view_sql
from lading.settings import Settings

_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")


def scoped_sql(sql: str, settings: Settings, workspace_uuid: str, row_cap: int | None = None) -> str:
    """Check `sql` and replace each runtime-table reference by its view limited to `workspace_uuid`."""
    if not _UUID.match(workspace_uuid):
        raise ValueError("workspace uuid expected")
    src = dataclasses.replace(source_for(settings), row_cap=row_cap)
    tree = parse(sql)
    rewritten = rewrite(tree, src.ts_bound)
    final = rewritten.sql
    # Longest placeholders first so `lading_view_1` never matches inside `lading_view_10`.
    for placeholder in sorted(rewritten.views, key=len, reverse=True):
        table, scope = rewritten.views[placeholder]
        final = re.sub(rf"\b{placeholder}\b", lambda _m, t=table, s=scope: view_sql(t, src, workspace_uuid, s),
                       final)
    return final


def engine_for(settings: Settings) -> QueryEngine:
    """The engine of this installation (embedded chDB; a ClickHouse server would plug in here)."""
    src = source_for(settings)
    return ChdbEngine(secrets=tuple(s for s in (src.pg_password, src.sqlite_path) if s))
