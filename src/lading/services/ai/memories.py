"""`ai memory …` and what an agent with the `memory` capability remembers (spec §2.11).

Verbs: list_memories, update, remove; at run time: with_memory (the prompt section and `remember`).

A memory is a short text kept between conversations, in one of three places: the workspace (every
agent reads it), one user (the caller; read by every agent talking to that user) or one agent. The
place is part of a memory's identity: a `mem0Id` looked up in another scope, for another agent or by
another user is `memoryNotFound`, so nobody edits or reads a memory they were not meant to see.

At run time an agent whose release lists the `memory` capability gets a `remember` tool writing
agent-scoped memories, and the memories relevant to the turn (the workspace's, the agent's and the
user's) are appended to its system prompt, most recently written first, within a character budget,
so the prompt stays bounded however much is remembered.
"""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from dataclasses import replace
from typing import Any

from lading.ai.turn import AgentSpec, AgentTool, ToolResult
from lading.domain.errors import NodeExecutionError, NotFoundError, UsageError, ValidationError, shown
from lading.services.ai.shapes import Memory, RemovedMemory
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as agent_repo
from lading.store.repositories import ai_memories as repo

SCOPES = ("workspace", "user", "agent")
MAX_CONTENT_CHARS = 4000
# The system prompt gets at most this many characters of memories (newest first), read from at most
# MEMORY_ROWS rows.
PROMPT_BUDGET_CHARS = 6000
MEMORY_ROWS = 200
REMEMBER_TOOL = "remember"


# --- which scope --------------------------------------------------------------------------------------


def _place(session: Session, conn: Any, scope: Any, agent_uuid: str | None) -> tuple[str, str | None, str | None]:
    """The scope and its owner: (scope, agent_uuid, user_uuid). The user scope is the caller's own."""
    if scope not in SCOPES:
        raise ValidationError(f"--scope must be one of {', '.join(SCOPES)} (got {shown(scope)})", reason="invalidData")
    if scope != "agent":
        if agent_uuid:
            raise ValidationError(f"--agent-uuid applies to --scope agent only, not --scope {scope}",
                                  reason="invalidData")
        if scope == "workspace":
            return scope, None, None
        if not session.user_uuid:
            raise ValidationError("user memories need a signed-in user", reason="invalidData")
        return scope, None, session.user_uuid
    if not agent_uuid:
        raise UsageError("error: required option '--agent-uuid <uuid>' not specified (needed with --scope agent)")
    if agent_repo.get_agent(conn, session.workspace_uuid, agent_uuid) is None:
        raise NotFoundError("Agent not found", reason="agentNotFound")
    return scope, agent_uuid, None


def _content(content: Any) -> str:
    if not isinstance(content, str) or not content.strip():
        raise ValidationError("--content must be a non-empty text", reason="invalidData")
    text = content.strip()
    if len(text) > MAX_CONTENT_CHARS:
        raise ValidationError(f"--content is {len(text)} characters; a memory holds at most {MAX_CONTENT_CHARS}",
                              reason="invalidData")
    return text


def _require(session: Session, conn: Any, mem0_id: str | None, place: tuple[str, str | None, str | None]) -> Any:
    scope, agent_uuid, user_uuid = place
    row = (repo.get_memory(conn, session.workspace_uuid, mem0_id, scope=scope, agent_uuid=agent_uuid,
                           user_uuid=user_uuid) if mem0_id else None)
    if row is None:
        raise NotFoundError("Memory not found", reason="memoryNotFound")
    return row


# --- commands -----------------------------------------------------------------------------------------


def list_memories(session: Session, *, scope: str | None = None, agent_uuid: str | None = None) -> dict[str, Any]:
    """One scope's memories; without a scope, every memory the caller may see (the workspace's, the
    caller's own and every agent's), or with `agent_uuid` alone what that agent reads when talking to
    the caller (its own, the workspace's and the caller's). Most recently written first."""
    with session.db.read() as conn:
        if scope is None:
            if agent_uuid:
                if agent_repo.get_agent(conn, session.workspace_uuid, agent_uuid) is None:
                    raise NotFoundError("Agent not found", reason="agentNotFound")
                rows = repo.relevant_memories(conn, session.workspace_uuid, agent_uuid=agent_uuid,
                                              user_uuid=session.user_uuid, limit=None)
            else:
                rows = repo.visible_memories(conn, session.workspace_uuid, user_uuid=session.user_uuid)
        else:
            scope, agent, user = _place(session, conn, scope, agent_uuid)
            rows = repo.list_memories(conn, session.workspace_uuid, scope=scope, agent_uuid=agent, user_uuid=user)
    return {"memories": [Memory.of(r).dump() for r in rows]}


def update(session: Session, *, scope: str, content: str, mem0_id: str | None = None,
                  agent_uuid: str | None = None) -> dict[str, Any]:
    """Without `mem0_id`, create a memory in the scope; with it, replace that memory's content."""
    text = _content(content)
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        place = _place(session, conn, scope, agent_uuid)
        if mem0_id is not None:
            _require(session, conn, mem0_id, place)
            repo.update_memory(conn, ws, mem0_id, {"content": text, "updated_at": now})
            target = mem0_id
        else:
            target = _insert(conn, ws, place, text, now)
        row = repo.get_memory(conn, ws, target, scope=place[0], agent_uuid=place[1], user_uuid=place[2])
    return {"memory": Memory.of(row).dump()}


def remove(session: Session, *, mem0_id: str, scope: str, agent_uuid: str | None = None) -> dict[str, Any]:
    with session.db.write() as conn:
        place = _place(session, conn, scope, agent_uuid)
        _require(session, conn, mem0_id, place)
        repo.delete_memory(conn, session.workspace_uuid, mem0_id)
    return RemovedMemory(mem0_id=mem0_id).dump()


def _insert(conn: Any, ws: str, place: tuple[str, str | None, str | None], text: str, now: Any) -> str:
    mem0_id = str(uuidlib.uuid4())
    scope, agent_uuid, user_uuid = place
    repo.insert_memory(conn, ws, {"mem0_id": mem0_id, "scope": scope, "agent_uuid": agent_uuid,
                                  "user_uuid": user_uuid, "content": text, "created_at": now, "updated_at": now})
    return mem0_id


# --- at run time --------------------------------------------------------------------------------------


def _turn_user(session: Session, conn: Any) -> str | None:
    """The user the turn talks to: the session's (a chat answer acts for the message's sender), else the
    workspace's only user (an agent node run by a worker). Unknown with several users: no user memories."""
    return session.user_uuid or repo.sole_user_uuid(conn, session.workspace_uuid)


def memory_prompt(session: Session, agent_uuid: str | None) -> str:
    """The memories section of the system prompt ("" when nothing is remembered)."""
    with session.db.read() as conn:
        rows = repo.relevant_memories(conn, session.workspace_uuid, agent_uuid=agent_uuid,
                                      user_uuid=_turn_user(session, conn), limit=MEMORY_ROWS)
    lines: list[str] = []
    used = 0
    for row in rows:
        line = f"- [{row.scope}] {' '.join(row.content.split())}"
        if used + len(line) + 1 > PROMPT_BUDGET_CHARS:
            break
        lines.append(line)
        used += len(line) + 1
    if not lines:
        return ""
    return ("Memories from earlier conversations, most recent first ([workspace] = shared by the team, "
            "[agent] = what you chose to remember, [user] = about the person you are talking to); when two "
            "disagree, the more recent one wins:\n" + "\n".join(lines))


def memory_tools(session: Session, agent_uuid: str) -> list[AgentTool]:
    """The `remember` tool: one agent-scoped memory per call (the same text twice is kept once)."""

    def save(text: str) -> str:
        now = utcnow()
        ws = session.workspace_uuid
        with session.db.write() as conn:
            same = repo.find_same_content(conn, ws, text, scope="agent", agent_uuid=agent_uuid, user_uuid=None)
            if same is not None:
                repo.update_memory(conn, ws, same.mem0_id, {"updated_at": now})
                return str(same.mem0_id)
            return _insert(conn, ws, ("agent", agent_uuid, None), text, now)

    async def call(arguments: Any) -> ToolResult:
        try:
            text = _content(arguments.get("content") if isinstance(arguments, dict) else None)
        except ValidationError as exc:
            return ToolResult({"error": exc.message.replace("--content", "content")}, is_error=True)
        mem0_id = await asyncio.to_thread(save, text)
        return ToolResult({"mem0Id": mem0_id, "remembered": True})

    schema = {"type": "object", "properties": {"content": {
        "type": "string", "description": "One self-contained fact, e.g. 'Acme's fiscal year starts in April'."}},
        "required": ["content"]}
    return [AgentTool(slug=REMEMBER_TOOL, input_schema=schema, call=call, description=(
        "Remember a fact for later conversations (a preference, a decision, something learned). It is kept "
        "for you and shown in your instructions next time. One short fact per call."))]


def with_memory(session: Session, agent_uuid: str | None, spec: AgentSpec,
                tools: list[AgentTool]) -> tuple[AgentSpec, list[AgentTool]]:
    """A turn of an agent with the `memory` capability: its memories in the system prompt, plus `remember`."""
    if not agent_uuid:
        raise NodeExecutionError("the 'memory' capability needs a saved agent (memories are kept per agent); "
                                 "use an agent node or an agent action with agentUuid", retryable=False)
    if any(tool.slug == REMEMBER_TOOL for tool in tools):
        raise NodeExecutionError(f"an action's slug '{REMEMBER_TOOL}' is taken by the memory capability's tool; "
                                 "rename the action", retryable=False)
    section = memory_prompt(session, agent_uuid)
    if section:
        prompt = f"{spec.system_prompt}\n\n{section}" if spec.system_prompt else section
        spec = replace(spec, system_prompt=prompt)
    return spec, [*tools, *memory_tools(session, agent_uuid)]
