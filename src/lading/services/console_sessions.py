"""Web console sign-ins: a workspace token exchanged for a session whose cookie value the browser keeps.

Why a session and not the token in a cookie: the token is a long-lived credential that also works on the
API; the console keeps it out of the browser. Its value is checked once, through the same token lookup
the API's bearer authentication uses, and the session then acts with exactly that token's rights (read
again on every page, so a narrowed or removed token narrows or ends the session at once). Only the
SHA-256 of the cookie value is stored, as for tokens: a copy of the store opens no session.
"""

from __future__ import annotations

import secrets
import uuid as uuidlib
from datetime import datetime, timedelta

from lading.services.access import Access
from lading.services.session import Reactions, Session
from lading.settings import Settings
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import console_sessions as repo
from lading.store.repositories import tokens

# How long a sign-in lasts; the person signs in again after it.
LIFETIME = timedelta(hours=12)


def sign_in(db: Database, token: str) -> tuple[str, datetime] | None:
    """A new session for a valid workspace token: (cookie value, expiry), or None when the token is
    unknown or removed (the caller shows one message for every refusal)."""
    token = token.strip()
    if not token:
        return None
    with db.read() as conn:
        row = tokens.find_by_hash(conn, tokens.hash_token(token))
    if row is None:
        return None
    value = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + LIFETIME
    with db.write() as conn:
        repo.delete_expired(conn, now)
        repo.insert_session(conn, uuid=str(uuidlib.uuid4()), workspace_uuid=row.workspace_uuid, token_uuid=row.uuid,
                            session_hash=tokens.hash_token(value), now=now, expires_at=expires)
    return value, expires


def session_of(db: Database, settings: Settings, value: str, reactions: Reactions) -> Session | None:
    """The signed-in session of a cookie value, with its token's rights (None: unknown, expired, or its
    token or owner removed)."""
    if not value:
        return None
    with db.read() as conn:
        row = repo.find_by_hash(conn, tokens.hash_token(value))
    if row is None or row.expires_at <= utcnow():
        return None
    access = Access(role=row.user_role, token_uuid=row.uuid, token_rules=row.permissions,
                    user_rules=tuple(row.user_permissions or ()))
    return Session(db=db, settings=settings, workspace_uuid=row.workspace_uuid, workspace_name=row.workspace_name,
                   user_uuid=row.user_uuid, user_email=row.user_email, reactions=reactions, access=access)


def sign_out(db: Database, value: str) -> None:
    """Ends the session of this cookie value (nothing when there is none)."""
    if value:
        with db.write() as conn:
            repo.delete_session(conn, tokens.hash_token(value))
