"""The caller's session: which database and workspace every service call works in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lading.services.access import Access
from lading.settings import Settings, load_settings
from lading.store.database import Database, open_database
from lading.store.repositories import workspaces


@dataclass
class WorkNotice:
    """Raised by a service that created work only a worker does (a batch, a cron schedule).

    Why a flag and not a call: services sit below the worker role, so they cannot start a worker;
    the face that ran the command (CLI, MCP, API) reads the flag afterwards and hands the work over
    (`lading.worker.settle`). Runs a command waits for are driven by the face itself."""

    announced: bool = False

    def announce(self) -> None:
        self.announced = True


@dataclass(frozen=True)
class Reactions:
    """What happens after a write, across command groups: wired once by `services.wiring`.

    Why not a call: a model write (storage) re-evaluates segments (segmentation), and a segment change
    starts a play's batch (orchestration). Calling up the groups would tie them in a circle; instead
    the lower group calls the reaction its session carries, and the composition root decides what it
    is. Every session has one (no default), so no write can silently skip it."""

    model_written: Callable[[Session, str], None]
    segment_changed: Callable[[Session, str, str], None]  # (session, play uuid, change uuid)


@dataclass(frozen=True)
class Session:
    """A workspace-scoped handle; every repository call takes `workspace_uuid` from here."""

    db: Database
    settings: Settings
    workspace_uuid: str
    workspace_name: str
    user_uuid: str
    user_email: str
    reactions: Reactions = field(compare=False, repr=False)
    work: WorkNotice = field(default_factory=WorkNotice, compare=False)
    # The caller's rights: None for direct store access (embedded mode: the workspace administrator),
    # a token's `Access` for a request to the server.
    access: Access | None = field(default=None, compare=False)


def open_session(reactions: Reactions, settings: Settings | None = None) -> Session:
    """Embedded mode: the configured workspace, created with its admin on first use (faces call it
    through `services.wiring.open_session`, which supplies the reactions)."""
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
                   user_uuid=user.uuid, user_email=user.email, reactions=reactions)


def workspace_session(db: Database, settings: Settings, workspace_uuid: str, reactions: Reactions) -> Session | None:
    """A session in a given workspace, acting as its first user: for work a process does on a
    workspace's behalf (the scheduler serves every workspace). None when the workspace is gone."""
    with db.read() as conn:
        found = workspaces.get_workspace_and_admin(conn, workspace_uuid)
    if found is None:
        return None
    ws, user = found
    return Session(db=db, settings=settings, workspace_uuid=ws.uuid, workspace_name=ws.name,
                   user_uuid=user.uuid, user_email=user.email, reactions=reactions)


def token_session(db: Database, settings: Settings, token: str, reactions: Reactions) -> Session | None:
    """The session of a request bearing `token`: its workspace, its owner, its rights. None when the
    token is unknown or removed, or its owner was removed (the caller answers 401 `unauthorized`)."""
    from lading.store.clock import utcnow
    from lading.store.repositories import tokens

    digest = tokens.hash_token(token)
    with db.read() as conn:
        row = tokens.find_by_hash(conn, digest)
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= tokens.LAST_USED_PRECISION:
        with db.write() as conn:
            tokens.touch(conn, row.uuid, now)
    access = Access(role=row.user_role, token_uuid=row.uuid, token_rules=row.permissions,
                    user_rules=tuple(row.user_permissions or ()))
    return Session(db=db, settings=settings, workspace_uuid=row.workspace_uuid, workspace_name=row.workspace_name,
                   user_uuid=row.user_uuid, user_email=row.user_email, reactions=reactions, access=access)


def whoami(session: Session) -> dict[str, object]:
    """Who the caller is: `{"user": {uuid, email, firstName, lastName}, "workspace": {uuid, name}}`."""
    from sqlalchemy import select

    from lading.store.schema import users

    with session.db.read() as conn:
        row = conn.execute(select(users.c.first_name, users.c.last_name)
                           .where(users.c.uuid == session.user_uuid)).first()
    return {
        "user": {"uuid": session.user_uuid, "email": session.user_email,
                 "firstName": row.first_name if row else None, "lastName": row.last_name if row else None},
        "workspace": {"uuid": session.workspace_uuid, "name": session.workspace_name},
    }
