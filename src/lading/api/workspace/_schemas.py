"""The documented 200 bodies of the `workspaceManagement` and `userManagement` routes (api.md §0.5,
§9, §10): the services' shapes (`services/workspace/shapes.py`) in the envelope each route answers.
Documentation only: see `api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from lading.domain.shapes import Shape
from lading.services.workspace import shapes


class FolderAnswer(Shape):
    folder: shapes.Folder


class FolderList(Shape):
    folders: list[shapes.Folder]


class ReportAnswer(Shape):
    report: shapes.Report


class ReportList(Shape):
    reports: list[shapes.Report]


class RoleList(Shape):
    roles: list[shapes.Role]


class SessionAnswer(Shape):
    session: shapes.WorkSession


class TokenAnswer(Shape):
    token: shapes.Token


class TokenList(Shape):
    tokens: list[shapes.Token]


class UserAnswer(Shape):
    user: shapes.User


class UserList(Shape):
    """`user.all`, and `user.upsertPermission` (the users it changed)."""

    users: list[shapes.User]


class ProfileAnswer(Shape):
    """`userManagement` user: who the caller is, without role or permissions."""

    user: shapes.ProfileUser


class WorkspaceAnswer(Shape):
    workspace: shapes.Workspace


class WorkspaceList(Shape):
    workspaces: list[shapes.Workspace]


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


class MultipartCompleted(Shape):
    s3_filename: str


class Empty(Shape):
    """`{}`: an aborted chunked upload."""
