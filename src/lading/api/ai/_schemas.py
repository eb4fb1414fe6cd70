"""The documented 200 bodies of the agent-side `ai` routes (api.md §6, §12): the services' shapes
(`services/ai/shapes.py`) in the envelope each route answers. Documentation only: see `api/_schemas.py`
for why the routes' answers never pass through these models. (Chats, messages, votes and memories
document theirs in `_chat_schemas.py`.)"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from lading.api._schemas import envelope
from lading.domain.shapes import Shape
from lading.services.ai import shapes


class AiTemplate(Shape):
    """An AI template (C §2.3 + api.md §13): its configuration fields as a release holds them."""

    model_config = ConfigDict(extra="allow")

    slug: str
    name: str
    description: str | None
    kind: str
    scope: str
    is_preset: bool
    icon: shapes.AgentIcon
    workspace_uuid: str | None
    evaluator: Any
    deleted_at: str | None


TemplateAnswer = envelope("TemplateAnswer", template=AiTemplate)
TemplateList = envelope("TemplateList", templates=list[AiTemplate])
AgentAnswer = envelope("AgentAnswer", agent=shapes.Agent)
AgentList = envelope("AgentList", agents=list[shapes.Agent])
ReleaseAnswer = envelope("ReleaseAnswer", release=shapes.Release)
ReleaseList = envelope("ReleaseList", releases=list[shapes.Release])
McpServerAnswer = envelope("McpServerAnswer", mcp_server=shapes.McpServer)
McpServerList = envelope("McpServerList", mcp_servers=list[shapes.McpServer])


class McpClientTools(Shape):
    """`mcpClient.connect`: the tools the remote MCP server offers."""

    tools: list[shapes.McpClientTool]


LanguageModelList = envelope("LanguageModelList", language_models=list[shapes.LanguageModel])
