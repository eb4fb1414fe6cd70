"""The public JSON shapes (spec orchestration §4), defined once for the CLI and the API.

Pydantic models with camelCase aliases; `dump()` renders the exact documented field names.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Shape(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


class Execution(Shape):
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


class Run(Shape):
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


class RunDetail(Run):
    context_s3_filename: str
    computed_configs_s3_filename: str
    executions: list[Execution]


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
    uuid: str
    name: str
    workflow_uuid: str
    description: str | None
    credits_cost: CreditsCost
    triggers: list[dict[str, Any]]
    is_read_only: bool
    folder_uuid: str | None
    emoji_slug: str | None
    created_at: str | None
    updated_at: str | None


class Release(Shape):
    uuid: str
    workflow_uuid: str | None
    user_uuid: str | None
    version: str | None
    description: str | None
    status: str
    form_fields: list[dict[str, Any]] | None
    nodes: list[Any]
    created_at: str | None
    deployed_at: str | None


class ReleaseListItem(Shape):
    uuid: str
    workflow_uuid: str | None
    version: str | None
    description: str | None
    status: str
    created_at: str | None
    deployed_at: str | None


class DeployedReleaseRef(Shape):
    uuid: str
    version: str | None
    description: str | None
    deployed_at: str | None


class Workflow(Shape):
    uuid: str
    workspace_uuid: str
    play_uuid: str | None
    tool_uuid: str | None
    folder_uuid: str | None
    nodes: list[Any]
    last_batch: dict[str, Any] | None
    deployed_release: DeployedReleaseRef | None
    created_at: str | None
    updated_at: str | None
