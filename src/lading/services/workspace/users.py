"""`workspaceManagement user list|get-current|create|update|remove`, the users' own permission rules,
and the caller's profile (`userManagement users/current`, `lading user update`).

Users belong to one workspace and are soft-deleted. Writes other than one's own profile are
admin-only; a workspace always keeps one admin (`lastAdminCannotBeRemoved`). What a user's tokens
may do follows the user at once: a token's rights are read from its owner's current row on every
request, so demoting a user narrows their tokens and removing one revokes them (they are also
marked removed here, so token lists stop showing them).
"""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, ValidationError, found, shown
from lading.services import passwords
from lading.services.access import check_rules, require_admin
from lading.services.session import Session
from lading.services.workspace import roles, shapes
from lading.store.clock import iso, utcnow
from lading.store.database import serialize_writes
from lading.store.repositories import accounts as repo
from lading.store.repositories import console_sessions

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_NAME_LIMIT = 255


def _profile_fields(row: Any) -> dict[str, Any]:
    return {"uuid": row.uuid, "email": row.email, "first_name": row.first_name, "last_name": row.last_name,
            "picture": row.picture, "web_extension_data": row.web_extension_data,
            "last_sign_in_at": iso(row.last_sign_in_at), "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at or row.created_at)}


def present(row: Any, by_slug: dict[str, Any]) -> dict[str, Any]:
    role = by_slug.get(row.role)
    return shapes.User(**_profile_fields(row), workspace_uuid=row.workspace_uuid,
                       role=shapes.Role.model_validate(roles.present(role)) if role is not None else None,
                       permissions=row.permissions).dump()


def present_profile(row: Any) -> dict[str, Any]:
    return shapes.ProfileUser(**_profile_fields(row)).dump()


def require_user(session: Session, conn: Any, uuid: Any) -> Any:
    if not isinstance(uuid, str) or not uuid:
        raise ValidationError(f"userUuid must be a uuid, got {shown(uuid)}", reason="invalidPayload")
    return found(repo.get_user(conn, session.workspace_uuid, uuid.lower()), "User", uuid)


def _current(session: Session, conn: Any) -> Any:
    """The caller's own row (`userNotFound` for a session acting for no user)."""
    return found(repo.get_user(conn, session.workspace_uuid, session.user_uuid) if session.user_uuid else None,
                 "User", session.user_uuid or "current")


def _email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()) or len(value.strip()) > 320:
        raise ValidationError(f"userEmail must be an email address, got {shown(value)}", reason="invalidUserEmail")
    return value.strip().lower()


def _keep_an_admin(conn: Any, ws: str, leaving: str) -> None:
    """Refuse to take the admin role from the workspace's last admin."""
    if repo.lock_admins(conn, ws) == [leaving]:
        raise ConflictError("the workspace's last admin cannot be removed or demoted; make another user "
                            "admin first", reason="lastAdminCannotBeRemoved")


# --- workspaceManagement users ---------------------------------------------------------------------

def list_users(session: Session) -> dict[str, Any]:
    by_slug = roles.ensure_roles(session)
    with session.db.read() as conn:
        rows = repo.list_users(conn, session.workspace_uuid)
    return {"users": [present(row, by_slug) for row in rows]}


def get_current_user(session: Session) -> dict[str, Any]:
    """The caller (the token's owner; the workspace's admin in embedded mode)."""
    by_slug = roles.ensure_roles(session)
    with session.db.read() as conn:
        row = _current(session, conn)
    return {"user": present(row, by_slug)}


def create_user(session: Session, *, user_email: Any, role_slug: Any) -> dict[str, Any]:
    """Add a member at once (there is no invitation to accept)."""
    require_admin(session.access)
    email = _email(user_email)
    slug = roles.require_role_slug(role_slug)
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        by_slug = roles.ensure(conn, session.workspace_uuid)
        serialize_writes(conn, f"users:{session.workspace_uuid}")
        if repo.find_user_by_email(conn, session.workspace_uuid, email) is not None:
            raise ConflictError(f"a user with email {shown(email)} already exists in this workspace",
                                reason="userAlreadyExists")
        repo.insert_user(conn, session.workspace_uuid, {
            "uuid": uuid, "email": email, "role": slug, "created_at": now, "updated_at": now})
        row = require_user(session, conn, uuid)
    return {"user": present(row, by_slug)}


def update_user(session: Session, user_uuid: str, *, role_slug: Any) -> dict[str, Any]:
    """Change a user's role; their tokens follow from the next request on."""
    require_admin(session.access)
    slug = roles.require_role_slug(role_slug)
    with session.db.write() as conn:
        by_slug = roles.ensure(conn, session.workspace_uuid)
        row = require_user(session, conn, user_uuid)
        if row.role == "admin" and slug != "admin":
            _keep_an_admin(conn, session.workspace_uuid, row.uuid)
        if row.role != slug:
            repo.update_user(conn, session.workspace_uuid, row.uuid, {"role": slug, "updated_at": utcnow()})
        row = require_user(session, conn, row.uuid)
    return {"user": present(row, by_slug)}


def remove_user(session: Session, user_uuid: Any) -> dict[str, Any]:
    """Remove a user from the workspace; their tokens answer `unauthorized` at once."""
    require_admin(session.access)
    now = utcnow()
    with session.db.write() as conn:
        row = require_user(session, conn, user_uuid)
        if row.role == "admin":
            _keep_an_admin(conn, session.workspace_uuid, row.uuid)
        repo.update_user(conn, session.workspace_uuid, row.uuid, {"deleted_at": now, "updated_at": now})
        repo.revoke_user_tokens(conn, session.workspace_uuid, row.uuid, now)
    return {"uuid": row.uuid, "removed": True}


def set_password(session: Session, user_uuid: Any, *, password: Any) -> dict[str, Any]:
    """Set a user's console sign-in password (Lading addition): admin-only for another user, anyone for
    themselves. Stores a salted scrypt hash only (`services.passwords`) and ends the user's password
    sessions, so a changed password signs every browser out. The password is never echoed back."""
    with session.db.read() as conn:
        target = require_user(session, conn, user_uuid)
    if target.uuid != session.user_uuid:
        require_admin(session.access)
    digest = passwords.hash_password(passwords.check_new(password))
    now = utcnow()
    with session.db.write() as conn:
        row = require_user(session, conn, target.uuid)
        repo.update_user(conn, session.workspace_uuid, row.uuid, {"password_hash": digest, "updated_at": now})
        console_sessions.delete_user_sessions(conn, session.workspace_uuid, row.uuid)
    return {"uuid": row.uuid, "passwordSet": True}


def _permission_rule(action: Any, resource_uuid: Any, effect: Any) -> dict[str, Any]:
    if not isinstance(resource_uuid, str) or not resource_uuid.strip():
        raise ValidationError(f"resourceUuid must be a uuid, got {shown(resource_uuid)}", reason="invalidPayload")
    rules = check_rules([{"effect": effect, "resources": [resource_uuid.strip().lower()], "actions": [action]}],
                        field_name="permission")
    assert rules is not None
    return rules[0]


def _same_target(rule: dict[str, Any], resource_uuid: str) -> bool:
    return rule.get("resources") == [resource_uuid]


def upsert_permission(session: Session, *, action: Any, resource_uuid: Any, effect: Any,
                      user_uuids: Any = None, emails: Any = None) -> dict[str, Any]:
    """Give each named user the rule `{effect, resources:[resourceUuid], actions:[action]}`, replacing
    the rule they had for the same resource and action. A user's own rules can only narrow their role
    (C §3.3), so in effect a `deny` takes a right away and an `allow` records an intent."""
    require_admin(session.access)
    rule = _permission_rule(action, resource_uuid, effect)
    uuids = _string_list(user_uuids, "userUuids")
    addresses = [_email(e) for e in _string_list(emails, "emails")]
    if not uuids and not addresses:
        raise ValidationError("name the users: userUuids and/or emails", reason="invalidPayload")
    now = utcnow()
    with session.db.write() as conn:
        by_slug = roles.ensure(conn, session.workspace_uuid)
        targets = {row.uuid: row for row in (require_user(session, conn, u) for u in uuids)}
        for address in addresses:
            row = found(repo.find_user_by_email(conn, session.workspace_uuid, address), "User", address)
            targets[row.uuid] = row
        for row in targets.values():
            kept = [r for r in (row.permissions or [])
                    if not (_same_target(r, rule["resources"][0]) and r.get("actions") == rule["actions"])]
            repo.update_user(conn, session.workspace_uuid, row.uuid, {"permissions": [*kept, rule], "updated_at": now})
        changed = [require_user(session, conn, uuid) for uuid in targets]
    return {"users": [present(row, by_slug) for row in changed]}


def remove_permission(session: Session, user_uuid: str, *, resource_uuid: Any, effect: Any) -> dict[str, Any]:
    """Drop the user's rules of this effect on this resource; answers the user as changed."""
    require_admin(session.access)
    if effect not in ("allow", "deny"):
        raise ValidationError(f"effect must be \"allow\" or \"deny\", got {shown(effect)}", reason="invalidPayload")
    if not isinstance(resource_uuid, str) or not resource_uuid.strip():
        raise ValidationError(f"resourceUuid must be a uuid, got {shown(resource_uuid)}", reason="invalidPayload")
    target = resource_uuid.strip().lower()
    with session.db.write() as conn:
        by_slug = roles.ensure(conn, session.workspace_uuid)
        row = require_user(session, conn, user_uuid)
        kept = [r for r in (row.permissions or []) if not (_same_target(r, target) and r.get("effect") == effect)]
        if kept != list(row.permissions or []):
            repo.update_user(conn, session.workspace_uuid, row.uuid,
                             {"permissions": kept or None, "updated_at": utcnow()})
        row = require_user(session, conn, row.uuid)
    return {"user": present(row, by_slug)}


def _string_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError(f"{name} must be an array of strings", reason="invalidPayload")
    return list(dict.fromkeys(value))


# --- the caller's own profile (userManagement) -----------------------------------------------------

def get_profile(session: Session) -> dict[str, Any]:
    """The caller as `userManagement` shows them (no role, no permissions)."""
    with session.db.read() as conn:
        row = _current(session, conn)
    return {"user": present_profile(row)}


_UNSET: Any = object()


def _name(value: Any, flag: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{flag} must be a string, got {shown(value)}", reason="invalidPayload")
    if len(value.strip()) > _NAME_LIMIT:
        raise ValidationError(f"{flag} must be at most {_NAME_LIMIT} characters", reason="invalidPayload")
    return value.strip() or None


def update_profile(session: Session, *, first_name: Any = _UNSET, last_name: Any = _UNSET,
                   web_extension_data: Any = _UNSET) -> dict[str, Any]:
    """Change the caller's own name or web-extension data (any user may; only the given fields change)."""
    values: dict[str, Any] = {}
    if first_name is not _UNSET:
        values["first_name"] = _name(first_name, "firstName")
    if last_name is not _UNSET:
        values["last_name"] = _name(last_name, "lastName")
    if web_extension_data is not _UNSET:
        if web_extension_data is not None and not isinstance(web_extension_data, dict):
            raise ValidationError("webExtensionData must be an object or null", reason="invalidPayload")
        values["web_extension_data"] = web_extension_data
    with session.db.write() as conn:
        row = _current(session, conn)
        if values:
            repo.update_user(conn, session.workspace_uuid, row.uuid, {**values, "updated_at": utcnow()})
            row = require_user(session, conn, row.uuid)
    return {"user": present_profile(row)}
