"""`/ai/chats…`: create, get, list, rename, remove (`ai chat …`, api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.ai import _chat_schemas as schemas
from lading.api.orchestration._filters import parse_instant
from lading.services.ai import chats
from lading.services.session import Session

router = Router(prefix="/ai/chats", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class ChatCreate(Body):
    # Checked by the service (its reasons); omitted = the CLI's default (deployed if any, else draft).
    trigger: Any = None
    agent_uuid: str
    release_uuid: str | None = None
    name: str | None = None


class ChatList(Query):
    agent_uuid: str | None = None
    release_uuid: str | None = None
    user_uuid: str | None = None
    trigger_type: str | None = None
    message_statuses: list[str] | None = None
    name: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    limit: int | None = None
    offset: int | None = None


class ChatUpdate(Body):
    name: str | None = None


@router.post("", summary="chat.create: trigger draft → the draft release, any other type → the deployed one",
             **answers(schemas.ChatAnswer))
def create_chat(body: ChatCreate, session: Caller) -> dict[str, Any]:
    return chats.create(session, agent_uuid=body.agent_uuid, trigger=body.trigger, name=body.name,
                        release_uuid=body.release_uuid)


@router.get("/list", summary="chat.list: newest first, each with its lastMessage", **answers(schemas.ChatList),
            openapi_extra=query_parameters(ChatList))
def list_chats(session: Caller, params: Annotated[ChatList, Depends(query(ChatList))]) -> dict[str, Any]:
    return chats.list_chats(session, agent_uuid=params.agent_uuid, limit=params.limit, offset=params.offset,
                            release_uuid=params.release_uuid, user_uuid=params.user_uuid,
                            trigger_type=params.trigger_type, message_statuses=params.message_statuses,
                            name=params.name, created_after=parse_instant("createdAfter", params.created_after),
                            created_before=parse_instant("createdBefore", params.created_before))


@router.get("/{uuid}", summary="chat.get", **answers(schemas.ChatAnswer))
def get_chat(uuid: str, session: Caller) -> dict[str, Any]:
    return chats.get(session, uuid)


@router.put("/{uuid}", summary="chat.update: rename (name null clears it)", **answers(schemas.ChatAnswer))
def update_chat(uuid: str, body: ChatUpdate, session: Caller) -> dict[str, Any]:
    return chats.update(session, uuid, name=body.name)


@router.delete("/{uuid}", summary="chat.remove: soft delete (the chat and its messages leave every read)",
               **answers(Removed))
def remove_chat(uuid: str, session: Caller) -> dict[str, Any]:
    return chats.remove(session, uuid)
