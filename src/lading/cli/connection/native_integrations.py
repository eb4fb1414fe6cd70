"""`connection native-integration …`: the built-in actions of native nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.connection import native_integrations
else:  # imported when a command answers locally: remote mode never loads the store
    native_integrations = lazy_module("lading.services.connection.native_integrations")

native_app = typer.Typer(help="Built-in (native) actions.", no_args_is_help=True, context_settings=help_settings())


@native_app.command("get")
def native_get() -> None:
    """Built-in actions of native nodes."""
    emit(answer("GET", "/connection/nativeIntegrations", local=lambda s: native_integrations.get()))
