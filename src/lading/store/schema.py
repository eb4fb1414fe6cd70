"""The state store's schema, as SQLAlchemy Core tables: one schema for SQLite and PostgreSQL.

Every business table carries `workspace_uuid`; repositories always filter on it. Alembic migrations
(`store/migrations/versions`) create and evolve these tables; this module is what code queries against.
Timestamps are naive UTC datetimes; JSON columns become JSONB on PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.types import TypeEngine

metadata = MetaData()


class _Jsonb(TypeDecorator[Any]):
    """PostgreSQL's JSONB, its dialect imported when a PostgreSQL connection first needs the type: a command
    on the embedded SQLite store never loads the PostgreSQL dialect (about 20 ms of every CLI start)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        from sqlalchemy.dialects.postgresql import JSONB

        return dialect.type_descriptor(JSONB())


Json = JSON().with_variant(_Jsonb(), "postgresql")
Uuid = String(36)


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(), nullable=nullable)


def _owned(*, indexed: bool = False) -> tuple[Column, Column]:
    """The first two columns of a workspace-owned row: its key, and the workspace every query filters on
    (`indexed` where no composite index leads with the workspace)."""
    return Column("uuid", Uuid, primary_key=True), Column("workspace_uuid", Uuid, nullable=False,
                                                         index=True if indexed else None)


def _stamps(*, deleted: bool = False) -> tuple[Column, ...]:
    """When a row was created and last changed (both always set); `deleted`: the soft-delete mark of a
    table whose removed rows stay readable."""
    stamps = (_ts("created_at", False), _ts("updated_at", False))
    return (*stamps, _ts("deleted_at")) if deleted else stamps


workspaces = Table(
    "workspaces",
    metadata,
    Column("uuid", Uuid, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    # Workspace settings of `PUT workspaceManagement/workspaces/current` (allowed email domains, metadata…).
    Column("settings", Json),
    _ts("created_at", False),
    _ts("updated_at"),
)

users = Table(
    "users",
    metadata,
    *_owned(indexed=True),
    Column("email", String(320), nullable=False),
    Column("first_name", String(255)),
    Column("last_name", String(255)),
    Column("role", String(32), nullable=False, server_default="admin"),
    Column("picture", Text),
    Column("web_extension_data", Json),
    # Extra rules `{effect, resources, actions}` narrowing the role (`users/permissions` routes).
    Column("permissions", Json),
    # The console sign-in password as `scrypt$n$r$p$salt$hash` (services/passwords.py); NULL: none set.
    Column("password_hash", String(255)),
    _ts("last_sign_in_at"),
    _ts("created_at", False),
    _ts("updated_at"),
    _ts("deleted_at"),
    Index("ix_users_email", "workspace_uuid", "email"),
)

# --- accounts (connections-ai spec §3): roles, API tokens, folders, reports, work sessions -------------

roles = Table(
    "roles",
    metadata,
    *_owned(),
    Column("slug", String(64), nullable=False),
    Column("permissions", Json),
    _ts("created_at", False),
    Index("ux_roles_slug", "workspace_uuid", "slug", unique=True),
)

# A token's value is shown once; only its SHA-256 hash is kept, and lookups go through the hash.
api_tokens = Table(
    "api_tokens",
    metadata,
    *_owned(),
    Column("user_uuid", Uuid, nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("permissions", Json),
    Column("token_hash", String(64), nullable=False),
    *_stamps(),
    _ts("last_used_at"),
    _ts("deleted_at"),
    Index("ux_api_tokens_hash", "token_hash", unique=True),
    Index("ix_api_tokens_workspace", "workspace_uuid", "created_at"),
)

# A web console sign-in: the cookie's value is shown to the browser only; the store keeps its SHA-256.
# It acts with the rights of the token it was opened with and ends when that token is removed, or (signed in
# with a password) with its user's role and rules, ending when the user is removed or the password changes.
console_sessions = Table(
    "console_sessions",
    metadata,
    *_owned(),
    Column("token_uuid", Uuid),
    Column("user_uuid", Uuid),
    Column("session_hash", String(64), nullable=False),
    *_stamps(),
    _ts("expires_at", False),
    Index("ux_console_sessions_hash", "session_hash", unique=True),
    Index("ix_console_sessions_token", "token_uuid"),
    Index("ix_console_sessions_user", "user_uuid"),
)

folders = Table(
    "folders",
    metadata,
    *_owned(),
    Column("parent_uuid", Uuid),
    Column("kind", String(32), nullable=False),
    Column("name", String(255), nullable=False),
    Column("emoji_slug", String(64)),
    Column("order", Integer, nullable=False, server_default="0"),
    Column("is_read_only", Boolean, nullable=False, server_default="0"),
    *_stamps(deleted=True),
    Index("ix_folders_workspace", "workspace_uuid", "kind"),
)

reports = Table(
    "reports",
    metadata,
    *_owned(),
    Column("user_uuid", Uuid),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    _ts("created_at", False),
    Index("ix_reports_workspace", "workspace_uuid", "created_at"),
)

# `workspaceManagement session upsert`: one row per (workspace, session id), later calls overwrite it.
work_sessions = Table(
    "work_sessions",
    metadata,
    *_owned(),
    Column("session_id", String(255), nullable=False),
    Column("user_uuid", Uuid),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    _ts("finished_at"),
    *_stamps(),
    Index("ux_work_sessions_id", "workspace_uuid", "session_id", unique=True),
)

workflows = Table(
    "workflows",
    metadata,
    *_owned(indexed=True),
    Column("tool_uuid", Uuid),
    Column("play_uuid", Uuid),
    Column("folder_uuid", Uuid),
    *_stamps(deleted=True),
)

releases = Table(
    "releases",
    metadata,
    *_owned(),
    Column("workflow_uuid", Uuid),
    Column("user_uuid", Uuid),
    Column("version", String(64)),
    Column("description", Text),
    # draft | deployed | archived | adhoc
    Column("status", String(16), nullable=False),
    Column("form_fields", Json),
    Column("nodes", Json, nullable=False),
    *_stamps(),
    _ts("deployed_at"),
    # The release this one was made from (a draft: the release it was edited from; a deploy: the
    # release it replaced), and the draft's saved test inputs (api.md §2.3).
    Column("parent_uuid", Uuid),
    Column("test_records", Json),
    Index("ix_releases_workflow", "workspace_uuid", "workflow_uuid", "status"),
)

tools = Table(
    "tools",
    metadata,
    *_owned(indexed=True),
    Column("workflow_uuid", Uuid, nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("triggers", Json, nullable=False),
    Column("is_read_only", Boolean, nullable=False, server_default="0"),
    Column("folder_uuid", Uuid),
    Column("emoji_slug", String(64)),
    # A raw-image icon (`{"kind":"raw","data"}`); an emoji icon is `emoji_slug`.
    Column("icon", Json),
    *_stamps(deleted=True),
    # The most provider credits one batch of the tool may spend (null: no cap of the tool's own).
    Column("credit_cap", Float),
)

plays = Table(
    "plays",
    metadata,
    *_owned(),
    Column("workflow_uuid", Uuid, nullable=False),
    Column("model_uuid", Uuid, nullable=False),
    # The play's own generated segment (`fromPlay: true`).
    Column("segment_uuid", Uuid, nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("change_kinds", Json, nullable=False),
    Column("run_creation_rule", String(16), nullable=False),
    Column("is_enabled", Boolean, nullable=False, server_default="0"),
    Column("schedule", Json),
    Column("health_threshold", Integer, nullable=False, server_default="80"),
    Column("folder_uuid", Uuid),
    *_stamps(deleted=True),
    Index("ix_plays_workspace", "workspace_uuid", "created_at"),
    Index("ix_plays_segment", "segment_uuid"),
)

batches = Table(
    "batches",
    metadata,
    *_owned(),
    Column("workflow_uuid", Uuid),
    Column("release_uuid", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("data", Json),
    Column("runs_count", Integer, nullable=False, server_default="0"),
    Column("health_threshold", Integer, nullable=False, server_default="80"),
    Column("parent_run_uuid", Uuid),
    Column("parent_node_uuid", Uuid),
    Column("error_message", Text),
    # Streaming the source into runs: rows consumed so far, whether it is exhausted, and the lease of
    # the worker feeding it (any worker may resume a feed whose lease expired).
    Column("source_position", BigInteger, nullable=False, server_default="0"),
    Column("source_done", Boolean, nullable=False, server_default="0"),
    Column("feed_owner", String(64)),
    _ts("feed_expires_at"),
    Column("webhook_url", Text),
    Column("webhook_secret", Text),
    # Rows of the source that could not be read: [{"line", "error"}] (first 1000).
    Column("invalid_rows", JSON()),
    *_stamps(),
    _ts("finished_at"),
    Index("ix_batches_workspace", "workspace_uuid", "created_at"),
    Index("ix_batches_parent", "parent_run_uuid"),
    Index("ix_batches_feed", "source_done", "status"),
)

runs = Table(
    "runs",
    metadata,
    *_owned(),
    Column("workflow_uuid", Uuid),
    Column("release_uuid", Uuid, nullable=False),
    Column("batch_uuid", Uuid),
    # Group iterations: the run tree (root = the run a user created).
    Column("root_run_uuid", Uuid, nullable=False),
    Column("parent_run_uuid", Uuid),
    Column("parent_node_uuid", Uuid),
    # The agent whose action call started this run (spans.parent_agent_uuid).
    Column("parent_agent_uuid", Uuid),
    # What created this child run: "group" (an iteration of `_nodes`) or "tool" (a tool node's sub-run).
    Column("parent_kind", String(16)),
    Column("call_stack", Json),
    Column("item_index", Integer),
    Column("is_group_parent", Boolean, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),
    Column("record_id", String(255)),
    Column("record_title", String(255)),
    Column("input", Json),
    Column("context", Json, nullable=False),
    Column("computed_configs", Json, nullable=False),
    # For group iterations: the parent run's context, exposed as `parentNodes`.
    Column("parent_context", Json),
    Column("output", Json),
    # Durable position: the node to execute next and the execution row in flight for it.
    Column("cursor_node_uuid", Uuid),
    Column("cursor_execution_id", Integer),
    Column("cursor_attempt", Integer, nullable=False, server_default="0"),
    _ts("available_at"),
    Column("waiting_children", Boolean, nullable=False, server_default="0"),
    Column("lease_owner", String(64)),
    _ts("lease_expires_at"),
    Column("credits_used_count", Float, nullable=False, server_default="0"),
    Column("executions_count", Integer, nullable=False, server_default="0"),
    Column("error_message", Text),
    _ts("created_at", False),
    _ts("started_at"),
    _ts("updated_at", False),
    _ts("finished_at"),
    Index("ix_runs_claim", "status", "available_at"),
    Index("ix_runs_workflow", "workspace_uuid", "workflow_uuid", "created_at"),
    Index("ix_runs_batch", "batch_uuid"),
    Index("ix_runs_batch_status", "batch_uuid", "status"),
    Index("ix_runs_record", "workspace_uuid", "workflow_uuid", "record_id"),
    Index("ix_runs_parent", "parent_run_uuid", "parent_node_uuid"),
    Index("ix_runs_root", "root_run_uuid"),
    # The console's run list (top-level runs newest first). Migration 0022 makes it partial (`WHERE
    # parent_run_uuid IS NULL`), so child runs pay nothing for it; the dialect options are left out here
    # because naming PostgreSQL's would load its dialect in every SQLite command. It carries the record
    # title, so a title search reads the index alone (about half the time of reading each row on SQLite).
    Index("ix_runs_workspace_created", "workspace_uuid", "created_at", "record_title"),
)

executions = Table(
    "executions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace_uuid", Uuid, nullable=False),
    Column("run_uuid", Uuid, nullable=False),
    Column("workflow_uuid", Uuid),
    Column("release_uuid", Uuid),
    Column("batch_uuid", Uuid),
    Column("node_uuid", Uuid, nullable=False),
    Column("node_slug", String(255), nullable=False),
    Column("node_kind", String(16), nullable=False),
    Column("node_action_slug", String(255)),
    Column("node_child_index", Integer),
    Column("next_node_uuid", Uuid),
    Column("status", String(16), nullable=False),
    Column("title", Text),
    Column("error_message", Text),
    Column("attempts", Integer, nullable=False, server_default="1"),
    # Provider credits of this execution (0 for natives) and the platform's per-execution charge.
    Column("credits_used_count", Float, nullable=False, server_default="0"),
    Column("execution_charge", Float, nullable=False, server_default="0"),
    # The provider base URL a connector call used (recorded per span).
    Column("base_url", String(1024)),
    # The provider of a span that is not a node of the release (a waterfall's provider attempts, whose
    # node is the waterfall): its integration and connector. NULL for node executions (read from the node).
    Column("integration_slug", String(64)),
    Column("connector_uuid", Uuid),
    _ts("started_at", False),
    _ts("updated_at", False),
    _ts("finished_at"),
    Index("ix_executions_run", "run_uuid", "id"),
    Index("ix_executions_workspace", "workspace_uuid", "started_at"),
)

connectors = Table(
    "connectors",
    metadata,
    *_owned(),
    Column("user_uuid", Uuid),
    Column("integration_slug", String(64), nullable=False),
    Column("slug", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    # Non-secret config fields in clear; secret fields only inside `secrets` (AES-GCM, see integrations/_vault).
    Column("config", Json),
    Column("secrets", Text),
    Column("rate_limit", Json),
    Column("cache_ttl_ms", BigInteger),
    Column("use_credits", Boolean, nullable=False, server_default="0"),
    # The connector a node or action of its integration uses when it names none (api.md §5).
    Column("is_default", Boolean, nullable=False, server_default="0"),
    *_stamps(deleted=True),
    Index("ix_connectors_workspace", "workspace_uuid", "integration_slug"),
)

# OAuth token sets (`integration initiateOauth` / `completeOauth`, api.md §5): a pending row holds the
# consent's `state`; a completed one holds the provider's tokens sealed like connector secrets, until a
# connector's config names it (`"oauth:<uuid>"`), which moves the tokens into that connector.
oauth_grants = Table(
    "oauth_grants",
    metadata,
    *_owned(indexed=True),
    Column("integration_slug", String(64), nullable=False),
    Column("state", String(64)),
    Column("redirect_uri", Text),
    Column("secrets", Text),
    Column("extra_values", Json),
    _ts("completed_at"),
    *_stamps(),
    Index("ux_oauth_grants_state", "state", unique=True),
)

# A workspace's custom integrations (`connection custom-integration …`): the integration document
# (JSON, as given and checked) declaring an integration visible to this workspace only.
custom_integrations = Table(
    "custom_integrations",
    metadata,
    *_owned(),
    Column("slug", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("document", Json, nullable=False),
    Column("user_uuid", Uuid),
    *_stamps(),
    Index("ux_custom_integrations_slug", "workspace_uuid", "slug", unique=True),
)

# Calls per connector per rate-limit window (`rateLimit: {"unit","max"}`), shared by all workers.
connector_windows = Table(
    "connector_windows",
    metadata,
    Column("connector_uuid", Uuid, primary_key=True),
    Column("window_start", DateTime(), primary_key=True),
    Column("calls", Integer, nullable=False, server_default="0"),
)

# Stored connector outputs: same connector, action and inputs within the connector's cache TTL.
connector_cache = Table(
    "connector_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("connector_uuid", Uuid, nullable=False),
    Column("output", Json),
    Column("child_index", Integer, nullable=False, server_default="0"),
    _ts("expires_at", False),
)

# Uploaded input files (`workspaceManagement file upload`), kept in the store in chunks so every
# worker, on any machine, can stream them.
files = Table(
    "files",
    metadata,
    Column("s3_filename", String(255), primary_key=True),
    Column("workspace_uuid", Uuid, nullable=False),
    Column("name", String(255), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("chunks", Integer, nullable=False),
    _ts("created_at", False),
)

file_chunks = Table(
    "file_chunks",
    metadata,
    Column("s3_filename", String(255), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# --- storage catalog (data spec §1–3): datasets, models and relationships of each workspace. The
# records themselves live in one physical table per model (`lading.data.physical`), created and
# altered at run time; `models.table_schema`/`table_name` name it ("" schema on SQLite).
datasets = Table(
    "datasets",
    metadata,
    *_owned(),
    Column("slug", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("connector_uuid", Uuid),
    Column("config", Json),
    *_stamps(),
    Index("ux_datasets_slug", "workspace_uuid", "slug", unique=True),
)

models = Table(
    "models",
    metadata,
    *_owned(),
    Column("dataset_uuid", Uuid, nullable=False),
    Column("slug", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("extractor_slug", String(64), nullable=False),
    Column("config", Json),
    Column("id_column_slug", String(64), nullable=False),
    Column("title_column_slug", String(64)),
    Column("time_column_slug", String(64)),
    # The ordered column definitions (original and additional), each the public Column object.
    Column("columns", Json, nullable=False),
    Column("is_paused", Boolean, nullable=False, server_default="0"),
    Column("schedule", Json),
    Column("table_schema", String(63), nullable=False),
    Column("table_name", String(160), nullable=False),
    # What the HTTP client keeps with a model (api.md §13): free text, the canvas position, the
    # unification settings and the folder it is filed in.
    Column("description", Text),
    Column("position", Json),
    Column("unification", Json),
    Column("folder_uuid", Uuid),
    *_stamps(),
    Index("ux_models_slug", "dataset_uuid", "slug", unique=True),
    Index("ux_models_table", "table_schema", "table_name", unique=True),
    Index("ix_models_workspace", "workspace_uuid", "dataset_uuid"),
)

# --- storage runs (data spec §2.1 `lastRun`, api.md §3 `run.*`): the extractor syncs of connector models.
# A run is its own checkpoint: each fetched page is upserted into the model in the transaction that
# moves `page_token` (the next page to ask for) and `cursor_to` (the high-water mark of the records
# written so far) forward, so a sync killed mid-way resumes after its last committed page. `lease_owner`
# (`host:pid:nonce`) and `lease_expires_at` say who drives a `running` run.
storage_runs = Table(
    "storage_runs",
    metadata,
    *_owned(),
    # Exactly one of the two: a connector model's sync, or a connector library's (migration 0027).
    Column("model_uuid", Uuid),
    Column("library_uuid", Uuid),
    Column("status", String(16), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("cursor_from", Text),
    Column("cursor_to", Text),
    Column("page_token", Text),
    Column("pages_count", Integer, nullable=False, server_default="0"),
    Column("records_count", Integer, nullable=False, server_default="0"),
    Column("inserted_count", Integer, nullable=False, server_default="0"),
    Column("updated_count", Integer, nullable=False, server_default="0"),
    Column("unchanged_count", Integer, nullable=False, server_default="0"),
    Column("resumed_count", Integer, nullable=False, server_default="0"),
    # Library syncs: files removed because gone upstream, files skipped (JSON list of {externalId, name, reason}).
    Column("removed_count", Integer, nullable=False, server_default="0"),
    Column("skipped", Text),
    Column("error_message", Text),
    Column("lease_owner", String(160)),
    _ts("lease_expires_at"),
    _ts("started_at"),
    _ts("finished_at"),
    *_stamps(),
    Index("ix_storage_runs_model", "workspace_uuid", "model_uuid", "created_at"),
    Index("ix_storage_runs_library", "workspace_uuid", "library_uuid", "created_at"),
)

relationships = Table(
    "relationships",
    metadata,
    *_owned(),
    Column("dataset_uuid", Uuid, nullable=False),
    Column("from_model_uuid", Uuid, nullable=False),
    Column("to_model_uuid", Uuid, nullable=False),
    Column("from_column_slug", String(64), nullable=False),
    Column("to_column_slug", String(64), nullable=False),
    Column("relation", String(16), nullable=False),
    _ts("created_at", False),
    Index("ix_relationships_from", "workspace_uuid", "from_model_uuid"),
    Index("ix_relationships_to", "workspace_uuid", "to_model_uuid"),
)

# --- segments (data spec §7, §10): saved filters over a model, their syncs (changes) and the membership
# versions a change is read from. A member row is valid for syncs [seq_from, seq_to); a sync that adds,
# updates or removes a record closes/opens rows instead of copying the whole membership.
segments = Table(
    "segments",
    metadata,
    *_owned(),
    Column("user_uuid", Uuid),
    Column("model_uuid", Uuid, nullable=False),
    Column("slug", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("filter", Json, nullable=False),
    Column("sort", Json),
    Column("records_limit", Integer),
    Column("column_slugs", Json),
    Column("tracking_column_slugs", Json),
    Column("from_play", Boolean, nullable=False, server_default="0"),
    Column("play_uuid", Uuid),
    Column("records_count", Integer, nullable=False, server_default="0"),
    Column("sync_seq", Integer, nullable=False, server_default="0"),
    # A write arrived inside the debounce window: sync as soon as the window has passed.
    Column("sync_due", Boolean, nullable=False, server_default="0"),
    Column("last_change_uuid", Uuid),
    _ts("synced_at"),
    *_stamps(deleted=True),
    Index("ix_segments_model", "workspace_uuid", "model_uuid"),
)

segment_changes = Table(
    "segment_changes",
    metadata,
    *_owned(),
    Column("segment_uuid", Uuid, nullable=False),
    Column("slug", String(16), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("added_count", Integer, nullable=False),
    Column("updated_count", Integer, nullable=False),
    Column("removed_count", Integer, nullable=False),
    Column("unchanged_count", Integer, nullable=False),
    _ts("created_at", False),
    Index("ix_segment_changes_segment", "segment_uuid", "seq"),
)

segment_members = Table(
    "segment_members",
    metadata,
    Column("segment_uuid", Uuid, primary_key=True),
    Column("record_id", Text, primary_key=True),
    Column("seq_from", Integer, primary_key=True),
    Column("seq_to", Integer),
    # Hash of the tracking columns' values ("" without tracking columns).
    Column("fingerprint", String(32), nullable=False),
    Column("title", Text),
    # The record's values when this version was detected (removed records keep their last ones).
    Column("record", Json),
    _ts("detected_at", False),
    Index("ix_segment_members_to", "segment_uuid", "seq_to"),
    Index("ix_segment_members_from", "segment_uuid", "seq_from"),
)

ALL_TABLES = (
    workspaces, users, workflows, releases, tools, batches, runs, executions, connectors, connector_windows,
    connector_cache, files, file_chunks, datasets, models, relationships,
    segments, segment_changes, segment_members,
)

# `billing usage --unit storage.records`: records inserted or changed in a model, per UTC day; write-backs
# from workflows carry their workflow (empty string otherwise, so the key stays a plain primary key).
storage_usage = Table(
    "storage_usage",
    metadata,
    Column("workspace_uuid", Uuid, primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("model_uuid", Uuid, primary_key=True),
    Column("workflow_uuid", Uuid, primary_key=True, server_default=""),
    Column("records_count", BigInteger, nullable=False, server_default="0"),
)

# --- AI: agents, their releases, chats and messages (connections-ai spec §2) -------------------------

ai_agents = Table(
    "ai_agents",
    metadata,
    *_owned(),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("icon_color", String(16), nullable=False),
    Column("icon_face", String(32), nullable=False),
    Column("folder_uuid", Uuid),
    # The AI template the agent was created from (slug), or null.
    Column("template_slug", String(128)),
    Column("deployed_release_uuid", Uuid),
    # Who created the agent (null for rows older than the HTTP API).
    Column("user_uuid", Uuid),
    # Removed agents keep their chats readable; new messages fail with `agentNotFound`.
    *_stamps(deleted=True),
    Index("ix_ai_agents_workspace", "workspace_uuid", "created_at"),
)

# A versioned snapshot of an agent's configuration: at most one `draft`, at most one `deployed`.
ai_releases = Table(
    "ai_releases",
    metadata,
    *_owned(),
    Column("agent_uuid", Uuid, nullable=False),
    Column("version", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("description", Text),
    Column("parent_uuid", Uuid),
    # systemPrompt, languageModelSlug, integrationSlug, connectorUuid, temperature, maxSteps,
    # withReasoning, actions, resources, mcpClients, capabilities, suggestedActions, options, output, heartbeat.
    Column("config", Json, nullable=False),
    _ts("deployed_at"),
    *_stamps(),
    # Who opened the release (the draft's author; null for rows older than the HTTP API).
    Column("user_uuid", Uuid),
    Index("ix_ai_releases_agent", "agent_uuid", "status"),
)

ai_chats = Table(
    "ai_chats",
    metadata,
    *_owned(),
    Column("agent_uuid", Uuid, nullable=False),
    Column("name", String(255)),
    # {"type": "draft" | "deployed" | "workflow"}: which release answers the chat's messages.
    Column("trigger", Json, nullable=False),
    # Who opened the chat; the release it is pinned to (`releaseUuid` on create, else null: its trigger
    # picks the draft or the deployed release); the model credits its answers used so far.
    Column("user_uuid", Uuid),
    Column("release_uuid", Uuid),
    Column("credits_used_count", Float),
    *_stamps(deleted=True),
    Index("ix_ai_chats_workspace", "workspace_uuid", "agent_uuid", "created_at"),
)

ai_messages = Table(
    "ai_messages",
    metadata,
    *_owned(),
    Column("chat_uuid", Uuid, nullable=False),
    # Orders a chat's messages (created_at may tie within a clock tick).
    Column("seq", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    # pending → generating → success | error (user messages are success at once).
    Column("status", String(16), nullable=False),
    Column("parts", Json, nullable=False),
    Column("error_message", Text),
    # Per-message overrides of the release: languageModelSlug, temperature, maxSteps, actions, resources.
    Column("overrides", Json),
    # The run generating an assistant message (its spans carry the credits).
    Column("run_uuid", Uuid),
    # Who sent the message (the turn's user: user-scope memories).
    Column("user_uuid", Uuid),
    # The release the message was sent to; an answer's token usage and credits once it succeeded.
    Column("release_uuid", Uuid),
    Column("usage", Json),
    *_stamps(deleted=True),
    _ts("finished_at"),
    Index("ix_ai_messages_chat", "chat_uuid", "seq"),
)

# Feedback on a chat message (api.md §6 votes): one vote per user and message, replaced by a new one.
ai_votes = Table(
    "ai_votes",
    metadata,
    *_owned(),
    Column("chat_uuid", Uuid, nullable=False),
    Column("message_uuid", Uuid, nullable=False),
    # "" when the voter is not a user (a token without an owner).
    Column("user_uuid", Uuid, nullable=False),
    Column("is_upvoted", Boolean, nullable=False),
    *_stamps(),
    Index("ux_ai_votes_voter", "workspace_uuid", "message_uuid", "user_uuid", unique=True),
    Index("ix_ai_votes_chat", "workspace_uuid", "chat_uuid"),
)

# What the workspace, a user or an agent remembers between conversations (connections-ai spec §2.11).
# `scope` workspace | user | agent; `agent_uuid` is set for agent scope only, `user_uuid` for user scope only.
ai_memories = Table(
    "ai_memories",
    metadata,
    # Opaque string id (`mem0Id`).
    Column("mem0_id", String(64), primary_key=True),
    Column("workspace_uuid", Uuid, nullable=False),
    Column("scope", String(16), nullable=False),
    Column("agent_uuid", Uuid),
    Column("user_uuid", Uuid),
    Column("content", Text, nullable=False),
    *_stamps(),
    Index("ix_ai_memories_scope", "workspace_uuid", "scope", "updated_at"),
)

# --- content files and libraries (connections-ai spec §2.7): what `file` resources of agents search. The
# bytes live in `file_chunks` under the file's opaque `s3_filename` (with a `files` row, like batch
# uploads); the text extracted at upload, cut into passages, lives in `content_passages`.
content_files = Table(
    "content_files",
    metadata,
    *_owned(),
    Column("name", String(255), nullable=False),
    Column("s3_filename", String(255), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    # False for types whose text is not extracted (images, archives, ...): stored, never searched.
    Column("is_searchable", Boolean, nullable=False),
    Column("is_temporary", Boolean, nullable=False),
    Column("folder_uuid", Uuid),
    # `native` (uploaded) or `connector` (synced into its `library_uuid` by the library's extractor, as
    # the provider's `external_id` at `external_version`; `seen_run_uuid`: the sync that last listed it).
    Column("kind", String(16), nullable=False, server_default="native"),
    Column("library_uuid", Uuid),
    Column("connector_uuid", Uuid),
    Column("external_id", String(255)),
    Column("external_version", Text),
    Column("seen_run_uuid", Uuid),
    *_stamps(),
    Index("ix_content_files_workspace", "workspace_uuid", "folder_uuid"),
    Index("ix_content_files_library", "workspace_uuid", "library_uuid", "external_id"),
)

content_passages = Table(
    "content_passages",
    metadata,
    Column("file_uuid", Uuid, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("workspace_uuid", Uuid, nullable=False),
    Column("text", Text, nullable=False),
    # The passage's folded words, space-delimited (" word word "), and their count: what BM25 ranks.
    Column("terms", Text, nullable=False),
    Column("length", Integer, nullable=False),
)

content_libraries = Table(
    "content_libraries",
    metadata,
    *_owned(),
    Column("name", String(255), nullable=False),
    # `native` (workspace files listed in `file_uuids`) or `connector` (files synced by an extractor:
    # `content_files.library_uuid`).
    Column("kind", String(16), nullable=False),
    Column("connector_uuid", Uuid),
    Column("extractor_slug", String(128)),
    Column("config", Json, nullable=False),
    Column("file_uuids", Json, nullable=False),
    Column("folder_uuid", Uuid),
    _ts("synced_at"),
    *_stamps(),
    Index("ix_content_libraries_workspace", "workspace_uuid", "created_at"),
)

# --- the scheduler (orchestration spec: tool `triggers`, play `schedule`) ------------------------------

# The last tick fired per cron trigger of a tool (`owner_kind = "tool"`, one key per trigger) or per
# play schedule (`"play"`). Advanced in the transaction that fires the tick, by compare-and-set, so a
# restart neither misses nor repeats a tick and two schedulers never fire the same one.
schedule_ticks = Table(
    "schedule_ticks",
    metadata,
    Column("owner_uuid", Uuid, primary_key=True),
    Column("trigger_key", String(64), primary_key=True),
    Column("workspace_uuid", Uuid, nullable=False, index=True),
    Column("owner_kind", String(8), nullable=False),
    _ts("last_tick_at", False),
    _ts("fired_at", False),
)

# --- published MCP servers (connections-ai spec §2.8 "Publish"): a named, curated set of the workspace's tool
# and agent actions and model/file resources that `lading mcp --server <uuid>` serves to outside MCP clients.
mcp_servers = Table(
    "mcp_servers",
    metadata,
    *_owned(),
    Column("name", String(255), nullable=False),
    Column("actions", Json, nullable=False),
    Column("resources", Json, nullable=False),
    *_stamps(),
    # Who created it, its description and its folder (kind `mcpServer`), as the HTTP client sends them.
    Column("user_uuid", Uuid),
    Column("description", Text),
    Column("folder_uuid", Uuid),
    # `published` (actions and resources served to outside clients) or `remote` (someone else's server
    # that agents call: its URL, sealed token {"issuedAt","sealed"}, disabled tools and last tool list).
    Column("kind", String(16), nullable=False, server_default="published"),
    Column("url", Text),
    Column("authentication", Json),
    Column("disabled_tool_slugs", Json),
    Column("tools", Json),
    Index("ix_mcp_servers_workspace", "workspace_uuid", "created_at"),
)
