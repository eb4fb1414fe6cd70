"""`connection connector list|get|create|update|remove|exists-by-slug|autocomplete`: authenticated
instances of integrations; secrets are sealed at rest (`_secrets`) and shown masked."""

from __future__ import annotations

import asyncio
import os
import re
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from lading.domain.errors import ConflictError, LadingError, NotFoundError, ValidationError, found, shown
from lading.integrations import Integration, canonical_slug, get_integration
from lading.integrations._sdk import ProviderError
from lading.services.connection import shapes
from lading.services.connection._credentials import decrypted_config, masked_config, merge, seal, split_config
from lading.services.connection.integrations import require_integration
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import connectors as repo

# Enrichment answers change slowly; the spec's default cache for enrichment connectors is one day.
ENRICHMENT_CACHE_TTL_MS = 86_400_000
_SLUG = re.compile(r"^[a-zA-Z0-9_]+$")


def _check_config(integration: Integration, config: Mapping[str, Any]) -> None:
    from lading.integrations._runtime import config_errors

    problems = config_errors(integration.connector_schema, dict(config))
    if problems:
        raise ValidationError("the connector config does not match the integration's schema: " + "; ".join(problems),
                              reason="invalidConnectorConfig", details={"errors": problems})


def _usage(session: Session, conn: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _tool_uuid, nodes in repo.deployed_tool_graphs(conn, session.workspace_uuid):
        used = set()
        stack = list(nodes or [])
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("connectorUuid"), str):
                    used.add(node["connectorUuid"])
                sub = (node.get("config") or {}).get("_nodes") if isinstance(node.get("config"), dict) else None
                if isinstance(sub, list):
                    stack.extend(sub)
        for u in used:
            counts[u] = counts.get(u, 0) + 1
    return counts


def present_connector(session: Session, row: Any, tools_count: int) -> shapes.Connector:
    integration = get_integration(row.integration_slug)
    schema = integration.connector_schema if integration else {}
    return shapes.Connector(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid, name=row.name, slug=row.slug,
        integration_slug=row.integration_slug, rate_limit=row.rate_limit, cache_ttl_milliseconds=row.cache_ttl_ms,
        plays_count=0, tools_count=tools_count, models_count=0, use_credits=bool(row.use_credits),
        config=None if row.use_credits else masked_config(session.workspace_uuid, row, schema),
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at),
    )


def require_connector(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_connector(conn, session.workspace_uuid, uuid), "Connector", uuid)


def _rate_limit(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if (not isinstance(value, dict) or value.get("unit") not in ("day", "hour", "minute")
            or not isinstance(value.get("max"), int) or value["max"] < 1):
        raise ValidationError('--rate-limit must look like {"unit":"minute","max":60}', reason="invalidData")
    return {"unit": value["unit"], "max": value["max"]}


def platform_credential(integration: Integration) -> str | None:
    from lading.integrations._runtime import env_slug

    return os.environ.get(f"LADING_INTEGRATION_{env_slug(integration.slug)}_API_KEY") or None


def create(session: Session, *, integration_slug: str, slug: str, name: str, config: Any = None,
           rate_limit: Any = None, cache_ttl_ms: int | None = None) -> dict[str, Any]:
    integration = require_integration(integration_slug)
    if not _SLUG.match(slug or ""):
        raise ValidationError("--slug must match [a-zA-Z0-9_]+", reason="invalidData")
    if not name or not name.strip():
        raise ValidationError("--name must not be empty", reason="invalidData")
    if config is not None and not isinstance(config, dict):
        raise ValidationError("--config must be a JSON object", reason="invalidConnectorConfig")
    if cache_ttl_ms is not None and cache_ttl_ms < 0:
        raise ValidationError("--cache-ttl-milliseconds must not be negative", reason="invalidData")
    if cache_ttl_ms is None and integration.category == "enrichment":
        cache_ttl_ms = ENRICHMENT_CACHE_TTL_MS
    use_credits = config is None and platform_credential(integration) is not None
    config = dict(config or {})
    if not use_credits:
        _check_config(integration, config)
    limit = _rate_limit(rate_limit)
    ws = session.workspace_uuid
    now = utcnow()
    connector_uuid = str(uuidlib.uuid4())
    clear, hidden = split_config(integration, config)
    with session.db.write() as conn:
        if repo.connector_by_slug(conn, ws, slug) is not None:
            raise ConflictError(f"a connector with slug {shown(slug)} already exists",
                                reason="connectorSlugAlreadyExists")
        repo.insert_connector(conn, ws, {
            "uuid": connector_uuid, "user_uuid": session.user_uuid, "integration_slug": integration.slug,
            "slug": slug, "name": name.strip(), "config": None if use_credits else clear,
            "secrets": None if use_credits else seal(ws, connector_uuid, hidden), "rate_limit": limit,
            "cache_ttl_ms": cache_ttl_ms, "use_credits": use_credits, "created_at": now, "updated_at": now})
        row = require_connector(session, conn, connector_uuid)
    return {"connector": present_connector(session, row, 0).dump()}


def update(session: Session, uuid: str, *, name: str | None = None, config: Any = None,
           rate_limit: Any = ..., cache_ttl_ms: Any = ...) -> dict[str, Any]:
    ws = session.workspace_uuid
    now = utcnow()
    with session.db.write() as conn:
        row = require_connector(session, conn, uuid)
        integration = require_integration(row.integration_slug)
        values: dict[str, Any] = {"updated_at": now}
        if name is not None:
            if not name.strip():
                raise ValidationError("--name must not be empty", reason="invalidData")
            values["name"] = name.strip()
        if config is not None:
            if not isinstance(config, dict):
                raise ValidationError("--config must be a JSON object", reason="invalidConnectorConfig")
            merged = merge({} if row.use_credits else decrypted_config(ws, row), config)
            _check_config(integration, merged)
            clear, hidden = split_config(integration, merged)
            values.update(config=clear, secrets=seal(ws, uuid, hidden), use_credits=False)
        elif row.secrets:
            from lading.integrations._vault import needs_reencryption

            if needs_reencryption(row.secrets):  # rotate onto the current key on write
                _, hidden = split_config(integration, decrypted_config(ws, row))
                values["secrets"] = seal(ws, uuid, hidden)
        if rate_limit is not ...:
            values["rate_limit"] = _rate_limit(rate_limit)
        if cache_ttl_ms is not ...:
            values["cache_ttl_ms"] = cache_ttl_ms
        repo.update_connector(conn, ws, uuid, values)
        row = require_connector(session, conn, uuid)
        usage = _usage(session, conn)
    return {"connector": present_connector(session, row, usage.get(uuid, 0)).dump()}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = require_connector(session, conn, uuid)
        usage = _usage(session, conn)
    return {"connector": present_connector(session, row, usage.get(uuid, 0)).dump()}


def list_connectors(session: Session, *, integration_slug: str | None = None) -> dict[str, Any]:
    slug = canonical_slug(integration_slug) if integration_slug else None
    with session.db.read() as conn:
        rows = repo.list_connectors(conn, session.workspace_uuid, slug)
        usage = _usage(session, conn)
    return {"connectors": [present_connector(session, r, usage.get(r.uuid, 0)).dump() for r in rows]}


def remove(session: Session, uuid: str) -> dict[str, Any]:
    now = utcnow()
    with session.db.write() as conn:
        require_connector(session, conn, uuid)
        tools_count = _usage(session, conn).get(uuid, 0)
        if tools_count:
            raise ConflictError("the connector is used by deployed tools", reason="connectorInUse",
                                details={"playsCount": 0, "toolsCount": tools_count})
        repo.update_connector(conn, session.workspace_uuid, uuid, {"deleted_at": now, "updated_at": now})
    return shapes.Removed(uuid=uuid, removed=True).dump()


def exists_by_slug(session: Session, slug: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return shapes.SlugExists(exists=repo.connector_by_slug(conn, session.workspace_uuid, slug) is not None).dump()


def credentials_for(session: Session, conn: Any, row: Any, integration: Integration) -> dict[str, Any]:
    if row.use_credits:
        key = platform_credential(integration)
        if key is None:
            raise ProviderError("this connector uses platform credentials, but none are configured "
                                f"(LADING_INTEGRATION_..._API_KEY for {integration.slug})", retryable=False)
        return {"apiKey": key}
    return decrypted_config(session.workspace_uuid, row)


def autocomplete(session: Session, *, connector_uuid: str, slug: str, params: Any, value: str | None = None,
                 refresh: bool = False) -> dict[str, Any]:
    """Live lookup of a field's allowed values through the connector (`--refresh` is accepted;
    results are not cached between CLI calls in embedded mode)."""
    from lading.integrations._runtime import open_call

    if not isinstance(params, dict):
        raise ValidationError("Invalid autocomplete params", reason="invalidAutocompleteParams")
    with session.db.read() as conn:
        row = require_connector(session, conn, connector_uuid)
        integration = require_integration(row.integration_slug)
        lookup = integration.autocomplete(slug)
        if lookup is None:
            raise NotFoundError(f"the {integration.slug} integration offers no autocomplete {shown(slug)}",
                                reason="failedToGetIntegration")
        missing = [p for p in lookup.params if params.get(p) in (None, "")]
        if missing:
            raise ValidationError(f"Invalid autocomplete params: missing {', '.join(missing)}",
                                  reason="invalidAutocompleteParams")
        credentials = credentials_for(session, conn, row, integration)
    call = open_call(integration, {}, credentials, row.uuid)

    try:
        results = call.http.scrubber.value(asyncio.run(lookup.run(call, params)))
    except ProviderError as exc:
        raise LadingError(call.http.redact(exc.message), reason="autocompleteFailed", status_code=502) from None
    if value:
        needle = value.lower()
        results = [r for r in results if needle in str(r.get("label", "")).lower()
                   or needle in str(r.get("value", "")).lower()]
    return shapes.AutocompleteResults(results=results).dump()
