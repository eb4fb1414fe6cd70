"""`billing usage …`: usage metrics (executions, credits, storage records per day)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.billing import usage
else:  # imported when a command answers locally: remote mode never loads the store
    usage = lazy_module("lading.services.billing.usage")

usage_app = typer.Typer(help="Usage per UTC day.", no_args_is_help=True, context_settings=help_settings())


@usage_app.command("get-metrics")
def get_metrics(
    date_from: str = typer.Option(None, "--from", help="First UTC day, YYYY-MM-DD, inclusive "
                                   "(default: the first day of the current UTC month)."),
    date_to: str = typer.Option(None, "--to", help="Last UTC day, YYYY-MM-DD, inclusive "
                                 "(default: the last day of the current UTC month)."),
    unit: str = typer.Option(None, "--unit", help="billing.credits, orchestration.executions or storage.records "
                                                  "(or credits, executions, records)."),
    group_by: str = typer.Option(None, "--group-by", help="workflow_uuid, connector_uuid, model_uuid, "
                                 "integration_slug or agent_uuid."),
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="Only usage of this workflow."),
    model_uuid: str = typer.Option(None, "--model-uuid", help="Only usage attributed to this model."),
    connector_uuid: str = typer.Option(None, "--connector-uuid", help="Only usage of this connector."),
    integration_slug: str = typer.Option(None, "--integration-slug", help="Only usage of this integration."),
    slug: str = typer.Option(None, "--slug", help="Only items with this slug (e.g. success, error)."),
    agent_uuid: str = typer.Option(None, "--agent-uuid", help="Only usage of this agent."),
) -> None:
    """Usage per UTC day: {"metrics": [{"date", "items": [{"slug", "count", "groupBy"}]}]}."""
    filters = {"workflow_uuid": workflow_uuid, "model_uuid": model_uuid, "connector_uuid": connector_uuid,
               "integration_slug": integration_slug, "slug": slug, "agent_uuid": agent_uuid}
    query = {"from": date_from, "to": date_to, "unit": unit, "groupBy": group_by, "workflowUuid": workflow_uuid,
             "modelUuid": model_uuid, "connectorUuid": connector_uuid, "integrationSlug": integration_slug,
             "slug": slug, "agentUuid": agent_uuid}
    emit(answer("GET", "/billing/usage/metrics", query=query,
                local=lambda s: usage.get_metrics(s, date_from=date_from, date_to=date_to, unit=unit,
                                                  group_by=group_by, **filters)))
