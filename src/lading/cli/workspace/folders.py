"""`workspaceManagement folder …`: folders of tools, plays, agents and files (they only organise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, given, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import folders
else:  # imported when a command answers locally: remote mode never loads the store
    folders = lazy_module("lading.services.workspace.folders")

folder_app = typer.Typer(help="Folders: each holds one kind of resource (tool, play, agent, file…).",
                         no_args_is_help=True, context_settings=help_settings())

_KINDS = "tool, play, agent, file (also mcpServer, model, alert, app, worker)"


def _root(raw: str) -> str | None:
    """`--parent-uuid`: `null` (or empty) is the root."""
    return None if raw in ("", "null") else raw


@folder_app.command("list")
def list_(kind: str = typer.Option(None, "--kind", help=f"Only folders of this kind: {_KINDS}.")) -> None:
    """List the workspace's folders."""
    emit(answer("GET", "/workspaceManagement/folders/list", query={"kind": kind},
                local=lambda s: folders.list_folders(s, kind=kind)))


@folder_app.command("get")
def get(uuid: str = typer.Argument(..., help="Folder uuid.")) -> None:
    """One folder."""
    emit(answer("GET", f"/workspaceManagement/folders/{uuid}", local=lambda s: folders.get_folder(s, uuid)))


@folder_app.command("create")
def create(
    name: str = typer.Option(..., "--name"),
    emoji_slug: str = typer.Option(..., "--emoji-slug", help="The folder's emoji, e.g. `rocket`."),
    kind: str = typer.Option(..., "--kind", help=f"What the folder holds: {_KINDS}."),
    parent_uuid: str = typer.Option(None, "--parent-uuid", help="A folder of the same kind (default: the root)."),
) -> None:
    """Create a folder (names are unique per kind and parent)."""
    parent = _root(parent_uuid) if parent_uuid is not None else None
    body = {"name": name, "emojiSlug": emoji_slug, "kind": kind, "parentUuid": parent}
    emit(answer("POST", "/workspaceManagement/folders", body=body,
                local=lambda s: folders.create_folder(s, name=name, emoji_slug=emoji_slug, kind=kind,
                                                      parent_uuid=parent)))


@folder_app.command("update")
def update(
    uuid: str = typer.Option(..., "--uuid", help="Folder uuid."),
    name: str = typer.Option(None, "--name"),
    emoji_slug: str = typer.Option(None, "--emoji-slug"),
    parent_uuid: str = typer.Option(None, "--parent-uuid", help="Move under this folder; `null`: to the root."),
    order: int = typer.Option(None, "--order", help="Position among its siblings."),
) -> None:
    """Rename, move or reorder a folder; only the given flags change."""
    changes = given(("name", name, None), ("emoji_slug", emoji_slug, None), ("parent_uuid", parent_uuid, _root),
                    ("order", order, None))
    # The body names the given flags only: an absent `parentUuid` keeps the parent, `null` is the root.
    names = {"name": "name", "emoji_slug": "emojiSlug", "parent_uuid": "parentUuid", "order": "order"}
    body = {names[key]: value for key, value in changes.items()}
    emit(answer("PUT", f"/workspaceManagement/folders/{uuid}", body=body,
                local=lambda s: folders.update_folder(s, uuid, **changes)))


@folder_app.command("remove")
def remove(uuid: str = typer.Argument(..., help="Folder uuid.")) -> None:
    """Remove an empty folder (`folderNotEmpty` while it holds subfolders or resources)."""
    emit(answer("DELETE", f"/workspaceManagement/folders/{uuid}", local=lambda s: folders.remove_folder(s, uuid)))
