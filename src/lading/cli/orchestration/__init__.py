"""`lading orchestration …`: runs, batches, records, tools, plays, workflows, releases, nodes, templates, actions."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
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

orchestration_app = typer.Typer(help="Runs, tools, workflows, releases and node graphs.", no_args_is_help=True,
                                context_settings=help_settings())
orchestration_app.add_typer(run_app, name="run")
orchestration_app.add_typer(batch_app, name="batch")
orchestration_app.add_typer(record_app, name="record")
orchestration_app.add_typer(tool_app, name="tool")
orchestration_app.add_typer(play_app, name="play")
orchestration_app.add_typer(workflow_app, name="workflow")
orchestration_app.add_typer(release_app, name="release")
orchestration_app.add_typer(draft_app, name="draft-release", hidden=True)
orchestration_app.add_typer(node_app, name="node")
orchestration_app.add_typer(template_app, name="template")
orchestration_app.add_typer(action_app, name="action")
orchestration_app.add_typer(query_app, name="query")

__all__ = ["orchestration_app"]
