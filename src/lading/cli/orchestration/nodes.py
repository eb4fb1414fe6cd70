"""`orchestration node …`: validate, compute, execute, diagram."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, emit_text, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.orchestration import nodes as svc
else:  # imported when a command answers locally: remote mode never loads the store
    svc = lazy_module("lading.services.orchestration.nodes")

node_app = typer.Typer(help="Validate, compute, execute and draw node graphs.", no_args_is_help=True,
                       context_settings=help_settings())


@node_app.command("validate")
def validate(nodes: str = typer.Option(..., "--nodes", help="Node graph (JSON array, @file or -).")) -> None:
    """Check a node graph: {"outcome":"valid"} or notValid with invalidNodes.

    Every {{ }} expression must parse as JavaScript; every nodes.<slug> it reads must name a node upstream of it.

    Each native action's config must match its JSON Schema, documented in docs/natives.md.

    The same schemas are served by `lading connection native-integration get` (each action's config.schema).
    """
    graph = parse_json_flag("--nodes", nodes)
    emit(answer("POST", "/orchestration/nodes/validate", body={"nodes": graph}, local=lambda s: svc.validate(s, graph)))


@node_app.command("compute")
def compute(
    node: str = typer.Option(..., "--node", help="One node (JSON object)."),
    context: str = typer.Option(..., "--context", help='{"nodes":{<slug>:{…}}, "parentNodes":{…}}'),
) -> None:
    """Resolve one node's config against a context, with no side effects."""
    one, scope = parse_json_flag("--node", node), parse_json_flag("--context", context)
    emit(answer("POST", "/orchestration/nodes/compute", body={"node": one, "context": scope},
                local=lambda s: {"computedConfig": svc.compute(s, one, scope)})["computedConfig"])


@node_app.command("execute")
def execute(
    node: str = typer.Option(..., "--node", help="The node to run (JSON object, @file or -)."),
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="The workflow the node belongs to "
                                      "(required with --release-uuid)."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Check that the node is one of this release's "
                                     "nodes. Omitted: the node is executed as given."),
    computed_config: str = typer.Option(None, "--computed-config", help="The node's inputs (as `node compute` "
                                        "prints them). Omitted: the node's config resolved against the context."),
    context: str = typer.Option(None, "--context", help='{"nodes":{<slug>:{…}}, "parentNodes":{…}} '
                                "(default: nothing upstream)."),
    data: str = typer.Option(None, "--data", help="The run's input (JSON object), read as nodes.start."),
) -> None:
    """Run one node for real (provider call, credits; debugging, creates no run).

    With --release-uuid the node must be one of that release's nodes; without it the node is executed as
    given. Without --computed-config its config is computed first, as `node compute` would."""
    from lading.domain.errors import UsageError

    if release_uuid is not None and not workflow_uuid:  # a usage error before any request, as embedded
        raise UsageError("error: --release-uuid needs --workflow-uuid (the workflow the release belongs to)")
    fields = {"workflow_uuid": workflow_uuid, "release_uuid": release_uuid, "node": parse_json_flag("--node", node),
              "computed_config": parse_json_flag("--computed-config", computed_config),
              "context": parse_json_flag("--context", context), "data": parse_json_flag("--data", data)}
    body = {key: value for key, value in {
        "workflowUuid": workflow_uuid, "releaseUuid": release_uuid, "node": fields["node"],
        "computedConfig": fields["computed_config"], "context": fields["context"], "data": fields["data"]}.items()
        if value is not None}
    # Over HTTP the answer is the client's NodeExecution; the CLI prints its own `{execution, output}`.
    execution = answer("POST", "/orchestration/nodes/execute", body=body,
                       local=lambda s: svc.as_node_execution(svc.execute(s, **fields)))
    emit(svc.from_node_execution(execution))


@node_app.command("diagram")
def diagram(
    nodes: str = typer.Option(None, "--nodes", help="Node graph (JSON, @file or -)."),
    file: str = typer.Option(None, "--file", help="A JSON file holding the nodes."),
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="The workflow's deployed release."),
    draft: bool = typer.Option(False, "--draft", help="With --workflow-uuid: draw the draft."),
    release_uuid: str = typer.Option(None, "--release-uuid"),
    run_uuid: str = typer.Option(None, "--run-uuid", help="The graph that run executed."),
    fmt: str = typer.Option("mermaid", "--format", help="mermaid or ascii."),
    title: str = typer.Option(None, "--title"),
    direction: str = typer.Option("TD", "--direction", help="TD or LR (mermaid only)."),
    paid: str = typer.Option(None, "--paid", help="Comma-separated slugs/uuids to mark as paid."),
    highlight: str = typer.Option(None, "--highlight", help="Comma-separated slugs/uuids to highlight."),
    raw: bool = typer.Option(False, "--raw", help="Print the drawing instead of JSON."),
) -> None:
    """Draw a workflow, release, draft, run or raw nodes as Mermaid or ASCII."""
    from lading.cli.orchestration._diagram import draw

    document, drawing = draw(fmt=fmt, title=title, direction=direction, paid=split_list(paid),
                             highlight=split_list(highlight), nodes=parse_json_flag("--nodes", nodes), file=file,
                             workflow_uuid=workflow_uuid, draft=draft, release_uuid=release_uuid, run_uuid=run_uuid)
    if raw:
        emit_text(drawing)
        return
    emit(document)
