"""`/ai/messages…`: send (the agent answers it), get, list, remove, cancel (`ai message …`, api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.ai import _chat_schemas as schemas
from lading.services.ai import messages
from lading.services.ai.shapes import MessageExchange
from lading.services.session import Session

router = Router(prefix="/ai/messages", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class MessageCreate(Body):
    parts: Any
    chat_uuid: str | None = None
    agent_uuid: str | None = None
    release_uuid: str | None = None
    # Checked by the service (the CLI's reasons).
    actions: Any = None
    resources: Any = None
    capabilities: Any = None
    mcp_clients: Any = None
    system_prompt: str | None = None
    with_reasoning: bool | None = None
    temperature: float | None = None
    max_steps: int | None = None
    integration_slug: str | None = None
    connector_uuid: str | None = None
    language_model_slug: str | None = None
    output: Any = None


class MessageList(Query):
    chat_uuid: str
    limit: int | None = None
    offset: int | None = None


class MessageCancel(Body):
    uuids: list[str]


@router.post("", summary="message.create: the user message and the pending answer at once; a worker answers "
                         "(poll GET /ai/messages/:uuid). chatUuid is required unless agentUuid opens a chat",
             **answers(MessageExchange))
def create_message(body: MessageCreate, session: Caller) -> dict[str, Any]:
    from lading.worker import finish_run

    fields = body.model_dump(exclude={"parts", "chat_uuid", "agent_uuid", "release_uuid"})
    started = messages.create(session, chat_uuid=body.chat_uuid, parts=body.parts, agent_uuid=body.agent_uuid,
                              release_uuid=body.release_uuid, overrides=messages.Overrides(**fields))
    finish_run(session, started.run_uuid, wait=False)
    return messages.exchange(session, started)


@router.get("/list", summary="message.list: oldest first", **answers(schemas.MessageList),
            openapi_extra=query_parameters(MessageList))
def list_messages(session: Caller, params: Annotated[MessageList, Depends(query(MessageList))]) -> dict[str, Any]:
    return messages.list_messages(session, chat_uuid=params.chat_uuid, limit=params.limit, offset=params.offset)


@router.post("/cancel", summary="message.cancel: unfinished answers go cancelling → cancelled",
             **answers(schemas.MessageList))
def cancel_messages(body: MessageCancel, session: Caller) -> dict[str, Any]:
    return messages.cancel(session, body.uuids)


@router.get("/{uuid}", summary="message.get", **answers(schemas.MessageAnswer))
def get_message(uuid: str, session: Caller) -> dict[str, Any]:
    return messages.get(session, uuid)


@router.delete("/{uuid}", summary="message.remove: a user message and its answer leave the chat (soft delete)",
               **answers(Removed))
def remove_message(uuid: str, session: Caller) -> dict[str, Any]:
    return messages.remove(session, uuid)
