"""`/ai/memories…`: list, update, remove (`ai memory …`, api.md §6), and `POST /ai/memories` (Lading
extension: `ai memory update` without `--mem0-id` creates a memory).

Scopes: the client's `user` and `agent`; the CLI's `workspace` scope is accepted too, so the remote
CLI answers what the embedded one does (the Cargo client never sends it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.ai import _chat_schemas as schemas
from lading.domain.errors import ValidationError
from lading.domain.shapes import Shape
from lading.services.ai import memories
from lading.services.session import Session

router = Router(prefix="/ai/memories", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class MemoryScope(Query):
    scope: str
    agent_uuid: str | None = None


class MemoryListQuery(Query):
    # No scope: every memory the caller may see; with agentUuid alone, what that agent reads (C §2.11).
    scope: str | None = None
    agent_uuid: str | None = None


class MemoryWrite(Body):
    content: str
    scope: str
    agent_uuid: str | None = None


def _scoped(scope: Any, agent_uuid: str | None) -> tuple[Any, str | None]:
    """`scope=agent` needs `agentUuid` (400 `invalidPayload` naming it; the CLI says so as a usage error)."""
    if scope == "agent" and not agent_uuid:
        raise ValidationError("invalidPayload: agentUuid: required with scope agent", reason="invalidPayload",
                              extra={"issues": [{"path": ["agentUuid"], "message": "required with scope agent"}]})
    return scope, agent_uuid


class RemovedMemory(Shape):
    mem0_id: str
    removed: bool


@router.get("/list", summary="memory.list: one scope's memories, or without scope every memory the caller may "
            "see (with agentUuid: that agent's, the workspace's and the caller's)",
            **answers(schemas.MemoryList), openapi_extra=query_parameters(MemoryListQuery))
def list_memories(session: Caller,
                  params: Annotated[MemoryListQuery, Depends(query(MemoryListQuery))]) -> dict[str, Any]:
    scope, agent_uuid = _scoped(params.scope, params.agent_uuid)
    return memories.list_memories(session, scope=scope, agent_uuid=agent_uuid)


@router.post("", summary="Lading: create a memory in the scope (`ai memory update` without --mem0-id)",
             **answers(schemas.MemoryAnswer))
def create_memory(body: MemoryWrite, session: Caller) -> dict[str, Any]:
    scope, agent_uuid = _scoped(body.scope, body.agent_uuid)
    return memories.update(session, scope=scope, content=body.content, agent_uuid=agent_uuid)


@router.put("/{mem0_id}", summary="memory.update: replace the content (the memory must be in that scope)",
            **answers(schemas.MemoryAnswer))
def update_memory(mem0_id: str, body: MemoryWrite, session: Caller) -> dict[str, Any]:
    scope, agent_uuid = _scoped(body.scope, body.agent_uuid)
    return memories.update(session, scope=scope, content=body.content, mem0_id=mem0_id, agent_uuid=agent_uuid)


@router.delete("/{mem0_id}", summary="memory.remove: scope and agentUuid in the query string",
               **answers(RemovedMemory), openapi_extra=query_parameters(MemoryScope))
def remove_memory(mem0_id: str, session: Caller,
                  params: Annotated[MemoryScope, Depends(query(MemoryScope))]) -> dict[str, Any]:
    scope, agent_uuid = _scoped(params.scope, params.agent_uuid)
    return memories.remove(session, mem0_id=mem0_id, scope=scope, agent_uuid=agent_uuid)
