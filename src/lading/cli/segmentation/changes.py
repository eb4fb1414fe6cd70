"""`segmentation change …`: list, fetch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, split_list

if TYPE_CHECKING:
    from lading.services.segmentation import changes
else:  # imported when a command answers locally: remote mode never loads the store
    changes = lazy_module("lading.services.segmentation.changes")

change_app = typer.Typer(help="How segment membership moved between syncs.", no_args_is_help=True,
                         context_settings=help_settings())


@change_app.command("list")
def list_(
    segment_uuid: str = typer.Option(None, "--segment-uuid"),
    limit: int = typer.Option(100, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """Changes of a segment, newest first."""
    if not segment_uuid:
        # The route would list the workspace's changes (api.md §4); the command requires a segment (D §10).
        raise changes.segment_uuid_required()
    query = {"segmentUuid": segment_uuid, "limit": limit, "offset": offset}
    emit(answer("GET", "/segmentation/changes/list", query=query,
                local=lambda s: changes.list_changes(s, segment_uuid=segment_uuid, limit=limit, offset=offset)))


@change_app.command("fetch")
def fetch(
    uuid: str = typer.Option(..., "--uuid", help="Change uuid."),
    kinds: str = typer.Option(..., "--kinds", help="added,updated,removed,unchanged"),
    limit: int = typer.Option(100, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """The records of one change, each with its _kind, and how many there are (count)."""
    listed = split_list(kinds)
    emit(answer("POST", f"/segmentation/changes/{uuid}/fetch", body={"kinds": listed, "limit": limit, "offset": offset},
                local=lambda s: changes.fetch_change(s, uuid=uuid, kinds=listed, limit=limit, offset=offset)))
