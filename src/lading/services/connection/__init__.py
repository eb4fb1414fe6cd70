"""`lading connection …`: the integration catalog, native actions, connectors and connector calls.

Public verbs, one module per noun of `lading connection <noun> <verb>`:

- `integrations`: `list_integrations`, `get`, `get_documentation`, `initiate_oauth`, `complete_oauth` (and
  `require_integration`).
- `actions`: `search` (connector actions of the catalog by keywords).
- `native_integrations`: `get`.
- `connectors`: `list_connectors`, `get`, `create`, `update`, `remove`, `exists_by_slug`, `autocomplete`,
  `dynamic_schema`
  (and `credentials_for`, `platform_credential`, `require_connector` for other groups).
- `custom_integrations`: `create`, `list_custom`, `get`, `update`, `remove` (a workspace's declared
  integrations), `import_openapi` (a document from an OpenAPI 3 file).
- `catalog`: `find_integration`, `catalog` — the integrations one workspace sees (built-ins, installation
  files, its custom integrations).
- `calls`: `ConnectorCalls.call`, one connector action as a run's node or `node execute` calls it.
- `shapes`: the JSON shapes these verbs answer (`Integration`, `Action`, `NativeIntegration`, `Connector`…).

Helpers private to the group: `_oauth` (OAuth token sets between the provider's answer and a connector).
Sealing, opening, masking and renewing connector credentials is `services/connector_credentials.py`,
shared with the extractor syncs of `services.storage`.
"""

from lading.services._submodules import lazy_submodules

__all__ = ["actions", "calls", "catalog", "connectors", "custom_integrations", "integrations", "native_integrations",
           "shapes"]

__getattr__ = lazy_submodules(__name__, __all__)
