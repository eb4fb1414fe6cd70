"""`system-of-record sor …`: list (the one system of record: the workspace's storage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.system_of_record import sors
else:  # imported when a command answers locally: remote mode never loads the store
    sors = lazy_module("lading.services.system_of_record.sors")

sor_app = typer.Typer(help="Systems of record: the workspace's own storage.", no_args_is_help=True,
                      context_settings=help_settings())


@sor_app.command("list")
def list_() -> None:
    """{"sors": [...]}: one entry, the workspace's storage; its `slug` is what `client get-documentation` takes."""
    emit(answer("GET", "/storage/systemOfRecord/sors/list", local=lambda s: sors.list_sors(s)))
