"""`storage record …`: list, import, upsert, remove."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag, split_list

record_app = typer.Typer(help="Records in a model: list, import, upsert, remove.", no_args_is_help=True,
                         context_settings=help_settings())


@record_app.command("list")
def list_(model_uuid: str = typer.Option(..., "--model-uuid"),
          limit: int = typer.Option(100, "--limit", help="At most 1,000."),
          offset: int = typer.Option(0, "--offset")) -> None:
    """Records ordered by id (no filtering: use segmentation segment fetch)."""
    from lading.services.storage import records as storage_records

    emit(storage_records.list_records(session(), model_uuid=model_uuid, limit=limit, offset=offset))


@record_app.command("import")
def import_(
    model_uuid: str = typer.Option(..., "--model-uuid"),
    file: str = typer.Option(..., "--file", help="CSV, JSON (array of objects) or NDJSON file."),
    fmt: str = typer.Option(None, "--format", help="csv, json or ndjson (default: from the extension)."),
    mode: str = typer.Option("upsert", "--mode", help="upsert, insert or replace."),
    create_columns: bool = typer.Option(True, "--create-columns/--no-create-columns",
                                        help="Create original columns for unknown keys."),
    strict: bool = typer.Option(False, "--strict", help="Any bad row aborts the whole import."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and count without writing."),
) -> None:
    """Stream a file into the model, upserting by its id column."""
    from lading.services.storage import records as storage_records

    emit(storage_records.import_records(session(), model_uuid=model_uuid, file=file, fmt=fmt, mode=mode,
                                        create_columns=create_columns, strict=strict, dry_run=dry_run))


@record_app.command("upsert")
def upsert(model_uuid: str = typer.Option(..., "--model-uuid"),
           records: str = typer.Option(..., "--records", help="JSON array of objects (at most 1,000).")) -> None:
    """Insert or merge records by id."""
    from lading.services.storage import records as storage_records

    emit(storage_records.upsert_records(session(), model_uuid=model_uuid,
                                        records=parse_json_flag("--records", records)))


@record_app.command("remove")
def remove(model_uuid: str = typer.Option(..., "--model-uuid"),
           ids: str = typer.Option(..., "--ids", help="Comma-separated record ids.")) -> None:
    """Delete records by id."""
    from lading.services.storage import records as storage_records

    emit(storage_records.remove_records(session(), model_uuid=model_uuid, ids=split_list(ids)))
