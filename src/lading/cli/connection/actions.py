"""`connection action …`: search the connector actions of the catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.connection import actions
else:  # imported when a command answers locally: remote mode never loads the store
    actions = lazy_module("lading.services.connection.actions")

action_app = typer.Typer(help="Connector actions of the catalog.", no_args_is_help=True,
                         context_settings=help_settings())


@action_app.command("search")
def action_search(
    query: list[str] = typer.Argument(..., help="Search terms; all must match."),
    category: str = typer.Option(None, "--category", help="Integration or action category."),
    integration: str = typer.Option(None, "--integration", help="Only this integration's actions."),
    credits_only: bool = typer.Option(False, "--credits-only", help="Only actions with a provider price."),
    limit: int = typer.Option(20, "--limit", help="At most this many hits (1 to 1,000)."),
) -> None:
    """Connector actions matching every term, best first: a name hit above an integration hit above a
    description hit."""
    text = " ".join(query)
    body = {"query": text, "category": category, "integration": integration, "creditsOnly": credits_only,
            "limit": limit}
    emit(answer("POST", "/connection/actions/search", body=body,
                local=lambda s: actions.search(text, category=category, integration=integration,
                                               credits_only=credits_only, limit=limit, session=s)))
