"""`lading ai template …`: list, get."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.output import emit
from lading.settings import load_settings

template_app = typer.Typer(help="Read-only agent configurations to start from.", no_args_is_help=True,
                           context_settings=help_settings())


@template_app.command("list")
def list_templates() -> None:
    """Every AI template (shipped ones and $LADING_HOME/templates/*.json), complete."""
    from lading.services.ai import templates

    emit(templates.list_templates(load_settings().home))


@template_app.command("get")
def get(slug: str = typer.Argument(...)) -> None:
    """One AI template."""
    from lading.services.ai import templates

    emit(templates.get(load_settings().home, slug))
