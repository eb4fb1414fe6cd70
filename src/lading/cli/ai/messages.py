"""`lading ai message …`: create (the agent answers it), get, list (embedded, or through the server's
`/ai/messages` routes; waiting remotely polls the answer's route)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, session
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.ai import messages
else:  # imported when a command answers locally: remote mode never loads the store
    messages = lazy_module("lading.services.ai.messages")

if TYPE_CHECKING:
    from lading.cli.remote import Target

message_app = typer.Typer(help="Messages of a chat; the agent answers each user message.", no_args_is_help=True,
                          context_settings=help_settings())

# An answer is final in these statuses (api.md §6: cancelling → cancelled).
FINAL_STATUSES = ("success", "error", "cancelled")
_FIRST_POLL_SECONDS = 0.05


@message_app.command("create")
def create(
    chat_uuid: str = typer.Option(..., "--chat-uuid"),
    parts: str = typer.Option(..., "--parts", help='[{"type":"text","text":"…"}] (text and file parts).'),
    actions: str = typer.Option(None, "--actions", help="Actions added to the release's for this message."),
    resources: str = typer.Option(None, "--resources", help="Resources added to the release's for this message."),
    language_model_slug: str = typer.Option(None, "--language-model-slug", help="Overrides the release's model once."),
    temperature: float = typer.Option(None, "--temperature", help="0.0 deterministic … 1.0 creative."),
    max_steps: int = typer.Option(None, "--max-steps", help="Cap on model turns plus action calls (1–50)."),
    wait: bool = typer.Option(False, "--wait-until-finished",
                              help="Block until the answer is success or error (Ctrl-C stops the wait, never the "
                                   "answer)."),
    polling_interval: int = typer.Option(2000, "--polling-interval",
                                         help="Remote mode: the longest pause between two polls of the answer "
                                              "(embedded, waiting drives the answer here)."),
) -> None:
    """Send a message; the agent's answer is the `assistantMessage` (poll `ai message get`)."""
    from lading.cli.remote import target

    fields = {"chatUuid": chat_uuid, "parts": parse_json_flag("--parts", parts),
              "actions": parse_json_flag("--actions", actions), "resources": parse_json_flag("--resources", resources),
              "languageModelSlug": language_model_slug, "temperature": temperature, "maxSteps": max_steps}
    remote = target()
    if remote is not None:
        exchange = remote.call("POST", "/ai/messages", body={k: v for k, v in fields.items() if v is not None})
        if wait:
            from lading.cli.interrupt import following

            sent, answer_uuid = exchange, exchange["assistantMessage"]["uuid"]

            def as_it_stands() -> dict[str, Any]:
                return {**sent, "assistantMessage": remote.call("GET", f"/ai/messages/{answer_uuid}")["message"]}

            with following("message", answer_uuid, f"lading ai message get {answer_uuid}", as_it_stands,
                           remote=True):
                exchange = _waited(remote, exchange, polling_interval)
        emit(exchange)
        return
    from lading.cli.interrupt import following
    from lading.worker import finish_run, hand_over

    sess = session()
    started = messages.create(
        sess, chat_uuid=chat_uuid, parts=fields["parts"],
        overrides=messages.Overrides(actions=fields["actions"], resources=fields["resources"],
                                     language_model_slug=language_model_slug, temperature=temperature,
                                     max_steps=max_steps))
    if not wait:
        finish_run(sess, started.run_uuid, wait=False)
        emit(messages.exchange(sess, started))
        return
    with following("message", started.assistant_uuid, f"lading ai message get {started.assistant_uuid}",
                   lambda: messages.exchange(sess, started), remote=False, on_interrupt=lambda: hand_over(sess)):
        finish_run(sess, started.run_uuid, wait=True)
        emit(messages.exchange(sess, started))


def _waited(remote: Target, exchange: dict[str, Any], polling_interval_ms: int) -> dict[str, Any]:
    """The exchange once the server has finished the answer: its route polled until final (the pause
    doubling up to `--polling-interval`), then both messages read as they stand."""
    import time

    path = f"/ai/messages/{exchange['assistantMessage']['uuid']}"
    ceiling = max(polling_interval_ms, 1) / 1000
    pause = min(_FIRST_POLL_SECONDS, ceiling)
    while True:
        assistant = remote.call("GET", path)["message"]
        if assistant["status"] in FINAL_STATUSES:
            break
        time.sleep(pause)
        pause = min(pause * 2, ceiling)
    user = remote.call("GET", f"/ai/messages/{exchange['userMessage']['uuid']}")["message"]
    return {"userMessage": user, "assistantMessage": assistant}


@message_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get one message (poll every 2 s until `status` is success or error)."""
    emit(answer("GET", f"/ai/messages/{uuid}", local=lambda s: messages.get(s, uuid)))


@message_app.command("list")
def list_messages(
    chat_uuid: str = typer.Option(..., "--chat-uuid"),
    limit: int = typer.Option(None, "--limit"),
    offset: int = typer.Option(None, "--offset"),
) -> None:
    """A chat's messages, oldest first."""
    emit(answer("GET", "/ai/messages/list", query={"chatUuid": chat_uuid, "limit": limit, "offset": offset},
                local=lambda s: messages.list_messages(s, chat_uuid=chat_uuid, limit=limit, offset=offset)))
