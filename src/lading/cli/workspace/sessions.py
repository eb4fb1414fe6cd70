"""`workspaceManagement session upsert`: work-session summaries, one per session id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import sessions
else:  # imported when a command answers locally: remote mode never loads the store
    sessions = lazy_module("lading.services.workspace.sessions")

session_app = typer.Typer(help="Work-session summaries (later upserts of one id overwrite it).",
                          no_args_is_help=True, context_settings=help_settings())


@session_app.command("upsert")
def upsert(
    session_id: str = typer.Option(..., "--session-id"),
    title: str = typer.Option(..., "--title"),
    summary: str = typer.Option(..., "--summary"),
    finished: bool = typer.Option(False, "--finished", help="Mark the session finished now."),
    finished_at: str = typer.Option(None, "--finished-at", help="Mark it finished at this ISO 8601 time."),
) -> None:
    """Create or overwrite the session's summary."""
    from lading.domain.errors import UsageError

    if finished and finished_at is not None:
        raise UsageError("error: option '--finished' cannot be used with '--finished-at'")
    if finished:
        from lading.store.clock import iso, utcnow

        finished_at = iso(utcnow())
    body = {"sessionId": session_id, "title": title, "summary": summary, "finishedAt": finished_at}
    emit(answer("POST", "/workspaceManagement/sessions", body=body,
                local=lambda s: sessions.upsert_session(s, session_id=session_id, title=title, summary=summary,
                                                        finished_at=finished_at)))
