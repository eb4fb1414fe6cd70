"""`segmentation change …`: list, fetch."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, split_list

change_app = typer.Typer(help="How segment membership moved between syncs.", no_args_is_help=True,
                         context_settings=help_settings())


@change_app.command("list")
def list_(
    segment_uuid: str = typer.Option(None, "--segment-uuid"),
    limit: int = typer.Option(100, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """Changes of a segment, newest first."""
    from lading.services.segmentation import changes

    emit(changes.list_changes(session(), segment_uuid=segment_uuid, limit=limit, offset=offset))


@change_app.command("fetch")
def fetch(
    uuid: str = typer.Option(..., "--uuid", help="Change uuid."),
    kinds: str = typer.Option(..., "--kinds", help="added,updated,removed,unchanged"),
    limit: int = typer.Option(100, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """The records of one change, each with its _kind."""
    from lading.services.segmentation import changes

    emit(changes.fetch_change(session(), uuid=uuid, kinds=split_list(kinds), limit=limit, offset=offset))
