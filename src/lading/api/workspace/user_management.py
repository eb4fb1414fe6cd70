"""`/userManagement/users/current`: the caller's own profile (api.md §10; `lading user …`).

Why under `api/workspace/`: a Lading user belongs to one workspace, so the profile is the same row
`workspaceManagement users` manage, served by `services/workspace/users.py`; only the route prefix
follows the client's `userManagement` domain (its right is `userManagement:read|write`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import users

router = Router(prefix="/userManagement/users", tags=["userManagement"])
Caller = Annotated[Session, Depends(caller)]


class ProfileUpdate(Body):
    first_name: str | None = None
    last_name: str | None = None
    web_extension_data: dict[str, Any] | None = None


@router.get("/current", summary="user.getCurrent (no role or permissions)", **answers(schemas.ProfileAnswer))
def current_profile(session: Caller) -> dict[str, Any]:
    return users.get_profile(session)


@router.put("/current", summary="user.update: the caller's own name and web-extension data",
            **answers(schemas.ProfileAnswer))
def update_profile(body: ProfileUpdate, session: Caller) -> dict[str, Any]:
    return users.update_profile(session, **body.given())
