"""`orchestration play …`."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, given, help_settings
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.orchestration import plays
else:  # imported when a command answers locally: remote mode never loads the store
    plays = lazy_module("lading.services.orchestration.plays")

play_app = typer.Typer(help="Segment-driven workflows (plays).", no_args_is_help=True,
                       context_settings=help_settings())

_FILTER_HELP = 'The generated segment\'s filter (segment filter shape; default {"conjonction":"and","groups":[]}).'


def _camel(fields: dict[str, object]) -> dict[str, object]:
    """Service keywords as the route's body keys (`model_uuid` → `modelUuid`)."""
    from lading.cli.remote import camel_key

    return {camel_key(key): value for key, value in fields.items()}


def _bool(flag: str, raw: str) -> bool:
    from lading.domain.errors import UsageError

    if raw.lower() not in ("true", "false"):
        raise UsageError(f"error: option '{flag}' takes true or false")
    return raw.lower() == "true"


def _int(flag: str, raw: str) -> int | None:
    from lading.domain.errors import UsageError

    if raw == "null":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise UsageError(f"error: option '{flag}' takes a whole number") from exc


@play_app.command("list")
def list_(folder_uuid: str = typer.Option(None, "--folder-uuid")) -> None:
    """List plays."""
    emit(answer("GET", "/orchestration/plays/list", query={"folderUuid": folder_uuid},
                local=lambda s: plays.list_plays(s, folder_uuid=folder_uuid)))


@play_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get one play."""
    emit(answer("GET", f"/orchestration/plays/{uuid}", local=lambda s: plays.get_play(s, uuid)))


@play_app.command("create")
def create(
    name: str = typer.Option(..., "--name"),
    model_uuid: str = typer.Option(..., "--model-uuid", help="The model whose records the play processes."),
    change_kinds: str = typer.Option("added", "--change-kinds", help="added,updated,removed (created = added)."),
    run_creation_rule: str = typer.Option("always", "--run-creation-rule", help="always | once."),
    description: str = typer.Option(None, "--description"),
    filter: str = typer.Option(None, "--filter", help=_FILTER_HELP),
    limit: str = typer.Option(None, "--limit", help="Caps the generated segment's membership."),
    schedule: str = typer.Option(None, "--schedule", help='null | {"type":"watch"} | {"type":"cron","cron":"…"}'),
    health_threshold: int = typer.Option(80, "--health-threshold", help="Percent (default 80)."),
    tracking_column_slugs: str = typer.Option(None, "--tracking-column-slugs",
                                              help="Columns whose change makes a member `updated`."),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
) -> None:
    """Create a play: its workflow (a `start → end` draft) and its generated segment. Plays start disabled."""
    fields = dict(
        name=name, model_uuid=model_uuid, change_kinds=split_list(change_kinds), run_creation_rule=run_creation_rule,
        description=description, filter=parse_json_flag("--filter", filter),
        limit=_int("--limit", limit) if limit is not None else None, schedule=parse_json_flag("--schedule", schedule),
        health_threshold=health_threshold, tracking_column_slugs=split_list(tracking_column_slugs),
        folder_uuid=folder_uuid)
    emit(answer("POST", "/orchestration/plays", body=_camel(fields), local=lambda s: plays.create_play(s, **fields)))


@play_app.command("update")
def update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid"),
    name: str = typer.Option(None, "--name"),
    description: str = typer.Option(None, "--description"),
    filter: str = typer.Option(None, "--filter", help=_FILTER_HELP),
    limit: str = typer.Option(None, "--limit", help="A whole number, or null for no cap."),
    schedule: str = typer.Option(None, "--schedule", help='null | {"type":"watch"} | {"type":"cron","cron":"…"}'),
    change_kinds: str = typer.Option(None, "--change-kinds"),
    run_creation_rule: str = typer.Option(None, "--run-creation-rule", help="always | once."),
    is_enabled: str = typer.Option(None, "--is-enabled", help="true | false (enabling needs a deployed release)."),
    health_threshold: int = typer.Option(None, "--health-threshold"),
    tracking_column_slugs: str = typer.Option(None, "--tracking-column-slugs", help="Comma-separated; '' clears."),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="A folder uuid, or null."),
) -> None:
    """Update a play's settings; --filter/--limit/--tracking-column-slugs re-sync its generated segment."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.domain.errors import UsageError
    from lading.services.orchestration import http_reasons, plays

    target = uuid or uuid_arg
    if not target:
        raise UsageError("error: pass the play uuid (positional or --uuid)")
    changes = given(
        ("name", name, None), ("description", description, None),
        ("filter", filter, partial(parse_json_flag, "--filter")),
        ("limit", limit, partial(_int, "--limit")), ("schedule", schedule, partial(parse_json_flag, "--schedule")),
        ("change_kinds", change_kinds, split_list), ("run_creation_rule", run_creation_rule, None),
        ("is_enabled", is_enabled, partial(_bool, "--is-enabled")), ("health_threshold", health_threshold, None),
        ("tracking_column_slugs", tracking_column_slugs, lambda raw: split_list(raw) or None),
        ("folder_uuid", folder_uuid, lambda raw: None if raw == "null" else raw))
    emit(answer_in_cli_words("PUT", f"/orchestration/plays/{target}", body=_camel(changes),
                             renames=http_reasons.PLAY_UPDATE, local=lambda s: plays.update_play(s, target, **changes)))


@play_app.command("remove")
def remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a play, its workflow and its generated segment (run history stays queryable)."""
    emit(answer("DELETE", f"/orchestration/plays/{uuid}", local=lambda s: plays.remove_play(s, uuid)))
