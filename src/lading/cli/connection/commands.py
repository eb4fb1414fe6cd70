"""`lading connection …`: integrations, native actions, connectors, autocompletes."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, emit_text, parse_json_flag, split_list

connection_app = typer.Typer(help="Integrations and connectors.", no_args_is_help=True,
                             context_settings=help_settings())
integration_app = typer.Typer(help="The integration catalog.", no_args_is_help=True,
                              context_settings=help_settings())
native_app = typer.Typer(help="Built-in (native) actions.", no_args_is_help=True, context_settings=help_settings())
connector_app = typer.Typer(help="Authenticated instances of integrations.", no_args_is_help=True,
                            context_settings=help_settings())
connection_app.add_typer(integration_app, name="integration")
connection_app.add_typer(native_app, name="native-integration")
connection_app.add_typer(connector_app, name="connector")


@integration_app.command("list")
def integration_list(
    category: str = typer.Option(None, "--category"),
    slug: str = typer.Option(None, "--slug", help="Exact slug (alias of --slugs)."),
    slugs: str = typer.Option(None, "--slugs", help="Comma-separated exact slugs."),
    search: str = typer.Option(None, "--search", help="Case-insensitive match on name and slug."),
    has_actions: str = typer.Option(None, "--has-actions", help="true or false."),
    has_extractors: str = typer.Option(None, "--has-extractors", help="true or false."),
) -> None:
    """List integrations (full objects)."""
    from lading.services.connection import connectors as connections

    wanted = (split_list(slugs) or []) + (split_list(slug) or [])
    emit(connections.list_integrations(category=category, slugs=wanted or None, search=search,
                                       has_actions=has_actions, has_extractors=has_extractors))


@integration_app.command("get")
def integration_get(slug: str = typer.Argument(...)) -> None:
    """One integration: connector schema and actions."""
    from lading.services.connection import connectors as connections

    emit(connections.get_integration_document(slug))


@integration_app.command("get-documentation")
def integration_docs(slug: str = typer.Argument(...)) -> None:
    """The integration's Markdown documentation (plain text)."""
    from lading.services.connection import connectors as connections

    emit_text(connections.get_documentation(slug))


@native_app.command("get")
def native_get() -> None:
    """Built-in actions of native nodes."""
    from lading.services.connection import connectors as connections

    emit(connections.native_integration())


@connector_app.command("list")
def connector_list(integration_slug: str = typer.Option(None, "--integration-slug")) -> None:
    """List connectors (secrets masked)."""
    from lading.services.connection import connectors as connections

    emit(connections.list_connectors(session(), integration_slug=integration_slug))


@connector_app.command("get")
def connector_get(uuid: str = typer.Argument(...)) -> None:
    """One connector (secrets masked)."""
    from lading.services.connection import connectors as connections

    emit(connections.get_connector(session(), uuid))


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
    from lading.services.connection import connectors as connections

    emit(connections.create_connector(session(), integration_slug=integration_slug, slug=slug, name=name,
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
    from lading.services.connection import connectors as connections

    extra: dict[str, object] = {}
    if rate_limit is not None:
        extra["rate_limit"] = parse_json_flag("--rate-limit", rate_limit)
    if cache_ttl is not None:
        extra["cache_ttl_ms"] = cache_ttl
    emit(connections.update_connector(session(), uuid, name=name, config=parse_json_flag("--config", config),
                                      **extra))


@connector_app.command("remove")
def connector_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a connector (refused while deployed tools use it)."""
    from lading.services.connection import connectors as connections

    emit(connections.remove_connector(session(), uuid))


@connector_app.command("exists-by-slug")
def connector_exists(slug: str = typer.Option(..., "--slug")) -> None:
    """Whether a connector slug is taken."""
    from lading.services.connection import connectors as connections

    emit(connections.exists_by_slug(session(), slug))


@connector_app.command("autocomplete")
def connector_autocomplete(
    connector_uuid: str = typer.Option(..., "--connector-uuid"),
    slug: str = typer.Option(..., "--slug", help="Autocomplete slug, e.g. listChannels."),
    params: str = typer.Option(..., "--params", help="JSON object ({} when none)."),
    value: str = typer.Option(None, "--value", help="Keep results whose label or value contains this."),
    refresh: bool = typer.Option(False, "--refresh", help="Bypass cached results."),
) -> None:
    """Allowed values of a config field, looked up live through the connector."""
    from lading.services.connection import connectors as connections

    emit(connections.autocomplete(session(), connector_uuid=connector_uuid, slug=slug,
                                  params=parse_json_flag("--params", params), value=value, refresh=refresh))
