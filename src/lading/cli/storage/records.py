"""`storage record …`: list, import, upsert, remove.

Remote, `import` sends the file as the multipart `file` of `POST /storage/records/import` with the
command's flags beside it (api.md §12); the server imports it as the embedded command does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.storage import records as storage_records
else:  # imported when a command answers locally: remote mode never loads the store
    storage_records = lazy_module("lading.services.storage.records")

record_app = typer.Typer(help="Records in a model: list, import, upsert, remove.", no_args_is_help=True,
                         context_settings=help_settings())


@record_app.command("list")
def list_(model_uuid: str = typer.Option(..., "--model-uuid"),
          limit: int = typer.Option(100, "--limit", help="At most 1,000."),
          offset: int = typer.Option(0, "--offset")) -> None:
    """Records ordered by id (no filtering: use segmentation segment fetch)."""
    emit(answer("POST", "/storage/records/list", body={"modelUuid": model_uuid, "limit": limit, "offset": offset},
                local=lambda s: storage_records.list_records(s, model_uuid=model_uuid, limit=limit, offset=offset)))


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
    column_types: str = typer.Option(None, "--column-types",
                                     help='Types of columns the import creates, as JSON: {"zip": "string", '
                                          '"employees": "number"} (string, number, boolean, date, object, array, '
                                          "vector, any)."),
    infer: bool = typer.Option(True, "--infer/--no-infer",
                               help="Type new CSV columns from the data (number, boolean, date, JSON object/array; "
                                    "values with leading zeros stay text); --no-infer keeps them text."),
) -> None:
    """Stream a file into the model, upserting by its id column.

    CSV: UTF-8 (BOM tolerated), a header row, the delimiter sniffed among comma, semicolon, tab and
    pipe, RFC 4180 quoting. The answer lists the created columns with their types (createdColumnTypes)."""
    from lading.cli.remote import target

    remote = target()
    if remote is None:
        from lading.cli.common import local_session
        from lading.services.storage import records as storage_records

        emit(storage_records.import_records(local_session(), model_uuid=model_uuid, file=file, fmt=fmt, mode=mode,
                                            create_columns=create_columns, strict=strict, dry_run=dry_run,
                                            column_types=column_types, infer=infer))
        return
    from pathlib import Path

    from lading.cli.remote import parse_answer
    from lading.domain.user_files import user_file

    source = user_file("--file", str(Path(file).expanduser()))  # the embedded command's own check
    fields = {"modelUuid": model_uuid, "mode": mode, "createColumns": _literal(create_columns),
              "strict": _literal(strict), "dryRun": _literal(dry_run), "infer": _literal(infer),
              **({"format": fmt} if fmt else {}), **({"columnTypes": column_types} if column_types is not None else {})}
    with source.open("rb") as stream:
        response = remote.raw("POST", "/storage/records/import", data=fields,
                              files={"file": (source.name, stream, "application/octet-stream")},
                              headers={"x-cargo-origin": "lading-cli"})
    emit(parse_answer(response))


def _literal(flag: bool) -> str:
    return "true" if flag else "false"


@record_app.command("upsert")
def upsert(model_uuid: str = typer.Option(..., "--model-uuid"),
           records: str = typer.Option(..., "--records", help="JSON array of objects (at most 1,000).")) -> None:
    """Insert or merge records by id."""
    parsed = parse_json_flag("--records", records)
    emit(answer("POST", "/storage/records/upsert", body={"modelUuid": model_uuid, "records": parsed},
                local=lambda s: storage_records.upsert_records(s, model_uuid=model_uuid, records=parsed)))


@record_app.command("remove")
def remove(model_uuid: str = typer.Option(..., "--model-uuid"),
           ids: str = typer.Option(..., "--ids", help="Comma-separated record ids.")) -> None:
    """Delete records by id."""
    wanted = split_list(ids) or []
    emit(answer("DELETE", "/storage/records/removeBulk", body={"modelUuid": model_uuid, "ids": wanted},
                local=lambda s: storage_records.remove_records(s, model_uuid=model_uuid, ids=wanted)))
