"""The composition root of the services: sessions with their cross-group reactions wired in.

Faces (CLI, MCP, the API) and the worker open sessions here, never with `session.Session(...)`
directly, so every session carries the reactions that tie the groups together without importing
upwards: a committed model write re-evaluates the model's segments (`segmentation.changes`), and a
segment change starts the linked play's batch (`orchestration.plays`). The groups are imported when a
reaction runs, so opening a session stays cheap for commands that never write.
"""

from __future__ import annotations

from lading.services import session as sessions
from lading.services.session import Reactions, Session
from lading.settings import Settings
from lading.store.database import Database


def _model_written(session: Session, model_uuid: str) -> None:
    from lading.services.segmentation.changes import after_model_write

    after_model_write(session, model_uuid)


def _segment_changed(session: Session, play_uuid: str, change_uuid: str) -> None:
    from lading.services.orchestration.plays import on_segment_change

    on_segment_change(session, play_uuid, change_uuid)


REACTIONS = Reactions(model_written=_model_written, segment_changed=_segment_changed)


def open_session(settings: Settings | None = None) -> Session:
    """The configured workspace (embedded mode), created with its admin on first use."""
    return sessions.open_session(REACTIONS, settings)


def workspace_session(db: Database, settings: Settings, workspace_uuid: str) -> Session | None:
    """A session in a given workspace acting as its first user (work done on a workspace's behalf)."""
    return sessions.workspace_session(db, settings, workspace_uuid, REACTIONS)


def token_session(db: Database, settings: Settings, token: str) -> Session | None:
    """The session of a request to the server bearing `token` (None: unknown or removed token)."""
    return sessions.token_session(db, settings, token, REACTIONS)


def system_session(db: Database, settings: Settings, workspace_uuid: str) -> Session:
    """A session for a worker step of a workspace's run: no user (the run acts for itself)."""
    return Session(db=db, settings=settings, workspace_uuid=workspace_uuid, workspace_name="", user_uuid="",
                   user_email="", reactions=REACTIONS)


def console_session(db: Database, settings: Settings, value: str) -> Session | None:
    """The session of a web console cookie value (None: signed out, expired, or its token removed)."""
    from lading.services import console_sessions

    return console_sessions.session_of(db, settings, value, REACTIONS)
