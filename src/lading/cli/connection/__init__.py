"""`lading connection …`: integrations, native actions, connector actions, connectors, autocompletes."""

from __future__ import annotations

from lading.cli.common import command_group

connection_app = command_group(
    "Integrations and connectors.",
    __name__,
    (".integrations:integration_app", "integration"),
    (".native_integrations:native_app", "native-integration"),
    (".actions:action_app", "action"),
    (".connectors:connector_app", "connector"),
    (".custom_integrations:custom_integration_app", "custom-integration"))

__all__ = ["connection_app"]
