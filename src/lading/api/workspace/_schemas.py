"""The documented 200 bodies of the `workspaceManagement` and `userManagement` routes (api.md §0.5,
§9, §10): the services' shapes (`services/workspace/shapes.py`) in the envelope each route answers.
Documentation only: see `api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from lading.api._schemas import envelope
from lading.domain.shapes import Shape
from lading.services.workspace import shapes

FolderAnswer = envelope("FolderAnswer", folder=shapes.Folder)
FolderList = envelope("FolderList", folders=list[shapes.Folder])
ReportAnswer = envelope("ReportAnswer", report=shapes.Report)
ReportList = envelope("ReportList", reports=list[shapes.Report])
RoleList = envelope("RoleList", roles=list[shapes.Role])
SessionAnswer = envelope("SessionAnswer", session=shapes.WorkSession)
TokenAnswer = envelope("TokenAnswer", token=shapes.Token)
TokenList = envelope("TokenList", tokens=list[shapes.Token])
UserAnswer = envelope("UserAnswer", user=shapes.User)


class UserList(Shape):
    """`user.all`, and `user.upsertPermission` (the users it changed)."""

    users: list[shapes.User]


class ProfileAnswer(Shape):
    """`userManagement` user: who the caller is, without role or permissions."""

    user: shapes.ProfileUser


WorkspaceAnswer = envelope("WorkspaceAnswer", workspace=shapes.Workspace)
WorkspaceList = envelope("WorkspaceList", workspaces=list[shapes.Workspace])
CreditCapAnswer = shapes.CreditCap


class MultipartStarted(Shape):
    """A chunked upload begun: the file's future key and the upload's id."""

    s3_filename: str
    upload_id: str


class PartLink(Shape):
    """Where to PUT one part (signed, valid 1 h)."""

    url: str


class PartStored(Shape):
    """One part stored; `etag` (hex MD5) is also the `ETag` header."""

    part_number: int
    etag: str


MultipartCompleted = envelope("MultipartCompleted", s3_filename=str)


class Empty(Shape):
    """`{}`: an aborted chunked upload."""
