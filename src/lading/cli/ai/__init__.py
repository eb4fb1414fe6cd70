"""`lading ai …`: one module per noun (agents, releases, templates, language_models, chats, messages,
memories, mcp_servers), each defining its Typer app; `ai file …` is `content file …`. Command functions
import their services when they run, so `lading --help` stays fast."""

from __future__ import annotations

import typer

from lading.cli.ai.agents import agent_app
from lading.cli.ai.chats import chat_app
from lading.cli.ai.language_models import model_app
from lading.cli.ai.mcp_servers import mcp_server_app
from lading.cli.ai.memories import memory_app
from lading.cli.ai.messages import message_app
from lading.cli.ai.releases import release_app
from lading.cli.ai.templates import template_app
from lading.cli.common import help_settings
from lading.cli.content.files import file_app

ai_app = typer.Typer(help="AI agents, releases, templates and language models.", no_args_is_help=True,
                     context_settings=help_settings())
ai_app.add_typer(agent_app, name="agent")
ai_app.add_typer(release_app, name="release")
ai_app.add_typer(template_app, name="template")
ai_app.add_typer(model_app, name="language-model")
ai_app.add_typer(chat_app, name="chat")
ai_app.add_typer(message_app, name="message")
ai_app.add_typer(memory_app, name="memory")
ai_app.add_typer(mcp_server_app, name="mcp-server")
ai_app.add_typer(file_app, name="file", help="Alias of `lading content file …`.")

__all__ = ["ai_app"]
