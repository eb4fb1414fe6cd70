"""`/orchestration/nodes/validate|compute|execute` (`orchestration node …`, api.md §2.7)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.orchestration import _schemas as schemas
from lading.services.orchestration import nodes
from lading.services.session import Session

router = Router(prefix="/orchestration/nodes", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class NodeValidate(Body):
    nodes: Any


class NodeCompute(Body):
    node: Any
    context: Any
    group_context: dict[str, Any] | None = None


class NodeExecute(Body):
    # Only `node` is required (O §3.10, revised): without releaseUuid the node runs as given, without
    # computedConfig its config is resolved against the context, `data` is the start node's output.
    node: Any
    workflow_uuid: str | None = None
    release_uuid: str | None = None
    computed_config: Any = None
    context: Any = None
    group_context: dict[str, Any] | None = None
    data: Any = None


def _with_group(context: Any, group_context: dict[str, Any] | None) -> Any:
    """The client's separate `groupContext` is the CLI context's `parentNodes`."""
    if group_context is None or not isinstance(context, dict):
        return context
    return {**context, "parentNodes": group_context}


@router.post("/validate", summary="node.validate: {outcome: valid} or {outcome: notValid, invalidNodes} (200)",
             **answers(schemas.NodeValidation))
def validate(body: NodeValidate, session: Caller) -> dict[str, Any]:
    return nodes.validate(session, body.nodes)


@router.post("/compute", summary="node.compute: the node's config resolved against the context",
             **answers(schemas.ComputedConfig))
def compute(body: NodeCompute, session: Caller) -> dict[str, Any]:
    return {"computedConfig": nodes.compute(session, body.node, _with_group(body.context, body.group_context))}


@router.post("/execute", summary="node.execute: one node run for real; a NodeExecution (200 on failure too)",
             **answers(schemas.NodeExecution))
def execute(body: NodeExecute, session: Caller) -> dict[str, Any]:
    context = body.context
    if body.group_context is not None and context is None:
        context = {"nodes": {}}
    result = nodes.execute(session, workflow_uuid=body.workflow_uuid, release_uuid=body.release_uuid, node=body.node,
                           computed_config=body.computed_config, context=_with_group(context, body.group_context),
                           data=body.data)
    return nodes.as_node_execution(result)
