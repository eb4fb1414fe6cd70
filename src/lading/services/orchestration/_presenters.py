"""Store rows → shapes for the objects several noun modules answer: runs, executions, releases, tools, workflows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lading.services.orchestration import shapes
from lading.store.clock import iso


class RunLinks:
    """What the run and execution shapes read beyond the rows themselves, loaded once per page:
    each release's nodes (node kind, connector, tool, agent; a `--nodes` run's inline graph) and the
    child runs and batches that tool and group nodes started (`nodeRunUuid`, `nodeBatchUuid`)."""

    def __init__(self, conn: Any = None, ws: str = "", run_rows: Sequence[Any] = (),
                 execution_rows: Sequence[Any] | None = None) -> None:
        """`execution_rows`: the executions these runs will show, when already read. None of them
        means no node has started a child yet, so the child runs and batches are not read (a run
        polled while pending costs two reads fewer)."""
        self.nodes: dict[str, dict[str, dict[str, Any]]] = {}
        self.adhoc: dict[str, list[Any]] = {}
        self.child_runs: dict[tuple[str, str], tuple[str, str]] = {}
        self.child_batches: dict[tuple[str, str], str] = {}
        self.parent_batches: dict[str, str | None] = {}
        if conn is None or not run_rows:
            return
        from lading.store.repositories import runs as runs_repo

        releases = runs_repo.release_graphs(conn, ws, {r.release_uuid for r in run_rows if r.release_uuid})
        for uuid, status, nodes in releases:
            self.nodes[uuid] = {n["uuid"]: n for n in walk_nodes(nodes or []) if isinstance(n.get("uuid"), str)}
            if status == "adhoc":
                self.adhoc[uuid] = nodes or []
        if execution_rows is None or execution_rows:
            children = runs_repo.node_children(conn, ws, [r.uuid for r in run_rows])
            self.child_runs, self.child_batches = children["runs"], children["batches"]
        self.parent_batches = runs_repo.parent_batches(
            conn, ws, {r.parent_run_uuid for r in run_rows if r.parent_run_uuid})

    def execution(self, row: Any) -> dict[str, Any]:
        return self.execution_shape(row).dump()

    def execution_shape(self, row: Any) -> shapes.Execution:
        node = self.nodes.get(getattr(row, "release_uuid", None) or "", {}).get(row.node_uuid, {})
        config: dict[str, Any] = node["config"] if isinstance(node.get("config"), dict) else {}
        settings: dict[str, Any] = (config["advancedSettings"] if isinstance(config.get("advancedSettings"), dict)
                                    else {})
        key = (row.run_uuid, row.node_uuid)
        child_run, child_release = self.child_runs.get(key, (None, None))
        return shapes.Execution(
            node_uuid=row.node_uuid, node_slug=row.node_slug, node_kind=row.node_kind,
            node_action_slug=row.node_action_slug, node_child_index=row.node_child_index,
            next_node_uuid=row.next_node_uuid, status=row.status, title=row.title,
            credits_used_count=row.credits_used_count or 0, error_message=row.error_message,
            attempts=row.attempts, started_at=iso(row.started_at), updated_at=iso(row.updated_at),
            finished_at=iso(row.finished_at), node_batch_uuid=self.child_batches.get(key),
            node_run_uuid=child_run, node_message_uuid=None, icon_url=None,
            node_wait_until_finished=bool(node.get("waitUntilFinished", config.get("waitUntilFinished", False))),
            # A provider attempt inside its node (a waterfall's) carries its own integration and connector.
            node_connector_uuid=(getattr(row, "connector_uuid", None) or node.get("connectorUuid")
                                 or settings.get("connectorUuid")),
            node_integration_slug=getattr(row, "integration_slug", None) or node.get("integrationSlug"),
            node_tool_uuid=node.get("toolUuid"),
            node_agent_uuid=node.get("agentUuid"),
            node_release_uuid=child_release,
        )

    def run(self, row: Any, execution_rows: Sequence[Any] = ()) -> dict[str, Any]:
        return shapes.Run(**self.run_fields(row, execution_rows)).dump()

    def run_fields(self, row: Any, execution_rows: Sequence[Any]) -> dict[str, Any]:
        return dict(
            uuid=row.uuid, workflow_uuid=row.workflow_uuid, status=row.status, batch_uuid=row.batch_uuid,
            release_uuid=row.release_uuid, record_id=row.record_id, record_title=row.record_title,
            credits_used_count=row.credits_used_count or 0, error_message=row.error_message,
            parent_run_uuid=row.parent_run_uuid, parent_node_uuid=row.parent_node_uuid,
            created_at=iso(row.created_at), finished_at=iso(row.finished_at),
            workspace_uuid=row.workspace_uuid, user_uuid=None, nodes=self.adhoc.get(row.release_uuid),
            trace_uuid=row.root_run_uuid or row.uuid, temporal_workflow_id=row.uuid,
            parent_uuid=row.parent_run_uuid,
            parent_batch_uuid=self.parent_batches.get(row.parent_run_uuid) if row.parent_run_uuid else None,
            parent_agent_uuid=row.parent_agent_uuid,
            parent_chat_uuid=None, parent_message_uuid=None, is_group_parent=bool(row.is_group_parent),
            executions=[self.execution_shape(e) for e in execution_rows],
            updated_at=iso(row.updated_at),
        )


def walk_nodes(nodes: Sequence[Any]) -> list[dict[str, Any]]:
    """Every node of a graph, group sub-nodes (`config._nodes`) included."""
    out: list[dict[str, Any]] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            out.append(node)
            sub = node.get("config", {}).get("_nodes") if isinstance(node.get("config"), dict) else None
            if isinstance(sub, list):
                stack.extend(sub)
    return out


def run(row: Any, nodes: list[Any] | None = None) -> dict[str, Any]:
    """A run without reading anything else (a run just created: no executions, no children yet);
    `nodes`: the inline graph it was created with."""
    links = RunLinks()
    if nodes is not None:
        links.adhoc[row.release_uuid] = nodes
    return links.run(row)


def run_page(conn: Any, ws: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Runs of one page, each with its executions and their node links (three reads per page)."""
    from lading.store.repositories import records as records_repo

    links = RunLinks(conn, ws, rows)
    grouped: dict[str, list[Any]] = {}
    for e in records_repo.executions_of(conn, ws, [r.uuid for r in rows]) if rows else ():
        grouped.setdefault(e.run_uuid, []).append(e)
    return [links.run(r, grouped.get(r.uuid, [])) for r in rows]


def run_detail(row: Any, execution_rows: Sequence[Any], links: RunLinks | None = None) -> dict[str, Any]:
    links = links or RunLinks()
    return shapes.RunDetail(
        **links.run_fields(row, execution_rows),
        context_s3_filename=f"runs/{row.uuid}/context.json",
        computed_configs_s3_filename=f"runs/{row.uuid}/computed-configs.json",
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
        credit_cap=getattr(row, "credit_cap", None),
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
