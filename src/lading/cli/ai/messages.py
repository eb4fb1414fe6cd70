"""`lading ai message …`: create (the agent answers it), get, list."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag

message_app = typer.Typer(help="Messages of a chat; the agent answers each user message.", no_args_is_help=True,
                          context_settings=help_settings())


@message_app.command("create")
def create(
    chat_uuid: str = typer.Option(..., "--chat-uuid"),
    parts: str = typer.Option(..., "--parts", help='[{"type":"text","text":"…"}] (text and file parts).'),
    actions: str = typer.Option(None, "--actions", help="Actions added to the release's for this message."),
    resources: str = typer.Option(None, "--resources", help="Resources added to the release's for this message."),
    language_model_slug: str = typer.Option(None, "--language-model-slug", help="Overrides the release's model once."),
    temperature: float = typer.Option(None, "--temperature", help="0.0 deterministic … 1.0 creative."),
    max_steps: int = typer.Option(None, "--max-steps", help="Cap on model turns plus action calls (1–50)."),
    wait: bool = typer.Option(False, "--wait-until-finished", help="Block until the answer is success or error."),
    polling_interval: int = typer.Option(2000, "--polling-interval",
                                         help="Accepted for compatibility; waiting drives the answer here."),
) -> None:
    """Send a message; the agent's answer is the `assistantMessage` (poll `ai message get`)."""
    from lading.services.ai import messages
    from lading.worker import finish_run

    sess = session()
    started = messages.create(
        sess, chat_uuid=chat_uuid, parts=parse_json_flag("--parts", parts),
        actions=parse_json_flag("--actions", actions), resources=parse_json_flag("--resources", resources),
        language_model_slug=language_model_slug, temperature=temperature, max_steps=max_steps)
    finish_run(sess, started.run_uuid, wait=wait)
    emit(messages.exchange(sess, started))


@message_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get one message (poll every 2 s until `status` is success or error)."""
    from lading.services.ai import messages

    emit(messages.get(session(), uuid))


@message_app.command("list")
def list_messages(
    chat_uuid: str = typer.Option(..., "--chat-uuid"),
    limit: int = typer.Option(None, "--limit"),
    offset: int = typer.Option(None, "--offset"),
) -> None:
    """A chat's messages, oldest first."""
    from lading.services.ai import messages

    emit(messages.list_messages(session(), chat_uuid=chat_uuid, limit=limit, offset=offset))
