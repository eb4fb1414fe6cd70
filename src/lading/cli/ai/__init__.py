"""`lading ai …`: one module per noun (agents, releases, templates, language_models, chats, messages,
memories, mcp_servers, mcp_clients), each defining its Typer app; `ai file …` is `content file …`. Command functions
import their services when they run, so `lading --help` stays fast."""

from __future__ import annotations

from lading.cli.ai.agents import agent_app
from lading.cli.ai.chats import chat_app
from lading.cli.ai.language_models import model_app
from lading.cli.ai.mcp_clients import mcp_client_app
from lading.cli.ai.mcp_servers import mcp_server_app
from lading.cli.ai.memories import memory_app
from lading.cli.ai.messages import message_app
from lading.cli.ai.releases import release_app
from lading.cli.ai.templates import template_app
from lading.cli.common import command_group
from lading.cli.content.files import file_app

ai_app = command_group(
    "AI agents, releases, templates and language models.",
    (agent_app, "agent"), (release_app, "release"), (template_app, "template"), (model_app, "language-model"),
    (chat_app, "chat"), (message_app, "message"), (memory_app, "memory"), (mcp_server_app, "mcp-server"),
    (mcp_client_app, "mcp-client"),
    (file_app, "file", {"help": "Alias of `lading content file …`."}))

__all__ = ["ai_app"]
