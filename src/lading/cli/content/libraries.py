"""`content library …`: named sets of workspace content files."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.content._options import MOVE_TO_FOLDER, UUID_ARG, moved, target
from lading.cli.output import emit, parse_json_flag, split_list

library_app = typer.Typer(help="Libraries: named sets of workspace files.", no_args_is_help=True,
                          context_settings=help_settings())


@library_app.command("list")
def library_list(
    kind: str = typer.Option(None, "--kind", help="native or connector."),
    connector_uuid: str = typer.Option(None, "--connector-uuid"),
) -> None:
    """List libraries, newest first."""
    from lading.services.content import libraries

    emit(libraries.list_libraries(session(), kind=kind, connector_uuid=connector_uuid))


@library_app.command("get")
def library_get(uuid: str = typer.Argument(...)) -> None:
    """One library."""
    from lading.services.content import libraries

    emit(libraries.get(session(), uuid))


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
    from lading.services.content import libraries

    emit(libraries.create(session(), name=name, connector_uuid=connector_uuid, extractor_slug=extractor_slug,
                          folder_uuid=folder_uuid, config=parse_json_flag("--config", config),
                          file_uuids=split_list(file_uuids)))


@library_app.command("update")
def library_update(
    uuid_arg: str = UUID_ARG,
    uuid: str = typer.Option(None, "--uuid", help="The library (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"), folder_uuid: str = MOVE_TO_FOLDER,
    config: str = typer.Option(None, "--config", help="A JSON object (replaces the stored one)."),
    file_uuids: str = typer.Option(None, "--file-uuids", help="Comma-separated file uuids (replaces the list)."),
) -> None:
    """Change a library's name, folder, config or files (omitted flags keep their value)."""
    from lading.services.content import libraries

    emit(libraries.update(session(), target(uuid, uuid_arg), name=name, config=parse_json_flag("--config", config),
                          file_uuids=split_list(file_uuids), **moved(folder_uuid)))


@library_app.command("remove")
def library_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove a library (its files stay)."""
    from lading.services.content import libraries

    emit(libraries.remove(session(), uuid))
