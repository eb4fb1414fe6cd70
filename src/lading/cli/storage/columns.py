"""`storage column …`: list, create, update, remove, reorder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.storage import columns
else:  # imported when a command answers locally: remote mode never loads the store
    columns = lazy_module("lading.services.storage.columns")

column_app = typer.Typer(help="A model's columns.", no_args_is_help=True, context_settings=help_settings())


@column_app.command("list")
def list_(model_uuid: str = typer.Option(..., "--model-uuid")) -> None:
    """Columns in position order (original first)."""
    # `objects=true`: the Column objects this command prints (the client's `column.list` has names only).
    emit(answer("GET", "/storage/columns/list", query={"modelUuid": model_uuid, "objects": True},
                local=lambda s: columns.list_columns(s, model_uuid)))


@column_app.command("create")
def create(model_uuid: str = typer.Option(..., "--model-uuid"),
           column: str = typer.Option(..., "--column", help="Column JSON: slug, type, label, kind, plus the "
                                      "kind's fields (computed: expression; metric: relationshipUuid, "
                                      "aggregation, filter; lookup: join, extractColumnSlug, filter).")
           ) -> None:
    """Add a column (slug must be new in the model); derived columns are computed for every record at once."""
    parsed = parse_json_flag("--column", column)
    emit(answer("POST", "/storage/columns", body={"modelUuid": model_uuid, "column": parsed},
                local=lambda s: columns.create_column(s, model_uuid, parsed)))


@column_app.command("update")
def update(model_uuid: str = typer.Option(..., "--model-uuid"),
           column: str = typer.Option(..., "--column", help="The full Column JSON (found by slug).")) -> None:
    """Replace a column's definition; a type change converts stored values or changes nothing."""
    parsed = parse_json_flag("--column", column)
    emit(answer("PUT", "/storage/columns", body={"modelUuid": model_uuid, "column": parsed},
                local=lambda s: columns.update_column(s, model_uuid, parsed)))


@column_app.command("remove")
def remove(model_uuid: str = typer.Option(..., "--model-uuid"),
           column_slug: str = typer.Option(..., "--column-slug")) -> None:
    """Drop a column and its values."""
    emit(answer("DELETE", "/storage/columns", body={"modelUuid": model_uuid, "columnSlug": column_slug},
                local=lambda s: columns.remove_column(s, model_uuid, column_slug)))


@column_app.command("reorder")
def reorder(model_uuid: str = typer.Option(..., "--model-uuid"),
            column_slug: str = typer.Option(..., "--column-slug"),
            to_index: int = typer.Option(..., "--to-index", help="0-based position.")) -> None:
    """Move a column to another position."""
    emit(answer("PUT", "/storage/columns/reorder",
                body={"modelUuid": model_uuid, "columnSlug": column_slug, "toIndex": to_index},
                local=lambda s: columns.reorder_column(s, model_uuid, column_slug, to_index)))
