"""`orchestration tool …`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.orchestration import tools
else:  # imported when a command answers locally: remote mode never loads the store
    tools = lazy_module("lading.services.orchestration.tools")

tool_app = typer.Typer(help="On-demand workflows (tools).", no_args_is_help=True, context_settings=help_settings())


@tool_app.command("list")
def list_(folder_uuid: str = typer.Option(None, "--folder-uuid")) -> None:
    """List tools."""
    emit(answer("GET", "/orchestration/tools/list", query={"folderUuid": folder_uuid},
                local=lambda s: tools.list_tools(s, folder_uuid=folder_uuid)))


CREDIT_CAP_HELP = ("The most provider credits one batch of this tool may spend (Lading addition); reaching it "
                   "stops the batch cleanly (runs not started cancelled with creditCapReached). The workspace's "
                   "cap and a batch's own --credit-cap apply too: the lowest wins.")


@tool_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get one tool."""
    emit(answer("GET", f"/orchestration/tools/{uuid}", local=lambda s: tools.get_tool(s, uuid)))


@tool_app.command("create")
def create(
    name: str = typer.Option(..., "--name"),
    description: str = typer.Option(None, "--description"),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    emoji_slug: str = typer.Option(None, "--emoji-slug"),
    triggers: str = typer.Option(None, "--triggers", help='Cron triggers: [{"name","type":"cron","cron","data"}].'),
    credit_cap: float = typer.Option(None, "--credit-cap", help=CREDIT_CAP_HELP),
) -> None:
    """Create a tool (its workflow gets a `start → end` draft)."""
    icon, parsed = tools.emoji_icon(emoji_slug), parse_json_flag("--triggers", triggers)
    body = {"name": name, "icon": icon, "description": description, "triggers": parsed, "folderUuid": folder_uuid}
    if credit_cap is not None:
        body["creditCap"] = credit_cap
    emit(answer("POST", "/orchestration/tools", body=body,
                local=lambda s: tools.create_tool(s, name=name, description=description, folder_uuid=folder_uuid,
                                                  icon=icon, triggers=parsed, credit_cap=credit_cap)))


@tool_app.command("update")
def update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid"),
    name: str = typer.Option(None, "--name"),
    description: str = typer.Option(None, "--description"),
    triggers: str = typer.Option(None, "--triggers", help="Replaces the list."),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    emoji_slug: str = typer.Option(None, "--emoji-slug"),
    credit_cap: str = typer.Option(None, "--credit-cap", help=CREDIT_CAP_HELP + " `none` removes it."),
) -> None:
    """Update a tool's name, description, triggers, folder, emoji or credit cap."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.domain.errors import UsageError
    from lading.services.orchestration import http_reasons, tools

    target = uuid or uuid_arg
    if not target:
        raise UsageError("error: pass the tool uuid (positional or --uuid)")
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name
    if description is not None:
        changes["description"] = description
    if triggers is not None:
        changes["triggers"] = parse_json_flag("--triggers", triggers)
    if folder_uuid is not None:
        changes["folder_uuid"] = None if folder_uuid == "null" else folder_uuid
    if emoji_slug is not None:
        changes["icon"] = tools.emoji_icon(emoji_slug)
    if credit_cap is not None:
        changes["credit_cap"] = None if credit_cap.strip().lower() in ("none", "null") else credit_cap
    names = {"folder_uuid": "folderUuid", "credit_cap": "creditCap"}
    body = {names.get(key, key): value for key, value in changes.items()}
    emit(answer_in_cli_words("PUT", f"/orchestration/tools/{target}", body=body, renames=http_reasons.TOOL_WRITE,
                             local=lambda s: tools.update_tool(s, target, **changes)))


@tool_app.command("remove")
def remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a tool, its workflow and triggers (history stays queryable)."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.services.orchestration import http_reasons, tools

    emit(answer_in_cli_words("DELETE", f"/orchestration/tools/{uuid}", renames=http_reasons.TOOL_WRITE,
                             local=lambda s: tools.remove_tool(s, uuid)))
