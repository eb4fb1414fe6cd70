"""Connectors: workspace-owned, authenticated instances of integrations (secrets sealed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from lading.store.repositories._scoped import Scoped
from lading.store.schema import connector_cache, connector_windows, connectors, releases, tools

_connectors = Scoped(connectors, soft_deleted=True)
insert_connector, get_connector, update_connector = _connectors.insert, _connectors.get, _connectors.update


def connector_by_slug(conn: Connection, ws: str, slug: str) -> Any | None:
    return _connectors.first(conn, ws, slug=slug)


def list_connectors(conn: Connection, ws: str, integration_slug: str | None) -> Sequence[Any]:
    """The workspace's live connectors, newest first; of one integration when `integration_slug` is set
    (action search lists an integration's connectors; a dataset checks every connector it may own)."""
    query = _connectors.narrowed(_connectors.rows(ws), integration_slug=integration_slug)
    return conn.execute(query.order_by(connectors.c.created_at.desc())).all()


def deployed_tool_graphs(conn: Connection, ws: str) -> Sequence[Any]:
    """(tool uuid, nodes) of every live tool's deployed release — to count connector usage."""
    return conn.execute(
        select(tools.c.uuid, releases.c.nodes)
        .join(releases, releases.c.workflow_uuid == tools.c.workflow_uuid)
        .where(tools.c.workspace_uuid == ws, tools.c.deleted_at.is_(None), releases.c.status == "deployed")
    ).all()


def take_call_slot(conn: Connection, connector_uuid: str, window_start: Any, maximum: int) -> bool:
    """Count one call in the connector's current window; False when the window is full."""
    row = conn.execute(select(connector_windows.c.calls).where(
        connector_windows.c.connector_uuid == connector_uuid, connector_windows.c.window_start == window_start)
        .with_for_update()).first()
    if row is None:
        conn.execute(insert(connector_windows).values(connector_uuid=connector_uuid, window_start=window_start,
                                                      calls=1))
        return True
    if row.calls >= maximum:
        return False
    conn.execute(update(connector_windows).where(connector_windows.c.connector_uuid == connector_uuid,
                                                 connector_windows.c.window_start == window_start)
                 .values(calls=row.calls + 1))
    return True


def cached_output(conn: Connection, key: str, now: Any) -> Any | None:
    return conn.execute(select(connector_cache).where(connector_cache.c.key == key,
                                                      connector_cache.c.expires_at > now)).first()


def store_output(conn: Connection, key: str, connector_uuid: str, output: Any, child_index: int,
                 expires_at: Any) -> None:
    conn.execute(delete(connector_cache).where(connector_cache.c.key == key))
    conn.execute(insert(connector_cache).values(key=key, connector_uuid=connector_uuid, output=output,
                                                child_index=child_index, expires_at=expires_at))
