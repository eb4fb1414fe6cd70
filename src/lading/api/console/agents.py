"""Agents: the list, an agent's page (its chats, a form opening a new chat), a chat's page (its messages
and a form to send one), and the Server-Sent Events stream of an answer as it generates.

Sending goes through the same service as `ai message create` (`services.ai.messages.create`) and hands
the answering run to a worker (`worker.finish_run(..., wait=False)`), as the CLI does without
`--wait-until-finished`. The answering step persists the message's parts as they grow
(`answer_chat_message`); the stream route polls them from the store every `POLL_SECONDS` and sends the
parts it has not sent yet, ending when the message is final. Polling the store (not an in-process
channel) is what lets any worker, in this process or another, answer while any server process streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from lading.api.console._auth import PageRoute, check_csrf, current, form
from lading.api.console._render import SECURITY_HEADERS, render
from lading.domain.errors import LadingError, NotFoundError
from lading.services.access import require
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

POLL_SECONDS = 0.25
# A stream ends after this long even if the answer is still generating (the page reconnects).
STREAM_SECONDS = 600.0
KEEPALIVE_SECONDS = 15.0
# How often a long stream checks that its console session still holds (signed out, expired, token removed).
RECHECK_SECONDS = 5.0
FINAL = ("success", "error", "cancelled")
MAX_TEXT = 100_000


@router.get("/agents")
def agents_page(request: Request, session: SignedIn) -> Response:
    from lading.services.ai import agents

    require(session.access, "ai:read")
    listed = agents.list_agents(session)["agents"]
    return render(request, "agents.html", session=session, title="Agents", agents=listed)


def _agent_page(request: Request, session: Session, uuid: str, *, text: str = "", error: str | None = None,
                status_code: int = 200) -> Response:
    from lading.services.ai import agents, chats

    require(session.access, "ai:read")
    agent = agents.get(session, uuid)["agent"]
    found = chats.list_chats(session, agent_uuid=agent["uuid"], limit=50)["chats"]
    listed = [{**c, "label": _chat_label(c)} for c in found]
    return render(request, "agent.html", session=session, status_code=status_code, title=agent["name"], agent=agent,
                  chats=listed, text=text, error=error)


def _chat_label(chat: dict[str, Any]) -> str:
    """A chat's name, else the start of its latest message's text."""
    if chat.get("name"):
        return str(chat["name"])
    last = chat.get("lastMessage") or {}
    texts = [p.get("text", "") for p in last.get("parts") or [] if isinstance(p, dict) and p.get("type") == "text"]
    text = " ".join(texts)
    text = " ".join(text.split())
    return (text[:77] + "…" if len(text) > 80 else text) or "Chat"


@router.get("/agents/{uuid}")
def agent_page(request: Request, uuid: str, session: SignedIn) -> Response:
    return _agent_page(request, session, uuid)


def _send(session: Session, *, text: str, chat_uuid: str | None = None, agent_uuid: str | None = None) -> Any:
    """`ai message create` (a new chat when `agent_uuid` is given), its answer handed to a worker."""
    from lading.services.ai import messages
    from lading.worker import finish_run

    require(session.access, "ai:write")
    started = messages.create(session, chat_uuid=chat_uuid, agent_uuid=agent_uuid,
                              parts=[{"type": "text", "text": text}])
    finish_run(session, started.run_uuid, wait=False)
    return started


def _refusal(exc: LadingError) -> bool:
    """A refusal shown beside the form (not an error page): bad input, a conflict, no release."""
    return exc.status_code in (400, 409, 422) or exc.reason in ("deployedReleaseNotFound", "releaseNotFound")


async def _message_text(request: Request) -> tuple[dict[str, str], str]:
    fields = await form(request)
    check_csrf(request, fields)
    return fields, fields.get("text", "").strip()


@dataclass(frozen=True)
class _Sent:
    """What a message form came to: the text typed, and either what `_send` started or the problem shown
    beside the form (the text kept in it)."""

    text: str
    started: Any = None
    problem: str = ""


async def _send_form(request: Request, session: Session, **target: str) -> _Sent:
    """The form's message sent to `target` (`agent_uuid=` opens a new chat, `chat_uuid=` continues one) off
    the event loop, unless it is empty, too long, or refused (`_refusal`); any other failure (a chat of
    another workspace: 404) is raised as it is."""
    from anyio import to_thread

    _fields, text = await _message_text(request)
    if not text:
        return _Sent(text, problem="Write a message first.")
    if len(text) > MAX_TEXT:
        return _Sent(text, problem=f"A message may be at most {MAX_TEXT:,} characters.")
    try:
        started = await to_thread.run_sync(lambda: _send(session, text=text, **target))
    except LadingError as exc:
        if not _refusal(exc):
            raise
        return _Sent(text, problem=exc.message)
    return _Sent(text, started=started)


@router.post("/agents/{uuid}/chats")
async def start_chat(request: Request, uuid: str, session: SignedIn) -> Response:
    from anyio import to_thread

    sent = await _send_form(request, session, agent_uuid=uuid)
    if sent.started is not None:
        return RedirectResponse(f"/agents/chats/{sent.started.chat_uuid}", status_code=303)
    return await to_thread.run_sync(lambda: _agent_page(request, session, uuid, text=sent.text, error=sent.problem,
                                                        status_code=400))


def _chat_page(request: Request, session: Session, uuid: str, *, text: str = "", error: str | None = None,
               status_code: int = 200) -> Response:
    from lading.services.ai import agents, chats, messages

    require(session.access, "ai:read")
    chat = chats.get(session, uuid)["chat"]
    listed = messages.list_messages(session, chat_uuid=chat["uuid"])["messages"]
    try:
        agent: dict[str, Any] | None = agents.get(session, chat["agentUuid"])["agent"]
    except LadingError:
        agent = None
    streaming = next((m for m in reversed(listed) if m["role"] == "assistant" and m["status"] not in FINAL), None)
    return render(request, "chat.html", session=session, status_code=status_code,
                  title=chat.get("name") or (agent["name"] if agent else "Chat"), chat=chat, agent=agent,
                  messages=listed, streaming=streaming, text=text, error=error)


@router.get("/agents/chats/{uuid}")
def chat_page(request: Request, uuid: str, session: SignedIn) -> Response:
    return _chat_page(request, session, uuid)


@router.post("/agents/chats/{uuid}/messages")
async def send_message(request: Request, uuid: str, session: SignedIn) -> Response:
    from anyio import to_thread

    sent = await _send_form(request, session, chat_uuid=uuid)
    if sent.started is not None:
        return RedirectResponse(f"/agents/chats/{uuid}#m-{sent.started.assistant_uuid}", status_code=303)
    status_code = 409 if "answered" in sent.problem else 400
    return await to_thread.run_sync(lambda: _chat_page(request, session, uuid, text=sent.text, error=sent.problem,
                                                       status_code=status_code))


# --- the answer's stream --------------------------------------------------------------------------


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {orjson.dumps(data, default=str).decode()}\n\n".encode()


def _message_of_chat(session: Session, chat_uuid: str, message_uuid: str) -> dict[str, Any]:
    """The message as it stands, if it belongs to this chat of the signed-in workspace."""
    from lading.services.ai import messages

    message: dict[str, Any] = messages.get(session, message_uuid)["message"]
    if message["chatUuid"] != chat_uuid:
        raise NotFoundError("Message not found", reason="messageNotFound")
    return message


def changes(sent: list[Any], parts: list[Any]) -> tuple[str, list[Any]] | None:
    """What to send for the parts as they now stand: `("parts", new ones)` when they only grew,
    `("reset", all)` when an earlier part changed (the final answer may rewrite them), None if equal."""
    if parts == sent:
        return None
    if parts[:len(sent)] == sent:
        return "parts", parts[len(sent):]
    return "reset", parts


async def _stream(request: Request, session: Session, chat_uuid: str, first: dict[str, Any]) -> AsyncIterator[bytes]:
    """Events: `parts` {from, parts} (new parts, `from` their index), `reset` {parts}, `status`
    {status}, and `done` {status, errorMessage} when the message is final; a comment keeps the
    connection open while nothing changes."""
    sent: list[Any] = []
    status = None
    message = first
    started = last_write = checked = time.monotonic()
    yield b"retry: 1000\n\n"
    while True:
        parts = list(message.get("parts") or [])
        change = changes(sent, parts)
        if change is not None:
            kind, new = change
            yield _event(kind, {"from": len(sent), "parts": new} if kind == "parts" else {"parts": new})
            sent, last_write = parts, time.monotonic()
        if message["status"] != status:
            status = message["status"]
            yield _event("status", {"status": status})
            last_write = time.monotonic()
        if status in FINAL:
            yield _event("done", {"status": status, "errorMessage": message.get("errorMessage")})
            return
        if time.monotonic() - started > STREAM_SECONDS or await request.is_disconnected():
            return
        if time.monotonic() - checked > RECHECK_SECONDS:
            from lading.api.console._auth import signed_in

            if await asyncio.to_thread(signed_in, request) is None:
                return
            checked = time.monotonic()
        if time.monotonic() - last_write > KEEPALIVE_SECONDS:
            yield b": keep-alive\n\n"
            last_write = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
        try:
            message = await asyncio.to_thread(_message_of_chat, session, chat_uuid, str(first["uuid"]))
        except LadingError:  # the message or its chat was removed meanwhile
            yield _event("done", {"status": "error", "errorMessage": "This message was removed."})
            return


@router.get("/agents/chats/{chat_uuid}/messages/{uuid}/events")
async def message_events(request: Request, chat_uuid: str, uuid: str, session: SignedIn) -> Response:
    """The answer's parts as Server-Sent Events while it generates (session-authenticated: the
    browser's EventSource sends the console cookie)."""
    require(session.access, "ai:read")
    first = await asyncio.to_thread(_message_of_chat, session, chat_uuid, uuid)
    headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(request, session, chat_uuid, first), media_type="text/event-stream",
                             headers=headers)
