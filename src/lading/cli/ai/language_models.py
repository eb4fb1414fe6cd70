"""`lading ai language-model …`: list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.ai._remote import answer_without_store, present
from lading.cli.common import help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.ai import language_models
else:  # imported when a command answers locally: remote mode never loads the store
    language_models = lazy_module("lading.services.ai.language_models")

model_app = typer.Typer(help="Language models agents can use.", no_args_is_help=True,
                        context_settings=help_settings())


@model_app.command("list")
def list_language_models(
    integration_slug: str = typer.Option(None, "--integration-slug", help="Only this provider's models."),
) -> None:
    """The language-model catalog with credit prices (other model slugs pass through to the provider)."""
    emit(answer_without_store("GET", "/ai/languageModels/list", query=present(integrationSlug=integration_slug),
                              local=lambda: language_models.list_language_models(integration_slug)))
