"""`content library …`: named sets of workspace content files (embedded or remote alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.content._options import MOVE_TO_FOLDER, UUID_ARG, moved, moved_body, target
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.content import libraries
else:  # imported when a command answers locally: remote mode never loads the store
    libraries = lazy_module("lading.services.content.libraries")

library_app = typer.Typer(help="Libraries: named sets of workspace files.", no_args_is_help=True,
                          context_settings=help_settings())


@library_app.command("list")
def library_list(
    kind: str = typer.Option(None, "--kind", help="native or connector."),
    connector_uuid: str = typer.Option(None, "--connector-uuid"),
) -> None:
    """List libraries, newest first."""
    emit(answer("GET", "/content/libraries/list", query={"kind": kind, "connectorUuid": connector_uuid},
                local=lambda s: libraries.list_libraries(s, kind=kind, connector_uuid=connector_uuid)))


@library_app.command("get")
def library_get(uuid: str = typer.Argument(...)) -> None:
    """One library."""
    emit(answer("GET", f"/content/libraries/{uuid}", local=lambda s: libraries.get(s, uuid)))


@library_app.command("create")
def library_create(
    name: str = typer.Option(..., "--name"),
    file_uuids: str = typer.Option(None, "--file-uuids", help="Comma-separated content file uuids."),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    config: str = typer.Option(None, "--config", help="A JSON object kept with the library."),
    connector_uuid: str = typer.Option(None, "--connector-uuid",
                                       help="A connector library: the connector its extractor reads."),
    extractor_slug: str = typer.Option(None, "--extractor-slug",
                                       help="A connector library's unstructured-data extractor: hubspot_files "
                                            "or salesforce_files."),
) -> None:
    """Create a native library of workspace files (--file-uuids), or a connector library synced by an
    unstructured-data extractor (--connector-uuid, --extractor-slug, --config); a connector library's
    first sync runs before the answer (its outcome in `lastSync`)."""
    fields: dict[str, Any] = {"name": name, "connector_uuid": connector_uuid, "extractor_slug": extractor_slug,
                              "folder_uuid": folder_uuid, "config": parse_json_flag("--config", config),
                              "file_uuids": split_list(file_uuids)}
    body = {"name": name, "connectorUuid": connector_uuid, "extractorSlug": extractor_slug,
            "folderUuid": folder_uuid, "config": fields["config"], "fileUuids": fields["file_uuids"]}
    emit(answer("POST", "/content/libraries/create", body={k: v for k, v in body.items() if v is not None},
                local=lambda s: libraries.create(s, **fields)))


@library_app.command("update")
def library_update(
    uuid_arg: str = UUID_ARG,
    uuid: str = typer.Option(None, "--uuid", help="The library (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"), folder_uuid: str = MOVE_TO_FOLDER,
    config: str = typer.Option(None, "--config", help="A JSON object (replaces the stored one)."),
    file_uuids: str = typer.Option(None, "--file-uuids", help="Comma-separated file uuids (replaces the list)."),
) -> None:
    """Change a library's name, folder, config or files (omitted flags keep their value); a connector
    library given a new --config syncs again before the answer."""
    key = target(uuid, uuid_arg)
    parsed, listed = parse_json_flag("--config", config), split_list(file_uuids)
    body = {k: v for k, v in {"name": name, "config": parsed, "fileUuids": listed}.items() if v is not None}
    emit(answer("PATCH", f"/content/libraries/{key}", body={**body, **moved_body(folder_uuid)},
                local=lambda s: libraries.update(s, key, name=name, config=parsed, file_uuids=listed,
                                                 **moved(folder_uuid))))


@library_app.command("sync")
def library_sync(uuid: str = typer.Argument(..., help="The connector library.")) -> None:
    """Sync a connector library now and wait for the sync (a sync interrupted by a crash resumes after
    its last committed page; one already running elsewhere is waited for). Only changed files are
    downloaded again; files gone upstream leave the library."""
    emit(answer("POST", f"/content/libraries/{uuid}/sync", local=lambda s: libraries.sync(s, uuid)))


@library_app.command("remove")
def library_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a native library that lists no file (`libraryHasFiles` otherwise: empty it with
    `update --file-uuids ""` first; its files stay), or a connector library with the files its syncs
    stored."""
    emit(answer("DELETE", f"/content/libraries/{uuid}", local=lambda s: libraries.remove(s, uuid)))
