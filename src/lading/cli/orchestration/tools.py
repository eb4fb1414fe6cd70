"""`orchestration tool …`."""

from __future__ import annotations

from typing import Any

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag

tool_app = typer.Typer(help="On-demand workflows (tools).", no_args_is_help=True, context_settings=help_settings())


@tool_app.command("list")
def list_(folder_uuid: str = typer.Option(None, "--folder-uuid")) -> None:
    """List tools."""
    from lading.services.orchestration import tools

    emit(tools.list_tools(session(), folder_uuid=folder_uuid))


@tool_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get one tool."""
    from lading.services.orchestration import tools

    emit(tools.get_tool(session(), uuid))


@tool_app.command("create")
def create(
    name: str = typer.Option(..., "--name"),
    description: str = typer.Option(None, "--description"),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    emoji_slug: str = typer.Option(None, "--emoji-slug"),
    triggers: str = typer.Option(None, "--triggers", help='Cron triggers: [{"name","type":"cron","cron","data"}].'),
) -> None:
    """Create a tool (its workflow gets a `start → end` draft)."""
    from lading.services.orchestration import tools

    emit(tools.create_tool(session(), name=name, description=description, folder_uuid=folder_uuid,
                           emoji_slug=emoji_slug, triggers=parse_json_flag("--triggers", triggers)))


@tool_app.command("update")
def update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid"),
    name: str = typer.Option(None, "--name"),
    description: str = typer.Option(None, "--description"),
    triggers: str = typer.Option(None, "--triggers", help="Replaces the list."),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    emoji_slug: str = typer.Option(None, "--emoji-slug"),
) -> None:
    """Update a tool's name, description, triggers, folder or emoji."""
    from lading.domain.errors import UsageError
    from lading.services.orchestration import tools

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
        changes["emoji_slug"] = emoji_slug
    emit(tools.update_tool(session(), target, **changes))


@tool_app.command("remove")
def remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a tool, its workflow and triggers (history stays queryable)."""
    from lading.services.orchestration import tools

    emit(tools.remove_tool(session(), uuid))
