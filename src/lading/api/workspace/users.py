"""`/workspaceManagement/users…`: the workspace's users and their own permission rules
(`workspaceManagement user …`; writes are admin-only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import Removed, answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import users

router = Router(prefix="/workspaceManagement/users", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


class UserCreate(Body):
    user_email: str
    role_slug: str


class UserUpdate(Body):
    role_slug: str


class PasswordSet(Body):
    password: str


class UserRemove(Body):
    user_uuid: str


class PermissionUpsert(Body):
    user_uuids: list[str] | None = None
    emails: list[str] | None = None
    action: str
    resource_uuid: str
    effect: str


class PermissionRemove(Body):
    resource_uuid: str
    effect: str


@router.get("/list", summary="user.all", **answers(schemas.UserList))
def list_users(session: Caller) -> dict[str, Any]:
    return users.list_users(session)


@router.get("/current", summary="user.getCurrent (the token's owner)", **answers(schemas.UserAnswer))
def current_user(session: Caller) -> dict[str, Any]:
    return users.get_current_user(session)


@router.post("", summary="user.create (added at once; admin)", **answers(schemas.UserAnswer))
def create_user(body: UserCreate, session: Caller) -> dict[str, Any]:
    return users.create_user(session, user_email=body.user_email, role_slug=body.role_slug)


@router.post("/permissions", summary="user.upsertPermission (admin)", **answers(schemas.UserList))
def upsert_permission(body: PermissionUpsert, session: Caller) -> dict[str, Any]:
    return users.upsert_permission(session, **body.given())


@router.put("/{userUuid}", summary="user.update: change the role (admin; the user's tokens follow at once)",
            **answers(schemas.UserAnswer))
def update_user(userUuid: str, body: UserUpdate, session: Caller) -> dict[str, Any]:  # noqa: N803 - the client's name
    return users.update_user(session, userUuid, role_slug=body.role_slug)


@router.put("/{userUuid}/password",
            summary="user.setPassword (Lading addition): the console sign-in password (admin, or the user)")
def set_password(userUuid: str, body: PasswordSet, session: Caller) -> dict[str, Any]:  # noqa: N803
    return users.set_password(session, userUuid, password=body.password)


@router.delete("", summary="user.remove (admin; the user's tokens stop working at once)", **answers(Removed))
def remove_user(body: UserRemove, session: Caller) -> dict[str, Any]:
    return users.remove_user(session, body.user_uuid)


@router.delete("/{userUuid}/permissions", summary="user.removePermission (admin)", **answers(schemas.UserAnswer))
def remove_permission(userUuid: str, body: PermissionRemove, session: Caller) -> dict[str, Any]:  # noqa: N803
    return users.remove_permission(session, userUuid, resource_uuid=body.resource_uuid, effect=body.effect)
