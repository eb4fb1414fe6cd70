"""`content file …` (alias `ai file …`): content files agents search.

Every command answers embedded or remote alike (`cli.common.answer`). Remote, `upload` checks the
local file first (readable, within the 100 MiB cap: the same refusals as embedded, before any byte is
sent) and sends it as the Cargo client does, one multipart `POST /content/files/upload`; the route
answers `{"files":[File]}` and the command prints `{"file": File}`, as embedded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, session
from lading.cli.content._options import MOVE_TO_FOLDER, UUID_ARG, moved, moved_body, target
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.content import files
else:  # imported when a command answers locally: remote mode never loads the store
    files = lazy_module("lading.services.content.files")

file_app = typer.Typer(help="Content files (PDF, CSV, text, Markdown, HTML and JSON are searchable; 100 MiB cap).",
                       no_args_is_help=True, context_settings=help_settings())


@file_app.command("list")
def file_list(
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="Only files in this folder."),
    library_uuid: str = typer.Option(None, "--library-uuid", help="Only files of this library."),
    kind: str = typer.Option(None, "--kind", help="native (uploaded) or connector (synced by a library)."),
    connector_uuid: str = typer.Option(None, "--connector-uuid", help="Only files synced from this connector."),
) -> None:
    """List content files, newest first."""
    emit(answer("GET", "/content/files/list", query={"folderUuid": folder_uuid, "libraryUuid": library_uuid,
                                                     "kind": kind, "connectorUuid": connector_uuid},
                local=lambda s: files.list_files(s, folder_uuid=folder_uuid, library_uuid=library_uuid, kind=kind,
                                                 connector_uuid=connector_uuid)))


@file_app.command("get")
def file_get(uuid: str = typer.Argument(...)) -> None:
    """One content file."""
    emit(answer("GET", f"/content/files/{uuid}", local=lambda s: files.get(s, uuid)))


@file_app.command("upload")
def file_upload(
    file_path: str = typer.Option(None, "--file-path", help="The file to upload (at most 100 MiB)."),
    file: str = typer.Option(None, "--file", hidden=True, help="Alias of --file-path."),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="Put the file in this folder."),
) -> None:
    """Upload a file; PDF, CSV, text, Markdown, HTML and JSON text is extracted for search."""
    from lading.cli.remote import parse_answer
    from lading.cli.remote import target as remote_target
    from lading.domain.errors import UsageError

    path = file_path or file
    if not path:
        raise UsageError("error: required option '--file-path <file-path>' not specified")
    remote = remote_target()
    if remote is None:
        emit(files.upload(session(), path, folder_uuid=folder_uuid))
        return
    source = files.local_source(path)
    with source.open("rb") as stream:
        response = remote.raw("POST", "/content/files/upload", data=moved_body(folder_uuid),
                              files={"file": (source.name, stream, files.content_type_of(source.name))})
    emit({"file": parse_answer(response)["files"][0]})


@file_app.command("update")
def file_update(
    uuid_arg: str = UUID_ARG,
    uuid: str = typer.Option(None, "--uuid", help="The file (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"), folder_uuid: str = MOVE_TO_FOLDER,
) -> None:
    """Rename a file or move it to another folder (omitted flags keep their value)."""
    key = target(uuid, uuid_arg)
    body = {**({} if name is None else {"name": name}), **moved_body(folder_uuid)}
    emit(answer("PUT", f"/content/files/{key}", body=body,
                local=lambda s: files.update(s, key, name=name, **moved(folder_uuid))))


@file_app.command("remove")
def file_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a file, its bytes and its extracted text (libraries listing it drop it)."""
    emit(answer("DELETE", f"/content/files/{uuid}", local=lambda s: files.remove(s, uuid)))

