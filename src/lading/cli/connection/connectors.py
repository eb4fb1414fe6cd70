"""`connection connector …`: authenticated instances of integrations (secrets masked on output)."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag

connector_app = typer.Typer(help="Authenticated instances of integrations.", no_args_is_help=True,
                            context_settings=help_settings())


@connector_app.command("list")
def connector_list(integration_slug: str = typer.Option(None, "--integration-slug")) -> None:
    """List connectors (secrets masked)."""
    from lading.services.connection import connectors

    emit(connectors.list_connectors(session(), integration_slug=integration_slug))


@connector_app.command("get")
def connector_get(uuid: str = typer.Argument(...)) -> None:
    """One connector (secrets masked)."""
    from lading.services.connection import connectors

    emit(connectors.get(session(), uuid))


@connector_app.command("create")
def connector_create(
    integration_slug: str = typer.Option(..., "--integration-slug"),
    slug: str = typer.Option(..., "--slug"),
    name: str = typer.Option(..., "--name"),
    config: str = typer.Option(None, "--config", help="Credentials object (JSON, @file or -)."),
    rate_limit: str = typer.Option(None, "--rate-limit", help='{"unit":"minute","max":60}'),
    cache_ttl: int = typer.Option(None, "--cache-ttl-milliseconds"),
) -> None:
    """Create a connector; secrets are encrypted at rest and never shown again."""
    from lading.services.connection import connectors

    emit(connectors.create(session(), integration_slug=integration_slug, slug=slug, name=name,
                           config=parse_json_flag("--config", config),
                           rate_limit=parse_json_flag("--rate-limit", rate_limit), cache_ttl_ms=cache_ttl))


@connector_app.command("update")
def connector_update(
    uuid: str = typer.Option(..., "--uuid"),
    name: str = typer.Option(None, "--name"),
    config: str = typer.Option(None, "--config", help='Merged key by key; "********" keeps a stored secret.'),
    rate_limit: str = typer.Option(None, "--rate-limit"),
    cache_ttl: int = typer.Option(None, "--cache-ttl-milliseconds"),
) -> None:
    """Update a connector's name or config."""
    from lading.services.connection import connectors

    extra: dict[str, object] = {}
    if rate_limit is not None:
        extra["rate_limit"] = parse_json_flag("--rate-limit", rate_limit)
    if cache_ttl is not None:
        extra["cache_ttl_ms"] = cache_ttl
    emit(connectors.update(session(), uuid, name=name, config=parse_json_flag("--config", config), **extra))


@connector_app.command("remove")
def connector_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a connector (refused while deployed tools use it)."""
    from lading.services.connection import connectors

    emit(connectors.remove(session(), uuid))


@connector_app.command("exists-by-slug")
def connector_exists(slug: str = typer.Option(..., "--slug")) -> None:
    """Whether a connector slug is taken."""
    from lading.services.connection import connectors

    emit(connectors.exists_by_slug(session(), slug))


@connector_app.command("autocomplete")
def connector_autocomplete(
    connector_uuid: str = typer.Option(..., "--connector-uuid"),
    slug: str = typer.Option(..., "--slug", help="Autocomplete slug, e.g. listChannels."),
    params: str = typer.Option(..., "--params", help="JSON object ({} when none)."),
    value: str = typer.Option(None, "--value", help="Keep results whose label or value contains this."),
    refresh: bool = typer.Option(False, "--refresh", help="Bypass cached results."),
) -> None:
    """Allowed values of a config field, looked up live through the connector."""
    from lading.services.connection import connectors

    emit(connectors.autocomplete(session(), connector_uuid=connector_uuid, slug=slug,
                                 params=parse_json_flag("--params", params), value=value, refresh=refresh))
