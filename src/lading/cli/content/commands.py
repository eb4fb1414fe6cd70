"""`lading content …`: files and libraries agents search (`ai file …` is the same file group)."""

from __future__ import annotations

from typing import Any

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag, split_list

content_app = typer.Typer(help="Content files and libraries that agent resources search.", no_args_is_help=True,
                          context_settings=help_settings())
file_app = typer.Typer(help="Content files (PDF, CSV, text, Markdown, HTML and JSON are searchable; 100 MiB cap).",
                       no_args_is_help=True, context_settings=help_settings())
library_app = typer.Typer(help="Libraries: named sets of workspace files.", no_args_is_help=True,
                          context_settings=help_settings())
content_app.add_typer(file_app, name="file")
content_app.add_typer(library_app, name="library")

FOLDER_HELP = "A folder uuid; `null` moves it to the root."


def _target(uuid: str | None, uuid_arg: str | None) -> str:
    from lading.domain.errors import UsageError

    if not (uuid or uuid_arg):
        raise UsageError("error: required option '--uuid <uuid>' not specified")
    return str(uuid or uuid_arg)


# --- files ----------------------------------------------------------------------------------------

@file_app.command("list")
def file_list(folder_uuid: str = typer.Option(None, "--folder-uuid", help="Only files in this folder.")) -> None:
    """List content files, newest first."""
    from lading.services.content import files as content

    emit(content.list_files(session(), folder_uuid=folder_uuid))


@file_app.command("get")
def file_get(uuid: str = typer.Argument(...)) -> None:
    """One content file."""
    from lading.services.content import files as content

    emit(content.get_file(session(), uuid))


@file_app.command("upload")
def file_upload(
    file_path: str = typer.Option(None, "--file-path", help="The file to upload (at most 100 MiB)."),
    file: str = typer.Option(None, "--file", hidden=True, help="Alias of --file-path."),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="Put the file in this folder."),
) -> None:
    """Upload a file; PDF, CSV, text, Markdown, HTML and JSON text is extracted for search."""
    from lading.domain.errors import UsageError
    from lading.services.content import files as content

    path = file_path or file
    if not path:
        raise UsageError("error: required option '--file-path <file-path>' not specified")
    emit(content.upload_file(session(), path, folder_uuid=folder_uuid))


@file_app.command("update")
def file_update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid", help="The file (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help=FOLDER_HELP),
) -> None:
    """Rename a file or move it to another folder (omitted flags keep their value)."""
    from lading.services.content import files as content

    changes: dict[str, Any] = {}
    if folder_uuid is not None:
        changes["folder_uuid"] = folder_uuid
    emit(content.update_file(session(), _target(uuid, uuid_arg), name=name, **changes))


@file_app.command("remove")
def file_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a file, its bytes and its extracted text (libraries listing it drop it)."""
    from lading.services.content import files as content

    emit(content.remove_file(session(), uuid))


# --- libraries ------------------------------------------------------------------------------------

@library_app.command("list")
def library_list(
    kind: str = typer.Option(None, "--kind", help="native or connector."),
    connector_uuid: str = typer.Option(None, "--connector-uuid"),
) -> None:
    """List libraries, newest first."""
    from lading.services.content import files as content

    emit(content.list_libraries(session(), kind=kind, connector_uuid=connector_uuid))


@library_app.command("get")
def library_get(uuid: str = typer.Argument(...)) -> None:
    """One library."""
    from lading.services.content import files as content

    emit(content.get_library(session(), uuid))


@library_app.command("create")
def library_create(
    name: str = typer.Option(..., "--name"),
    file_uuids: str = typer.Option(None, "--file-uuids", help="Comma-separated content file uuids."),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    config: str = typer.Option(None, "--config", help="A JSON object kept with the library."),
    connector_uuid: str = typer.Option(None, "--connector-uuid",
                                       help="Connector libraries are not available in this installation yet."),
    extractor_slug: str = typer.Option(None, "--extractor-slug",
                                       help="Connector libraries are not available in this installation yet."),
) -> None:
    """Create a native library of workspace files."""
    from lading.services.content import files as content

    emit(content.create_library(session(), name=name, connector_uuid=connector_uuid, extractor_slug=extractor_slug,
                                folder_uuid=folder_uuid, config=parse_json_flag("--config", config),
                                file_uuids=split_list(file_uuids)))


@library_app.command("update")
def library_update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid", help="The library (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help=FOLDER_HELP),
    config: str = typer.Option(None, "--config", help="A JSON object (replaces the stored one)."),
    file_uuids: str = typer.Option(None, "--file-uuids", help="Comma-separated file uuids (replaces the list)."),
) -> None:
    """Change a library's name, folder, config or files (omitted flags keep their value)."""
    from lading.services.content import files as content

    changes: dict[str, Any] = {}
    if folder_uuid is not None:
        changes["folder_uuid"] = folder_uuid
    emit(content.update_library(session(), _target(uuid, uuid_arg), name=name,
                                config=parse_json_flag("--config", config),
                                file_uuids=split_list(file_uuids), **changes))


@library_app.command("remove")
def library_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a library (its files stay)."""
    from lading.services.content import files as content

    emit(content.remove_library(session(), uuid))
