"""`orchestration node …`: validate, compute, execute and diagram node graphs."""

from __future__ import annotations

from typing import Any

import orjson

from lading.domain.errors import NotFoundError, UsageError, ValidationError, shown
from lading.engine.validation import validation_document
from lading.services.orchestration.releases import require_release, require_workflow
from lading.services.references import WorkspaceReferences
from lading.services.session import Session
from lading.store.repositories import runs as runs_repo
from lading.store.repositories import workflows as wf_repo


def validate(session: Session, nodes: Any) -> dict[str, Any]:
    return validation_document(nodes, WorkspaceReferences(session))


def _scope(context: Any) -> dict[str, Any]:
    if not isinstance(context, dict):
        raise ValidationError("--context must be a JSON object like {\"nodes\":{…}}", reason="invalidData")
    nodes = context.get("nodes") or {}
    parent = context.get("parentNodes") or context.get("groupContext") or {}
    if not isinstance(nodes, dict) or not isinstance(parent, dict):
        raise ValidationError("--context nodes/parentNodes must be objects", reason="invalidData")
    return {"nodes": nodes, "parentNodes": parent}


def compute(session: Session, node: Any, context: Any) -> Any:
    """The node's config resolved against `--context`, exactly as at run time; no side effects."""
    from lading.domain.errors import NodeExecutionError
    from lading.engine.expressions import get_evaluator, to_json_value
    from lading.engine.natives.catalog import config_skip_keys

    if not isinstance(node, dict):
        raise ValidationError("--node must be a JSON object (one node)", reason="nodeInvalid")
    config = node.get("config") or {}
    skip = config_skip_keys(node.get("actionSlug"))
    try:
        return to_json_value(get_evaluator().compute_config(config, _scope(context), skip_keys=skip))
    except NodeExecutionError as exc:
        raise ValidationError(exc.message, reason="expressionError") from exc


def _execute_scope(context: Any, data: Any) -> dict[str, Any]:
    """The context a node runs in: `--context` (default: nothing upstream), with `--data` as the start
    node's output, i.e. the run's input (`{{nodes.start.<field>}}`)."""
    scope = _scope({"nodes": {}} if context is None else context)
    if data is None:
        return scope
    if not isinstance(data, dict):
        raise ValidationError("--data must be a JSON object (the run's input, read as nodes.start)",
                              reason="invalidData")
    if "start" in scope["nodes"]:
        raise ValidationError("pass the start node's output once: --data or --context's nodes.start, not both",
                              reason="invalidData")
    return {**scope, "nodes": {**scope["nodes"], "start": data}}


def execute(session: Session, *, node: Any, workflow_uuid: str | None = None, release_uuid: str | None = None,
            computed_config: Any = None, context: Any = None, data: Any = None) -> dict[str, Any]:
    """Run one node for real, outside any run.

    With `release_uuid` (and its `workflow_uuid`) the node must be one of that release's nodes. Without
    it the node is executed as given (a workflow named alone must exist). Without `computed_config` the
    node's own config is resolved against the context first, as `node compute` would."""
    from lading.engine.single import execute_node

    if not isinstance(node, dict):
        raise ValidationError("--node must be a JSON object (one node)", reason="nodeInvalid")
    if release_uuid is not None and not workflow_uuid:
        raise UsageError("error: --release-uuid needs --workflow-uuid (the workflow the release belongs to)")
    if release_uuid is not None and not isinstance(node.get("uuid"), str):
        raise ValidationError("--node must be a JSON object (one node with its uuid)", reason="nodeInvalid")
    scope = _execute_scope(context, data)
    if workflow_uuid is not None:
        with session.db.read() as conn:
            require_workflow(session, conn, workflow_uuid)
            release = require_release(session, conn, release_uuid) if release_uuid is not None else None
        if release is not None:
            if release.workflow_uuid != workflow_uuid:
                raise NotFoundError("this release does not belong to the workflow", reason="releaseNotFound")
            if node["uuid"] not in {n.get("uuid") for n in _walk(release.nodes or [])}:
                raise NotFoundError("this node is not part of the release", reason="nodesNotFound")
    if computed_config is None:
        computed_config = compute(session, node, scope)
    from lading.services.connection.calls import ConnectorCalls

    calls = ConnectorCalls(session.db)

    async def connector(n: dict[str, Any], config: dict[str, Any]) -> Any:
        return await calls.call(session.workspace_uuid, n, config)

    return execute_node(node, computed_config, scope, connector)


def _walk(nodes: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            out.append(n)
            sub = (n.get("config") or {}).get("_nodes") if isinstance(n.get("config"), dict) else None
            if isinstance(sub, list):
                stack.extend(sub)
    return out


def diagram_source(session: Session, *, nodes: Any = None, file: str | None = None,
                   workflow_uuid: str | None = None, draft: bool = False, release_uuid: str | None = None,
                   run_uuid: str | None = None) -> list[Any]:
    """Exactly one source: --nodes, --file, --workflow-uuid (deployed or --draft), --release-uuid, --run-uuid."""
    given = [x for x in (nodes, file, workflow_uuid, release_uuid, run_uuid) if x is not None]
    if len(given) != 1:
        raise UsageError("error: pass exactly one of --nodes, --file, --workflow-uuid, --release-uuid, --run-uuid")
    if nodes is not None:
        result = nodes
    elif file is not None:
        from lading.domain.user_files import read_user_file

        try:
            result = orjson.loads(read_user_file("--file", file))
        except orjson.JSONDecodeError as exc:
            raise ValidationError(f"{file} is not valid JSON: {exc}", reason="invalidData") from exc
        if isinstance(result, dict) and isinstance(result.get("nodes"), list):
            result = result["nodes"]
    else:
        ws = session.workspace_uuid
        with session.db.read() as conn:
            if workflow_uuid is not None:
                require_workflow(session, conn, workflow_uuid)
                row = wf_repo.release_by_status(conn, ws, workflow_uuid, "draft" if draft else "deployed")
                if row is None:
                    raise NotFoundError("this workflow has never been deployed (use --draft)",
                                        reason="noDeployedRelease")
            elif release_uuid is not None:
                row = require_release(session, conn, release_uuid)
            else:
                run = runs_repo.get_run(conn, ws, str(run_uuid))
                if run is None:
                    raise NotFoundError(f"Run not found: {run_uuid}", reason="runNotFound")
                row = require_release(session, conn, run.release_uuid)
        result = row.nodes
    if not isinstance(result, list) or not all(isinstance(n, dict) for n in result):
        raise ValidationError("a diagram needs a JSON array of node objects", reason="nodeInvalid")
    return result


def diagram(session: Session, *, fmt: str = "mermaid", title: str | None = None, direction: str = "TD",
            paid: list[str] | None = None, highlight: list[str] | None = None, **source: Any) -> Any:
    from lading.engine.diagram import render_diagram

    if fmt not in ("mermaid", "ascii"):
        raise UsageError(f"error: --format must be mermaid or ascii, got {shown(fmt)}")
    if direction not in ("TD", "LR"):
        raise UsageError(f"error: --direction must be TD or LR, got {shown(direction)}")
    nodes = diagram_source(session, **source)
    return render_diagram(nodes, format=fmt, title=title, direction=direction, paid=paid or (),
                          highlight=highlight or (), agent_names=agent_names(session, nodes))


def agent_names(session: Session, nodes: list[dict[str, Any]]) -> dict[str, str]:
    """agentUuid → name of each agent of this workspace the graph (groups included) calls, so the diagram
    names the agent a step hands over to; an unknown or foreign uuid keeps its short form."""
    import re

    from lading.store.repositories import ai as ai_repo

    wanted: set[str] = set()
    pending: list[Any] = list(nodes)
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            ref = item.get("agentUuid")
            if item.get("kind") == "agent" and isinstance(ref, str) and re.fullmatch(r"[0-9a-fA-F-]{36}", ref):
                wanted.add(ref)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    names: dict[str, str] = {}
    if wanted:
        with session.db.read() as conn:
            for ref in sorted(wanted)[:100]:
                row = ai_repo.get_agent(conn, session.workspace_uuid, ref)
                if row is not None and row.name:
                    names[ref] = str(row.name)
    return names


def as_node_execution(result: dict[str, Any]) -> dict[str, Any]:
    """`node execute`'s `{execution, output}` as the Cargo client's NodeExecution (api.md §2.7):
    `{status: "success", data, creditsUsedCount, childIndex}` or `{status: "error", message,
    creditsUsedCount}`. The CLI's `execution` document rides along (clients ignore unknown keys) so
    the remote CLI prints exactly what the embedded one does (`from_node_execution`)."""
    execution = result["execution"]
    credits = execution.get("creditsUsedCount") or 0
    if execution.get("status") == "success":
        answer: dict[str, Any] = {"status": "success", "data": result.get("output"), "creditsUsedCount": credits,
                                  "childIndex": execution.get("nodeChildIndex")}
    else:
        answer = {"status": "error", "message": execution.get("errorMessage") or "", "creditsUsedCount": credits}
    answer["execution"] = execution
    return answer


def from_node_execution(answer: dict[str, Any]) -> dict[str, Any]:
    """The CLI's `{execution, output}` back from a NodeExecution answered by a Lading server."""
    execution = answer.get("execution") or {}
    if answer.get("status") == "success":
        return {"execution": execution, "output": answer.get("data")}
    return {"execution": execution, "output": {"error": answer.get("message")}}
