"""`segmentation record fetch`: a model's records by id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, split_list

if TYPE_CHECKING:
    from lading.services.segmentation import records
else:  # imported when a command answers locally: remote mode never loads the store
    records = lazy_module("lading.services.segmentation.records")

record_app = typer.Typer(help="Records of a model by id.", no_args_is_help=True, context_settings=help_settings())


@record_app.command("fetch")
def fetch(
    model_uuid: str = typer.Option(..., "--model-uuid"),
    ids: str = typer.Option(..., "--ids", help="Comma-separated record ids."),
) -> None:
    """Records by id; unknown ids are simply absent."""
    listed = split_list(ids)
    emit(answer("POST", "/segmentation/records/fetch", body={"modelUuid": model_uuid, "ids": listed},
                local=lambda s: records.fetch_records(s, model_uuid=model_uuid, ids=listed)))
