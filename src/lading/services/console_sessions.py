"""Web console sign-ins: a workspace token, or a user's email and password, exchanged for a session
whose cookie value the browser keeps.

Why a session and not the token in a cookie: the token is a long-lived credential that also works on the
API; the console keeps it out of the browser. Its value is checked once, through the same token lookup
the API's bearer authentication uses, and the session then acts with exactly that token's rights (read
again on every page, so a narrowed or removed token narrows or ends the session at once). Only the
SHA-256 of the cookie value is stored, as for tokens: a copy of the store opens no session.

Signed in with a password (`sign_in_user`), the session is bound to the user instead and acts as a
user-bound token with `permissions: null` does on the API: the user's current role narrowed by their own
rules, read again on every page.
"""

from __future__ import annotations

import secrets
import uuid as uuidlib
from datetime import datetime, timedelta

from lading.services import passwords
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


def sign_in_user(db: Database, *, email: str, password: str,
                 workspace: str | None = None) -> tuple[str, datetime] | None:
    """A new session for a user's email and password: (cookie value, expiry), or None for an unknown
    email, a wrong password, a user without a password, or an email in several workspaces when none is
    named (one answer for all, and the same scrypt cost whether or not a user matched)."""
    email, workspace = email.strip(), (workspace or "").strip() or None
    if not email or not password:
        return None
    with db.read() as conn:
        found = repo.password_candidates(conn, email, workspace)
    row = found[0] if len(found) == 1 else None
    if not passwords.verify_password(password, row.password_hash if row is not None else None) or row is None:
        return None
    value = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + LIFETIME
    with db.write() as conn:
        repo.delete_expired(conn, now)
        repo.insert_session(conn, uuid=str(uuidlib.uuid4()), workspace_uuid=row.workspace_uuid, user_uuid=row.uuid,
                            session_hash=tokens.hash_token(value), now=now, expires_at=expires)
        repo.touch_user_sign_in(conn, row.workspace_uuid, row.uuid, now)
    return value, expires


def session_of(db: Database, settings: Settings, value: str, reactions: Reactions) -> Session | None:
    """The signed-in session of a cookie value, with its token's (or its user's) rights (None: unknown,
    expired, or its token or user removed)."""
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
