"""The caller's session: which database and workspace every service call works in."""

from __future__ import annotations

from dataclasses import dataclass

from lading.settings import Settings, load_settings
from lading.store.database import Database, open_database
from lading.store.repositories import workspaces


@dataclass(frozen=True)
class Session:
    """A workspace-scoped handle; every repository call takes `workspace_uuid` from here."""

    db: Database
    settings: Settings
    workspace_uuid: str
    workspace_name: str
    user_uuid: str
    user_email: str


def open_session(settings: Settings | None = None) -> Session:
    """Embedded mode: the configured workspace, created with its admin on first use."""
    settings = settings or load_settings()
    db = open_database(settings)
    with db.read() as conn:
        ws = workspaces.find_workspace(conn, settings.workspace_name)
    if ws is not None:
        with db.read() as conn:
            ws, user = workspaces.get_or_create_workspace(conn, settings.workspace_name)
    else:
        with db.write() as conn:
            ws, user = workspaces.get_or_create_workspace(conn, settings.workspace_name)
    return Session(db=db, settings=settings, workspace_uuid=ws.uuid, workspace_name=ws.name,
                   user_uuid=user.uuid, user_email=user.email)


def workspace_session(db: Database, settings: Settings, workspace_uuid: str) -> Session | None:
    """A session in a given workspace, acting as its first user: for work a process does on a
    workspace's behalf (the scheduler serves every workspace). None when the workspace is gone."""
    with db.read() as conn:
        found = workspaces.get_workspace_and_admin(conn, workspace_uuid)
    if found is None:
        return None
    ws, user = found
    return Session(db=db, settings=settings, workspace_uuid=ws.uuid, workspace_name=ws.name,
                   user_uuid=user.uuid, user_email=user.email)


def whoami(session: Session) -> dict[str, object]:
    return {
        "user": {"uuid": session.user_uuid, "email": session.user_email, "firstName": None, "lastName": None},
        "workspace": {"uuid": session.workspace_uuid, "name": session.workspace_name},
    }
