"""`lading content …`: files and libraries agents search (`ai file …` is the same file group)."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.content.files import file_app
from lading.cli.content.libraries import library_app

content_app = typer.Typer(help="Content files and libraries that agent resources search.", no_args_is_help=True,
                          context_settings=help_settings())
content_app.add_typer(file_app, name="file")
content_app.add_typer(library_app, name="library")

__all__ = ["content_app"]
