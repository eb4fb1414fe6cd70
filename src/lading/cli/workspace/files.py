"""`workspaceManagement file …`: batch input files."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit

file_app = typer.Typer(help="Batch input files (CSV, JSON Lines, JSON arrays).", no_args_is_help=True,
                       context_settings=help_settings())


@file_app.command("upload")
def upload(
    file_path: str = typer.Option(None, "--file-path", help="The file to upload."),
    file: str = typer.Option(None, "--file", hidden=True, help="Alias of --file-path."),
) -> None:
    """Upload a file for `batch create --data '{"kind":"file","s3Filename":…}'`."""
    from lading.domain.errors import UsageError
    from lading.services.workspace import files

    path = file_path or file
    if not path:
        raise UsageError("error: required option '--file-path <file-path>' not specified")
    emit(files.upload(session(), path))


@file_app.command("list-columns")
def list_columns(s3_filename: str = typer.Option(..., "--s3-filename")) -> None:
    """The columns of an uploaded file (CSV columns are always strings)."""
    from lading.services.workspace import files

    emit(files.list_columns(session(), s3_filename))
