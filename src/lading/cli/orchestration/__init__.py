"""`lading orchestration …`: runs, batches, records, tools, plays, workflows, releases, nodes, templates, actions."""

from __future__ import annotations

from lading.cli.common import command_group

orchestration_app = command_group(
    "Runs, tools, workflows, releases and node graphs.",
    __name__,
    (".runs:run_app", "run"),
    (".batches:batch_app", "batch"),
    (".records:record_app", "record"),
    (".tools:tool_app", "tool"),
    (".plays:play_app", "play"),
    (".workflows:workflow_app", "workflow"),
    (".releases:release_app", "release"),
    (".releases:draft_app", "draft-release", {"hidden": True}),
    (".nodes:node_app", "node"),
    (".templates:template_app", "template"),
    (".actions:action_app", "action"),
    (".query:query_app", "query"))

__all__ = ["orchestration_app"]
