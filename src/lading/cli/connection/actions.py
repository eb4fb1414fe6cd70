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

action_app = typer.Typer(help="Actions of the catalog: every integration's and the native ones.", no_args_is_help=True,
                         context_settings=help_settings())


@action_app.command("search")
def action_search(
    query: list[str] = typer.Argument(None, help="Search terms; all must match (optional with --category, "
                                                 "--max-credits or --credits-only)."),
    category: str = typer.Option(None, "--category", help="Integration or action category (natives: logic, "
                                                          "code, ai, storage, engagement…)."),
    integration: str = typer.Option(None, "--integration", help="Only this integration's actions (`native`: "
                                                                "the native actions)."),
    credits_only: bool = typer.Option(False, "--credits-only", help="Only actions with a price."),
    max_credits: float = typer.Option(None, "--max-credits", help="Only actions whose cheapest call costs at "
                                                                   "most this many credits (unpriced = 0)."),
    sort: str = typer.Option("relevance", "--sort", help="relevance (default) or price (cheapest first)."),
    limit: int = typer.Option(20, "--limit", help="At most this many hits (1 to 1,000)."),
) -> None:
    """Actions of every integration (their aliases included) and native actions (integrationSlug
    "native") matching every term, best first: a name or alias hit above an integration hit above a
    description hit; filtered by category and price, or sorted cheapest first."""
    text = " ".join(query or [])
    body: dict[str, object] = {"query": text, "category": category, "integration": integration,
                               "creditsOnly": credits_only, "limit": limit}
    if max_credits is not None:
        body["maxCredits"] = max_credits
    if sort != "relevance":
        body["sort"] = sort
    emit(answer("POST", "/connection/actions/search", body=body,
                local=lambda s: actions.search(text, category=category, integration=integration,
                                               credits_only=credits_only, limit=limit, max_credits=max_credits,
                                               sort=sort, session=s)))
