"""`lading orchestration …`: runs, batches, records, tools, plays, workflows, releases, nodes, templates, actions."""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.orchestration.actions import action_app
from lading.cli.orchestration.batches import batch_app
from lading.cli.orchestration.nodes import node_app
from lading.cli.orchestration.plays import play_app
from lading.cli.orchestration.query import query_app
from lading.cli.orchestration.records import record_app
from lading.cli.orchestration.releases import draft_app, release_app
from lading.cli.orchestration.runs import run_app
from lading.cli.orchestration.templates import template_app
from lading.cli.orchestration.tools import tool_app
from lading.cli.orchestration.workflows import workflow_app

orchestration_app = command_group(
    "Runs, tools, workflows, releases and node graphs.",
    (run_app, "run"), (batch_app, "batch"), (record_app, "record"), (tool_app, "tool"), (play_app, "play"),
    (workflow_app, "workflow"), (release_app, "release"), (draft_app, "draft-release", {"hidden": True}),
    (node_app, "node"), (template_app, "template"), (action_app, "action"), (query_app, "query"))

__all__ = ["orchestration_app"]
