"""`connection …`: the integration catalog, native actions, connectors and autocompletes."""

from __future__ import annotations

import asyncio
import os
import re
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from lading.domain.errors import ConflictError, LadingError, NotFoundError, ValidationError, shown
from lading.engine.natives.catalog import NATIVE_ACTIONS
from lading.integrations import Integration, all_integrations, canonical_slug, get_integration
from lading.integrations._sdk import CATEGORIES, ProviderError
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import connectors as repo

MASK = "********"
# Enrichment answers change slowly; the spec's default cache for enrichment connectors is one day.
ENRICHMENT_CACHE_TTL_MS = 86_400_000
# Field names always treated as secret inside nested credential objects.
_SECRET_NAMES = frozenset({"token", "password", "value", "apiKey", "accessToken", "botToken", "secret"})
_SLUG = re.compile(r"^[a-zA-Z0-9_]+$")


# --- catalog -----------------------------------------------------------------------------------

def action_definition(integration: Integration, slug: str) -> dict[str, Any]:
    action = integration.action(slug)
    assert action is not None
    out: dict[str, Any] = {
        "name": action.name, "description": action.description, "icon": None,
        "category": action.category or integration.category, "isSerialized": action.is_serialized,
        "config": {"schema": dict(action.config_schema), "jsonSchema": dict(action.config_schema),
                   "uiSchema": dict(action.ui_schema)},
        "credits": {"costs": [c.to_json() for c in action.credits]},
        "childrenCount": action.children_count,
    }
    if action.output_schema is not None:
        out["output"] = {"schema": dict(action.output_schema)}
    return out


def integration_object(integration: Integration) -> dict[str, Any]:
    actions: dict[str, Any] = {}
    for action in integration.actions:
        actions[action.slug] = action_definition(integration, action.slug)
    return {
        "slug": integration.slug, "name": integration.name, "description": integration.description,
        "category": integration.category, "subCategories": list(integration.sub_categories),
        "icon": integration.icon, "color": integration.color, "url": integration.url,
        "documentationPath": f"integrations/docs/{integration.slug}.md", "isDeprecated": False,
        "connector": {"config": {"jsonSchema": dict(integration.connector_schema)}},
        "actions": actions, "extractors": {}, "dynamicSchemas": {},
    }


def _bool(flag: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ValidationError(f"{flag} must be true or false", reason="invalidData")


def list_integrations(*, category: str | None = None, slugs: list[str] | None = None, search: str | None = None,
                      has_actions: str | None = None, has_extractors: str | None = None) -> dict[str, Any]:
    if category is not None and category not in CATEGORIES:
        raise ValidationError(f"unknown category {shown(category)}; use one of {', '.join(CATEGORIES)}",
                              reason="invalidData")
    want_actions, want_extractors = _bool("--has-actions", has_actions), _bool("--has-extractors", has_extractors)
    wanted = {canonical_slug(s) for s in slugs} if slugs else None
    out = []
    for integration in all_integrations().values():
        if category and integration.category != category:
            continue
        if wanted is not None and integration.slug not in wanted:
            continue
        if search and search.lower() not in (integration.name + " " + integration.slug).lower():
            continue
        if want_actions is not None and bool(integration.actions) != want_actions:
            continue
        if want_extractors is True:
            continue  # no built-in integration has extractors yet
        out.append(integration_object(integration))
    return {"integrations": out}


def require_integration(slug: str) -> Integration:
    integration = get_integration(slug)
    if integration is None:
        raise NotFoundError(f"Integration not found: {slug}", reason="integrationNotFound")
    return integration


def get_integration_document(slug: str) -> dict[str, Any]:
    return {"integration": integration_object(require_integration(slug))}


def get_documentation(slug: str) -> str:
    return require_integration(slug).documentation


def native_integration() -> dict[str, Any]:
    actions: dict[str, dict[str, Any]] = {}
    for action in NATIVE_ACTIONS.values():
        actions[action.slug] = {
            "name": action.name, "description": action.description, "icon": None,
            "category": {"python": "code", "script": "code", "agent": "ai", "modelUpsert": "storage",
                         "modelInsert": "storage"}.get(action.slug, "logic"),
            "isSerialized": False,
            "config": {"schema": {"type": "object"}, "jsonSchema": {"type": "object"}, "uiSchema": {}},
            "credits": {"costs": []},
            "childrenCount": {"end": 0, "branch": 2, "split": 2, "switch": 0}.get(action.slug, 1),
            "meta": {"jsonSchema": {"type": "object"}, "isAvailable": action.available},
        }
    return {"nativeIntegration": {"actions": actions, "extractors": {}}}


# --- connectors --------------------------------------------------------------------------------

def _associated(ws: str, connector_uuid: str) -> str:
    return f"{ws}:{connector_uuid}"


def _split_config(integration: Integration, config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(clear fields, secret fields): secret fields are those the schema marks password/writeOnly,
    including nested ones (e.g. the http integration's `auth.token`)."""
    secret_names = integration.secret_fields()
    clear: dict[str, Any] = {}
    hidden: dict[str, Any] = {}
    props = integration.connector_schema.get("properties") or {}
    for key, value in config.items():
        if key in secret_names or (isinstance(value, Mapping) and _has_nested_secret(props.get(key))):
            hidden[key] = value
        else:
            clear[key] = value
    return clear, hidden


def _has_nested_secret(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if schema.get("format") == "password" or schema.get("writeOnly"):
        return True
    for key in ("properties",):
        for sub in (schema.get(key) or {}).values():
            if _has_nested_secret(sub):
                return True
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key) or []:
            if _has_nested_secret(sub):
                return True
    return False


def _mask(value: Any, schema: Any) -> Any:
    """Replace secret leaves by `********` (nested objects follow their schema)."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            sub = _subschema(schema, k)
            marked = isinstance(sub, Mapping) and (sub.get("format") == "password" or sub.get("writeOnly"))
            if marked or k in _SECRET_NAMES:
                out[k] = MASK
            else:
                out[k] = _mask(v, sub)
        return out
    return value


def _subschema(schema: Any, key: str) -> Any:
    if not isinstance(schema, Mapping):
        return None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    for comb in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(comb) or []:
            found = _subschema(sub, key)
            if found is not None:
                return found
    return None


def decrypted_config(ws: str, row: Any) -> dict[str, Any]:
    from lading.integrations._vault import decrypt

    config = dict(row.config or {})
    if row.secrets:
        config.update(decrypt(row.secrets, associated=_associated(ws, row.uuid)))
    return config


def _seal(ws: str, connector_uuid: str, secrets: dict[str, Any]) -> str | None:
    from lading.integrations._vault import encrypt

    return encrypt(secrets, associated=_associated(ws, connector_uuid)) if secrets else None


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


def present_connector(session: Session, row: Any, tools_count: int) -> dict[str, Any]:
    integration = get_integration(row.integration_slug)
    schema = integration.connector_schema if integration else {}
    config = None
    if not row.use_credits:
        clear = dict(row.config or {})
        # Secrets are never decrypted for display: their keys are shown masked.
        from lading.integrations._vault import decrypt

        if row.secrets:
            try:
                hidden = decrypt(row.secrets, associated=_associated(session.workspace_uuid, row.uuid))
            except LadingError:
                hidden = {}
            for key, value in hidden.items():
                clear[key] = _mask(value, _subschema(schema, key)) if isinstance(value, Mapping) else MASK
        config = clear
    return {
        "uuid": row.uuid, "workspaceUuid": row.workspace_uuid, "userUuid": row.user_uuid, "name": row.name,
        "slug": row.slug, "integrationSlug": row.integration_slug, "rateLimit": row.rate_limit,
        "cacheTtlMilliseconds": row.cache_ttl_ms, "playsCount": 0, "toolsCount": tools_count, "modelsCount": 0,
        "useCredits": bool(row.use_credits), "config": config, "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at), "deletedAt": iso(row.deleted_at),
    }


def require_connector(session: Session, conn: Any, uuid: str) -> Any:
    row = repo.get_connector(conn, session.workspace_uuid, uuid)
    if row is None:
        raise NotFoundError(f"Connector not found: {uuid}", reason="connectorNotFound")
    return row


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


def create_connector(session: Session, *, integration_slug: str, slug: str, name: str, config: Any = None,
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
    clear, hidden = _split_config(integration, config)
    with session.db.write() as conn:
        if repo.connector_by_slug(conn, ws, slug) is not None:
            raise ConflictError(f"a connector with slug {shown(slug)} already exists",
                                reason="connectorSlugAlreadyExists")
        repo.insert_connector(conn, ws, {
            "uuid": connector_uuid, "user_uuid": session.user_uuid, "integration_slug": integration.slug,
            "slug": slug, "name": name.strip(), "config": None if use_credits else clear,
            "secrets": None if use_credits else _seal(ws, connector_uuid, hidden), "rate_limit": limit,
            "cache_ttl_ms": cache_ttl_ms, "use_credits": use_credits, "created_at": now, "updated_at": now})
        row = require_connector(session, conn, connector_uuid)
    return {"connector": present_connector(session, row, 0)}


def _merge(stored: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(stored)
    for key, value in patch.items():
        if value == MASK:
            continue  # "********" keeps the stored secret
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def update_connector(session: Session, uuid: str, *, name: str | None = None, config: Any = None,
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
            merged = _merge({} if row.use_credits else decrypted_config(ws, row), config)
            _check_config(integration, merged)
            clear, hidden = _split_config(integration, merged)
            values.update(config=clear, secrets=_seal(ws, uuid, hidden), use_credits=False)
        elif row.secrets:
            from lading.integrations._vault import needs_reencryption

            if needs_reencryption(row.secrets):  # rotate onto the current key on write
                _, hidden = _split_config(integration, decrypted_config(ws, row))
                values["secrets"] = _seal(ws, uuid, hidden)
        if rate_limit is not ...:
            values["rate_limit"] = _rate_limit(rate_limit)
        if cache_ttl_ms is not ...:
            values["cache_ttl_ms"] = cache_ttl_ms
        repo.update_connector(conn, ws, uuid, values)
        row = require_connector(session, conn, uuid)
        usage = _usage(session, conn)
    return {"connector": present_connector(session, row, usage.get(uuid, 0))}


def get_connector(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = require_connector(session, conn, uuid)
        usage = _usage(session, conn)
    return {"connector": present_connector(session, row, usage.get(uuid, 0))}


def list_connectors(session: Session, *, integration_slug: str | None = None) -> dict[str, Any]:
    slug = canonical_slug(integration_slug) if integration_slug else None
    with session.db.read() as conn:
        rows = repo.list_connectors(conn, session.workspace_uuid, slug)
        usage = _usage(session, conn)
    return {"connectors": [present_connector(session, r, usage.get(r.uuid, 0)) for r in rows]}


def remove_connector(session: Session, uuid: str) -> dict[str, Any]:
    now = utcnow()
    with session.db.write() as conn:
        require_connector(session, conn, uuid)
        tools_count = _usage(session, conn).get(uuid, 0)
        if tools_count:
            raise ConflictError("the connector is used by deployed tools", reason="connectorInUse",
                                details={"playsCount": 0, "toolsCount": tools_count})
        repo.update_connector(conn, session.workspace_uuid, uuid, {"deleted_at": now, "updated_at": now})
    return {"uuid": uuid, "removed": True}


def exists_by_slug(session: Session, slug: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"exists": repo.connector_by_slug(conn, session.workspace_uuid, slug) is not None}


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

    async def lookup_results() -> list[dict[str, Any]]:  # asyncio.run takes a coroutine, the handler an awaitable
        return await lookup.run(call, params)

    try:
        results = call.http.scrubber.value(asyncio.run(lookup_results()))
    except ProviderError as exc:
        raise LadingError(call.http.redact(exc.message), reason="autocompleteFailed", status_code=502) from None
    if value:
        needle = value.lower()
        results = [r for r in results if needle in str(r.get("label", "")).lower()
                   or needle in str(r.get("value", "")).lower()]
    return {"results": results}
