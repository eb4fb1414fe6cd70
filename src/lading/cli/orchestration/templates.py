"""`orchestration template …`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.orchestration import templates
else:  # imported when a command answers locally: remote mode never loads the store
    templates = lazy_module("lading.services.orchestration.templates")

template_app = typer.Typer(help="Pre-built workflow templates.", no_args_is_help=True,
                           context_settings=help_settings())


@template_app.command("list")
def list_(kind: str = typer.Option(None, "--kind", help="tool or play.")) -> None:
    """List templates (slug, name, description, kind)."""
    emit(answer("POST", "/orchestration/templates/list", body={"kinds": [kind] if kind else None},
                local=lambda s: templates.list_templates(kind=kind)))


@template_app.command("get")
def get(slug: str = typer.Argument(..., help="Template slug, e.g. company-enrichment.")) -> None:
    """A template with its nodes and form fields (placeholders left to fill)."""
    emit(answer("GET", f"/orchestration/templates/{slug}", local=lambda s: templates.template(slug)))
