"""Connectors: workspace-owned, authenticated instances of integrations (secrets sealed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from lading.store.repositories._scoped import Scoped
from lading.store.schema import (
    connector_cache,
    connector_windows,
    connectors,
    datasets,
    models,
    oauth_grants,
    plays,
    releases,
    tools,
)

_connectors = Scoped(connectors, soft_deleted=True)
insert_connector, get_connector, update_connector = _connectors.insert, _connectors.get, _connectors.update


def connector_by_slug(conn: Connection, ws: str, slug: str) -> Any | None:
    return _connectors.first(conn, ws, slug=slug)


def list_connectors(conn: Connection, ws: str, integration_slug: str | None) -> Sequence[Any]:
    """The workspace's live connectors, newest first; of one integration when `integration_slug` is set
    (action search lists an integration's connectors; a dataset checks every connector it may own)."""
    query = _connectors.narrowed(_connectors.rows(ws), integration_slug=integration_slug)
    return conn.execute(query.order_by(connectors.c.created_at.desc())).all()


def preferred_connector(conn: Connection, ws: str, integration_slug: str) -> Any | None:
    """The connector a node or action of the integration uses when it names none: the one marked
    default, else the newest (api.md §5, C §1.5)."""
    query = _connectors.rows(ws, integration_slug=integration_slug)
    return conn.execute(query.order_by(connectors.c.is_default.desc(), connectors.c.created_at.desc())
                        .limit(1)).first()


def clear_default(conn: Connection, ws: str, integration_slug: str, keep_uuid: str) -> None:
    """Unmark every other connector of the integration (one default per integration)."""
    conn.execute(update(connectors).where(
        connectors.c.workspace_uuid == ws, connectors.c.integration_slug == integration_slug,
        connectors.c.uuid != keep_uuid, connectors.c.is_default.is_(True)).values(is_default=False))


def deployed_tool_graphs(conn: Connection, ws: str) -> Sequence[Any]:
    """(tool uuid, nodes) of every live tool's deployed release — to count connector usage."""
    return conn.execute(
        select(tools.c.uuid, releases.c.nodes)
        .join(releases, releases.c.workflow_uuid == tools.c.workflow_uuid)
        .where(tools.c.workspace_uuid == ws, tools.c.deleted_at.is_(None), releases.c.status == "deployed")
    ).all()


def deployed_play_graphs(conn: Connection, ws: str) -> Sequence[Any]:
    """(play uuid, nodes) of every live play's deployed release — to count connector usage."""
    return conn.execute(
        select(plays.c.uuid, releases.c.nodes)
        .join(releases, releases.c.workflow_uuid == plays.c.workflow_uuid)
        .where(plays.c.workspace_uuid == ws, plays.c.deleted_at.is_(None), releases.c.status == "deployed")
    ).all()


def models_by_connector(conn: Connection, ws: str) -> dict[str, int]:
    """Live models per connector: the models of each connector's dataset (fed by its extractors)."""
    rows = conn.execute(
        select(datasets.c.connector_uuid, func.count(models.c.uuid))
        .join(models, models.c.dataset_uuid == datasets.c.uuid)
        .where(datasets.c.workspace_uuid == ws, datasets.c.connector_uuid.is_not(None))
        .group_by(datasets.c.connector_uuid)).all()
    return {str(uuid): int(count) for uuid, count in rows}


# --- OAuth token sets awaiting a connector ------------------------------------------------------------

_grants = Scoped(oauth_grants)
insert_grant, get_grant, update_grant = _grants.insert, _grants.get, _grants.update


def grant_by_state(conn: Connection, ws: str, integration_slug: str, state: str) -> Any | None:
    return _grants.first(conn, ws, integration_slug=integration_slug, state=state)


def delete_grant(conn: Connection, ws: str, uuid: str) -> bool:
    """Consume a token set (its tokens now live in a connector); False when it was already gone."""
    done = conn.execute(delete(oauth_grants).where(oauth_grants.c.workspace_uuid == ws, oauth_grants.c.uuid == uuid))
    return bool(done.rowcount)


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
