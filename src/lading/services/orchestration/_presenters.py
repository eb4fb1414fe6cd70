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


def _release_fields(row: Any) -> dict[str, Any]:
    return dict(
        uuid=row.uuid, workflow_uuid=row.workflow_uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid,
        parent_uuid=row.parent_uuid, version=row.version, description=row.description, status=row.status,
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deployed_at=iso(row.deployed_at),
    )


def release(row: Any) -> dict[str, Any]:
    return shapes.Release(**_release_fields(row), form_fields=form_fields(row.form_fields), nodes=row.nodes or [],
                          test_records=row.test_records or []).dump()


def release_item(row: Any) -> dict[str, Any]:
    return shapes.ReleaseListItem(**_release_fields(row)).dump()


def form_fields(stored: Any) -> list[dict[str, Any]] | None:
    """Stored form fields in both spellings: the CLI's (`label`, `type`, `required`, O §1) and the
    HTTP client's (`name`, `kind`, `isRequired`, `placeholder`; api.md §2.3). Fields written before
    both were kept gain the missing ones here."""
    if not isinstance(stored, list):
        return None
    return [both_spellings(f) if isinstance(f, dict) else f for f in stored]


def both_spellings(field: dict[str, Any]) -> dict[str, Any]:
    """One form field carrying both spellings; where both are given, the client's wins."""
    label = field.get("name", field.get("label"))
    kind = field.get("kind", field.get("type", "any"))
    required = bool(field.get("isRequired", field.get("required", False)))
    out = {"slug": field.get("slug"), "name": label if label is not None else field.get("slug"), "kind": kind,
           "description": field.get("description"), "placeholder": field.get("placeholder"),
           "isRequired": required, "label": label if label is not None else field.get("slug"), "type": kind,
           "required": required}
    for key in ("defaultValue", "enum", "fields"):
        if key in field:
            out[key] = ([both_spellings(f) if isinstance(f, dict) else f for f in field[key]]
                        if key == "fields" and isinstance(field[key], list) else field[key])
    return out


def tool_icon(row: Any) -> dict[str, Any] | None:
    """The ToolIcon of a tool: its raw image, else its emoji, else none."""
    if row.icon:
        return dict(row.icon)
    return {"kind": "emoji", "emojiSlug": row.emoji_slug} if row.emoji_slug else None


def tool(row: Any, credits_cost: tuple[float, float], user_uuid: str | None) -> dict[str, Any]:
    return shapes.Tool(
        uuid=row.uuid, name=row.name, workflow_uuid=row.workflow_uuid, description=row.description,
        credits_cost=shapes.CreditsCost(min=credits_cost[0], max=credits_cost[1]),
        triggers=row.triggers or [], is_read_only=bool(row.is_read_only), folder_uuid=row.folder_uuid,
        emoji_slug=row.emoji_slug, icon=tool_icon(row), workspace_uuid=row.workspace_uuid, user_uuid=user_uuid,
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at),
    ).dump()


_SUMMARY_KEYS = ("actionSlug", "integrationSlug", "connectorUuid", "toolUuid", "agentUuid")


def node_summary(node: Any) -> dict[str, Any]:
    """What a workflow shows of one deployed node (api.md §13): identity, kind, what it calls, and a
    group's sub-nodes summarised the same way."""
    if not isinstance(node, dict):
        return {}
    config = node.get("config")
    children = config.get("_nodes") if isinstance(config, dict) else None
    out = {"uuid": node.get("uuid"), "slug": node.get("slug"), "name": node.get("name"),
           "description": node.get("description"), "kind": node.get("kind")}
    out.update({key: node[key] for key in _SUMMARY_KEYS if key in node})
    return {**out, "isArchived": False,
            "nodes": [node_summary(n) for n in children] if isinstance(children, list) else []}


def workflow(row: Any, deployed: Any | None, last_batch: Any | None, *, with_nodes: bool = True) -> dict[str, Any]:
    """A workflow; `with_nodes` False (lists) leaves its graph out (`nodes: []`, here and on the
    deployed release) so a list stays light (O §3.9)."""
    graph = (deployed.nodes or []) if deployed is not None and with_nodes else []
    return shapes.Workflow(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, play_uuid=row.play_uuid, tool_uuid=row.tool_uuid,
        folder_uuid=row.folder_uuid, nodes=[node_summary(n) for n in graph],
        last_batch=None if last_batch is None else shapes.WorkflowLastBatch(
            uuid=last_batch.uuid, status=last_batch.status, runs_status="healthy",
            error_message=last_batch.error_message,
            created_at=iso(last_batch.created_at), finished_at=iso(last_batch.finished_at)),
        deployed_release=None if deployed is None else shapes.DeployedReleaseRef(
            uuid=deployed.uuid, version=deployed.version, description=deployed.description,
            user_uuid=deployed.user_uuid, nodes=graph, form_fields=form_fields(deployed.form_fields),
            created_at=iso(deployed.created_at), deployed_at=iso(deployed.deployed_at)),
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at),
    ).dump()
