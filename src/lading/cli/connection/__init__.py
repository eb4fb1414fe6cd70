"""`lading connection …`: integrations, native actions, connector actions, connectors, autocompletes."""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.connection.actions import action_app
from lading.cli.connection.connectors import connector_app
from lading.cli.connection.integrations import integration_app
from lading.cli.connection.native_integrations import native_app

connection_app = command_group(
    "Integrations and connectors.",
    (integration_app, "integration"), (native_app, "native-integration"), (action_app, "action"),
    (connector_app, "connector"))

__all__ = ["connection_app"]
