"""Running one integration action: check its config, resolve the base URL, call it, price it."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lading.domain.errors import NodeExecutionError
from lading.integrations._http import ProviderHttp
from lading.integrations._sdk import Action, ActionCall, ActionResult, Integration, ProviderError
from lading.integrations._secrets import SECRET_FIELD_NAMES, Scrubber


@functools.lru_cache(maxsize=256)
def env_slug(slug: str) -> str:
    """`openAi` → `OPEN_AI`, `peopleDataLabs` → `PEOPLE_DATA_LABS`, `clearbit` → `CLEARBIT`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", slug).upper()


def resolve_base_url(integration: Integration, credentials: Mapping[str, Any]) -> str:
    """Connector `baseUrl`, else `LADING_<SLUG>_BASE_URL`, else the integration default."""
    configured = credentials.get("baseUrl")
    if isinstance(configured, str) and configured.strip():
        return configured.strip()
    env = os.environ.get(f"LADING_{env_slug(integration.slug)}_BASE_URL")
    if env:
        return env
    return integration.default_base_url


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}


def _validator(schema: Mapping[str, Any]) -> Any:
    """Compiled validators, cached per schema object (action schemas are module constants)."""
    from jsonschema import Draft202012Validator

    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = Draft202012Validator(dict(schema))
    if len(_VALIDATORS) > 2048:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def config_errors(schema: Mapping[str, Any], value: Any) -> list[str]:
    """JSON Schema errors as readable `path: message` lines (empty = valid)."""
    validator = _validator(schema)
    errors = []
    for err in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in err.absolute_path) or "(config)"
        errors.append(f"{path}: {err.message}")
    return errors


def _matches(schema: Mapping[str, Any], config: Mapping[str, Any]) -> bool:
    return not config_errors(schema, config)


def price(action: Action, config: Mapping[str, Any], result: ActionResult) -> float:
    """Provider credits of one call: an explicit figure, else the first matching price entry."""
    if result.credits is not None:
        return float(result.credits)
    for cost in action.credits:
        if cost.config is None or _matches(cost.config, config):
            return round(cost.charge(result.units), 6)
    return 0.0


async def call_action(integration: Integration, action: Action, config: dict[str, Any],
                      credentials: dict[str, Any], connector_uuid: str | None) -> tuple[ActionResult, float, str]:
    """Validate the config, run the action; returns (result, provider credits, base URL).

    This is the boundary where a call's result leaves the integration layer: its output, its base
    URL and any error message are scrubbed of the connector's secrets here, in every form they may
    take (see `_secrets`), so no integration — built-in or future — can hand a credential to the
    engine, the store, a download or a log, even when the provider echoes the request back."""
    problems = config_errors(action.config_schema, config)
    if problems:
        raise ProviderError(f"invalid config for {integration.slug}.{action.slug}: " + "; ".join(problems[:5]),
                            retryable=False)
    call = open_call(integration, config, credentials, connector_uuid)
    scrub = call.http.scrubber
    try:
        result = await action.run(call)
    except NodeExecutionError as exc:
        # `from None`: a chained exception (httpx's names the URL with its query) must not be logged.
        raise _scrubbed_error(exc, scrub) from None
    except Exception as exc:  # an action bug: fail the node with a clean message, never the worker
        raise ProviderError(scrub.text(f"{integration.slug}.{action.slug} failed: {type(exc).__name__}: {exc}"),
                            retryable=False) from None
    if result.child_index < 0 or result.child_index >= action.children_count:
        raise ProviderError(f"{integration.slug}.{action.slug} chose child {result.child_index} of "
                            f"{action.children_count}", retryable=False)
    result.output = scrub.value(result.output)
    return result, price(action, config, result), safe_base_url(call.base_url, scrub)


def _scrubbed_error(exc: NodeExecutionError, scrub: Scrubber) -> NodeExecutionError:
    exc.message = scrub.text(exc.message)
    exc.args = (exc.message,)
    details = getattr(exc, "details", None)
    if details:
        exc.details = scrub.value(details)  # type: ignore[attr-defined]  # only on errors that carry details
    exc.__cause__ = exc.__context__ = None
    return exc


def safe_base_url(base_url: str, scrub: Scrubber | None = None) -> str:
    """The base URL as recorded on a span: without user-info or query (both may carry keys)."""
    if not base_url:
        return base_url
    parts = urlsplit(base_url)
    text = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}" if parts.scheme else base_url
    return scrub.text(text) if scrub is not None else text


def credential_hosts(integration: Integration, credentials: Mapping[str, Any], base_url: str) -> set[str]:
    """Hosts the connector's credentials may be sent to: its base URL's host (added by
    `ProviderHttp`), the integration's own extra API hosts, and the connector's `allowedHosts` when
    its schema offers that field (the http integration)."""
    hosts = set(integration.credential_hosts)
    props = integration.connector_schema.get("properties") or {}
    extra = credentials.get("allowedHosts") if "allowedHosts" in props else None
    if isinstance(extra, list):
        hosts.update(str(h) for h in extra if isinstance(h, str) and h.strip())
    return hosts


def open_call(integration: Integration, config: dict[str, Any], credentials: dict[str, Any],
              connector_uuid: str | None) -> ActionCall:
    """The `ActionCall` an integration's code talks through: resolved base URL, the integration's
    rate limit, and an HTTP client that redacts the connector's secrets and sends them only to the
    connector's hosts. Also used by the agent loop and autocompletes, which speak to the same
    providers without going through an action."""
    base_url = resolve_base_url(integration, credentials)
    secrets = [str(v) for k, v in _flatten(credentials) if k in _secret_keys(integration) and v is not None
               and not isinstance(v, (bool, dict, list)) and str(v) != ""]
    http = ProviderHttp(integration.slug, integration.name, base_url, integration.rate_limit, secrets,
                        allowed_hosts=credential_hosts(integration, credentials, base_url),
                        gate_key=integration.rate_gate_key)
    return ActionCall(config=config, credentials=credentials, base_url=base_url, http=http,
                      connector_uuid=connector_uuid)


def _secret_keys(integration: Integration) -> frozenset[str]:
    return integration.secret_fields() | SECRET_FIELD_NAMES


def _flatten(value: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out.extend(_flatten(v, str(k)))
        return out
    return [(key, value)]


async def check_credentials(integration: Integration, credentials: dict[str, Any],
                            connector_uuid: str | None) -> None:
    """`connection connector test`: the integration's own cheap check with these credentials. Returns
    when the provider accepted them; raises `ProviderError` with a scrubbed reason otherwise (refused,
    unreachable, or an integration that declares no check)."""
    if integration.check is None:
        raise ProviderError(f"the {integration.slug} integration declares no credentials check", retryable=False)
    call = open_call(integration, {}, credentials, connector_uuid)
    scrub = call.http.scrubber
    try:
        await integration.check(call)
    except NodeExecutionError as exc:
        failure = _scrubbed_error(exc, scrub)
        raise ProviderError(failure.message, status=getattr(exc, "status", None), retryable=False) from None
    except Exception as exc:  # a check bug: an invalid outcome with a clean reason, never a traceback
        raise ProviderError(scrub.text(f"{integration.slug} check failed: {type(exc).__name__}: {exc}"),
                            retryable=False) from None
