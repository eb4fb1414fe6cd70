"""`orchestration action …`: find, run and describe single actions without authoring a graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, shared_flags
from lading.cli.orchestration._options import (
    BATCH_DELIVERY,
    COST_CONTROL,
    POLLING_INTERVAL,
    WAIT_FOR_RUN,
    BatchDelivery,
    CostControl,
)
from lading.cli.output import emit, parse_json_flag, warn

if TYPE_CHECKING:
    from lading.services.orchestration import actions
else:  # imported when a command answers locally: remote mode never loads the store
    actions = lazy_module("lading.services.orchestration.actions")

action_app = typer.Typer(help="Find, run and describe single actions (connector, native, tool, agent).",
                         no_args_is_help=True, context_settings=help_settings())

_ACTION_HELP = ('{"kind":"connector","integrationSlug":…,"actionSlug":…,"connectorUuid"?} | '
                '{"kind":"native","actionSlug":…} | {"kind":"tool","toolUuid"|"templateSlug"|"releaseUuid":…}; '
                'optional "retry". JSON, @file or -.')


def _action(raw: str) -> object:
    from lading.services.orchestration.actions import ignored_config_warning

    action = parse_json_flag("--action", raw)
    message = ignored_config_warning(action)
    if message:
        warn(message)
    return action


@action_app.command("list")
def list_(
    keywords: list[str] = typer.Argument(None, help="Words that must all match (slug, name, integration, "
                                                    "description)."),
    kind: str = typer.Option(None, "--kind", help="connector | native | tool | agent"),
    integration_slug: str = typer.Option(None, "--integration-slug", help="Only this integration's actions."),
    limit: int = typer.Option(20, "--limit", help="At most 50."),
) -> None:
    """Search actions; each result's `action` is ready for `action execute --action`."""
    words = keywords or []
    body = {"query": " ".join(words), "kind": kind, "integrationSlug": integration_slug, "limit": limit}
    emit(answer("POST", "/orchestration/actions/list", body=body,
                local=lambda s: actions.list_actions(s, words, kind=kind, integration_slug=integration_slug,
                                                     limit=limit)))


@action_app.command("execute")
def execute(
    action: str = typer.Option(..., "--action", help=_ACTION_HELP),
    data: str = typer.Option(None, "--data", help="The inputs (JSON object). Default {}."),
    wait: bool = WAIT_FOR_RUN, polling_interval: int = POLLING_INTERVAL,
) -> None:
    """Run one action over one input (`start → action → end`); prints the run.

    An agent action (`{"kind":"agent","agentUuid":…}`) answers with the agent's release (deployed, else its
    draft): the user message is --data's "prompt", else its "message", else the whole --data as JSON."""
    from lading.cli.remote import target

    parsed, inputs = _action(action), parse_json_flag("--data", data)
    remote = target()
    if remote is None:
        emit(_execute_here(parsed, inputs, wait))
        return
    from lading.cli.orchestration._waiting import wait_for_run

    result = remote.call("POST", "/orchestration/actions/execute",
                         body={"action": parsed, "data": {} if inputs is None else inputs})
    if wait:
        # The server's worker executes the run; its `GET /orchestration/runs/:uuid` is what `run get` prints.
        result = wait_for_run(remote, result["run"]["uuid"], polling_interval)
    emit(result)


def _execute_here(action: object, data: object, wait: bool) -> object:
    """`action execute` on the embedded store: the run, driven here until terminal when waiting."""
    from lading.cli.common import local_session
    from lading.cli.orchestration._waiting import finish_run_here

    sess = local_session()
    return finish_run_here(sess, actions.execute(sess, action, data), wait)


@action_app.command("execute-batch")
@shared_flags("delivery", BATCH_DELIVERY, build=BatchDelivery)
@shared_flags("cost", COST_CONTROL, build=CostControl)
def execute_batch(
    action: str = typer.Option(..., "--action", help=_ACTION_HELP),
    records: str = typer.Option(..., "--records", help="The inputs, one run each (JSON array of objects)."), *,
    delivery: BatchDelivery,
    cost: CostControl,
) -> None:
    """Run one action over many records, as a batch; prints the batch. With --dry-run, project what
    the batch would cost from a sample, creating nothing."""
    from lading.cli.orchestration.batches import check_sample_size_alone, drive_here
    from lading.cli.remote import target

    parsed, rows = _action(action), parse_json_flag("--records", records)
    remote = target()
    if cost.dry_run:
        if remote is not None:
            body = {"action": parsed, "records": rows, "sampleSize": cost.sample_size, "creditCap": cost.credit_cap}
            emit(remote.call("POST", "/orchestration/actions/execute-batch/dry-run",
                             body={k: v for k, v in body.items() if v is not None}))
            return
        from lading.cli.common import local_session
        from lading.services.orchestration import actions

        sess = local_session()
        emit(actions.dry_run_execute_batch(sess, parsed, rows, drive=drive_here(sess), sample_size=cost.sample_size,
                                           credit_cap=cost.credit_cap))
        return
    check_sample_size_alone(cost)
    if remote is None:
        from lading.cli.common import local_session
        from lading.cli.orchestration.batches import after_create
        from lading.services.orchestration import actions

        sess = local_session()
        result = actions.execute_batch(sess, parsed, rows, webhook_url=delivery.webhook_url,
                                       webhook_secret=delivery.webhook_secret, credit_cap=cost.credit_cap)
        after_create(sess, result["batch"]["uuid"], result, delivery.wait)
        return
    body = {"action": parsed, "records": rows, "webhookUrl": delivery.webhook_url,
            "webhookSecret": delivery.webhook_secret, "creditCap": cost.credit_cap}
    result = remote.call("POST", "/orchestration/actions/execute-batch",
                         body={k: v for k, v in body.items() if v is not None})
    if delivery.wait:
        from lading.cli.orchestration._waiting import wait_for_batch

        result = wait_for_batch(remote, result["batch"]["uuid"], delivery.polling_interval)
    emit(result)


@action_app.command("get-output-schema")
def get_output_schema(
    action: str = typer.Option(..., "--action", help=_ACTION_HELP),
    data: str = typer.Option(None, "--data", help="Inputs that decide the output (e.g. an LLM's output format)."),
) -> None:
    """The JSON Schema of the action's output; executes nothing."""
    parsed, inputs = _action(action), parse_json_flag("--data", data)
    emit(answer("POST", "/orchestration/actions/get-output-schema", body={"action": parsed, "data": inputs},
                local=lambda s: actions.output_schema(s, parsed, inputs)))
