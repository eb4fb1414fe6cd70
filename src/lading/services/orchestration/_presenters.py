"""Store rows → shapes for the objects several noun modules answer: runs, executions, releases, tools, workflows."""

from __future__ import annotations

from typing import Any

from lading.services.orchestration import shapes
from lading.store.clock import iso


def execution(row: Any) -> dict[str, Any]:
    return shapes.Execution(
        node_uuid=row.node_uuid, node_slug=row.node_slug, node_kind=row.node_kind,
        node_action_slug=row.node_action_slug, node_child_index=row.node_child_index,
        next_node_uuid=row.next_node_uuid, status=row.status, title=row.title,
        credits_used_count=row.credits_used_count or 0, error_message=row.error_message,
        attempts=row.attempts, started_at=iso(row.started_at), updated_at=iso(row.updated_at),
        finished_at=iso(row.finished_at),
    ).dump()


def _run_fields(row: Any) -> dict[str, Any]:
    return dict(
        uuid=row.uuid, workflow_uuid=row.workflow_uuid, status=row.status, batch_uuid=row.batch_uuid,
        release_uuid=row.release_uuid, record_id=row.record_id, record_title=row.record_title,
        credits_used_count=row.credits_used_count or 0, error_message=row.error_message,
        parent_run_uuid=row.parent_run_uuid, parent_node_uuid=row.parent_node_uuid,
        created_at=iso(row.created_at), finished_at=iso(row.finished_at),
    )


def run(row: Any) -> dict[str, Any]:
    return shapes.Run(**_run_fields(row)).dump()


def run_detail(row: Any, execution_rows: list[Any]) -> dict[str, Any]:
    return shapes.RunDetail(
        **_run_fields(row),
        context_s3_filename=f"runs/{row.uuid}/context.json",
        computed_configs_s3_filename=f"runs/{row.uuid}/computed-configs.json",
        executions=[shapes.Execution.model_validate(execution(e)) for e in execution_rows],
    ).dump()


def release(row: Any) -> dict[str, Any]:
    return shapes.Release(
        uuid=row.uuid, workflow_uuid=row.workflow_uuid, user_uuid=row.user_uuid, version=row.version,
        description=row.description, status=row.status, form_fields=row.form_fields, nodes=row.nodes or [],
        created_at=iso(row.created_at), deployed_at=iso(row.deployed_at),
    ).dump()


def release_item(row: Any) -> dict[str, Any]:
    return shapes.ReleaseListItem(
        uuid=row.uuid, workflow_uuid=row.workflow_uuid, version=row.version, description=row.description,
        status=row.status, created_at=iso(row.created_at), deployed_at=iso(row.deployed_at),
    ).dump()


def tool(row: Any, credits_cost: tuple[float, float]) -> dict[str, Any]:
    return shapes.Tool(
        uuid=row.uuid, name=row.name, workflow_uuid=row.workflow_uuid, description=row.description,
        credits_cost=shapes.CreditsCost(min=credits_cost[0], max=credits_cost[1]),
        triggers=row.triggers or [], is_read_only=bool(row.is_read_only), folder_uuid=row.folder_uuid,
        emoji_slug=row.emoji_slug, created_at=iso(row.created_at), updated_at=iso(row.updated_at),
    ).dump()


def workflow(row: Any, nodes: list[Any], deployed: Any | None, last_batch: Any | None) -> dict[str, Any]:
    return shapes.Workflow(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, play_uuid=row.play_uuid, tool_uuid=row.tool_uuid,
        folder_uuid=row.folder_uuid, nodes=nodes,
        last_batch=None if last_batch is None else shapes.WorkflowLastBatch(
            uuid=last_batch.uuid, status=last_batch.status, runs_status="healthy",
            created_at=iso(last_batch.created_at), finished_at=iso(last_batch.finished_at)),
        deployed_release=None if deployed is None else shapes.DeployedReleaseRef(
            uuid=deployed.uuid, version=deployed.version, description=deployed.description,
            deployed_at=iso(deployed.deployed_at)),
        created_at=iso(row.created_at), updated_at=iso(row.updated_at),
    ).dump()
