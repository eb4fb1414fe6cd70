"""What `content file` and `content library` commands share: the target uuid, positional or `--uuid`."""

from __future__ import annotations

FOLDER_HELP = "A folder uuid; `null` moves it to the root."


def target(uuid: str | None, uuid_arg: str | None) -> str:
    from lading.domain.errors import UsageError

    if not (uuid or uuid_arg):
        raise UsageError("error: required option '--uuid <uuid>' not specified")
    return str(uuid or uuid_arg)
