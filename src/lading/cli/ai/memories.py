"""`ai memory …`: what the workspace, the caller or an agent remembers between conversations
(embedded, or through the server's `/ai/memories` routes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.ai import memories
else:  # imported when a command answers locally: remote mode never loads the store
    memories = lazy_module("lading.services.ai.memories")

memory_app = typer.Typer(help="Memories kept between conversations: the workspace's, yours, or an agent's.",
                         no_args_is_help=True, context_settings=help_settings())

_SCOPE = typer.Option(..., "--scope", help="workspace (shared), user (yours) or agent (one agent's; needs "
                                           "--agent-uuid).")
_AGENT = typer.Option(None, "--agent-uuid", help="The agent whose memories these are (--scope agent only).")
_LIST_SCOPE = typer.Option(None, "--scope", help="workspace (shared), user (yours) or agent (one agent's; needs "
                                                 "--agent-uuid). Default: every memory you may see.")
_LIST_AGENT = typer.Option(None, "--agent-uuid", help="With --scope agent: that agent's memories. Without "
                                                      "--scope: what the agent reads when talking to you (its "
                                                      "own, the workspace's and yours).")


def _scope_query(scope: str | None, agent_uuid: str | None) -> dict[str, str | None]:
    """`--scope agent` needs `--agent-uuid`: a usage error here, before any request (as embedded)."""
    from lading.domain.errors import UsageError

    if scope == "agent" and not agent_uuid:
        raise UsageError("error: required option '--agent-uuid <uuid>' not specified (needed with --scope agent)")
    return {"scope": scope, "agentUuid": agent_uuid}


@memory_app.command("list")
def list_memories(scope: str = _LIST_SCOPE, agent_uuid: str = _LIST_AGENT) -> None:
    """List memories, most recently written first: one scope's, or without --scope every memory you may see
    (the workspace's, yours and every agent's; with --agent-uuid, that agent's plus the workspace's and
    yours)."""
    emit(answer("GET", "/ai/memories/list", query=_scope_query(scope, agent_uuid),
                local=lambda s: memories.list_memories(s, scope=scope, agent_uuid=agent_uuid)))


@memory_app.command("update")
def update(
    content: str = typer.Option(..., "--content", help="The text to remember (at most 4000 characters)."),
    scope: str = _SCOPE,
    mem0_id: str = typer.Option(None, "--mem0-id", help="The memory to change; it must exist in this scope. "
                                                        "Omit it to create a new memory."),
    agent_uuid: str = _AGENT,
) -> None:
    """Change a memory's content, or create a memory when --mem0-id is omitted."""
    body = {"content": content, **{k: v for k, v in _scope_query(scope, agent_uuid).items() if v is not None}}
    method, path = ("PUT", f"/ai/memories/{mem0_id}") if mem0_id is not None else ("POST", "/ai/memories")
    emit(answer(method, path, body=body, local=lambda s: memories.update(s, scope=scope, content=content,
                                                                         mem0_id=mem0_id, agent_uuid=agent_uuid)))


@memory_app.command("remove")
def remove(
    mem0_id: str = typer.Option(..., "--mem0-id", help="The memory to remove; it must exist in this scope."),
    scope: str = _SCOPE,
    agent_uuid: str = _AGENT,
) -> None:
    """Remove a memory."""
    emit(answer("DELETE", f"/ai/memories/{mem0_id}", query=_scope_query(scope, agent_uuid),
                local=lambda s: memories.remove(s, mem0_id=mem0_id, scope=scope, agent_uuid=agent_uuid)))
