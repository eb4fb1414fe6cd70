"""`workspaceManagement role list`: the workspace's roles, `admin` and `member`.

Roles are rows of their workspace (so they have uuids a client can name, e.g. as the workspace's
`defaultRoleUuid`), made on first use. What a role may do is fixed by its slug (`services.access`):
an admin does everything, a member everything but user, role and token writes and billing. The
`permissions` a role lists describe exactly that, for a client to show.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import NotFoundError, shown
from lading.services.access import ROLES
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import accounts as repo

# The rules each role stands for (descriptive: `services.access` decides by the slug).
_ADMIN_ONLY = ["workspaceManagement:user:write", "workspaceManagement:role:write",
               "workspaceManagement:token:write", "billing:*"]
ROLE_PERMISSIONS: dict[str, list[dict[str, Any]]] = {
    "admin": [{"effect": "allow", "resources": None, "actions": ["*"]}],
    "member": [{"effect": "allow", "resources": None, "actions": ["*"]},
               {"effect": "deny", "resources": None, "actions": _ADMIN_ONLY}],
}


def present(row: Any) -> dict[str, Any]:
    return shapes.Role(uuid=row.uuid, slug=row.slug, workspace_uuid=row.workspace_uuid,
                       permissions=row.permissions, created_at=iso(row.created_at)).dump()


def roles_by_slug(conn: Any, ws: str) -> dict[str, Any]:
    """The workspace's role rows by slug (possibly missing until `ensure` ran in a write)."""
    return {row.slug: row for row in repo.list_roles(conn, ws)}


def ensure(conn: Any, ws: str) -> dict[str, Any]:
    """The workspace's roles by slug, the missing ones made now (`conn` must be a write)."""
    have = roles_by_slug(conn, ws)
    missing = [(str(uuidlib.uuid4()), slug, ROLE_PERMISSIONS[slug]) for slug in ROLES if slug not in have]
    if missing:
        repo.ensure_roles(conn, ws, missing, utcnow())
        have = roles_by_slug(conn, ws)
    return have


def ensure_roles(session: Session) -> dict[str, Any]:
    """The roles by slug, written only when one is missing (reads stay reads afterwards)."""
    with session.db.read() as conn:
        have = roles_by_slug(conn, session.workspace_uuid)
    if all(slug in have for slug in ROLES):
        return have
    with session.db.write() as conn:
        return ensure(conn, session.workspace_uuid)


def require_role_slug(value: Any) -> str:
    """A role slug the workspace has (`roleNotFound` otherwise)."""
    if not isinstance(value, str) or value not in ROLES:
        raise NotFoundError(f"Role not found: {shown(value)} (roles are {', '.join(ROLES)})",
                            reason="roleNotFound")
    return value


def list_roles(session: Session) -> dict[str, Any]:
    have = ensure_roles(session)
    return {"roles": [present(have[slug]) for slug in ROLES]}
