"""`ai message …`: the messages of a chat, and the agent step that answers them (verbs: create, exchange,
get, list_messages; `answer_chat_message` is the step a worker runs).

Sending a message stores the user message (`success` at once) and a `pending` assistant message,
then starts a run of the one-node graph `start → agent → end` whose agent step answers the chat
(`answer_chat_message`, through `_runtime`). The run is what a worker leases, retries after a crash
and records (its span carries the model credits), so a chat message is durable like any run; the assistant message
moves `pending → generating → success | error` as the step progresses, its parts growing while it
generates. Without `--wait-until-finished` a background worker answers; with it, this process drives
the run itself.
"""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from typing import Any

from lading.ai.turn import ChatTurn, TurnError
from lading.domain.errors import NodeExecutionError, NotFoundError, ValidationError
from lading.services.ai._lookup import chat_page, chat_release, require_chat, require_chat_agent
from lading.services.ai.shapes import Message, MessageExchange
from lading.services.content import files as content
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

USER_PART_TYPES = ("text", "file")
TERMINAL = ("success", "error")
CHAT_NODE_SLUG = "agent"


def _present(conn: Any, ws: str, row: Any) -> Message:
    """A message as stored; one whose run ended without finishing it (its worker crashed for good,
    the run was cancelled) reads as `error` with the run's reason."""
    from lading.store.repositories import runs as run_repo

    if row.status in TERMINAL or not row.run_uuid:
        return Message.of(row)
    run = run_repo.get_run(conn, ws, row.run_uuid)
    if run is not None and run.status in ("error", "cancelled"):
        return Message.of(row, status="error",
                          error_message=run.error_message or f"the answer's run ended {run.status}")
    return Message.of(row)


# --- messages ---------------------------------------------------------------------------------------


def _user_parts(parts: Any) -> list[dict[str, Any]]:
    if not isinstance(parts, list) or not parts:
        raise ValidationError("--parts must be a non-empty JSON array of parts", reason="invalidParts")
    out: list[dict[str, Any]] = []
    for i, part in enumerate(parts):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in USER_PART_TYPES:
            raise ValidationError(f"parts[{i}]: type must be one of {', '.join(USER_PART_TYPES)}",
                                  reason="invalidParts")
        if kind == "text" and not isinstance(part.get("text"), str):
            raise ValidationError(f"parts[{i}]: a text part needs a string \"text\"", reason="invalidParts")
        if kind == "file" and not isinstance(part.get("fileUuid"), str):
            raise ValidationError(f"parts[{i}]: a file part needs \"fileUuid\"", reason="invalidParts")
        out.append(dict(part))
    return out


def _overrides(actions: Any, resources: Any, language_model_slug: str | None, temperature: float | None,
               max_steps: int | None) -> dict[str, Any]:
    for flag, value in (("--actions", actions), ("--resources", resources)):
        if value is not None and not (isinstance(value, list) and all(isinstance(a, dict) for a in value)):
            raise ValidationError(f"{flag} must be a JSON array of objects", reason="invalidData")
    if temperature is not None and not 0 <= temperature <= 1:
        raise ValidationError("--temperature must be between 0 and 1", reason="invalidData")
    if max_steps is not None and not 1 <= max_steps <= 50:
        raise ValidationError("--max-steps must be between 1 and 50", reason="invalidData")
    values = {"actions": actions, "resources": resources, "languageModelSlug": language_model_slug,
              "temperature": temperature, "maxSteps": max_steps}
    return {k: v for k, v in values.items() if v is not None}


def _chat_graph(agent_uuid: str, chat_uuid: str, message_uuid: str) -> list[dict[str, Any]]:
    from lading.services.orchestration.actions import graph_node

    end = graph_node("end", 300, [], kind="native", actionSlug="end",
                     config={"variables": [{"name": "answer", "type": "any", "value": "{{nodes.agent.answer}}"}]})
    step = graph_node(CHAT_NODE_SLUG, 150, [end["uuid"]], kind="agent", agentUuid=agent_uuid,
                      config={"chatUuid": chat_uuid, "messageUuid": message_uuid})
    start = graph_node("start", 0, [step["uuid"]], kind="native", actionSlug="start", config={})
    return [start, step, end]


@dataclasses.dataclass(frozen=True)
class StartedMessage:
    """A user message stored with its pending answer; the run that answers it is the face's to
    finish (wait for it or hand it over, `lading.worker.finish_run`)."""

    run_uuid: str
    question_uuid: str
    assistant_uuid: str


def create(session: Session, *, chat_uuid: str, parts: Any, actions: Any = None, resources: Any = None,
                   language_model_slug: str | None = None, temperature: float | None = None,
                   max_steps: int | None = None) -> StartedMessage:
    from lading.services.orchestration.runs import insert_graph_run

    user_parts = _user_parts(parts)
    overrides = _overrides(actions, resources, language_model_slug, temperature, max_steps)
    ws = session.workspace_uuid
    now = utcnow()
    question_uuid, assistant_uuid, run_uuid = (str(uuidlib.uuid4()) for _ in range(3))
    with session.db.write() as conn:
        chat = require_chat(session, conn, chat_uuid)
        require_chat_agent(session, conn, chat.agent_uuid)
        chat_release(session, conn, chat)
        user_parts = content.attachment_parts(conn, ws, user_parts)
        seq = repo.next_message_seq(conn, ws, chat_uuid)
        repo.insert_message(conn, ws, {"uuid": question_uuid, "chat_uuid": chat_uuid, "seq": seq, "role": "user",
                                       "status": "success", "parts": user_parts, "user_uuid": session.user_uuid or None,
                                       "created_at": now,
                                       "updated_at": now, "finished_at": now})
        repo.insert_message(conn, ws, {"uuid": assistant_uuid, "chat_uuid": chat_uuid, "seq": seq + 1,
                                       "role": "assistant", "status": "pending", "parts": [],
                                       "overrides": overrides or None, "run_uuid": run_uuid,
                                       "user_uuid": session.user_uuid or None, "created_at": now,
                                       "updated_at": now})
        insert_graph_run(session, conn, nodes=_chat_graph(chat.agent_uuid, chat_uuid, assistant_uuid),
                         data={"chatUuid": chat_uuid, "messageUuid": assistant_uuid}, run_uuid=run_uuid, now=now,
                         identity=(assistant_uuid, f"chat {chat.name or chat_uuid}"[:255]))
        repo.touch_chat(conn, ws, chat_uuid, now)
    return StartedMessage(run_uuid, question_uuid, assistant_uuid)


def exchange(session: Session, started: StartedMessage) -> dict[str, Any]:
    """`{"userMessage", "assistantMessage"}` as they stand now."""
    ws = session.workspace_uuid
    with session.db.read() as conn:
        user = _present(conn, ws, repo.get_message(conn, ws, started.question_uuid))
        assistant = _present(conn, ws, repo.get_message(conn, ws, started.assistant_uuid))
    return MessageExchange(user_message=user, assistant_message=assistant).dump()


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = repo.get_message(conn, session.workspace_uuid, uuid) if uuid else None
        if row is None:
            raise NotFoundError("Message not found", reason="messageNotFound")
        return {"message": _present(conn, session.workspace_uuid, row).dump()}


def list_messages(session: Session, *, chat_uuid: str, limit: int | None = None,
                  offset: int | None = None) -> dict[str, Any]:
    size, start = chat_page(limit, offset)
    with session.db.read() as conn:
        require_chat(session, conn, chat_uuid)
        rows = repo.list_messages(conn, session.workspace_uuid, chat_uuid, limit=size, offset=start)
        return {"messages": [_present(conn, session.workspace_uuid, r).dump() for r in rows]}


# --- answering (called by the agent step of a chat run) ------------------------------------------------


def _history(conn: Any, ws: str, rows: list[Any]) -> list[ChatTurn]:
    """The conversation so far, attached files with their text."""
    return [ChatTurn(r.role, content.with_attachment_text(conn, ws, list(r.parts or [])))
            for r in rows if r.status == "success"]


async def answer_chat_message(session: Session, config: dict[str, Any], call_stack: list[str],
                              root_run_uuid: str | None = None) -> dict[str, Any]:
    """The agent step of a chat run: generate the assistant message, persisting its parts as they grow.
    Returns the step's output (`{"answer": …}`) and the model credits, or fails the step."""
    import asyncio

    from lading.services.ai._runtime import ResolvedAgent, release_config
    from lading.services.ai._runtime import run_turn as turn

    ws = session.workspace_uuid
    chat_uuid, message_uuid = str(config.get("chatUuid")), str(config.get("messageUuid"))

    def load() -> tuple[ResolvedAgent, list[ChatTurn], dict[str, Any], str | None]:
        with session.db.write() as conn:
            message = repo.get_message(conn, ws, message_uuid)
            chat = repo.get_chat(conn, ws, chat_uuid)
            if message is None or chat is None:
                raise NodeExecutionError("chatNotFound: the chat or its message is gone", retryable=False)
            repo.update_message(conn, ws, message_uuid, {"status": "generating", "parts": [], "error_message": None,
                                                         "updated_at": utcnow()})
            if repo.get_agent(conn, ws, chat.agent_uuid) is None:
                raise NodeExecutionError("agentNotFound: Agent not found", retryable=False)
            try:
                release = chat_release(session, conn, chat)
            except NotFoundError as exc:
                raise NodeExecutionError(exc.to_document()["errorMessage"], retryable=False) from exc
            history = _history(conn, ws, list(repo.list_messages(conn, ws, chat_uuid, before_seq=message.seq)))
        resolved = ResolvedAgent(release_config(release), chat.agent_uuid, release.uuid)
        return resolved, history, message.overrides or {}, message.user_uuid

    def save(values: dict[str, Any]) -> None:
        with session.db.write() as conn:
            repo.update_message(conn, ws, message_uuid, {**values, "updated_at": utcnow()})

    async def on_parts(parts: list[dict[str, Any]]) -> None:
        await asyncio.to_thread(save, {"parts": list(parts)})

    try:
        resolved, history, overrides, sender = await asyncio.to_thread(load)
        # The turn acts for the message's sender (whose user-scope memories it reads).
        asker = dataclasses.replace(session, user_uuid=sender) if sender else session
        result = await turn(asker, resolved, history, overrides=overrides, call_stack=call_stack,
                            on_parts=on_parts, root_run_uuid=root_run_uuid)
    except TurnError as exc:
        await asyncio.to_thread(save, {"status": "error", "parts": exc.parts, "error_message": exc.message,
                                       "finished_at": utcnow()})
        raise NodeExecutionError(exc.message, retryable=False) from exc
    except NodeExecutionError as exc:
        await asyncio.to_thread(save, {"status": "error", "error_message": exc.message, "finished_at": utcnow()})
        raise
    await asyncio.to_thread(save, {"status": "success", "parts": result.parts, "finished_at": utcnow()})
    return {"output": {"answer": result.answer}, "credits": result.credits}
