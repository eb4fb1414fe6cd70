"""One connector action, as a run's node or `node execute` calls it: credentials decrypted for the
call, the connector's own rate limit counted in the store, answers cached for `cacheTtlMilliseconds`,
the integration called through its runtime (which scrubs secrets and checks hosts)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from typing import Any

import orjson

from lading.domain.errors import LadingError, NodeExecutionError
from lading.engine.ports import ConnectorOutcome
from lading.integrations import Integration, ProviderError, get_integration
from lading.integrations._runtime import call_action
from lading.integrations.declarative import use_evaluator
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import connectors as connector_repo


def _evaluate_template(template: object, variables: dict[str, object]) -> object:
    """Templates of declared integrations beyond plain paths (`integrations/declarative`): the engine's
    expression language, which integrations cannot import themselves."""
    from lading.engine.expressions import get_evaluator

    return get_evaluator().evaluate_in(template, variables)


use_evaluator(_evaluate_template)


class ConnectorCalls:
    """Connector calls against one store; safe to share between concurrent runs."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _cache_lookup(self, key: str) -> Any | None:
        with self._db.read() as conn:
            return connector_repo.cached_output(conn, key, utcnow())

    def _cache_store(self, key: str, connector_uuid: str, outcome: ConnectorOutcome, ttl_ms: int) -> None:
        with self._db.write() as conn:
            connector_repo.store_output(conn, key, connector_uuid, outcome.output, outcome.child_index,
                                        utcnow() + timedelta(milliseconds=ttl_ms))

    def _cache_ttl(self, ws: str, connector_uuid: str) -> int:
        with self._db.read() as conn:
            row = connector_repo.get_connector(conn, ws, connector_uuid)
        return int(row.cache_ttl_ms or 0) if row is not None else 0

    def _credentials(self, ws: str, connector_uuid: str, integration: Integration) -> dict[str, Any]:
        from lading.services.connection.connectors import platform_credential
        from lading.services.connector_credentials import decrypted_config

        with self._db.write() as conn:
            row = connector_repo.get_connector(conn, ws, connector_uuid)
            if row is not None and row.rate_limit:
                self._take_slot(conn, row)
        if row is None:
            raise NodeExecutionError(f"connectorNotFound: connector {connector_uuid} does not exist or was removed",
                                     retryable=False)
        if row.integration_slug != integration.slug:
            raise NodeExecutionError(f"connector {connector_uuid} belongs to {row.integration_slug}, "
                                     f"not {integration.slug}", retryable=False)
        if row.use_credits:
            key = platform_credential(integration)
            if key is None:
                raise NodeExecutionError("this connector uses platform credentials, but none are configured",
                                         retryable=False)
            return {"apiKey": key}
        try:
            return decrypted_config(ws, row)
        except LadingError as exc:
            raise NodeExecutionError(exc.message, retryable=False) from exc

    @staticmethod
    def _take_slot(conn: Any, row: Any) -> None:
        """The connector's own `rateLimit`, counted in the store so every worker shares it: `burst`
        counts calls per calendar unit (`max` per window); `spread` lets one call through per
        unit/`max` slice, so calls are evenly spaced."""
        unit, maximum = row.rate_limit.get("unit"), int(row.rate_limit.get("max") or 0)
        if not maximum:
            return
        window, allowed = _window(utcnow(), unit, maximum, row.rate_limit.get("strategy") or "burst")
        if not connector_repo.take_call_slot(conn, row.uuid, window, allowed):
            raise NodeExecutionError(f"connector rate limit reached ({maximum} calls per {unit}); "
                                     "retry with back-off", retryable=True)

    async def _renewed(self, ws: str, connector_uuid: str | None, integration: Integration,
                       credentials: dict[str, Any], failure: ProviderError) -> dict[str, Any] | None:
        """Credentials with a renewed OAuth access token when the provider refused the stored one
        (401) and the connector holds a refresh token; None otherwise (the failure stands)."""
        from lading.services.connector_credentials import refreshed_credentials

        if failure.status != 401 or connector_uuid is None:
            return None
        try:
            return await asyncio.to_thread(refreshed_credentials, self._db, ws, connector_uuid, integration,
                                           credentials)
        except ProviderError as exc:
            raise NodeExecutionError(f"{failure.message}; renewing the OAuth access token failed: {exc.message}",
                                     retryable=False) from None

    async def call(self, workspace_uuid: str, node: dict[str, Any], config: dict[str, Any], *,
                   cache: bool = True) -> ConnectorOutcome:
        """One connector action in a workspace (used by runs and by `node execute`). `cache=False`: never
        answer from (nor fill) the connector's answer cache — an action with an effect (a sent email)."""
        slug = str(node.get("integrationSlug"))
        integration = get_integration(slug)
        if integration is None:  # a workspace's custom integration (its document, kept built per workspace)
            from lading.services.connection.catalog import find_integration

            integration = await asyncio.to_thread(find_integration, self._db, workspace_uuid, slug)
        if integration is None:
            raise NodeExecutionError(f"integrationNotFound: unknown integration '{node.get('integrationSlug')}'",
                                     retryable=False)
        action = integration.action(str(node.get("actionSlug")))
        if action is None:
            raise NodeExecutionError(f"actionNotImplemented: {integration.slug} has no action "
                                     f"'{node.get('actionSlug')}'", retryable=False)
        connector_uuid = node.get("connectorUuid")
        credentials: dict[str, Any] = {}
        cache_key, ttl = None, 0
        if isinstance(connector_uuid, str) and connector_uuid:
            ttl = await asyncio.to_thread(self._cache_ttl, workspace_uuid, connector_uuid) if cache else 0
            if ttl > 0:
                cache_key = _cache_key(connector_uuid, action.slug, config)
                hit = await asyncio.to_thread(self._cache_lookup, cache_key)
                if hit is not None:  # a stored answer: no provider call, no provider credits
                    return ConnectorOutcome(hit.output, hit.child_index, 0.0, None)
            credentials = await asyncio.to_thread(self._credentials, workspace_uuid, connector_uuid, integration)
        elif integration.requires_connector:
            raise NodeExecutionError("connectorNotFound: the node has no connectorUuid", retryable=False)
        owner = connector_uuid if isinstance(connector_uuid, str) else None
        try:
            result, credits, base_url = await call_action(integration, action, config, credentials, owner)
        except ProviderError as exc:
            renewed = await self._renewed(workspace_uuid, owner, integration, credentials, exc)
            if renewed is None:
                raise
            result, credits, base_url = await call_action(integration, action, config, renewed, owner)
        outcome = ConnectorOutcome(result.output, result.child_index, credits, base_url)
        if cache_key is not None and isinstance(connector_uuid, str):
            await asyncio.to_thread(self._cache_store, cache_key, connector_uuid, outcome, ttl)
        return outcome



_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _window(now: datetime, unit: str, maximum: int, strategy: str) -> tuple[datetime, int]:
    """(start of the current rate-limit window, calls allowed in it)."""
    if strategy == "spread":
        slice_us = _UNIT_SECONDS.get(unit, 60) * 1_000_000 // maximum or 1
        epoch = datetime(1970, 1, 1)
        elapsed = (now - epoch) // timedelta(microseconds=1)
        return epoch + timedelta(microseconds=elapsed - elapsed % slice_us), 1
    if unit == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0), maximum
    if unit == "hour":
        return now.replace(minute=0, second=0, microsecond=0), maximum
    if unit == "second":
        return now.replace(microsecond=0), maximum
    return now.replace(second=0, microsecond=0), maximum


def _cache_key(connector_uuid: str, action_slug: str, config: dict[str, Any]) -> str:
    payload = orjson.dumps([connector_uuid, action_slug, config], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(payload).hexdigest()
