"""`ai message …`: the messages of a chat, and the agent step that answers them (verbs: create, exchange,
get, list_messages; `remove` and `cancel` are the HTTP face's soft delete and cancel, api.md §6;
`answer_chat_message` is the step a worker runs).

Sending a message stores the user message (`success` at once) and a `pending` assistant message,
then starts a run of the one-node graph `start → agent → end` whose agent step answers the chat
(`answer_chat_message`, through `_runtime`). The run is what a worker leases, retries after a crash
and records (its span carries the model credits), so a chat message is durable like any run; the assistant message
moves `pending → generating → success | error` as the step progresses, its parts growing while it
generates. Cancelling moves it `cancelling → cancelled`: at once when no worker has started it, else
when the answering step next reports progress. Without `--wait-until-finished` a background worker
answers; with it, this process drives the run itself.
"""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from lading.ai.turn import ChatTurn, TurnError
from lading.domain.errors import ConflictError, NodeExecutionError, NotFoundError, ValidationError, shown
from lading.services.ai._lookup import TERMINAL_MESSAGE as TERMINAL
from lading.services.ai._lookup import chat_page, chat_release, present, require_chat, require_chat_agent
from lading.services.ai.shapes import UNFINISHED, MessageExchange, Removed
from lading.services.content import files as content
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

# `s3File` (a content file named by its stored `s3Filename`) is the Cargo client's attachment; it is
# stored as the `file` part of that content file (api.md §6).
USER_PART_TYPES = ("text", "file", "s3File")
CANCELLED = ("cancelling", "cancelled")
CHAT_NODE_SLUG = "agent"


def _live_message(session: Session, conn: Any, uuid: str) -> tuple[Any, Any]:
    """A message of a live chat of this workspace and its chat, else `messageNotFound`."""
    ws = session.workspace_uuid
    row = repo.get_message(conn, ws, uuid) if uuid else None
    chat = repo.get_chat(conn, ws, row.chat_uuid) if row is not None else None
    if row is None or chat is None:
        raise NotFoundError("Message not found", reason="messageNotFound")
    return row, chat


# --- messages ---------------------------------------------------------------------------------------


def _user_parts(conn: Any, ws: str, parts: Any) -> list[dict[str, Any]]:
    """The parts a user may send, checked; `s3File` parts become the `file` part of their content file."""
    from lading.store.repositories import content as content_repo

    if not isinstance(parts, list) or not parts:
        raise ValidationError("--parts must be a non-empty JSON array of parts", reason="invalidParts")
    out: list[dict[str, Any]] = []
    for i, part in enumerate(parts):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in USER_PART_TYPES:
            raise ValidationError(f"parts[{i}]: type must be one of {', '.join(USER_PART_TYPES)} (got {shown(kind)})",
                                  reason="invalidParts")
        if kind == "text" and not isinstance(part.get("text"), str):
            raise ValidationError(f"parts[{i}]: a text part needs a string \"text\"", reason="invalidParts")
        if kind == "file" and not isinstance(part.get("fileUuid"), str):
            raise ValidationError(f"parts[{i}]: a file part needs \"fileUuid\"", reason="invalidParts")
        if kind == "s3File":
            stored = part.get("s3Filename")
            row = content_repo.file_by_s3_filename(conn, ws, stored) if isinstance(stored, str) else None
            if row is None:
                raise ValidationError(f"parts[{i}]: an s3File part needs the \"s3Filename\" of a content file "
                                      "of this workspace", reason="invalidParts")
            part = {"type": "file", "fileUuid": row.uuid, "name": part.get("name") or row.name,
                    "contentType": part.get("contentType") or row.content_type}
        out.append(dict(part))
    return content.attachment_parts(conn, ws, out)


@dataclasses.dataclass(frozen=True)
class Overrides:
    """What one message changes of its release (api.md §6 message.create; the CLI sets the first five)."""

    actions: Any = None
    resources: Any = None
    language_model_slug: str | None = None
    temperature: float | None = None
    max_steps: int | None = None
    capabilities: Any = None
    mcp_clients: Any = None
    system_prompt: str | None = None
    with_reasoning: bool | None = None
    integration_slug: str | None = None
    connector_uuid: str | None = None
    output: Any = None

    def checked(self) -> dict[str, Any]:
        """The overrides as stored (camelCase, unset ones left out), or `invalidData`."""
        from pydantic.alias_generators import to_camel

        for flag, value in (("--actions", self.actions), ("--resources", self.resources),
                            ("capabilities", self.capabilities), ("mcpClients", self.mcp_clients)):
            if value is not None and not (isinstance(value, list) and all(isinstance(a, (dict, str)) for a in value)
                                          and (flag == "capabilities" or all(isinstance(a, dict) for a in value))):
                raise ValidationError(f"{flag} must be a JSON array of objects", reason="invalidData")
        if self.temperature is not None and not 0 <= self.temperature <= 1:
            raise ValidationError("--temperature must be between 0 and 1", reason="invalidData")
        if self.max_steps is not None and not 1 <= self.max_steps <= 50:
            raise ValidationError("--max-steps must be between 1 and 50", reason="invalidData")
        if self.output is not None and not isinstance(self.output, dict):
            raise ValidationError("output must be an object", reason="invalidData")
        values = {to_camel(f.name): getattr(self, f.name) for f in dataclasses.fields(self)}
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
    chat_uuid: str


def _message_release(session: Session, conn: Any, chat: Any, release_uuid: str | None) -> str:
    """The release answering this message: `releaseUuid` (a release of the chat's agent), else the chat's."""
    if release_uuid is None:
        return str(chat_release(session, conn, chat).uuid)
    row = repo.get_release(conn, session.workspace_uuid, release_uuid.lower()) if release_uuid else None
    if row is None or row.agent_uuid != chat.agent_uuid:
        raise NotFoundError("Release not found", reason="releaseNotFound")
    return str(row.uuid)


def _require_finished(session: Session, conn: Any, chat_uuid: str) -> None:
    """One answer at a time: the chat's latest message must not be an answer still being generated."""
    ws = session.workspace_uuid
    last = repo.latest_messages(conn, ws, [chat_uuid]).get(chat_uuid)
    if last is not None and last.role == "assistant" and present(conn, ws, last, None).status in UNFINISHED:
        raise ConflictError("the chat's last message is still being answered; wait for it or cancel it",
                            reason="lastMessageNotFinished", details={"messageUuid": last.uuid})


def create(session: Session, *, chat_uuid: str | None, parts: Any, agent_uuid: str | None = None,
           release_uuid: str | None = None, overrides: Overrides | None = None) -> StartedMessage:
    """Store the user message and its pending answer, and the run that will answer it. Without
    `chat_uuid`, `agent_uuid` opens a new chat (pinned to `release_uuid` when given)."""
    from lading.services.ai import chats
    from lading.services.orchestration.runs import insert_graph_run

    stored_overrides = (overrides or Overrides()).checked()
    if not chat_uuid and not agent_uuid:
        raise ValidationError("chatUuid is required unless agentUuid opens a new chat", reason="invalidPayload",
                              extra={"issues": [{"path": ["chatUuid"], "message": "required"}]})
    ws = session.workspace_uuid
    now = utcnow()
    question_uuid, assistant_uuid, run_uuid = (str(uuidlib.uuid4()) for _ in range(3))
    with session.db.write() as conn:
        if chat_uuid:
            chat = require_chat(session, conn, chat_uuid)
            if agent_uuid and agent_uuid.lower() != chat.agent_uuid:
                raise ValidationError("agentUuid is not the chat's agent", reason="invalidPayload")
            message_release = release_uuid
        else:
            chat = repo.get_chat(conn, ws, chats.open_chat(session, conn, agent_uuid=str(agent_uuid),
                                                           release_uuid=release_uuid))
            message_release = None
        chat_uuid = str(chat.uuid)
        require_chat_agent(session, conn, chat.agent_uuid)
        answering = _message_release(session, conn, chat, message_release)
        if stored_overrides.get("mcpClients"):  # their tokens at rest sealed, as a release's are
            from lading.services.ai.releases import seal_mcp_clients

            stored_overrides = seal_mcp_clients(session, str(chat.agent_uuid), {}, stored_overrides)
        user_parts = _user_parts(conn, ws, parts)
        _require_finished(session, conn, chat_uuid)
        seq = repo.next_message_seq(conn, ws, chat_uuid)
        sender = session.user_uuid or None
        repo.insert_message(conn, ws, {"uuid": question_uuid, "chat_uuid": chat_uuid, "seq": seq, "role": "user",
                                       "status": "success", "parts": user_parts, "user_uuid": sender,
                                       "release_uuid": answering, "created_at": now, "updated_at": now,
                                       "finished_at": now})
        repo.insert_message(conn, ws, {"uuid": assistant_uuid, "chat_uuid": chat_uuid, "seq": seq + 1,
                                       "role": "assistant", "status": "pending", "parts": [],
                                       "overrides": stored_overrides or None, "run_uuid": run_uuid,
                                       "user_uuid": sender, "release_uuid": answering, "created_at": now,
                                       "updated_at": now})
        insert_graph_run(session, conn, nodes=_chat_graph(chat.agent_uuid, chat_uuid, assistant_uuid),
                         data={"chatUuid": chat_uuid, "messageUuid": assistant_uuid}, run_uuid=run_uuid, now=now,
                         identity=(assistant_uuid, f"chat {chat.name or chat_uuid}"[:255]))
        repo.touch_chat(conn, ws, chat_uuid, now)
    return StartedMessage(run_uuid, question_uuid, assistant_uuid, chat_uuid)


def exchange(session: Session, started: StartedMessage) -> dict[str, Any]:
    """`{"userMessage", "assistantMessage"}` as they stand now."""
    ws = session.workspace_uuid
    with session.db.read() as conn:
        question = repo.get_message(conn, ws, started.question_uuid)
        chat = repo.get_chat(conn, ws, started.chat_uuid)
        agent = chat.agent_uuid if chat is not None else None
        user = present(conn, ws, question, agent)
        assistant = present(conn, ws, repo.get_message(conn, ws, started.assistant_uuid), agent)
    return MessageExchange(user_message=user, assistant_message=assistant).dump()


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row, chat = _live_message(session, conn, uuid)
        return {"message": present(conn, session.workspace_uuid, row, chat.agent_uuid).dump()}


def list_messages(session: Session, *, chat_uuid: str, limit: int | None = None,
                  offset: int | None = None) -> dict[str, Any]:
    size, start = chat_page(limit, offset)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        chat = require_chat(session, conn, chat_uuid)
        rows = repo.list_messages(conn, ws, chat_uuid, limit=size, offset=start)
        return {"messages": [present(conn, ws, r, chat.agent_uuid).dump() for r in rows]}


def remove(session: Session, uuid: str) -> dict[str, Any]:
    """Soft delete a user message and the answer(s) to it: both leave the chat's history (an answer
    still being generated is cancelled). Only user messages are removed (`messageNotUser`)."""
    from lading.store.repositories import run_queue

    ws = session.workspace_uuid
    now = utcnow()
    with session.db.write() as conn:
        row, _chat = _live_message(session, conn, uuid)
        if row.role != "user":
            raise ValidationError("only a user message can be removed (its answers go with it)",
                                  reason="messageNotUser")
        answers = []
        for later in repo.list_messages(conn, ws, row.chat_uuid, after_seq=row.seq):
            if later.role == "user":
                break
            answers.append(later)
        unfinished = [a.run_uuid for a in answers if a.run_uuid and a.status not in TERMINAL]
        if unfinished:
            run_queue.cancel_runs(conn, unfinished, now)
        for message in (row, *answers):
            repo.update_message(conn, ws, message.uuid, {"deleted_at": now, "updated_at": now})
        repo.touch_chat(conn, ws, row.chat_uuid, now)
    return Removed(uuid=uuid).dump()


def cancel(session: Session, uuids: Sequence[str]) -> dict[str, Any]:
    """Stop generating answers: each listed assistant message still unfinished goes `cancelling`, and
    `cancelled` at once when no worker has started it (else when its step next reports progress).
    Other listed messages are left as they are. Answers `{"messages"}` in `uuids` order."""
    from lading.store.repositories import run_queue
    from lading.store.repositories import runs as run_repo

    if not isinstance(uuids, list) or not uuids or not all(isinstance(u, str) for u in uuids):
        raise ValidationError("uuids must be a non-empty array of message uuids", reason="invalidPayload")
    ws = session.workspace_uuid
    now = utcnow()
    wanted = list(dict.fromkeys(uuids))
    with session.db.write() as conn:
        found = {}
        for uuid in wanted:
            found[uuid] = _live_message(session, conn, uuid)
        for row, _chat in found.values():
            if row.role != "assistant" or row.status in TERMINAL or row.status == "cancelling":
                continue
            if row.run_uuid:
                run_queue.cancel_runs(conn, [row.run_uuid], now)
                run = run_repo.get_run(conn, ws, row.run_uuid)
                done = run is None or run.status == "cancelled"
            else:
                done = True
            repo.update_message(conn, ws, row.uuid, {"status": "cancelled" if done else "cancelling",
                                                     "updated_at": now, **({"finished_at": now} if done else {})})
        shown_messages = []
        for uuid in wanted:
            row, chat = _live_message(session, conn, uuid)
            shown_messages.append(present(conn, ws, row, chat.agent_uuid).dump())
    return {"messages": shown_messages}


# --- answering (called by the agent step of a chat run) ------------------------------------------------


class _CancelledError(Exception):
    """The message was cancelled while its answer was being generated."""


def _history(conn: Any, ws: str, rows: list[Any]) -> list[ChatTurn]:
    """The conversation so far, attached files with their text."""
    return [ChatTurn(r.role, content.with_attachment_text(conn, ws, list(r.parts or [])))
            for r in rows if r.status == "success"]


async def answer_chat_message(session: Session, config: dict[str, Any], call_stack: list[str],
                              root_run_uuid: str | None = None) -> dict[str, Any]:
    """The agent step of a chat run: generate the assistant message, persisting its parts as they grow.
    Returns the step's output (`{"answer": …}`) and the model credits, or fails the step. A message
    cancelled meanwhile ends `cancelled` and the step returns (its run is cancelling: the worker
    finishes it `cancelled`)."""
    import asyncio

    from lading.services.ai._runtime import ResolvedAgent, release_config
    from lading.services.ai._runtime import run_turn as turn

    ws = session.workspace_uuid
    chat_uuid, message_uuid = str(config.get("chatUuid")), str(config.get("messageUuid"))

    def load() -> tuple[ResolvedAgent, list[ChatTurn], dict[str, Any], str | None] | None:
        with session.db.write() as conn:
            message = repo.get_message(conn, ws, message_uuid)
            chat = repo.get_chat(conn, ws, chat_uuid)
            if message is None or chat is None:
                raise NodeExecutionError("chatNotFound: the chat or its message is gone", retryable=False)
            if message.status in CANCELLED:
                repo.update_message(conn, ws, message_uuid, {"status": "cancelled", "finished_at": utcnow(),
                                                             "updated_at": utcnow()})
                return None
            repo.update_message(conn, ws, message_uuid, {"status": "generating", "parts": [], "error_message": None,
                                                         "updated_at": utcnow()})
            if repo.get_agent(conn, ws, chat.agent_uuid) is None:
                raise NodeExecutionError("agentNotFound: Agent not found", retryable=False)
            try:
                release = (repo.get_release(conn, ws, message.release_uuid) if message.release_uuid
                           else chat_release(session, conn, chat))
                if release is None:
                    raise NotFoundError("Release not found", reason="releaseNotFound")
            except NotFoundError as exc:
                raise NodeExecutionError(exc.to_document()["errorMessage"], retryable=False) from exc
            history = _history(conn, ws, list(repo.list_messages(conn, ws, chat_uuid, before_seq=message.seq)))
        resolved = ResolvedAgent(release_config(release), chat.agent_uuid, release.uuid)
        return resolved, history, message.overrides or {}, message.user_uuid

    def save(values: dict[str, Any], credits: float = 0.0) -> None:
        """Write the answer's progress or end; once it is cancelled, only its end as `cancelled`."""
        with session.db.write() as conn:
            current = repo.get_message(conn, ws, message_uuid)
            if current is not None and current.status in CANCELLED:
                if "finished_at" not in values:
                    raise _CancelledError
                values = {"status": "cancelled", "parts": values.get("parts", current.parts),
                          "finished_at": values["finished_at"]}
            repo.update_message(conn, ws, message_uuid, {**values, "updated_at": utcnow()})
            if credits:
                repo.add_chat_credits(conn, ws, chat_uuid, credits)

    async def on_parts(parts: list[dict[str, Any]]) -> None:
        await asyncio.to_thread(save, {"parts": list(parts)})

    loaded = await asyncio.to_thread(load)
    if loaded is None:
        return {"output": {"answer": None}, "credits": 0.0}
    resolved, history, overrides, sender = loaded
    try:
        # The turn acts for the message's sender (whose user-scope memories it reads).
        asker = dataclasses.replace(session, user_uuid=sender) if sender else session
        result = await turn(asker, resolved, history, overrides=overrides, call_stack=call_stack,
                            on_parts=on_parts, root_run_uuid=root_run_uuid)
    except _CancelledError:
        await asyncio.to_thread(save, {"finished_at": utcnow()})
        return {"output": {"answer": None}, "credits": 0.0}
    except TurnError as exc:
        await asyncio.to_thread(save, {"status": "error", "parts": exc.parts, "error_message": exc.message,
                                       "finished_at": utcnow()}, exc.credits)
        raise NodeExecutionError(exc.message, retryable=False) from exc
    except NodeExecutionError as exc:
        await asyncio.to_thread(save, {"status": "error", "error_message": exc.message, "finished_at": utcnow()})
        raise
    usage = {"tokensUsedCount": result.input_tokens + result.output_tokens, "inputTokensCount": result.input_tokens,
             "outputTokensCount": result.output_tokens, "creditsUsedCount": result.credits,
             "languageModelSlug": result.model or None,
             "connectorUuid": overrides.get("connectorUuid") or resolved.config.get("connectorUuid")}
    await asyncio.to_thread(save, {"status": "success", "parts": result.parts, "usage": usage,
                                   "finished_at": utcnow()}, result.credits)
    return {"output": {"answer": result.answer}, "credits": result.credits}
