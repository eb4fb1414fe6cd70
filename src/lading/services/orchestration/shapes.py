"""The JSON documents of `lading orchestration …` (spec orchestration §4), defined once for the CLI, MCP and HTTP.

Pydantic models with camelCase aliases; `dump()` renders the exact documented field names.
"""

from __future__ import annotations

from typing import Any

from lading.domain.shapes import Shape


class Execution(Shape):
    """One node step of a run (`run get` → `executions[]`); the `node*` keys after `finishedAt` are
    what the Cargo client's Execution adds (api.md §13), read from the node in the run's release and
    from the child run or batch the node started (null when the node has none)."""

    node_uuid: str
    node_slug: str
    node_kind: str
    node_action_slug: str | None
    node_child_index: int | None
    next_node_uuid: str | None
    status: str
    title: str | None
    credits_used_count: float
    error_message: str | None
    attempts: int
    started_at: str | None
    updated_at: str | None
    finished_at: str | None
    node_batch_uuid: str | None = None
    node_run_uuid: str | None = None
    node_message_uuid: str | None = None
    icon_url: str | None = None
    node_wait_until_finished: bool = False
    node_connector_uuid: str | None = None
    node_integration_slug: str | None = None
    node_tool_uuid: str | None = None
    node_agent_uuid: str | None = None
    node_release_uuid: str | None = None


class Run(Shape):
    """A run (O §4) plus the keys the Cargo client's Run adds (api.md §13): the same document on the
    CLI and over HTTP. `traceUuid` is the root run's uuid, `parentUuid` repeats `parentRunUuid`,
    `nodes` is the inline graph of a `--nodes` run (null for a release's run)."""

    uuid: str
    workflow_uuid: str | None
    status: str
    batch_uuid: str | None
    release_uuid: str
    record_id: str | None
    record_title: str | None
    credits_used_count: float
    error_message: str | None
    parent_run_uuid: str | None
    parent_node_uuid: str | None
    created_at: str | None
    finished_at: str | None
    workspace_uuid: str
    user_uuid: str | None
    nodes: list[Any] | None
    trace_uuid: str
    temporal_workflow_id: str
    parent_uuid: str | None
    parent_batch_uuid: str | None
    parent_agent_uuid: str | None
    parent_chat_uuid: str | None
    parent_message_uuid: str | None
    is_group_parent: bool
    executions: list[Execution]
    updated_at: str | None
    deleted_at: str | None = None


class RunDetail(Run):
    context_s3_filename: str
    computed_configs_s3_filename: str


class Trigger(Shape):
    name: str
    type: str
    cron: str
    data: dict[str, Any] = {}
    timezone: str | None = None


class CreditsCost(Shape):
    kind: str = "minMax"
    min: float
    max: float


class Tool(Shape):
    """O §4 tool plus the keys the HTTP client reads (api.md §13): `icon` (ToolIcon, null when the
    tool has none), `workspaceUuid`, `userUuid` (who created it), `publicForm` (never set), `deletedAt`."""

    uuid: str
    name: str
    workflow_uuid: str
    description: str | None
    credits_cost: CreditsCost
    triggers: list[dict[str, Any]]
    is_read_only: bool
    folder_uuid: str | None
    emoji_slug: str | None
    icon: dict[str, Any] | None
    workspace_uuid: str
    user_uuid: str | None
    public_form: dict[str, Any] | None = None
    # Lading addition: the most provider credits one batch of the tool may spend (null: no cap).
    credit_cap: float | None = None
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None


class ReleaseListItem(Shape):
    """A `release list` item: the release without its graph, form fields or test records."""

    uuid: str
    workflow_uuid: str | None
    workspace_uuid: str
    user_uuid: str | None
    parent_uuid: str | None
    version: str | None
    description: str | None
    status: str
    template_slug: str | None = None
    created_at: str | None
    updated_at: str | None
    deployed_at: str | None
    deleted_at: str | None = None


class Release(ReleaseListItem):
    """O §4 release plus the client's keys (api.md §13): `parentUuid`, `workspaceUuid`,
    `templateSlug`, `testRecords`, `updatedAt`, `deletedAt`; form fields in both spellings."""

    form_fields: list[dict[str, Any]] | None
    nodes: list[Any]
    test_records: list[Any]


class DeployedReleaseRef(Shape):
    uuid: str
    version: str | None
    description: str | None
    user_uuid: str | None
    nodes: list[Any]
    form_fields: list[dict[str, Any]] | None
    template_slug: str | None = None
    created_at: str | None
    deployed_at: str | None


class WorkflowLastBatch(Shape):
    uuid: str
    status: str
    runs_status: str
    error_message: str | None
    created_at: str | None
    finished_at: str | None


class Workflow(Shape):
    """O §4 workflow; `nodes` are summaries of the deployed graph (api.md §13, `[]` before a deploy),
    `template` is never set."""

    uuid: str
    workspace_uuid: str
    play_uuid: str | None
    tool_uuid: str | None
    folder_uuid: str | None
    nodes: list[Any]
    last_batch: WorkflowLastBatch | None
    deployed_release: DeployedReleaseRef | None
    template: dict[str, Any] | None = None
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None


class BatchRef(Shape):
    """What `batch create` and `action execute-batch` answer at once."""

    uuid: str
    workflow_uuid: str | None
    status: str
    created_at: str | None


class Batch(Shape):
    """The full batch form (O §4) plus the Cargo client's keys (api.md §13); `data` is the source
    with inline records replaced by the `s3Filename` they were stored under."""

    uuid: str
    workflow_uuid: str | None
    release_uuid: str | None
    status: str
    runs_status: str
    runs_count: int
    executed_runs_count: int
    failed_runs_count: int
    credits_used_count: Any
    error_message: str | None
    created_at: str | None
    finished_at: str | None
    data: Any
    parent_run_uuid: str | None
    parent_node_uuid: str | None
    invalid_rows: list[Any]
    is_source_exhausted: bool
    workspace_uuid: str
    user_uuid: str | None
    nodes: list[Any] | None
    temporal_workflow_id: str
    trace_uuid: str
    updated_at: str | None


class RecordRow(Shape):
    """A record's own fields (O §4 records item): the `record download` CSV columns."""

    id: str
    title: str | None
    workflow_uuid: str | None
    run_uuid: str
    release_uuid: str | None
    batch_uuid: str | None
    status: str
    error_message: str | None
    is_group_parent: bool
    parent_run_uuid: str | None
    parent_node_uuid: str | None
    parent_batch_uuid: str | None
    created_at: str | None
    updated_at: str | None


class Record(RecordRow):
    """A record: the latest matching top-level run of one record id, with the Cargo client's keys
    (api.md §13) taken from that run."""

    workspace_uuid: str
    user_uuid: str | None
    trace_uuid: str
    nodes: list[Any] | None
    temporal_workflow_id: str
    context_s3_filename: str
    computed_configs_s3_filename: str
    parent_agent_uuid: str | None
    parent_chat_uuid: str | None
    parent_message_uuid: str | None
    executions: list[Execution]
    finished_at: str | None


class RunMetric(Shape):
    """`run get-metrics`: one node's executions of every run in scope, by status."""

    node_uuid: str
    total_executions_count: int
    idle_executions_count: int
    pending_executions_count: int
    running_executions_count: int
    success_executions_count: int
    error_executions_count: int
    cancelled_executions_count: int
    skipped_executions_count: int
    credits_used_count: float
    cancelling_executions_count: int = 0  # the Cargo client's key; executions are never left cancelling


class RecordMetric(Shape):
    """`record get-metrics`: one node's executions over each record's latest run, by status."""

    node_uuid: str
    total_executions_count: int
    pending_executions_count: int
    running_executions_count: int
    success_executions_count: int
    error_executions_count: int
    cancelled_executions_count: int
    credits_used_count: float
    cancelling_executions_count: int = 0  # the Cargo client's key; executions are never left cancelling


class Span(Shape):
    """One node execution as a span (A §6.3 `spans`, camelCase, plus the Cargo client's keys, api.md
    §13): `spans/list`. `uuid` is derived from the execution's id exactly as the `spans` table does."""

    uuid: str
    workspace_uuid: str
    workflow_uuid: str | None
    release_uuid: str | None
    user_uuid: str | None
    batch_uuid: str | None
    trace_uuid: str
    record_id: str
    record_title: str
    run_uuid: str
    run_context_s3_filename: str
    run_computed_configs_s3_filename: str
    parent_run_uuid: str | None
    parent_node_uuid: str | None
    parent_batch_uuid: str | None
    parent_agent_uuid: str | None
    parent_chat_uuid: str | None
    parent_message_uuid: str | None
    is_group_parent: bool
    node_uuid: str
    node_kind: str
    node_slug: str
    node_action_slug: str | None
    node_connector_uuid: str | None
    node_integration_slug: str | None
    node_tool_uuid: str | None
    node_agent_uuid: str | None
    node_release_uuid: str | None
    node_batch_uuid: str | None
    node_run_uuid: str | None
    node_message_uuid: str | None
    node_child_index: int | None
    node_wait_until_finished: bool
    node_next_uuid: str | None
    next_node_uuid: str | None
    execution_index: int
    execution_status: str
    execution_error_message: str | None
    execution_title: str
    execution_icon_url: str | None
    execution_credits_used_count: float
    execution_attempt: int
    execution_started_at: str | None
    execution_updated_at: str | None
    execution_finished_at: str | None
    execution_duration_ms: int | None
    created_at: str | None


class Play(Shape):
    uuid: str
    name: str
    workflow_uuid: str
    model_uuid: str
    segment_uuid: str
    change_kinds: list[str]
    run_creation_rule: str
    is_enabled: bool
    schedule: dict[str, Any] | None
    description: str | None
    health_threshold: int | None
    folder_uuid: str | None
    filter: dict[str, Any] | None
    limit: int | None
    tracking_column_slugs: list[str] | None
    workspace_uuid: str
    user_uuid: str | None
    health_alert_actions: list[Any] = []
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None


class TemplateItem(Shape):
    """A shipped template; the client's keys (api.md §13) are those a read-only blueprint has:
    no workspace or author, `scope` `global`, `isPreset` true; `icon`/`creditsCost` for tool
    templates and `model` for play templates (null elsewhere)."""

    slug: str
    name: str
    description: str | None
    kind: str
    workspace_uuid: str | None = None
    scope: str = "global"
    is_preset: bool = True
    categories: list[str] = []
    author: Any = None
    icon: dict[str, Any] | None = None
    credits_cost: CreditsCost | None = None
    model: Any = None
    created_at: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None


class Template(TemplateItem):
    form_fields: list[dict[str, Any]] | None
    nodes: list[Any]


class Removed(Shape):
    """What `tool remove` and `play remove` answer."""

    uuid: str
    removed: bool = True


class Diagram(Shape):
    """`node diagram` (without --raw)."""

    diagram: str
    format: str
    warnings: list[Any]


class ActionMatch(Shape):
    """One `action list` result; `action` is ready for `action execute --action`."""

    name: str
    description: str | None
    score: float
    action: dict[str, Any]
    connectors: list[dict[str, Any]]
    credits: list[Any]
    autocompletes: list[dict[str, Any]]


class ActionSearch(Shape):
    query: str
    total_matches: int
    results: list[ActionMatch]


class DryRunTotals(Shape):
    """A dry run's projection for the whole batch: provider credits, node executions, node time (seconds
    summed over every run's nodes: the work asked of workers and providers, not wall-clock time)."""

    credits: float
    # A 95 % interval of the credits (from the spread of the sample's per-record credits).
    credits_low: float
    credits_high: float
    executions: int
    duration_seconds: float


class DryRunNodeSample(Shape):
    """The sample's own numbers for one node; `cached`: calls the connector's cache answered (priced at
    what the provider charged the sample's other calls of the node, else the list price)."""

    executions: int
    credits: float
    failed: int
    cached: int
    duration_seconds: float


class DryRunNode(Shape):
    """One node of the graph in a dry run: projected `executions`, `credits`, `durationSeconds` for the
    whole batch, and what the sample measured."""

    node_uuid: str
    node_slug: str | None
    node_kind: str | None
    integration_slug: str | None
    action_slug: str | None
    executions: int
    credits: float
    duration_seconds: float
    sample: DryRunNodeSample


class DryRunProviderSample(Shape):
    calls: int
    credits: float
    failed: int
    cached: int


class DryRunProvider(Shape):
    """One provider (a connector's integration slug; `agent` for agent nodes): projected calls and
    credits, and the credits per call the sample paid."""

    integration_slug: str
    calls: int
    credits: float
    credits_per_call: float
    sample: DryRunProviderSample


class DryRunSample(Shape):
    """What the sample itself did: provider credits (calls the cache answered priced as if paid),
    node executions (failed ones apart), connector calls the cache answered, runs and failed runs,
    node time, the dry run's wall-clock time, unreadable sampled rows."""

    credits: float
    executions: int
    failed_executions: int
    cached_calls: int
    runs: int
    failed: int
    duration_seconds: float
    wall_seconds: float
    invalid_rows: int


class DryRunCap(Shape):
    """The credit cap the batch would run under (its own, its tool's or the workspace's, the lowest):
    whether the projection reaches it and about how many records would run before it stops the batch."""

    cap: float
    reached: bool
    records_before_cap: int


class DryRun(Shape):
    """`batch create --dry-run` / `action execute-batch --dry-run`: `sampleSize` records run out of the
    source's `recordsCount` (evenly spread), scaled linearly to the whole source."""

    sample_size: int
    requested_sample_size: int
    records_count: int
    projected: DryRunTotals
    credit_cap: DryRunCap | None
    per_node: list[DryRunNode]
    per_provider: list[DryRunProvider]
    sample: DryRunSample
