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
    from_column_slug: str = typer.Option(
        None, "--from-column-slug",
        help="The from model's join column. Omitted: the one column referencing the to model (company_id, "
             "companyId, <to model>_id…); the answer's `inferred` says which was chosen."),
    to_column_slug: str = typer.Option(None, "--to-column-slug",
                                       help="The to model's join column. Omitted: its id column."),
    relation: str = typer.Option("manyToOne", "--relation", help="manyToOne, oneToMany or oneToOne."),
) -> None:
    """Replace the dataset's relationships, or add/replace one pair (join columns inferred when omitted
    and unambiguous)."""
    parsed = parse_json_flag("--relationships", relationships)
    body = {"relationships": parsed, "fromModelUuid": from_model_uuid, "toModelUuid": to_model_uuid,
            "fromColumnSlug": from_column_slug, "toColumnSlug": to_column_slug, "relation": relation}
    result = answer("POST", "/storage/relationships", body=body,
                    local=lambda s: storage_relationships.set_relationships(
                        s, relationships=parsed, from_model_uuid=from_model_uuid, to_model_uuid=to_model_uuid,
                        from_column_slug=from_column_slug, to_column_slug=to_column_slug, relation=relation))
    chosen = result.get("inferred") if isinstance(result, dict) else None
    if isinstance(chosen, dict):
        # Said on stderr too, so a person reading the terminal sees the choice without reading the JSON.
        typer.echo(f"note: joined on {chosen.get('fromColumnSlug')} → {chosen.get('toColumnSlug')} "
                   f"({chosen.get('reason')})", err=True)
    emit(result)
