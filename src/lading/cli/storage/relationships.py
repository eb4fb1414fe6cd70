"""`storage relationship …`: list, set."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.storage import relationships as storage_relationships
else:  # imported when a command answers locally: remote mode never loads the store
    storage_relationships = lazy_module("lading.services.storage.relationships")

relationship_app = typer.Typer(help="Relationships between models.", no_args_is_help=True,
                               context_settings=help_settings())


@relationship_app.command("list")
def list_(model_uuid: str = typer.Option(..., "--model-uuid")) -> None:
    """Relationships where the model is either side."""
    emit(answer("GET", "/storage/relationships/list", query={"modelUuid": model_uuid},
                local=lambda s: storage_relationships.list_relationships(s, model_uuid)))


@relationship_app.command("set")
def set_(
    relationships: str = typer.Option(None, "--relationships", help="The dataset's whole set (JSON array)."),
    from_model_uuid: str = typer.Option(None, "--from-model-uuid"),
    to_model_uuid: str = typer.Option(None, "--to-model-uuid"),
    from_column_slug: str = typer.Option(None, "--from-column-slug"),
    to_column_slug: str = typer.Option(None, "--to-column-slug"),
    relation: str = typer.Option("manyToOne", "--relation", help="manyToOne, oneToMany or oneToOne."),
) -> None:
    """Replace the dataset's relationships, or add/replace one pair."""
    parsed = parse_json_flag("--relationships", relationships)
    body = {"relationships": parsed, "fromModelUuid": from_model_uuid, "toModelUuid": to_model_uuid,
            "fromColumnSlug": from_column_slug, "toColumnSlug": to_column_slug, "relation": relation}
    emit(answer("POST", "/storage/relationships", body=body,
                local=lambda s: storage_relationships.set_relationships(
                    s, relationships=parsed, from_model_uuid=from_model_uuid, to_model_uuid=to_model_uuid,
                    from_column_slug=from_column_slug, to_column_slug=to_column_slug, relation=relation)))
