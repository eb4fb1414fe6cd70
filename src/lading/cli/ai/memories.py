"""`ai memory …`: what the workspace, the caller or an agent remembers between conversations."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit

memory_app = typer.Typer(help="Memories kept between conversations: the workspace's, yours, or an agent's.",
                         no_args_is_help=True, context_settings=help_settings())

_SCOPE = typer.Option(..., "--scope", help="workspace (shared), user (yours) or agent (one agent's; needs "
                                           "--agent-uuid).")
_AGENT = typer.Option(None, "--agent-uuid", help="The agent whose memories these are (--scope agent only).")


@memory_app.command("list")
def list_memories(scope: str = _SCOPE, agent_uuid: str = _AGENT) -> None:
    """List one scope's memories, most recently written first."""
    from lading.services.ai import memories

    emit(memories.list_memories(session(), scope=scope, agent_uuid=agent_uuid))


@memory_app.command("update")
def update(
    content: str = typer.Option(..., "--content", help="The text to remember (at most 4000 characters)."),
    scope: str = _SCOPE,
    mem0_id: str = typer.Option(None, "--mem0-id", help="The memory to change; it must exist in this scope. "
                                                        "Omit it to create a new memory."),
    agent_uuid: str = _AGENT,
) -> None:
    """Change a memory's content, or create a memory when --mem0-id is omitted."""
    from lading.services.ai import memories

    emit(memories.update(session(), scope=scope, content=content, mem0_id=mem0_id, agent_uuid=agent_uuid))


@memory_app.command("remove")
def remove(
    mem0_id: str = typer.Option(..., "--mem0-id", help="The memory to remove; it must exist in this scope."),
    scope: str = _SCOPE,
    agent_uuid: str = _AGENT,
) -> None:
    """Remove a memory."""
    from lading.services.ai import memories

    emit(memories.remove(session(), mem0_id=mem0_id, scope=scope, agent_uuid=agent_uuid))
