"""The JSON shapes `workspaceManagement …` answers, defined once for the CLI, the MCP tools and the HTTP API."""

from __future__ import annotations

from typing import Any

from lading.domain.shapes import Shape


class UploadedFile(Shape):
    """A batch input file in the store; `s3Filename` is what `batch create --data '{"kind":"file",…}'` names."""

    s3_filename: str
    content_type: str
    name: str


class Column(Shape):
    """A column of an uploaded file (CSV columns, and the keys of a JSON file's first object, are strings)."""

    type: str
    name: str


class Columns(Shape):
    columns: list[Column]


class Token(Shape):
    """An API token; `token` is its value in the answer of `create` only, `********` everywhere else."""

    uuid: str
    name: str
    description: str | None
    permissions: list[dict[str, Any]] | None
    workspace_uuid: str
    user_uuid: str
    token: str
    created_at: str | None
    updated_at: str | None
    last_used_at: str | None
    deleted_at: str | None


class Role(Shape):
    """A workspace role (`admin`, `member`); `permissions` are the rules the role stands for."""

    uuid: str
    slug: str
    workspace_uuid: str
    permissions: list[dict[str, Any]] | None
    created_at: str | None


class ProfileUser(Shape):
    """A user as `userManagement` shows them: who they are, not what they may do."""

    uuid: str
    email: str
    first_name: str | None
    last_name: str | None
    picture: str | None
    web_extension_data: dict[str, Any] | None
    last_sign_in_at: str | None
    created_at: str | None
    updated_at: str | None


class User(ProfileUser):
    """A member of the workspace: `role` is the full Role (null if it is unknown), `permissions` the
    user's own rules (`users/permissions` routes) narrowing it."""

    workspace_uuid: str
    role: Role | None
    permissions: list[dict[str, Any]] | None


class Folder(Shape):
    """A folder of one kind of resource (tools, plays, agents, files…); folders only organise."""

    uuid: str
    workspace_uuid: str
    parent_uuid: str | None
    kind: str
    name: str
    emoji_slug: str | None
    order: int
    is_read_only: bool
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None


class Report(Shape):
    """A report filed by a user, kept in the installation (nothing is sent anywhere)."""

    uuid: str
    workspace_uuid: str
    title: str
    description: str
    user_uuid: str | None
    created_at: str | None


class WorkSession(Shape):
    """A work session summary, one per (workspace, session id); later upserts overwrite it."""

    uuid: str
    session_id: str
    workspace_uuid: str
    user_uuid: str | None
    title: str
    summary: str
    created_at: str | None
    updated_at: str | None
    finished_at: str | None


class Workspace(Shape):
    """The caller's workspace with its settings; the keys Lading has no use for are sent empty."""

    uuid: str
    name: str
    allowed_email_domains: list[str]
    syncs: list[Any]
    temporal_namespace: str | None
    temporal_task_queue_prefix: str | None
    max_concurrent_runs: int | None
    open_ai_vector_store_id: str | None
    logo_url: str | None
    metadata: dict[str, Any]
    chrome_extension_master_agent_uuid: str | None
    chrome_extension_available_agent_uuids: list[str]
    default_role_uuid: str | None
    allowed_login_providers: list[str] | None
    sso_identifier: str | None
    quota_buckets: dict[str, Any]
    created_at: str | None
    updated_at: str | None


class CreditCap(Shape):
    """Lading setting: the most provider credits one batch of the workspace may spend (null: no cap)."""

    credit_cap: float | None
