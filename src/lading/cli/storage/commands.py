"""`storage …`: datasets, models, columns, relationships, records and storage SQL (data spec §1–6)."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag, split_list, warn

storage_app = typer.Typer(help="Datasets, models, columns, records and storage SQL.", no_args_is_help=True,
                          context_settings=help_settings())
dataset_app = typer.Typer(help="Datasets: groups of models.", no_args_is_help=True, context_settings=help_settings())
model_app = typer.Typer(help="Models: one table of records each.", no_args_is_help=True,
                        context_settings=help_settings())
column_app = typer.Typer(help="A model's columns.", no_args_is_help=True, context_settings=help_settings())
relationship_app = typer.Typer(help="Relationships between models.", no_args_is_help=True,
                               context_settings=help_settings())
record_app = typer.Typer(help="Records in a model: list, import, upsert, remove.", no_args_is_help=True,
                         context_settings=help_settings())
query_app = typer.Typer(help="Read-only SQL over the workspace's models.", no_args_is_help=True,
                        context_settings=help_settings())
storage_app.add_typer(dataset_app, name="dataset")
storage_app.add_typer(model_app, name="model")
storage_app.add_typer(column_app, name="column")
storage_app.add_typer(relationship_app, name="relationship")
storage_app.add_typer(record_app, name="record")
storage_app.add_typer(query_app, name="query")


# --- datasets ---------------------------------------------------------------------------------------


@dataset_app.command("list")
def dataset_list() -> None:
    """All datasets of the workspace (the `default` one always exists)."""
    from lading.services.storage import models as storage

    emit(storage.list_datasets(session()))


@dataset_app.command("get")
def dataset_get(uuid: str = typer.Argument(..., help="Dataset uuid.")) -> None:
    """One dataset."""
    from lading.services.storage import models as storage

    emit(storage.get_dataset(session(), uuid))


@dataset_app.command("create")
def dataset_create(
    slug: str = typer.Option(..., "--slug", help="[a-zA-Z0-9_]; used in SQL as <datasetSlug>.<modelSlug>."),
    name: str = typer.Option(None, "--name"),
) -> None:
    """A native dataset."""
    from lading.services.storage import models as storage

    emit(storage.create_dataset(session(), slug=slug, name=name))


@dataset_app.command("remove")
def dataset_remove(uuid: str = typer.Argument(..., help="Dataset uuid.")) -> None:
    """Remove an empty dataset (never while it holds models)."""
    from lading.services.storage import models as storage

    emit(storage.remove_dataset(session(), uuid))


# --- models -----------------------------------------------------------------------------------------


@model_app.command("list")
def model_list(dataset_uuid: str = typer.Option(None, "--dataset-uuid")) -> None:
    """Models of the workspace, optionally of one dataset."""
    from lading.services.storage import models as storage

    emit(storage.list_models(session(), dataset_uuid=dataset_uuid))


@model_app.command("get")
def model_get(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """One model with its columns."""
    from lading.services.storage import models as storage

    emit(storage.get_model(session(), uuid))


@model_app.command("get-ddl")
def model_get_ddl(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """The model's physical CREATE TABLE and the SQL dialect storage queries speak."""
    from lading.services.storage import models as storage

    emit(storage.model_ddl(session(), uuid))


@model_app.command("create")
def model_create(
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
    from lading.services.storage import models as storage

    emit(storage.create_model(session(), slug=slug, name=name, dataset_uuid=dataset_uuid,
                              extractor_slug=extractor_slug, config=parse_json_flag("--config", config),
                              id_column_slug=id_column_slug, title_column_slug=title_column_slug,
                              time_column_slug=time_column_slug, columns=parse_json_flag("--columns", columns)))


@model_app.command("update")
def model_update(
    uuid: str = typer.Option(..., "--uuid"),
    name: str = typer.Option(None, "--name"),
    config: str = typer.Option(None, "--config"),
    schedule: str = typer.Option(None, "--schedule"),
    is_paused: str = typer.Option(None, "--is-paused", help="true or false."),
) -> None:
    """Rename, reconfigure, pause or resume a model."""
    from lading.services.storage import models as storage

    emit(storage.update_model(session(), uuid=uuid, name=name, config=parse_json_flag("--config", config),
                              schedule=schedule, is_paused=is_paused))


@model_app.command("remove")
def model_remove(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """Remove a model and its records (refused while segments or plays use it)."""
    from lading.services.storage import models as storage

    emit(storage.remove_model(session(), uuid))


@model_app.command("refresh")
def model_refresh(uuid: str = typer.Argument(..., help="Model uuid.")) -> None:
    """Start an extractor sync (native models have none: data arrives by import and writes)."""
    from lading.services.storage import models as storage

    emit(storage.refresh_model(session(), uuid))


# --- columns ----------------------------------------------------------------------------------------


@column_app.command("list")
def column_list(model_uuid: str = typer.Option(..., "--model-uuid")) -> None:
    """Columns in position order (original first)."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.list_columns(session(), model_uuid))


@column_app.command("create")
def column_create(model_uuid: str = typer.Option(..., "--model-uuid"),
                  column: str = typer.Option(..., "--column", help="Column JSON: slug, type, label, kind, plus the "
                                             "kind's fields (computed: expression; metric: relationshipUuid, "
                                             "aggregation, filter; lookup: join, extractColumnSlug, filter).")
                  ) -> None:
    """Add a column (slug must be new in the model); derived columns are computed for every record at once."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.create_column(session(), model_uuid, parse_json_flag("--column", column)))


@column_app.command("update")
def column_update(model_uuid: str = typer.Option(..., "--model-uuid"),
                  column: str = typer.Option(..., "--column", help="The full Column JSON (found by slug).")) -> None:
    """Replace a column's definition; a type change converts stored values or changes nothing."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.update_column(session(), model_uuid, parse_json_flag("--column", column)))


@column_app.command("remove")
def column_remove(model_uuid: str = typer.Option(..., "--model-uuid"),
                  column_slug: str = typer.Option(..., "--column-slug")) -> None:
    """Drop a column and its values."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.remove_column(session(), model_uuid, column_slug))


@column_app.command("reorder")
def column_reorder(model_uuid: str = typer.Option(..., "--model-uuid"),
                   column_slug: str = typer.Option(..., "--column-slug"),
                   to_index: int = typer.Option(..., "--to-index", help="0-based position.")) -> None:
    """Move a column to another position."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.reorder_column(session(), model_uuid, column_slug, to_index))


# --- relationships ----------------------------------------------------------------------------------


@relationship_app.command("list")
def relationship_list(model_uuid: str = typer.Option(..., "--model-uuid")) -> None:
    """Relationships where the model is either side."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.list_relationships(session(), model_uuid))


@relationship_app.command("set")
def relationship_set(
    relationships: str = typer.Option(None, "--relationships", help="The dataset's whole set (JSON array)."),
    from_model_uuid: str = typer.Option(None, "--from-model-uuid"),
    to_model_uuid: str = typer.Option(None, "--to-model-uuid"),
    from_column_slug: str = typer.Option(None, "--from-column-slug"),
    to_column_slug: str = typer.Option(None, "--to-column-slug"),
    relation: str = typer.Option("manyToOne", "--relation", help="manyToOne, oneToMany or oneToOne."),
) -> None:
    """Replace the dataset's relationships, or add/replace one pair."""
    from lading.services.storage import columns as storage_columns

    emit(storage_columns.set_relationships(
        session(), relationships=parse_json_flag("--relationships", relationships), from_model_uuid=from_model_uuid,
        to_model_uuid=to_model_uuid, from_column_slug=from_column_slug, to_column_slug=to_column_slug,
        relation=relation))


# --- records ----------------------------------------------------------------------------------------


@record_app.command("list")
def record_list(model_uuid: str = typer.Option(..., "--model-uuid"),
                limit: int = typer.Option(100, "--limit", help="At most 1,000."),
                offset: int = typer.Option(0, "--offset")) -> None:
    """Records ordered by id (no filtering: use segmentation segment fetch)."""
    from lading.services.storage import records as storage_records

    emit(storage_records.list_records(session(), model_uuid=model_uuid, limit=limit, offset=offset))


@record_app.command("import")
def record_import(
    model_uuid: str = typer.Option(..., "--model-uuid"),
    file: str = typer.Option(..., "--file", help="CSV, JSON (array of objects) or NDJSON file."),
    fmt: str = typer.Option(None, "--format", help="csv, json or ndjson (default: from the extension)."),
    mode: str = typer.Option("upsert", "--mode", help="upsert, insert or replace."),
    create_columns: bool = typer.Option(True, "--create-columns/--no-create-columns",
                                        help="Create original columns for unknown keys."),
    strict: bool = typer.Option(False, "--strict", help="Any bad row aborts the whole import."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and count without writing."),
) -> None:
    """Stream a file into the model, upserting by its id column."""
    from lading.services.storage import records as storage_records

    emit(storage_records.import_records(session(), model_uuid=model_uuid, file=file, fmt=fmt, mode=mode,
                                        create_columns=create_columns, strict=strict, dry_run=dry_run))


@record_app.command("upsert")
def record_upsert(model_uuid: str = typer.Option(..., "--model-uuid"),
                  records: str = typer.Option(..., "--records", help="JSON array of objects (at most 1,000).")) -> None:
    """Insert or merge records by id."""
    from lading.services.storage import records as storage_records

    emit(storage_records.upsert_records(session(), model_uuid=model_uuid,
                                        records=parse_json_flag("--records", records)))


@record_app.command("remove")
def record_remove(model_uuid: str = typer.Option(..., "--model-uuid"),
                  ids: str = typer.Option(..., "--ids", help="Comma-separated record ids.")) -> None:
    """Delete records by id."""
    from lading.services.storage import records as storage_records

    emit(storage_records.remove_records(session(), model_uuid=model_uuid, ids=split_list(ids)))


# --- storage SQL ------------------------------------------------------------------------------------


@query_app.command("execute")
def query_execute(sql: str = typer.Argument(..., help="SELECT/WITH over <datasetSlug>.<modelSlug> tables.")) -> None:
    """Run read-only SQL (30 s limit, at most 10,000 rows)."""
    from lading.services.storage import query as storage_query

    result = storage_query.execute_query(session(), sql)
    if result.pop("truncated", False):
        warn(f"the result was cut at {storage_query.MAX_ROWS} rows; use storage query download for all of them")
    emit(result)


@query_app.command("download")
def query_download(sql: str = typer.Argument(..., help="SELECT/WITH over <datasetSlug>.<modelSlug> tables."),
                   fmt: str = typer.Option("csv", "--format", help="csv or json.")) -> None:
    """The full result of a read-only query as a file: {"url": ...}."""
    from lading.services.storage import query as storage_query

    emit(storage_query.download_query(session(), sql, fmt=fmt))
