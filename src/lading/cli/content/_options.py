"""What `content file` and `content library` commands share: the target uuid, positional or `--uuid`, and how
`update` moves an item to another folder."""

from __future__ import annotations

from typing import Any

import typer

UUID_ARG = typer.Argument(None, metavar="[UUID]")
MOVE_TO_FOLDER = typer.Option(None, "--folder-uuid", help="A folder uuid; `null` moves it to the root.")


def moved(folder_uuid: str | None) -> dict[str, Any]:
    """The `folder_uuid` change of an `update`: absent when `--folder-uuid` is omitted (the item stays where it
    is), else passed on as given (`null` is the root), since the services tell an absent folder from None."""
    return {} if folder_uuid is None else {"folder_uuid": folder_uuid}


def moved_body(folder_uuid: str | None) -> dict[str, Any]:
    """`moved` as the route's body has it (`folderUuid`), for the remote command."""
    return {} if folder_uuid is None else {"folderUuid": folder_uuid}


def target(uuid: str | None, uuid_arg: str | None) -> str:
    from lading.domain.errors import UsageError

    if not (uuid or uuid_arg):
        raise UsageError("error: required option '--uuid <uuid>' not specified")
    return str(uuid or uuid_arg)
