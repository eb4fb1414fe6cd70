"""`lading connection …`: integrations, native actions, connectors, autocompletes."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.connection.connectors import connector_app
from lading.cli.connection.integrations import integration_app
from lading.cli.connection.native_integrations import native_app

connection_app = typer.Typer(help="Integrations and connectors.", no_args_is_help=True,
                             context_settings=help_settings())
connection_app.add_typer(integration_app, name="integration")
connection_app.add_typer(native_app, name="native-integration")
connection_app.add_typer(connector_app, name="connector")

__all__ = ["connection_app"]
