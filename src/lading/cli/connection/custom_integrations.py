"""`connection custom-integration …`: a workspace's own integrations, declared as JSON or YAML documents
(the format of `$LADING_HOME/integrations/` files; see docs/declared-integrations.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.connection import custom_integrations
else:  # imported when a command answers locally: remote mode never loads the store
    custom_integrations = lazy_module("lading.services.connection.custom_integrations")

custom_integration_app = typer.Typer(help="A workspace's own integrations, declared as data (JSON or YAML).",
                                     no_args_is_help=True, context_settings=help_settings())

FILE_HELP = "The integration document: a .json, .yaml or .yml file (see docs/declared-integrations.md)."


def read_document_file(flag: str, file: str) -> Any:
    """The file's document as data (JSON or YAML), parsed here so embedded and remote send the same."""
    from lading.domain.user_files import read_user_file
    from lading.integrations.declarative import parse_text

    raw = read_user_file(flag, file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        from lading.domain.errors import ValidationError

        raise ValidationError(f"{flag}: {file} is not UTF-8 text", reason="invalidData") from None
    return parse_text(text, name=file)


@custom_integration_app.command("create")
def create(file: str = typer.Option(..., "--file", help=FILE_HELP)) -> None:
    """Declare an integration for this workspace from a document; it then appears in `integration list`."""
    document = read_document_file("--file", file)
    emit(answer("POST", "/connection/customIntegrations", body={"document": document},
                local=lambda s: custom_integrations.create(s, document=document)))


@custom_integration_app.command("list")
def list_command() -> None:
    """The workspace's custom integrations, newest first."""
    emit(answer("GET", "/connection/customIntegrations/list", local=lambda s: custom_integrations.list_custom(s)))


@custom_integration_app.command("get")
def get(key: str = typer.Argument(..., help="The custom integration's slug or uuid.")) -> None:
    """One custom integration with its document."""
    emit(answer("GET", f"/connection/customIntegrations/{key}", local=lambda s: custom_integrations.get(s, key)))


@custom_integration_app.command("update")
def update(key: str = typer.Argument(..., help="The custom integration's slug or uuid."),
           file: str = typer.Option(..., "--file", help=FILE_HELP)) -> None:
    """Replace the integration's document (its connectors keep working when the slug stays)."""
    document = read_document_file("--file", file)
    emit(answer("PUT", f"/connection/customIntegrations/{key}", body={"document": document},
                local=lambda s: custom_integrations.update(s, key, document=document)))


@custom_integration_app.command("remove")
def remove(key: str = typer.Argument(..., help="The custom integration's slug or uuid.")) -> None:
    """Remove a custom integration no connector uses."""
    emit(answer("DELETE", f"/connection/customIntegrations/{key}",
                local=lambda s: custom_integrations.remove(s, key)))
