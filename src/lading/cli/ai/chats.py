"""`lading ai chat …`: create, list, get (embedded, or through the server's `/ai/chats` routes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.ai import chats
else:  # imported when a command answers locally: remote mode never loads the store
    chats = lazy_module("lading.services.ai.chats")

chat_app = typer.Typer(help="Conversations with an agent.", no_args_is_help=True, context_settings=help_settings())


@chat_app.command("create")
def create(
    agent_uuid: str = typer.Option(..., "--agent-uuid"),
    trigger: str = typer.Option(None, "--trigger", help='{"type":"draft"} runs on the draft release, '
                                '{"type":"deployed"} on the deployed one (default: deployed if any, else draft).'),
    name: str = typer.Option(None, "--name"),
) -> None:
    """Open a chat with an agent."""
    parsed = parse_json_flag("--trigger", trigger)
    body = {"agentUuid": agent_uuid, "trigger": parsed, "name": name}
    emit(answer("POST", "/ai/chats", body={k: v for k, v in body.items() if v is not None},
                local=lambda s: chats.create(s, agent_uuid=agent_uuid, trigger=parsed, name=name)))


@chat_app.command("list")
def list_chats(
    agent_uuid: str = typer.Option(None, "--agent-uuid"),
    limit: int = typer.Option(None, "--limit"),
    offset: int = typer.Option(None, "--offset"),
) -> None:
    """List chats, newest first."""
    emit(answer("GET", "/ai/chats/list", query={"agentUuid": agent_uuid, "limit": limit, "offset": offset},
                local=lambda s: chats.list_chats(s, agent_uuid=agent_uuid, limit=limit, offset=offset)))


@chat_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get one chat."""
    emit(answer("GET", f"/ai/chats/{uuid}", local=lambda s: chats.get(s, uuid)))
