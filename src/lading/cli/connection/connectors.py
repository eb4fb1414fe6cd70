"""`connection connector …`: authenticated instances of integrations (secrets masked on output)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.connection import connectors
else:  # imported when a command answers locally: remote mode never loads the store
    connectors = lazy_module("lading.services.connection.connectors")

connector_app = typer.Typer(help="Authenticated instances of integrations.", no_args_is_help=True,
                            context_settings=help_settings())


@connector_app.command("list")
def connector_list(integration_slug: str = typer.Option(None, "--integration-slug")) -> None:
    """List connectors (secrets masked)."""
    emit(answer("GET", "/connection/connectors/list", query={"integrationSlug": integration_slug},
                local=lambda s: connectors.list_connectors(s, integration_slug=integration_slug)))


@connector_app.command("get")
def connector_get(uuid: str = typer.Argument(...)) -> None:
    """One connector (secrets masked)."""
    emit(answer("GET", f"/connection/connectors/{uuid}", local=lambda s: connectors.get(s, uuid)))


@connector_app.command("create")
def connector_create(
    integration_slug: str = typer.Option(..., "--integration-slug"),
    slug: str = typer.Option(..., "--slug"),
    name: str = typer.Option(..., "--name"),
    config: str = typer.Option(None, "--config", help='Credentials object (JSON, @file or -); an "oauth:<uuid>" '
                                                      "value from complete-oauth gives the connector those tokens."),
    rate_limit: str = typer.Option(None, "--rate-limit",
                                   help='{"unit":"second"|"minute"|"hour"|"day","max":60,"strategy":"burst"|"spread"}'),
    cache_ttl: int = typer.Option(None, "--cache-ttl-milliseconds"),
) -> None:
    """Create a connector (and its dataset); secrets are encrypted at rest and never shown again. The first
    connector of an integration is its default."""
    parsed_config = parse_json_flag("--config", config)
    limit = parse_json_flag("--rate-limit", rate_limit)
    body = {"integrationSlug": integration_slug, "slug": slug, "name": name, "config": parsed_config,
            "rateLimit": limit, "cacheTtlMilliseconds": cache_ttl}
    emit(answer("POST", "/connection/connectors", body=body,
                local=lambda s: connectors.create(s, integration_slug=integration_slug, slug=slug, name=name,
                                                  config=parsed_config, rate_limit=limit, cache_ttl_ms=cache_ttl)))


@connector_app.command("update")
def connector_update(
    uuid: str = typer.Option(..., "--uuid"),
    name: str = typer.Option(None, "--name"),
    config: str = typer.Option(None, "--config", help='Merged key by key; "********" keeps a stored secret.'),
    rate_limit: str = typer.Option(None, "--rate-limit", help="JSON, or null to remove the limit."),
    cache_ttl: int = typer.Option(None, "--cache-ttl-milliseconds"),
    is_default: bool = typer.Option(None, "--is-default/--not-default",
                                    help="Make it the integration's default connector (unmarks the others)."),
) -> None:
    """Update a connector's name, config, rate limit, cache or default mark."""
    changes: dict[str, Any] = {}
    body: dict[str, Any] = {}
    if name is not None:
        changes["name"] = body["name"] = name
    if config is not None:
        changes["config"] = body["config"] = parse_json_flag("--config", config)
    if rate_limit is not None:
        changes["rate_limit"] = body["rateLimit"] = parse_json_flag("--rate-limit", rate_limit)
    if cache_ttl is not None:
        changes["cache_ttl_ms"] = body["cacheTtlMilliseconds"] = cache_ttl
    if is_default is not None:
        changes["is_default"] = body["isDefault"] = is_default
    emit(answer("PUT", f"/connection/connectors/{uuid}", body=body,
                local=lambda s: connectors.update(s, uuid, **changes)))


@connector_app.command("remove")
def connector_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a connector (refused while deployed plays or tools, or models of its dataset, use it)."""
    emit(answer("DELETE", f"/connection/connectors/{uuid}", local=lambda s: connectors.remove(s, uuid)))


@connector_app.command("exists-by-slug")
def connector_exists(slug: str = typer.Option(..., "--slug")) -> None:
    """Whether a connector slug is taken."""
    emit(answer("GET", "/connection/connectors/existsBySlug", query={"slug": slug},
                local=lambda s: connectors.exists_by_slug(s, slug)))


@connector_app.command("test")
def connector_test(uuid: str = typer.Argument(..., help="The connector's uuid.")) -> None:
    """Check the connector's credentials against the provider with a cheap call (Slack auth.test, Hunter's
    account, OpenAI's models list, an SMTP login, the http connector's `healthPath`…). Prints {connector,
    outcome: valid|invalid, errorMessage?, checkedAt}; exit 0 for either outcome."""
    emit(answer("POST", f"/connection/connectors/{uuid}/test", local=lambda s: connectors.check_connector(s, uuid)))


@connector_app.command("autocomplete")
def connector_autocomplete(
    connector_uuid: str = typer.Option(..., "--connector-uuid"),
    slug: str = typer.Option(..., "--slug", help="Autocomplete slug, e.g. listChannels."),
    params: str = typer.Option(..., "--params", help="JSON object ({} when none)."),
    value: str = typer.Option(None, "--value", help="Keep results whose label or value contains this."),
    refresh: bool = typer.Option(False, "--refresh", help="Bypass cached results."),
) -> None:
    """Allowed values of a config field, looked up live through the connector."""
    parsed = parse_json_flag("--params", params)
    body = {"slug": slug, "params": parsed, "value": value, "refresh": refresh}
    emit(answer("POST", f"/connection/connectors/{connector_uuid}/autocomplete", body=body,
                local=lambda s: connectors.autocomplete(s, connector_uuid=connector_uuid, slug=slug, params=parsed,
                                                        value=value, refresh=refresh)))


@connector_app.command("dynamic-schema")
def connector_dynamic_schema(
    connector_uuid: str = typer.Option(..., "--connector-uuid"),
    slug: str = typer.Option(..., "--slug", help="Dynamic schema slug (the integration's `dynamicSchemas`)."),
    params: str = typer.Option("{}", "--params", help="JSON object, e.g. {\"objectType\":\"contacts\"}."),
) -> None:
    """A config form computed through the connector: `{schema, uiSchema}`."""
    parsed = parse_json_flag("--params", params)
    emit(answer("POST", f"/connection/connectors/{connector_uuid}/dynamicSchemas/{slug}", body={"params": parsed},
                local=lambda s: connectors.dynamic_schema(s, connector_uuid=connector_uuid, slug=slug,
                                                          params=parsed)))
