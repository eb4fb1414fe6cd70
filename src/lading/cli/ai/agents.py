"""`lading ai agent …`: list, get, create, update, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.ai._remote import present
from lading.cli.ai.releases import _FIELDS as RELEASE_FIELDS
from lading.cli.ai.releases import _changes as release_changes
from lading.cli.common import answer, help_settings, shared_flags
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.ai import agents
else:  # imported when a command answers locally: remote mode never loads the store
    agents = lazy_module("lading.services.ai.agents")

agent_app = typer.Typer(help="AI agents of the workspace.", no_args_is_help=True, context_settings=help_settings())

COLORS_HELP = "grey, green, purple, yellow, blue or red (default grey)."


@agent_app.command("list")
def list_agents(
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="Only agents in this folder."),
    limit: int = typer.Option(100, "--limit", help="At most this many (max 1000)."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List agents, newest first."""
    emit(answer("GET", "/ai/agents/list", query=present(folderUuid=folder_uuid, limit=limit, offset=offset),
                local=lambda s: agents.list_agents(s, folder_uuid=folder_uuid, limit=limit, offset=offset)))


@agent_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """One agent, with its deployed release."""
    emit(answer("GET", f"/ai/agents/{uuid}", local=lambda s: agents.get(s, uuid)))


@agent_app.command("create")
@shared_flags("release", RELEASE_FIELDS, build=release_changes)
def create(
    name: str = typer.Option(..., "--name"),
    icon_color: str = typer.Option(None, "--icon-color", help=COLORS_HELP),
    icon_face: str = typer.Option(None, "--icon-face", help="An emoji (default 🤖)."),
    description: str = typer.Option(None, "--description"),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    template_slug: str = typer.Option(None, "--template-slug",
                                      help="Start the draft from this AI template (`ai template list`)."),
    *, release: dict[str, Any],
) -> None:
    """Create an agent and its first draft release (empty, or copied from --template-slug).

    The release flags (--system-prompt, --language-model-slug, --temperature, …, as `ai release update-draft`
    takes them) seed that draft; the agent answers with its draft until a release is deployed."""
    icon = present(color=icon_color, face=icon_face)
    body = {**present(name=name, icon=icon or None, description=description, folderUuid=folder_uuid,
                      templateSlug=template_slug), **release}
    emit(answer("POST", "/ai/agents", body=body,
                local=lambda s: agents.create(s, name=name, icon_color=icon_color, icon_face=icon_face,
                                              description=description, folder_uuid=folder_uuid,
                                              template_slug=template_slug, release=release)))


@agent_app.command("update")
@shared_flags("release", RELEASE_FIELDS, build=release_changes)
def update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid", help="The agent (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"),
    description: str = typer.Option(None, "--description"),
    icon_color: str = typer.Option(None, "--icon-color", help=COLORS_HELP),
    icon_face: str = typer.Option(None, "--icon-face", help="An emoji."),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="`null` moves the agent to the root."),
    *, release: dict[str, Any],
) -> None:
    """Change an agent's name, description, icon or folder, or its release settings (omitted flags keep
    their value).

    The release flags (--system-prompt, --language-model-slug, --temperature, …, as `ai release update-draft`
    takes them) change the agent's draft; when the agent has a deployed release, the draft (with any other
    pending edit) is deployed at once, so the agent's next message uses the new settings."""
    from lading.domain.errors import UsageError

    target = uuid or uuid_arg
    if not target:
        raise UsageError("error: required option '--uuid <uuid>' not specified")
    changes: dict[str, Any] = present(name=name, description=description, icon_color=icon_color,
                                      icon_face=icon_face)
    if folder_uuid is not None:
        changes["folder_uuid"] = None if folder_uuid == "null" else folder_uuid
    icon = present(color=icon_color, face=icon_face)
    body = {**present(name=name, description=description, icon=icon or None),
            **({"folderUuid": changes["folder_uuid"]} if "folder_uuid" in changes else {}), **release}
    emit(answer("PUT", f"/ai/agents/{target}", body=body,
                local=lambda s: agents.update(s, target, **changes, release=release)))


@agent_app.command("remove")
def remove(uuid: str = typer.Argument(...)) -> None:
    """Remove an agent (its chats stay readable; new messages fail with agentNotFound)."""
    emit(answer("DELETE", f"/ai/agents/{uuid}", local=lambda s: agents.remove(s, uuid)))
