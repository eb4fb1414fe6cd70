"""`storage model …`: list, get, get-ddl, create, update, remove, refresh."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag

model_app = typer.Typer(help="Models: one table of records each.", no_args_is_help=True,
                        context_settings=help_settings())


@model_app.command("list")
def list_(dataset_uuid: str = typer.Option(None, "--dataset-uuid")) -> None:
    """Models of the workspace, optionally of one dataset."""
    from lading.services.storage import models

    emit(models.list_models(session(), dataset_uuid=dataset_uuid))


@model_app.command("get")
def get(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """One model with its columns."""
    from lading.services.storage import models

    emit(models.get_model(session(), uuid))


@model_app.command("get-ddl")
def get_ddl(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """The model's physical CREATE TABLE and the SQL dialect storage queries speak."""
    from lading.services.storage import models

    emit(models.model_ddl(session(), uuid))


@model_app.command("create")
def create(
    slug: str = typer.Option(..., "--slug"),
    name: str = typer.Option(..., "--name"),
    dataset_uuid: str = typer.Option(..., "--dataset-uuid"),
    extractor_slug: str = typer.Option("native", "--extractor-slug", help="`native` (filled by imports and writes)."),
    config: str = typer.Option(None, "--config", help="Extractor configuration (JSON object)."),
    id_column_slug: str = typer.Option(None, "--id-column-slug", help="Column identifying a record (default _id)."),
    title_column_slug: str = typer.Option(None, "--title-column-slug"),
    time_column_slug: str = typer.Option(None, "--time-column-slug"),
    columns: str = typer.Option(None, "--columns", help="Initial columns: JSON array of Column objects."),
) -> None:
    """A model and its table."""
    from lading.services.storage import models

    emit(models.create_model(session(), slug=slug, name=name, dataset_uuid=dataset_uuid,
                             extractor_slug=extractor_slug, config=parse_json_flag("--config", config),
                             id_column_slug=id_column_slug, title_column_slug=title_column_slug,
                             time_column_slug=time_column_slug, columns=parse_json_flag("--columns", columns)))


@model_app.command("update")
def update(
    uuid: str = typer.Option(..., "--uuid"),
    name: str = typer.Option(None, "--name"),
    config: str = typer.Option(None, "--config"),
    schedule: str = typer.Option(None, "--schedule"),
    is_paused: str = typer.Option(None, "--is-paused", help="true or false."),
) -> None:
    """Rename, reconfigure, pause or resume a model."""
    from lading.services.storage import models

    emit(models.update_model(session(), uuid=uuid, name=name, config=parse_json_flag("--config", config),
                             schedule=schedule, is_paused=is_paused))


@model_app.command("remove")
def remove(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """Remove a model and its records (refused while segments or plays use it)."""
    from lading.services.storage import models

    emit(models.remove_model(session(), uuid))


@model_app.command("refresh")
def refresh(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """Start an extractor sync (native models have none: data arrives by import and writes)."""
    from lading.services.storage import models

    emit(models.refresh_model(session(), uuid))
