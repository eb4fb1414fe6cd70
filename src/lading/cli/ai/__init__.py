"""`lading ai …`: one module per noun (agents, releases, templates, language_models, chats, messages,
memories, mcp_servers, mcp_clients), each defining its Typer app; `ai file …` is `content file …`. Command functions
import their services when they run, so `lading --help` stays fast."""

from __future__ import annotations

from lading.cli.common import command_group

ai_app = command_group(
    "AI agents, releases, templates and language models.",
    __name__,
    (".agents:agent_app", "agent"),
    (".releases:release_app", "release"),
    (".templates:template_app", "template"),
    (".language_models:model_app", "language-model"),
    (".chats:chat_app", "chat"),
    (".messages:message_app", "message"),
    (".memories:memory_app", "memory"),
    (".mcp_servers:mcp_server_app", "mcp-server"),
    (".mcp_clients:mcp_client_app", "mcp-client"),
    ("lading.cli.content.files:file_app", "file", {"help": "Alias of `lading content file …`."}))

__all__ = ["ai_app"]
