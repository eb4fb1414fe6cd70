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


def masked_mcp_client(client: Any) -> Any:
    """An MCP client as printed: its access token replaced by the mask."""
    auth = client.get("authentication") if isinstance(client, dict) else None
    if not isinstance(auth, dict):
        return client
    return {**client, "authentication": {"issuedAt": auth.get("issuedAt"), "accessToken": MASK}}


def _release_fields(row: Any) -> dict[str, Any]:
    config = complete(row.config)
    return {"uuid": row.uuid, "agent_uuid": row.agent_uuid, "workspace_uuid": row.workspace_uuid,
            "user_uuid": row.user_uuid, "version": row.version, "status": row.status,
            "description": row.description, "parent_uuid": row.parent_uuid, "template_slug": None,
            "system_prompt": config["systemPrompt"], "language_model_slug": config["languageModelSlug"],
            "integration_slug": config["integrationSlug"], "connector_uuid": config["connectorUuid"],
            "temperature": config["temperature"], "max_steps": config["maxSteps"],
            "with_reasoning": config["withReasoning"], "actions": config["actions"],
            "resources": config["resources"], "mcp_clients": [masked_mcp_client(c) for c in config["mcpClients"]],
            "capabilities": config["capabilities"], "suggested_actions": config["suggestedActions"],
            "options": config["options"], "output": config["output"], "heartbeat": config["heartbeat"],
            "evaluator": None, "deployed_at": iso(row.deployed_at), "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


class Release(Shape):
    """An AiRelease (spec §2.2, api.md §13: + `workspaceUuid`, `userUuid`, `templateSlug`, `evaluator`).
    MCP-client credentials are never printed (`accessToken` masked). `capabilities` are `{slug, config}`
    objects and `suggestedActions` `{text, actions}` (the client's shapes, api.md §6). Lading keeps no
    template per release nor evaluators: `templateSlug` and `evaluator` are null."""

    uuid: str
    agent_uuid: str
    workspace_uuid: str
    user_uuid: str | None
    version: str
    status: str
    description: str | None
    parent_uuid: str | None
    template_slug: str | None
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
    evaluator: Any
    deployed_at: str | None
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any) -> Self:
        return cls(**_release_fields(row))


class DeployedRelease(Release):
    """An agent's `deployedRelease`: the same Release, printed without agentUuid, status, updatedAt,
    workspaceUuid and parentUuid (api.md §13; the fields keep their place, so both documents list the
    rest in one order)."""

    agent_uuid: str = Field(exclude=True)
    workspace_uuid: str = Field(exclude=True)
    status: str = Field(exclude=True)
    parent_uuid: str | None = Field(exclude=True)
    updated_at: str | None = Field(exclude=True)


class AgentIcon(Shape):
    color: str
    face: str


class AgentTemplate(Shape):
    """The template an agent was created from: `isAvailable` false once the template is gone (a
    removed `$LADING_HOME/templates` file), `scope` then null."""

    slug: str
    is_available: bool
    scope: str | None


class Agent(Shape):
    """An Agent (spec §2.1, api.md §13: + `userUuid`, `deletedAt`, `template` as an object)."""

    uuid: str
    workspace_uuid: str
    user_uuid: str | None
    name: str
    icon: AgentIcon
    description: str | None
    triggers: list[Any]
    deployed_release: DeployedRelease | None
    folder_uuid: str | None
    template: AgentTemplate | None
    is_read_only: bool
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None

    @classmethod
    def of(cls, row: Any, deployed: Any | None, template: dict[str, Any] | None = None) -> Agent:
        """`template`: the row's template (`row.template_slug`) as found now, None when it is gone."""
        ref = None
        if row.template_slug:
            ref = AgentTemplate(slug=row.template_slug, is_available=template is not None,
                                scope=template.get("scope") if template is not None else None)
        return cls(uuid=row.uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid,
                   name=row.name, icon=AgentIcon(color=row.icon_color, face=row.icon_face),
                   description=row.description, triggers=[],
                   deployed_release=DeployedRelease.of(deployed) if deployed is not None else None,
                   folder_uuid=row.folder_uuid, template=ref, is_read_only=False,
                   created_at=iso(row.created_at), updated_at=iso(row.updated_at),
                   deleted_at=iso(row.deleted_at))


def ai_template(template: dict[str, Any]) -> dict[str, Any]:
    """An AiTemplate (spec §2.3, api.md §13): the template document as written, plus the keys the
    client expects that Lading's installation-wide templates have no value for (`workspaceUuid`,
    `evaluator`, `deletedAt`: null)."""
    return {**template, "workspaceUuid": None, "evaluator": None, "deletedAt": None}


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

_UNSET: Any = object()
# An assistant message still being answered (its chat's `activeStreamUuid`).
UNFINISHED = ("pending", "generating", "cancelling")


class Message(Shape):
    """A chat message (spec §2.6; api.md §13 adds the client's keys after the spec's). `errorMessage`
    is set only when `status` is error; the release fields are the message's overrides of its release
    (null / [] when it has none); `usage` is an answer's token usage and credits once it succeeded."""

    uuid: str
    chat_uuid: str
    role: str
    status: str
    parts: list[Any]
    error_message: str | None
    created_at: str | None
    type: str
    workspace_uuid: str
    agent_uuid: str | None
    release_uuid: str | None
    user_uuid: str | None
    actions: list[Any]
    resources: list[Any]
    capabilities: list[Any]
    mcp_clients: list[Any]
    system_prompt: str | None
    with_reasoning: bool
    temperature: float | None
    max_steps: int | None
    integration_slug: str | None
    connector_uuid: str | None
    language_model_slug: str | None
    evaluated_tools: dict[str, Any]
    usage: dict[str, Any] | None
    output: Any
    evaluation: Any
    meta: Any
    suggested_actions: list[Any]
    temporal_workflow_id: str | None
    updated_at: str | None
    finished_at: str | None
    deleted_at: str | None

    @classmethod
    def of(cls, row: Any, *, agent_uuid: str | None = None, status: str | None = None,
           error_message: Any = _UNSET) -> Self:
        """The stored message (of a chat with `agent_uuid`), or (`status`, `error_message` given) as
        its run ended it."""
        status = status or row.status
        if error_message is _UNSET:
            error_message = row.error_message if status == "error" else None
        given = dict(row.overrides or {})
        return cls(uuid=row.uuid, chat_uuid=row.chat_uuid, role=row.role, status=status,
                   parts=list(row.parts or []), error_message=error_message, created_at=iso(row.created_at),
                   type=row.role, workspace_uuid=row.workspace_uuid, agent_uuid=agent_uuid,
                   release_uuid=row.release_uuid, user_uuid=row.user_uuid or None,
                   actions=given.get("actions") or [], resources=given.get("resources") or [],
                   capabilities=given.get("capabilities") or [], mcp_clients=[masked_mcp_client(c) for c in
                                                                               given.get("mcpClients") or []],
                   system_prompt=given.get("systemPrompt"), with_reasoning=bool(given.get("withReasoning")),
                   temperature=given.get("temperature"), max_steps=given.get("maxSteps"),
                   integration_slug=given.get("integrationSlug"), connector_uuid=given.get("connectorUuid"),
                   language_model_slug=given.get("languageModelSlug"), evaluated_tools={}, usage=row.usage,
                   output=given.get("output"), evaluation=None, meta=None, suggested_actions=[],
                   temporal_workflow_id=row.run_uuid, updated_at=iso(row.updated_at),
                   finished_at=iso(row.finished_at), deleted_at=iso(row.deleted_at))


class LastMessage(Message):
    """A chat's `lastMessage`: its latest message without the parts (a list stays light)."""

    parts: list[Any] = Field(exclude=True)


class Chat(Shape):
    """A chat (spec §2.5; api.md §13 adds the client's keys after the spec's). `releaseUuid` is the
    release it is pinned to, else the one its latest message went to; `activeStreamUuid` the assistant
    message being answered, if any."""

    uuid: str
    agent_uuid: str
    name: str | None
    trigger: dict[str, Any]
    created_at: str | None
    updated_at: str | None
    slug: str | None
    trace_uuid: str | None
    workspace_uuid: str
    user_uuid: str | None
    release_uuid: str | None
    heartbeat: Any
    evaluator: Any
    active_stream_uuid: str | None
    credits_used_count: float
    deleted_at: str | None
    last_message: LastMessage | None

    @classmethod
    def of(cls, row: Any, last: Message | None = None) -> Chat:
        """The chat with its latest message (presented: see `services.ai.messages`)."""
        active = last.uuid if last is not None and last.role == "assistant" and last.status in UNFINISHED else None
        return cls(uuid=row.uuid, agent_uuid=row.agent_uuid, name=row.name, trigger=row.trigger,
                   created_at=iso(row.created_at), updated_at=iso(row.updated_at), slug=None, trace_uuid=None,
                   workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid or None,
                   release_uuid=row.release_uuid or (last.release_uuid if last is not None else None),
                   heartbeat=None, evaluator=None, active_stream_uuid=active,
                   credits_used_count=round(row.credits_used_count or 0.0, 6), deleted_at=iso(row.deleted_at),
                   last_message=LastMessage(**last.model_dump()) if last is not None else None)


class MessageExchange(Shape):
    """What sending a message answers: the user's message and the agent's answer as they stand."""

    user_message: Message
    assistant_message: Message


class Vote(Shape):
    """A user's feedback on a chat message (api.md §13): one per user and message."""

    uuid: str
    workspace_uuid: str
    user_uuid: str | None
    chat_uuid: str
    message_uuid: str
    is_upvoted: bool
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, row: Any) -> Vote:
        return cls(uuid=row.uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid or None,
                   chat_uuid=row.chat_uuid, message_uuid=row.message_uuid, is_upvoted=row.is_upvoted,
                   created_at=iso(row.created_at), updated_at=iso(row.updated_at))


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
    """An MCP server (spec §2.8): `kind` `published` — this workspace's actions and resources served to
    outside MCP clients — or `remote` — someone else's server, at `url`, whose tools agents call (its
    token masked, its `tools` as last listed). api.md §13: + `userUuid`, `description`, `folderUuid`,
    `templateSlug`, `isReadOnly`, `deletedAt`; Lading's servers come from no template, none is read-only,
    and a removed one is gone."""

    uuid: str
    workspace_uuid: str
    user_uuid: str | None
    name: str
    kind: str
    description: str | None
    actions: list[Any]
    resources: list[Any]
    url: str | None
    authentication: dict[str, Any] | None
    disabled_tool_slugs: list[str]
    tools: list[Any]
    folder_uuid: str | None
    template_slug: str | None
    is_read_only: bool
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None

    @classmethod
    def of(cls, row: Any) -> McpServer:
        auth = row.authentication if isinstance(row.authentication, dict) else None
        return cls(uuid=row.uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid,
                   name=row.name, kind=row.kind or "published", description=row.description,
                   actions=row.actions or [], resources=row.resources or [], url=row.url,
                   authentication=None if auth is None else {"issuedAt": auth.get("issuedAt"), "accessToken": MASK},
                   disabled_tool_slugs=row.disabled_tool_slugs or [], tools=row.tools or [],
                   folder_uuid=row.folder_uuid, template_slug=None, is_read_only=False,
                   created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=None)


class McpClientTool(Shape):
    """A tool a remote MCP server offers (`ai mcp-client connect`): the route's item adds its input
    schema under `config.jsonSchema` (api.md §6)."""

    slug: str
    name: str
    description: str | None
    config: dict[str, Any]
