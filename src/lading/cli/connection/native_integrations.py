"""`connection native-integration …`: the built-in actions of native nodes."""

from __future__ import annotations

import typer

from lading.cli.common import answer, help_settings
from lading.cli.output import emit

native_app = typer.Typer(help="Built-in (native) actions.", no_args_is_help=True, context_settings=help_settings())


@native_app.command("get")
def native_get() -> None:
    """Built-in actions of native nodes."""
    from lading.services.connection import native_integrations

    emit(answer("GET", "/connection/nativeIntegrations", local=lambda s: native_integrations.get()))
