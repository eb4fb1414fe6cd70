"""`storage model …`: list, get, get-ddl, create, update, remove, refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.storage import models
else:  # imported when a command answers locally: remote mode never loads the store
    models = lazy_module("lading.services.storage.models")

model_app = typer.Typer(help="Models: one table of records each.", no_args_is_help=True,
                        context_settings=help_settings())


@model_app.command("list")
def list_(dataset_uuid: str = typer.Option(None, "--dataset-uuid")) -> None:
    """Models of the workspace, optionally of one dataset."""
    emit(answer("GET", "/storage/models/list", query={"datasetUuid": dataset_uuid},
                local=lambda s: models.list_models(s, dataset_uuid=dataset_uuid)))


@model_app.command("get")
def get(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """One model with its columns."""
    emit(answer("GET", f"/storage/models/{uuid}", local=lambda s: models.get_model(s, uuid)))


@model_app.command("get-ddl")
def get_ddl(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """The model's physical CREATE TABLE and the SQL dialect storage queries speak."""
    emit(answer("GET", f"/storage/models/{uuid}/ddl", local=lambda s: models.model_ddl(s, uuid)))


@model_app.command("create")
def create(
    slug: str = typer.Option(..., "--slug"),
    name: str = typer.Option(..., "--name"),
    dataset_uuid: str = typer.Option(..., "--dataset-uuid"),
    extractor_slug: str = typer.Option("native", "--extractor-slug",
                                       help="`native` (filled by imports and writes), `hubspot` (config "
                                            '{"objectType":"companies"}) or `salesforce` (config '
                                            '{"object":"Account"}): filled by sync from the dataset\'s connector.'),
    config: str = typer.Option(None, "--config", help="Extractor configuration (JSON object)."),
    id_column_slug: str = typer.Option(None, "--id-column-slug", help="Column identifying a record (default _id)."),
    title_column_slug: str = typer.Option(None, "--title-column-slug"),
    time_column_slug: str = typer.Option(None, "--time-column-slug"),
    columns: str = typer.Option(None, "--columns", help="Initial columns: JSON array of Column objects."),
    schedule: str = typer.Option(None, "--schedule",
                                 help='Connector models: sync on a cron, {"type":"cron","cron":"0 * * * *"}.'),
) -> None:
    """A model and its table (a connector model's columns are its provider object's properties)."""
    parsed_config = parse_json_flag("--config", config)
    parsed_columns = parse_json_flag("--columns", columns)
    parsed_schedule = parse_json_flag("--schedule", schedule)
    body = {"slug": slug, "name": name, "datasetUuid": dataset_uuid, "extractorSlug": extractor_slug,
            "config": parsed_config, "idColumnSlug": id_column_slug, "titleColumnSlug": title_column_slug,
            "timeColumnSlug": time_column_slug, "columns": parsed_columns, "schedule": parsed_schedule}
    emit(answer("POST", "/storage/models", body=body,
                local=lambda s: models.create_model(
                    s, slug=slug, name=name, dataset_uuid=dataset_uuid, extractor_slug=extractor_slug,
                    config=parsed_config, id_column_slug=id_column_slug, title_column_slug=title_column_slug,
                    time_column_slug=time_column_slug, columns=parsed_columns, schedule=parsed_schedule)))


@model_app.command("update")
def update(
    uuid: str = typer.Option(..., "--uuid"),
    name: str = typer.Option(None, "--name"),
    config: str = typer.Option(None, "--config"),
    schedule: str = typer.Option(None, "--schedule"),
    is_paused: str = typer.Option(None, "--is-paused", help="true or false."),
) -> None:
    """Rename, reconfigure, pause or resume a model."""
    from lading.cli.common import given

    parsed_config = parse_json_flag("--config", config)
    # `--schedule none` is sent as the client's null (which clears); `--is-paused` as typed (the
    # service checks the literal, so a bad value is refused alike on both faces).
    body = given(("name", name, None), ("config", parsed_config, None), ("isPaused", is_paused, None),
                 ("schedule", schedule, None))
    if body.get("schedule") == "none":
        body["schedule"] = None
    emit(answer("PUT", f"/storage/models/{uuid}", body=body,
                local=lambda s: models.update_model(s, uuid=uuid, name=name, config=parsed_config,
                                                    schedule=schedule, is_paused=is_paused)))


@model_app.command("remove")
def remove(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """Remove a model and its records (refused while segments or plays use it)."""
    emit(answer("DELETE", f"/storage/models/{uuid}", body={}, local=lambda s: models.remove_model(s, uuid)))


@model_app.command("refresh")
def refresh(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """Run the model's extractor sync now and wait for it: full the first time, then incremental from the
    last sync's cursor; a sync interrupted by a crash resumes after its last committed page (native
    models have none: data arrives by import and writes)."""
    emit(answer("POST", f"/storage/models/{uuid}/refresh", local=lambda s: models.refresh_model(s, uuid)))
