"""What validation may look up in the caller's workspace (tools, connectors, agents)."""

from __future__ import annotations

from lading.services.session import Session
from lading.store.repositories import workflows


class WorkspaceReferences:
    """`engine.validation.References` backed by the store, scoped to one workspace."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def connector_exists(self, connector_uuid: str) -> bool:
        from lading.store.repositories import connectors

        with self._session.db.read() as conn:
            return connectors.get_connector(conn, self._session.workspace_uuid, connector_uuid) is not None

    def connector_action_children(self, integration_slug: str, action_slug: str) -> int | None:
        from lading.services.connection.catalog import find_integration

        integration = find_integration(self._session.db, self._session.workspace_uuid, integration_slug)
        action = integration.action(action_slug) if integration else None
        return action.children_count if action else None

    def connector_optional(self, integration_slug: str) -> bool:
        """Integrations whose actions can run without any connector (generic HTTP)."""
        from lading.services.connection.catalog import find_integration

        integration = find_integration(self._session.db, self._session.workspace_uuid, integration_slug)
        return integration is not None and not integration.requires_connector

    def tool_exists(self, tool_uuid: str) -> bool:
        with self._session.db.read() as conn:
            return workflows.get_tool(conn, self._session.workspace_uuid, tool_uuid) is not None

    def agent_exists(self, agent_uuid: str) -> bool:
        from lading.store.repositories import ai

        with self._session.db.read() as conn:
            return ai.get_agent(conn, self._session.workspace_uuid, agent_uuid) is not None
