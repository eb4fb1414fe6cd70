"""Flags several `orchestration` commands declare alike, declared once here.

The run and record filters (`run download`, `run download-outputs`, `record list` …), the `get-metrics`
window, and how a batch is waited for and announced (`batch create`, `action execute-batch`): each is a
table that `shared_flags` gives to the commands taking it, so one flag has one help text everywhere."""

from __future__ import annotations

from typing import Any, NamedTuple

import typer

from lading.cli.common import Flag, parse_date_option
from lading.cli.output import split_list

STATUSES_HELP = "Comma-separated statuses (aliases: finished = success, failed = error)."
FORMAT_HELP = "File format: csv (default) or json."

WAIT_FOR_RUN = typer.Option(False, "--wait-until-finished",
                            help="Block until the run is terminal (Ctrl-C stops the wait, never the run).")
POLLING_INTERVAL = typer.Option(5000, "--polling-interval", help="Milliseconds between polls.")

_CREATED: dict[str, Flag] = {
    "created_after": (str, typer.Option(None, "--created-after", help="Inclusive date or datetime (UTC).")),
    "created_before": (str, typer.Option(None, "--created-before", help="Exclusive date or datetime (UTC).")),
}

# The filters of the run exports and `run get-metrics`, in `run download`'s order.
RUN_FILTERS: dict[str, Flag] = {
    "statuses": (str, typer.Option(None, "--statuses", help=STATUSES_HELP)),
    "batch_uuid": (str, typer.Option(None, "--batch-uuid", help="Runs of this batch.")),
    "release_uuid": (str, typer.Option(None, "--release-uuid", help="Runs of this release.")),
    "is_finished": (bool, typer.Option(False, "--is-finished", help="Terminal runs only.")),
    **_CREATED,
    "record_id": (str, typer.Option(None, "--record-id", help="Runs of this record id.")),
    "record_title": (str, typer.Option(None, "--record-title", help="Case-insensitive title substring.")),
}

# The filters of the `record` commands (each record's latest run).
RECORD_FILTERS: dict[str, Flag] = {
    "batch_uuid": (str, typer.Option(None, "--batch-uuid", help="Only runs of this batch.")),
    "release_uuid": (str, typer.Option(None, "--release-uuid", help="Only runs of this release.")),
    "statuses": (str, typer.Option(None, "--statuses", help=STATUSES_HELP)),
    **_CREATED,
}


def scope(**flags: Any) -> dict[str, Any]:
    """Filter flags as the services take them: statuses split on commas, `--is-finished` as True or None (no
    filter), dates as naive UTC (a bad one is a usage error naming its flag); other flags as given."""
    parsed = dict(flags)
    if "statuses" in parsed:
        parsed["statuses"] = split_list(parsed["statuses"])
    if "is_finished" in parsed:
        parsed["is_finished"] = True if parsed["is_finished"] else None
    for name in ("created_after", "created_before"):
        if name in parsed:
            parsed[name] = parse_date_option("--" + name.replace("_", "-"), parsed[name])
    return parsed


class BatchDelivery(NamedTuple):
    """How a new batch is waited for and announced (`batch create`, `action execute-batch`)."""

    wait: bool
    polling_interval: int
    webhook_url: str | None
    webhook_secret: str | None


BATCH_DELIVERY: dict[str, Flag] = {
    "wait": (bool, typer.Option(False, "--wait-until-finished",
                                help="Block until the batch is terminal (Ctrl-C stops the wait, never the batch).")),
    "polling_interval": (int, POLLING_INTERVAL),
    "webhook_url": (str, typer.Option(None, "--webhook-url", help="POSTed the final batch document when terminal.")),
    "webhook_secret": (str, typer.Option(None, "--webhook-secret", help="Signs the webhook (X-Lading-Signature).")),
}


class CostControl(NamedTuple):
    """Cost before spending (`batch create`, `action execute-batch`): a dry run, or a credit cap."""

    dry_run: bool
    sample_size: int | None
    credit_cap: float | None


COST_CONTROL: dict[str, Flag] = {
    "dry_run": (bool, typer.Option(
        False, "--dry-run",
        help="Create nothing: run a sample of the source (--sample-size records, evenly spread over it) through "
             "the workflow and print the projected credits, executions and node time of the whole batch, per node "
             "and per provider: {\"dryRun\":{\"sampleSize\",\"recordsCount\",\"projected\":{\"credits\","
             "\"executions\",\"durationSeconds\"},\"perNode\":[…],\"perProvider\":[…],\"creditCap\","
             "\"sample\":{…}}}. No batch, "
             "run or execution stays in the store afterwards. The sample really runs: its provider calls are made "
             "(and charged by the providers: that is how the cost is measured) and whatever else its nodes do "
             "(model writes, messages, webhooks) happens for the sampled records.")),
    "sample_size": (int, typer.Option(None, "--sample-size",
                                      help="With --dry-run: how many records to run (default 10, at most 1000).")),
    "credit_cap": (float, typer.Option(
        None, "--credit-cap",
        help="The most provider credits this batch may spend (the tool's and the workspace's caps apply too; "
             "the lowest wins). Reaching it stops the batch: runs not started are cancelled (creditCapReached), "
             "runs in flight stop after their current node, the batch ends cancelled with "
             "data.stopReason creditCapReached. With --dry-run: the answer's creditCap says whether the "
             "projection reaches the cap and about how many records would run before it.")),
}
