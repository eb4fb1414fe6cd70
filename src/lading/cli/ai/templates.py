"""`lading ai template …`: list, get."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.ai._remote import answer_without_store, present
from lading.cli.common import help_settings
from lading.cli.output import emit, split_list

if TYPE_CHECKING:
    from lading.services.ai import templates
else:  # imported when a command answers locally: remote mode never loads the store
    templates = lazy_module("lading.services.ai.templates")

template_app = typer.Typer(help="Read-only agent configurations to start from.", no_args_is_help=True,
                           context_settings=help_settings())


def _bool(flag: str, raw: str | None) -> bool | None:
    from lading.domain.errors import UsageError

    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise UsageError(f"error: option '{flag}' must be true or false (got '{raw}')")


@template_app.command("list")
def list_templates(
    is_preset: str = typer.Option(None, "--is-preset", help="true: shipped templates only; false: your own."),
    kinds: str = typer.Option(None, "--kinds", help="agent and/or mcpServer (a,b)."),
    has_documentation: str = typer.Option(None, "--has-documentation",
                                          help="true: only templates with documentation (none in Lading)."),
) -> None:
    """Every AI template (shipped ones and $LADING_HOME/templates/*.json), complete."""
    from lading.settings import load_settings

    filters = present(is_preset=_bool("--is-preset", is_preset), kinds=split_list(kinds),
                      has_documentation=_bool("--has-documentation", has_documentation))
    body = {"isPreset": filters.get("is_preset"), "kinds": filters.get("kinds"),
            "hasDocumentation": filters.get("has_documentation")}
    emit(answer_without_store("POST", "/ai/templates/list", body=present(**body),
                              local=lambda: templates.list_templates(load_settings().home, **filters)))


@template_app.command("get")
def get(slug: str = typer.Argument(...)) -> None:
    """One AI template."""
    from lading.settings import load_settings

    emit(answer_without_store("GET", f"/ai/templates/{slug}", local=lambda: templates.get(load_settings().home, slug)))
