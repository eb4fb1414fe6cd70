"""`connection integration …`: the integration catalog."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.output import emit, emit_text, split_list

integration_app = typer.Typer(help="The integration catalog.", no_args_is_help=True,
                              context_settings=help_settings())


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
    from lading.services.connection import integrations

    wanted = (split_list(slugs) or []) + (split_list(slug) or [])
    emit(integrations.list_integrations(category=category, slugs=wanted or None, search=search,
                                        has_actions=has_actions, has_extractors=has_extractors))


@integration_app.command("get")
def integration_get(slug: str = typer.Argument(...)) -> None:
    """One integration: connector schema and actions."""
    from lading.services.connection import integrations

    emit(integrations.get(slug))


@integration_app.command("get-documentation")
def integration_docs(slug: str = typer.Argument(...)) -> None:
    """The integration's Markdown documentation (plain text)."""
    from lading.services.connection import integrations

    emit_text(integrations.get_documentation(slug))
