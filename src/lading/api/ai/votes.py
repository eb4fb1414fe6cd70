"""`/ai/votes…`: a user's up or down vote on a chat message, and a chat's votes (api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.ai import _chat_schemas as schemas
from lading.services.ai import votes
from lading.services.session import Session

router = Router(prefix="/ai/votes", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class VoteUpsert(Body):
    chat_uuid: str
    message_uuid: str
    is_upvoted: bool


class VoteList(Query):
    chat_uuid: str


@router.put("", summary="vote.upsert: the caller's one vote on the message, replaced by a new one",
            **answers(schemas.VoteAnswer))
def upsert_vote(body: VoteUpsert, session: Caller) -> dict[str, Any]:
    return votes.upsert(session, chat_uuid=body.chat_uuid, message_uuid=body.message_uuid, is_upvoted=body.is_upvoted)


@router.get("/list", summary="vote.list: newest first", **answers(schemas.VoteList),
            openapi_extra=query_parameters(VoteList))
def list_votes(session: Caller, params: Annotated[VoteList, Depends(query(VoteList))]) -> dict[str, Any]:
    return votes.list_votes(session, chat_uuid=params.chat_uuid)
