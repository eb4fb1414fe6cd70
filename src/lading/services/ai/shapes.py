"""The JSON shapes of `lading ai …` (spec §2), defined once for the CLI, the MCP tools and the HTTP API.

Pydantic models with camelCase aliases (`dump()` renders the exact documented field names, in the
documented order), and the one mapping of each stored row to its shape (`of`). Configuration the user
writes (actions, resources, options, parts, triggers…) stays open-ended: it is checked where it is
written, and printed as stored. An AI template is such a document as a whole (shipped or a user's
`$LADING_HOME/templates/*.json`), so it has no shape of its own.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from lading.ai.releases import complete
from lading.domain.shapes import Shape
from lading.integrations._secrets import MASK
from lading.store.clock import iso


class Removed(Shape):
    """What removing an agent or an MCP server answers."""

    uuid: str
    removed: bool = True


# --- agents and releases ------------------------------------------------------------------------------


def _masked(client: Any) -> Any:
    auth = client.get("authentication") if isinstance(client, dict) else None
    if not isinstance(auth, dict):
        return client
    return {**client, "authentication": {"issuedAt": auth.get("issuedAt"), "accessToken": MASK}}


def _release_fields(row: Any) -> dict[str, Any]:
    config = complete(row.config)
    return {"uuid": row.uuid, "agent_uuid": row.agent_uuid, "version": row.version, "status": row.status,
            "description": row.description, "parent_uuid": row.parent_uuid,
            "system_prompt": config["systemPrompt"], "language_model_slug": config["languageModelSlug"],
            "integration_slug": config["integrationSlug"], "connector_uuid": config["connectorUuid"],
            "temperature": config["temperature"], "max_steps": config["maxSteps"],
            "with_reasoning": config["withReasoning"], "actions": config["actions"],
            "resources": config["resources"], "mcp_clients": [_masked(c) for c in config["mcpClients"]],
            "capabilities": config["capabilities"], "suggested_actions": config["suggestedActions"],
            "options": config["options"], "output": config["output"], "heartbeat": config["heartbeat"],
            "deployed_at": iso(row.deployed_at), "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


class Release(Shape):
    """A Release (spec §2.2). MCP-client credentials are never printed (`accessToken` masked)."""

    uuid: str
    agent_uuid: str
    version: str
    status: str
    description: str | None
    parent_uuid: str | None
    system_prompt: Any
    language_model_slug: Any
    integration_slug: Any
    connector_uuid: Any
    temperature: Any
    max_steps: Any
    with_reasoning: Any
    actions: Any
    resources: Any
    mcp_clients: list[Any]
    capabilities: Any
    suggested_actions: Any
    options: Any
    output: Any
    heartbeat: Any
    deployed_at: str | None
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any) -> Self:
        return cls(**_release_fields(row))


class DeployedRelease(Release):
    """An agent's `deployedRelease`: the same Release, printed without agentUuid, status and updatedAt
    (the fields keep their place, so both documents list the rest in one order)."""

    agent_uuid: str = Field(exclude=True)
    status: str = Field(exclude=True)
    updated_at: str | None = Field(exclude=True)


class AgentIcon(Shape):
    color: str
    face: str


class Agent(Shape):
    """An Agent (spec §2.1)."""

    uuid: str
    workspace_uuid: str
    name: str
    icon: AgentIcon
    description: str | None
    triggers: list[Any]
    deployed_release: DeployedRelease | None
    folder_uuid: str | None
    template: str | None
    is_read_only: bool
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any, deployed: Any | None) -> Agent:
        return cls(uuid=row.uuid, workspace_uuid=row.workspace_uuid, name=row.name,
                   icon=AgentIcon(color=row.icon_color, face=row.icon_face), description=row.description,
                   triggers=[], deployed_release=DeployedRelease.of(deployed) if deployed is not None else None,
                   folder_uuid=row.folder_uuid, template=row.template_slug, is_read_only=False,
                   created_at=iso(row.created_at), updated_at=iso(row.updated_at))


# --- the language-model catalog -----------------------------------------------------------------------


class CreditPrice(Shape):
    type: str
    cost: float | int
    unit: str
    units_count: int


class LanguageModelCredits(Shape):
    cost: CreditPrice


class LanguageModel(Shape):
    """A model of the catalog in the HTTP client's shape (api.md §5: `description`, token limits,
    `isReasoning`, `credits: {cost}`), plus the CLI's provider and capability flags (C §2.4)."""

    slug: str
    name: str
    description: str
    context_window_tokens_limit: int | None
    output_tokens_limit: int | None
    is_reasoning: bool
    integration_slug: str
    supports_tools: bool
    supports_json_schema: bool
    credits: LanguageModelCredits | None


# --- chats and messages ---------------------------------------------------------------------------------


class Chat(Shape):
    uuid: str
    agent_uuid: str
    name: str | None
    trigger: dict[str, Any]
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any) -> Chat:
        return cls(uuid=row.uuid, agent_uuid=row.agent_uuid, name=row.name, trigger=row.trigger,
                   created_at=iso(row.created_at), updated_at=iso(row.updated_at))


_UNSET: Any = object()


class Message(Shape):
    """A chat message; `errorMessage` is set only when `status` is error."""

    uuid: str
    chat_uuid: str
    role: str
    status: str
    parts: list[Any]
    error_message: str | None
    created_at: str | None

    @classmethod
    def of(cls, row: Any, *, status: str | None = None, error_message: Any = _UNSET) -> Message:
        """The stored message, or (`status`, `error_message` given) as its run ended it."""
        status = status or row.status
        if error_message is _UNSET:
            error_message = row.error_message if status == "error" else None
        return cls(uuid=row.uuid, chat_uuid=row.chat_uuid, role=row.role, status=status,
                   parts=list(row.parts or []), error_message=error_message, created_at=iso(row.created_at))


class MessageExchange(Shape):
    """What sending a message answers: the user's message and the agent's answer as they stand."""

    user_message: Message
    assistant_message: Message


# --- memories ---------------------------------------------------------------------------------------------


class Memory(Shape):
    mem0_id: str
    content: str
    scope: str
    agent_uuid: str | None
    user_uuid: str | None
    workspace_uuid: str
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any) -> Memory:
        return cls(mem0_id=row.mem0_id, content=row.content, scope=row.scope, agent_uuid=row.agent_uuid,
                   user_uuid=row.user_uuid, workspace_uuid=row.workspace_uuid, created_at=iso(row.created_at),
                   updated_at=iso(row.updated_at))


class RemovedMemory(Shape):
    mem0_id: str
    removed: bool = True


# --- MCP servers ------------------------------------------------------------------------------------------


class McpServer(Shape):
    """A server published over MCP (spec §2.8): its actions and resources as written."""

    uuid: str
    workspace_uuid: str
    name: str
    actions: list[Any]
    resources: list[Any]
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any) -> McpServer:
        return cls(uuid=row.uuid, workspace_uuid=row.workspace_uuid, name=row.name, actions=row.actions or [],
                   resources=row.resources or [], created_at=iso(row.created_at), updated_at=iso(row.updated_at))
