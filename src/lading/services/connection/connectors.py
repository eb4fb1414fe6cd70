"""`connection connector list|get|create|update|remove|exists-by-slug|autocomplete`: authenticated
instances of integrations; secrets are sealed at rest (`_secrets`) and shown masked."""

from __future__ import annotations

import asyncio
import os
import re
import uuid as uuidlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lading.domain.errors import ConflictError, LadingError, NotFoundError, ValidationError, found, shown
from lading.integrations import Integration, canonical_slug
from lading.integrations._sdk import Autocomplete, DynamicSchema, ProviderError
from lading.services.connection import shapes
from lading.services.connection.integrations import require_integration
from lading.services.connector_credentials import decrypted_config, masked_config, merge, seal, split_config
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import connectors as repo

# Enrichment answers change slowly; the spec's default cache for enrichment connectors is one day.
ENRICHMENT_CACHE_TTL_MS = 86_400_000
_SLUG = re.compile(r"^[a-zA-Z0-9_]+$")
# The live lookups through a connector that `_live_lookup` runs (both name the params they need).
_Live = TypeVar("_Live", Autocomplete, DynamicSchema)


def _check_config(integration: Integration, config: Mapping[str, Any]) -> None:
    from lading.integrations._runtime import config_errors

    problems = config_errors(integration.connector_schema, dict(config))
    if problems:
        # A schema error quotes the value it refused (`{'type': …, 'token': '…'} is not valid…`):
        # the config's secret values are masked in the message before it reaches anyone.
        from lading.integrations._secrets import Scrubber

        _, hidden = split_config(integration, config)
        scrub = Scrubber(_leaves(hidden))
        problems = [scrub.text(p) for p in problems]
        raise ValidationError("the connector config does not match the integration's schema: " + "; ".join(problems),
                              reason="invalidConnectorConfig", details={"errors": problems})


def _leaves(value: Any) -> list[Any]:
    """Every scalar inside a config value (nested objects and arrays included)."""
    if isinstance(value, Mapping):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _graph_connectors(nodes: Any) -> set[str]:
    """Every `connectorUuid` of a release graph, group sub-nodes included."""
    used: set[str] = set()
    stack = list(nodes or [])
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("connectorUuid"), str):
                used.add(node["connectorUuid"])
            sub = (node.get("config") or {}).get("_nodes") if isinstance(node.get("config"), dict) else None
            if isinstance(sub, list):
                stack.extend(sub)
    return used


class Usage:
    """Who uses each connector of a workspace: deployed plays and tools, and models of its dataset."""

    def __init__(self, session: Session, conn: Any) -> None:
        ws = session.workspace_uuid
        self.plays = self._count(repo.deployed_play_graphs(conn, ws))
        self.tools = self._count(repo.deployed_tool_graphs(conn, ws))
        self.models = repo.models_by_connector(conn, ws)

    @staticmethod
    def _count(graphs: Any) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _uuid, nodes in graphs:
            for used in _graph_connectors(nodes):
                counts[used] = counts.get(used, 0) + 1
        return counts

    def of(self, uuid: str) -> tuple[int, int, int]:
        return self.plays.get(uuid, 0), self.tools.get(uuid, 0), self.models.get(uuid, 0)


def present_rate_limit(value: Any) -> dict[str, Any] | None:
    """A stored rate limit with its strategy (limits stored before strategies existed are `burst`)."""
    if not isinstance(value, dict):
        return None
    return {"unit": value.get("unit"), "max": value.get("max"), "strategy": value.get("strategy") or "burst"}


def present_connector(session: Session, row: Any, usage: Usage | None = None) -> shapes.Connector:
    from lading.services.connection.catalog import find_integration

    integration = find_integration(session.db, session.workspace_uuid, row.integration_slug)
    schema = integration.connector_schema if integration else {}
    plays_count, tools_count, models_count = usage.of(row.uuid) if usage is not None else (0, 0, 0)
    return shapes.Connector(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid, name=row.name, slug=row.slug,
        integration_slug=row.integration_slug, rate_limit=present_rate_limit(row.rate_limit),
        cache_ttl_milliseconds=row.cache_ttl_ms, plays_count=plays_count, tools_count=tools_count,
        models_count=models_count, use_credits=bool(row.use_credits), is_default=bool(row.is_default),
        config=None if row.use_credits else masked_config(session.workspace_uuid, row, schema),
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at),
    )


def require_connector(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_connector(conn, session.workspace_uuid, uuid), "Connector", uuid)


RATE_LIMIT_UNITS = ("second", "minute", "hour", "day")
RATE_LIMIT_STRATEGIES = ("burst", "spread")


def _rate_limit(value: Any) -> dict[str, Any] | None:
    """`{unit, max, strategy?}`: `burst` lets `max` calls through at any time in each unit window,
    `spread` lets one through every unit/`max` (default `burst`, the behaviour before strategies)."""
    if value is None:
        return None
    if (not isinstance(value, dict) or value.get("unit") not in RATE_LIMIT_UNITS
            or isinstance(value.get("max"), bool) or not isinstance(value.get("max"), int) or value["max"] < 1
            or value.get("strategy", "burst") not in RATE_LIMIT_STRATEGIES
            or set(value) - {"unit", "max", "strategy"}):
        raise ValidationError('rateLimit must look like {"unit":"second"|"minute"|"hour"|"day","max":60,'
                              '"strategy":"burst"|"spread"}', reason="invalidData")
    return {"unit": value["unit"], "max": value["max"], "strategy": value.get("strategy") or "burst"}


OAUTH_VALUE = re.compile(r"^oauth:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")


def _bind_oauth(session: Session, integration: Integration, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`config` with each `"oauth:<uuid>"` value replaced by the tokens `completeOauth` kept for it
    (the access token in that field, the refresh token in the integration's refresh field), and the
    token sets to consume once the connector is written."""
    from lading.services.connection._oauth import open_grant

    bound = dict(config)
    used: list[str] = []
    for key, value in config.items():
        match = OAUTH_VALUE.match(value) if isinstance(value, str) else None
        if match is None:
            continue
        tokens = open_grant(session, integration, match.group(1))
        bound[key] = tokens["accessToken"]
        refresh_field = integration.oauth.refresh_field if integration.oauth else None
        if refresh_field and tokens.get("refreshToken"):
            bound[refresh_field] = tokens["refreshToken"]
        used.append(match.group(1))
    return bound, used


def _consume(conn: Any, ws: str, grants: list[str]) -> None:
    for grant in grants:
        if not repo.delete_grant(conn, ws, grant):
            raise ConflictError("this OAuth value was already used by another connector; connect again",
                                reason="invalidConnectorConfig")


def platform_credential(integration: Integration) -> str | None:
    from lading.integrations._runtime import env_slug

    return os.environ.get(f"LADING_INTEGRATION_{env_slug(integration.slug)}_API_KEY") or None


def create(session: Session, *, integration_slug: str, slug: str, name: str, config: Any = None,
           rate_limit: Any = None, cache_ttl_ms: int | None = None) -> dict[str, Any]:
    integration = require_integration(integration_slug, session)
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
    config, grants = _bind_oauth(session, integration, dict(config or {}))
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
        _consume(conn, ws, grants)
        # The first connector of an integration is its default (api.md §5).
        first = not repo.list_connectors(conn, ws, integration.slug)
        repo.insert_connector(conn, ws, {
            "uuid": connector_uuid, "user_uuid": session.user_uuid, "integration_slug": integration.slug,
            "slug": slug, "name": name.strip(), "config": None if use_credits else clear,
            "secrets": None if use_credits else seal(ws, connector_uuid, hidden), "rate_limit": limit,
            "cache_ttl_ms": cache_ttl_ms, "use_credits": use_credits, "is_default": first, "created_at": now,
            "updated_at": now})
        row = require_connector(session, conn, connector_uuid)
    return {"connector": present_connector(session, row).dump(), "dataset": _connector_dataset(session, connector_uuid)}


def _connector_dataset(session: Session, connector_uuid: str) -> dict[str, Any] | None:
    """The connector's own dataset (data spec §1: one per connector), made now rather than on first
    use of storage, so `create` can answer it (api.md §5 `{connector, dataset}`)."""
    from lading.services.storage.datasets import dataset_document, ensure_default_dataset
    from lading.store.repositories import storage as storage_repo

    ensure_default_dataset(session)
    with session.db.read() as conn:
        owned = [d for d in storage_repo.list_datasets(conn, session.workspace_uuid)
                 if d.connector_uuid == connector_uuid]
    return dataset_document(owned[0]) if owned else None


def update(session: Session, uuid: str, *, name: str | None = None, config: Any = None,
           rate_limit: Any = ..., cache_ttl_ms: Any = ..., is_default: bool | None = None) -> dict[str, Any]:
    """Change what is given: `config` merged key by key (`"********"` keeps a stored secret, an
    `oauth:<uuid>` value binds the tokens of `completeOauth`); `is_default` true unmarks the
    integration's other connectors."""
    ws = session.workspace_uuid
    now = utcnow()
    grants: list[str] = []
    if config is not None:
        if not isinstance(config, dict):
            raise ValidationError("--config must be a JSON object", reason="invalidConnectorConfig")
        with session.db.read() as conn:
            integration = require_integration(require_connector(session, conn, uuid).integration_slug, session)
        config, grants = _bind_oauth(session, integration, config)
    if cache_ttl_ms is not ... and cache_ttl_ms is not None and (
            isinstance(cache_ttl_ms, bool) or not isinstance(cache_ttl_ms, int) or cache_ttl_ms < 0):
        raise ValidationError("--cache-ttl-milliseconds must be a non-negative integer", reason="invalidData")
    with session.db.write() as conn:
        row = require_connector(session, conn, uuid)
        integration = require_integration(row.integration_slug, session)
        values: dict[str, Any] = {"updated_at": now}
        if name is not None:
            if not name.strip():
                raise ValidationError("--name must not be empty", reason="invalidData")
            values["name"] = name.strip()
        if is_default is not None:
            values["is_default"] = bool(is_default)
            if is_default:
                repo.clear_default(conn, ws, row.integration_slug, uuid)
        if config is not None:
            merged = merge({} if row.use_credits else decrypted_config(ws, row), config)
            _check_config(integration, merged)
            _consume(conn, ws, grants)
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
        usage = Usage(session, conn)
    return {"connector": present_connector(session, row, usage).dump()}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = require_connector(session, conn, uuid)
        usage = Usage(session, conn)
    return {"connector": present_connector(session, row, usage).dump()}


def list_connectors(session: Session, *, integration_slug: str | None = None) -> dict[str, Any]:
    slug = canonical_slug(integration_slug) if integration_slug else None
    with session.db.read() as conn:
        rows = repo.list_connectors(conn, session.workspace_uuid, slug)
        usage = Usage(session, conn)
    return {"connectors": [present_connector(session, r, usage).dump() for r in rows]}


def remove(session: Session, uuid: str) -> dict[str, Any]:
    """Soft-delete a connector nothing uses: deployed plays or tools naming it refuse with
    `connectorIsUsedInWorkflows`, models of its dataset with `connectorIsUsedInModels` (409)."""
    now = utcnow()
    with session.db.write() as conn:
        require_connector(session, conn, uuid)
        plays_count, tools_count, models_count = Usage(session, conn).of(uuid)
        details = {"playsCount": plays_count, "toolsCount": tools_count, "modelsCount": models_count}
        if plays_count or tools_count:
            raise ConflictError(f"the connector is used by {plays_count} deployed play(s) and {tools_count} "
                                "deployed tool(s)", reason="connectorIsUsedInWorkflows", details=details)
        if models_count:
            raise ConflictError(f"the connector feeds {models_count} model(s)", reason="connectorIsUsedInModels",
                                details=details)
        repo.update_connector(conn, session.workspace_uuid, uuid,
                              {"deleted_at": now, "updated_at": now, "is_default": False})
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
                 refresh: bool = False, variables: Any = None) -> dict[str, Any]:
    """Live lookup of a field's allowed values through the connector (`--refresh` is accepted;
    results are not cached between calls). `variables` (the client's expression variables) are
    accepted and unused: Lading's params arrive already substituted."""

    if not isinstance(params, dict):
        raise ValidationError("Invalid autocomplete params", reason="invalidAutocompleteParams")
    if variables is not None and not isinstance(variables, dict):
        raise ValidationError("variables must be an object", reason="invalidAutocompleteParams")
    results = _live_lookup(session, connector_uuid, slug, params, Integration.autocomplete, "autocomplete",
                           missing_prefix="Invalid autocomplete params: missing ",
                           missing_reason="invalidAutocompleteParams", failure="failedToGetIntegrationAutocomplete")
    if value:
        needle = value.lower()
        results = [r for r in results if needle in str(r.get("label", "")).lower()
                   or needle in str(r.get("value", "")).lower()]
    return shapes.AutocompleteResults(results=results).dump()


def check_connector(session: Session, uuid: str) -> dict[str, Any]:
    """`connector test`: the integration's cheap credentials check against the provider (Slack's
    `auth.test`, Hunter's account, OpenAI's models list…). A refusal, an unreachable provider or an
    integration without a check is the outcome `invalid` with the reason, never an error: the command
    answered its question. An expired OAuth access token (401) is renewed once, as for any call."""
    from lading.integrations._runtime import check_credentials

    with session.db.read() as conn:
        row = require_connector(session, conn, uuid)
        integration = require_integration(row.integration_slug)
        try:
            credentials: dict[str, Any] | None = credentials_for(session, conn, row, integration)
            problem = None
        except (ProviderError, LadingError) as exc:
            credentials, problem = None, exc.message
    for attempt in (1, 2):
        if credentials is None:
            break
        try:
            asyncio.run(check_credentials(integration, credentials, row.uuid))
            problem = None
            break
        except ProviderError as exc:
            problem = exc.message
            try:
                credentials = _renewed_after(exc, attempt, session, row, integration, credentials)
            except ProviderError as failed:
                problem = f"{exc.message}; renewing the OAuth access token failed: {failed.message}"
                credentials = None
    return shapes.ConnectorTest(
        connector=shapes.TestedConnector(uuid=row.uuid, integration_slug=row.integration_slug),
        outcome="invalid" if problem else "valid", error_message=problem, checked_at=iso(utcnow()) or "",
    ).dump()


def dynamic_schema(session: Session, *, connector_uuid: str, slug: str, params: Any) -> dict[str, Any]:
    """`{schema, uiSchema}` of a form computed through the connector (the integration's
    `dynamicSchemas`, C §1.3), e.g. HubSpot's `recordProperties` for one object type."""

    if not isinstance(params, dict):
        raise ValidationError("params must be an object", reason="invalidData")
    answer = _live_lookup(session, connector_uuid, slug, params, Integration.dynamic_schema, "dynamic schema",
                          missing_prefix="missing params: ", missing_reason="invalidData",
                          failure="failedToGetIntegration")
    return shapes.DynamicSchema.model_validate(answer).dump()


def _live_lookup(session: Session, connector_uuid: str, slug: str, params: dict[str, Any],
                 find: Callable[[Integration, str], _Live | None], noun: str, *, missing_prefix: str,
                 missing_reason: str, failure: str) -> Any:
    """The answer of a live lookup through a connector: the integration's `find(slug)` (an autocomplete
    or a dynamic schema) run with `params`. Read first, in one transaction: the connector, its
    integration, the target (none is 404 `failedToGetIntegration` naming the `noun`), every param the
    target declares (a missing one is 400 `missing_reason`, the names after `missing_prefix`) and the
    credentials. A provider failure is not the server's: a 4xx `failure` the client reports as a
    RequestError (api.md §0.3)."""
    with session.db.read() as conn:
        row = require_connector(session, conn, connector_uuid)
        integration = require_integration(row.integration_slug, session)
        target = find(integration, slug)
        if target is None:
            raise NotFoundError(f"the {integration.slug} integration offers no {noun} {shown(slug)}",
                                reason="failedToGetIntegration")
        missing = [p for p in target.params if params.get(p) in (None, "")]
        if missing:
            raise ValidationError(f"{missing_prefix}{', '.join(missing)}", reason=missing_reason)
        credentials = credentials_for(session, conn, row, integration)
    return _lookup(session, row, integration, credentials, lambda call: target.run(call, params), failure)


def _lookup(session: Session, row: Any, integration: Integration, credentials: dict[str, Any],
            run: Any, reason: str) -> Any:
    """One live lookup through the connector (`run(call)`), its answer scrubbed of the credentials; an
    expired OAuth access token (401) is renewed once. A provider failure is `reason` (400)."""
    from lading.integrations._runtime import open_call

    for attempt in (1, 2):
        call = open_call(integration, {}, credentials, row.uuid)
        try:
            return call.http.scrubber.value(asyncio.run(run(call)))
        except ProviderError as exc:
            try:
                renewed = _renewed_after(exc, attempt, session, row, integration, credentials)
            except ProviderError as failed:
                raise LadingError(f"{call.http.redact(exc.message)}; renewing the OAuth access token failed: "
                                  f"{failed.message}", reason=reason, status_code=400) from None
            if renewed is None:
                raise LadingError(call.http.redact(exc.message), reason=reason, status_code=400) from None
            credentials = renewed
    raise AssertionError("unreachable")


def _renewed_after(refused: ProviderError, attempt: int, session: Session, row: Any, integration: Integration,
                   credentials: dict[str, Any]) -> dict[str, Any] | None:
    """The credentials to try a provider call again with after its refusal: renewed once, when the first
    attempt met a 401 (an expired OAuth access token); None otherwise, or when they cannot be renewed. A
    renewal the provider refuses raises `ProviderError` (holding no secret)."""
    from lading.services.connector_credentials import refreshed_credentials

    if attempt != 1 or refused.status != 401:
        return None
    return refreshed_credentials(session.db, session.workspace_uuid, row.uuid, integration, credentials)
