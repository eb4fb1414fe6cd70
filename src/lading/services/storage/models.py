"""`storage model …`: list, get, get-ddl, create, update, remove, refresh — one table of records each
(data spec §2, §5).

Creating a model creates its physical table in the same transaction as the catalog row, so a model
always has a table and a failed create leaves neither behind.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Iterable
from typing import Any

from lading.data import physical
from lading.data.columns import DERIVED_KINDS, validate_new_columns
from lading.data.models import handle_from_row
from lading.domain.errors import ConflictError, ValidationError, found, shown
from lading.services.inputs import json_object
from lading.services.session import Session
from lading.services.storage import shapes
from lading.services.storage.datasets import check_slug, ensure_default_dataset, require_dataset
from lading.store.clock import iso, utcnow
from lading.store.repositories import storage as repo

NATIVE_EXTRACTOR = "native"


def effective_title_column(row: Any) -> str:
    """`titleColumnSlug`, else the first string column, else `_id` (spec §2.2 defaults)."""
    if row.title_column_slug:
        return str(row.title_column_slug)
    for col in row.columns or []:
        if col.get("type") == "string":
            return str(col["slug"])
    return "_id"


def _dependents(conn: Any, ws: str, model_uuid: str) -> dict[str, int]:
    """Segments and plays on the model (read from their tables when this installation has them)."""
    from sqlalchemy import func, select

    from lading.store import schema

    counts: dict[str, int] = {}
    for name, label in (("segments", "segment"), ("plays", "play")):
        table = getattr(schema, name, None)
        if table is None or "model_uuid" not in table.c:
            continue
        query = select(func.count()).select_from(table).where(table.c.workspace_uuid == ws,
                                                               table.c.model_uuid == model_uuid)
        if "deleted_at" in table.c:
            query = query.where(table.c.deleted_at.is_(None))
        counts[label] = int(conn.execute(query).scalar() or 0)
    return counts


def _derived_columns_reading(conn: Any, ws: str, model_uuid: str) -> list[str]:
    """`model.column` of other models' lookup columns joining this model and metric columns
    aggregating it through a relationship."""
    related = {r.uuid for r in repo.relationships_of_model(conn, ws, model_uuid)}
    out = []
    for model in repo.list_models(conn, ws):
        if model.uuid == model_uuid:
            continue
        for column in model.columns or []:
            if (column.get("kind") == "lookup" and (column.get("join") or {}).get("toModelUuid") == model_uuid) or (
                    column.get("kind") == "metric" and column.get("relationshipUuid") in related):
                out.append(f"{model.slug}.{column['slug']}")
    return out


def model_document(conn: Any, row: Any) -> dict[str, Any]:
    dataset = repo.get_dataset(conn, row.workspace_uuid, row.dataset_uuid)
    columns = row.columns or []
    counts = _dependents(conn, row.workspace_uuid, row.uuid)
    return shapes.Model(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, slug=row.slug, name=row.name,
        dataset_uuid=row.dataset_uuid, kind=dataset.kind if dataset is not None else "native",
        connector_uuid=dataset.connector_uuid if dataset is not None else None,
        extractor_slug=row.extractor_slug, config=row.config or {},
        id_column_slug=row.id_column_slug, title_column_slug=effective_title_column(row),
        time_column_slug=row.time_column_slug,
        columns=[shapes.column(c) for c in columns if c.get("kind") == "original"],
        additional_columns=[shapes.column(c) for c in columns if c.get("kind") != "original"],
        plays_count=counts.get("play", 0), segments_count=counts.get("segment", 0),
        is_paused=bool(row.is_paused), schedule=row.schedule, last_run=_last_run(conn, row),
        created_at=iso(row.created_at), updated_at=iso(row.updated_at),
        description=row.description, position=shapes.Position(**(row.position or {})),
        unification=row.unification, folder_uuid=row.folder_uuid,
    ).dump()


def _last_run(conn: Any, row: Any) -> Any:
    from lading.services.storage._sync import run_document
    from lading.store.repositories import storage_runs

    if row.extractor_slug == NATIVE_EXTRACTOR:
        return None
    last = storage_runs.last_run(conn, row.workspace_uuid, row.uuid)
    return run_document(last) if last is not None else None


def require_model(session: Session, conn: Any, uuid: str, *, for_update: bool = False) -> Any:
    return found(repo.get_model(conn, session.workspace_uuid, uuid, for_update=for_update), "Model", uuid)


def list_models(session: Session, *, dataset_uuid: str | None = None) -> dict[str, Any]:
    ensure_default_dataset(session)
    with session.db.read() as conn:
        if dataset_uuid is not None:
            require_dataset(session, conn, dataset_uuid)
        rows = repo.list_models(conn, session.workspace_uuid, dataset_uuid)
        return {"models": [model_document(conn, r) for r in rows]}


def get_model(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"model": model_document(conn, require_model(session, conn, uuid))}


def _optional_slug(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if value.startswith("_") and value in physical.SYSTEM_COLUMNS:
        return value
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$", value) and value not in ("_ingest_id", "_emitted_at"):
        raise ValidationError(f"--{what}-column-slug {shown(value)} is not a column slug", reason="invalidColumn")
    return value


def check_extractor(extractor_slug: Any) -> Any:
    """`native`, or a connector extractor (data spec §2.3: `hubspot`, `salesforce` and their object
    aliases such as `hubspot_companies`): returns (extractor, config defaults), None for native."""
    from lading.services.storage._sync import extractor_for

    if extractor_slug == NATIVE_EXTRACTOR:
        return None
    found = extractor_for(extractor_slug) if isinstance(extractor_slug, str) else None
    if found is None:
        from lading.integrations.extractors import all_extractors, get_file_extractor

        known = sorted({NATIVE_EXTRACTOR, *all_extractors()})
        if isinstance(extractor_slug, str) and get_file_extractor(extractor_slug) is not None:
            raise ValidationError(f"extractor {shown(extractor_slug)} syncs files into a content library (content "
                                  f"library create); models are filled by: {', '.join(known)}",
                                  reason="integrationNotCompatible")
        raise ValidationError(f"extractor {shown(extractor_slug)} does not exist; extractors: {', '.join(known)}",
                              reason="extractorNotFound")
    return found


def _schedule(value: Any) -> dict[str, Any] | None:
    """`{"type":"cron","cron":"…"}` (JSON text from the CLI, an object from the API), or None."""
    import orjson

    if value is None or value == "none":
        return None
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ValidationError('--schedule must be none or {"type":"cron","cron":"…"}',
                                  reason="invalidSchedule") from None
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "cron" or set(value) - {"type", "cron"}:
        raise ValidationError('--schedule must be none or {"type":"cron","cron":"…"}', reason="invalidSchedule")
    from croniter import croniter

    cron = value.get("cron")
    if not isinstance(cron, str) or not croniter.is_valid(cron):
        raise ValidationError(f"--schedule: invalid cron expression {shown(cron)}", reason="invalidSchedule")
    return {"type": "cron", "cron": cron}


def _connector_dataset(session: Session, conn: Any, dataset_uuid: str, integration_slug: str,
                       extractor_slug: str) -> Any:
    from lading.store.repositories import connectors as connector_repo

    dataset = require_dataset(session, conn, dataset_uuid)
    connector = (connector_repo.get_connector(conn, session.workspace_uuid, dataset.connector_uuid)
                 if dataset.kind == "connector" and dataset.connector_uuid else None)
    if connector is None or connector.integration_slug != integration_slug:
        raise ValidationError(f"the {extractor_slug} extractor fills models of a {integration_slug} connector's "
                              "dataset (storage dataset list: kind connector)", reason="invalidDataset")
    return dataset


def _native_dataset(session: Session, conn: Any, dataset_uuid: str) -> Any:
    dataset = require_dataset(session, conn, dataset_uuid)
    if dataset.kind != "native":
        raise ValidationError("models of connector datasets are created by their connector", reason="invalidDataset")
    return dataset


def _description(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError("description must be a string", reason="invalidData")
    return value


def _folder(conn: Any, ws: str, value: Any) -> str | None:
    """A model is filed in a `model` folder of its workspace, or at the root (None)."""
    from lading.services import inputs
    from lading.services.workspace.folders import require_folder

    return require_folder(conn, ws, inputs.folder_uuid(value), "model")


def _no_schedule(schedule: Any) -> None:
    if schedule is not None and schedule != "none":
        raise ValidationError("native models take no --schedule: data only arrives when pushed or imported",
                              reason="invalidSchedule")


def create_model(session: Session, *, slug: str, name: str, dataset_uuid: str, extractor_slug: str = NATIVE_EXTRACTOR,
                 config: Any = None, id_column_slug: str | None = None, title_column_slug: str | None = None,
                 time_column_slug: str | None = None, columns: Any = None, description: str | None = None,
                 schedule: Any = None, folder_uuid: str | None = None) -> dict[str, Any]:
    """A native model and its physical table (connector extractors need their integration's sync)."""
    check_slug(slug, "model")
    if not name or not isinstance(name, str):
        raise ValidationError("--name is required", reason="invalidName")
    config = json_object(config, "--config", reason="invalidConfig")
    if check_extractor(extractor_slug) is not None:
        return _create_extractor_model(session, slug=slug, name=name, dataset_uuid=dataset_uuid,
                                       extractor_slug=extractor_slug, config=config or {}, columns=columns,
                                       id_column_slug=id_column_slug, title_column_slug=title_column_slug,
                                       time_column_slug=time_column_slug, description=description,
                                       schedule=schedule, folder_uuid=folder_uuid)
    _no_schedule(schedule)
    description = _description(description)
    id_col = _optional_slug(id_column_slug, "id") or "_id"
    title_col = _optional_slug(title_column_slug, "title")
    time_col = _optional_slug(time_column_slug, "time")
    definitions = validate_new_columns(columns if columns is not None else [], [], default_kind="original",
                                       model_slug=slug)
    derived = [c["slug"] for c in definitions if c["kind"] in DERIVED_KINDS]
    if derived:
        raise ValidationError(f"derived columns ({', '.join(derived)}) are added with `storage column create` once "
                              "the model exists", reason="invalidColumn")
    ensure_default_dataset(session)
    ws = session.workspace_uuid
    backend = session.db.backend
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        dataset = _native_dataset(session, conn, dataset_uuid)
        folder = _folder(conn, ws, folder_uuid)
        if repo.model_by_slug(conn, ws, dataset_uuid, slug) is not None:
            raise ConflictError(f"Model {slug} already exists in dataset {dataset.slug}", reason="modelAlreadyExists")
        schema_name, table_name = physical.physical_name(backend, ws, dataset.slug, slug)
        if repo.table_taken(conn, schema_name, table_name):
            raise ConflictError(f"Model {slug} already exists in dataset {dataset.slug}", reason="modelAlreadyExists")
        repo.insert_model(conn, ws, {
            "uuid": uuid, "dataset_uuid": dataset_uuid, "slug": slug, "name": name, "extractor_slug": extractor_slug,
            "config": config, "id_column_slug": id_col, "title_column_slug": title_col, "time_column_slug": time_col,
            "columns": definitions, "is_paused": False, "schedule": None, "table_schema": schema_name,
            "table_name": table_name, "created_at": now, "updated_at": now, "description": description,
            "folder_uuid": folder})
        physical.create_table(conn, backend, schema_name, table_name, [(c["slug"], c["type"]) for c in definitions])
        return {"model": model_document(conn, require_model(session, conn, uuid))}


def _create_extractor_model(session: Session, *, slug: str, name: str, dataset_uuid: str, extractor_slug: str,
                            config: dict[str, Any], columns: Any, id_column_slug: str | None,
                            title_column_slug: str | None, time_column_slug: str | None, description: Any,
                            schedule: Any, folder_uuid: str | None) -> dict[str, Any]:
    """A connector model: its columns are the provider's (object properties → typed columns), its
    records arrive by sync (`refresh`, the `schedule`, `segment fetch --sync`)."""
    from lading.services.storage._sync import discover_columns, full_config

    extractor, defaults = check_extractor(extractor_slug)
    if columns is not None:
        raise ValidationError(f"the columns of a {extractor.slug} model come from the provider; add your own with "
                              "`storage column create` once the model exists", reason="invalidColumn")
    stored_config = {**defaults, **config}
    checked = full_config(extractor, {}, stored_config)
    cron = _schedule(schedule)
    description = _description(description)
    ensure_default_dataset(session)
    with session.db.read() as conn:
        dataset = _connector_dataset(session, conn, dataset_uuid, extractor.integration_slug, extractor_slug)
    discovered = discover_columns(session, dataset.connector_uuid, extractor, checked)
    definitions = validate_new_columns(discovered, [], default_kind="original", model_slug=slug)
    slugs = {c["slug"] for c in definitions}
    chosen: dict[str, str | None] = {}
    for what, given_slug, default in (("id", id_column_slug, extractor.id_column),
                                      ("title", title_column_slug, extractor.title_column(checked)),
                                      ("time", time_column_slug, extractor.time_column)):
        value = _optional_slug(given_slug, what)
        if value is not None and value not in slugs and value not in physical.SYSTEM_COLUMNS:
            raise ValidationError(f"--{what}-column-slug {shown(value)} is not a column of this model",
                                  reason="invalidColumn")
        chosen[what] = value or (default if default in slugs else None)
    id_col, title, time_col = chosen["id"] or "_id", chosen["title"], chosen["time"]
    ws = session.workspace_uuid
    backend = session.db.backend
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        dataset = _connector_dataset(session, conn, dataset_uuid, extractor.integration_slug, extractor_slug)
        folder = _folder(conn, ws, folder_uuid)
        if repo.model_by_slug(conn, ws, dataset_uuid, slug) is not None:
            raise ConflictError(f"Model {slug} already exists in dataset {dataset.slug}", reason="modelAlreadyExists")
        schema_name, table_name = physical.physical_name(backend, ws, dataset.slug, slug)
        if repo.table_taken(conn, schema_name, table_name):
            raise ConflictError(f"Model {slug} already exists in dataset {dataset.slug}", reason="modelAlreadyExists")
        repo.insert_model(conn, ws, {
            "uuid": uuid, "dataset_uuid": dataset_uuid, "slug": slug, "name": name, "extractor_slug": extractor_slug,
            "config": stored_config, "id_column_slug": id_col, "title_column_slug": title,
            "time_column_slug": time_col, "columns": definitions, "is_paused": False, "schedule": cron,
            "table_schema": schema_name, "table_name": table_name, "created_at": now, "updated_at": now,
            "description": description, "folder_uuid": folder})
        physical.create_table(conn, backend, schema_name, table_name, [(c["slug"], c["type"]) for c in definitions])
        document = model_document(conn, require_model(session, conn, uuid))
    if cron is not None:
        session.work.announce()  # the scheduler runs in the worker: cron ticks must fire
    return {"model": document}


def parse_bool_literal(value: str | None, flag: str) -> bool | None:
    if value is None:
        return None
    if value not in ("true", "false"):
        raise ValidationError(f"{flag} accepts only true or false, not {shown(value)}", reason="invalidData")
    return value == "true"


_UNSET: Any = object()


def _position(value: Any) -> dict[str, float]:
    if not isinstance(value, dict) or set(value) - {"x", "y"} or not all(
            isinstance(value.get(k, 0), (int, float)) and not isinstance(value.get(k, 0), bool) for k in ("x", "y")):
        raise ValidationError("position must be an object {x, y} of numbers", reason="invalidData")
    return {"x": value.get("x", 0), "y": value.get("y", 0)}


def update_model(session: Session, *, uuid: str, name: str | None = None, config: Any = None,
                 schedule: Any = None, is_paused: str | None = None, description: Any = _UNSET,
                 position: Any = _UNSET, unification: Any = _UNSET, folder_uuid: Any = _UNSET) -> dict[str, Any]:
    """The given fields change; the client's `description`, `position`, `unification` and
    `folderUuid` only when passed (None clears them)."""
    paused = parse_bool_literal(is_paused, "--is-paused")
    if config is not None and not isinstance(config, dict):
        raise ValidationError("--config must be a JSON object", reason="invalidConfig")
    extras: dict[str, Any] = {}
    if description is not _UNSET:
        extras["description"] = _description(description)
    if position is not _UNSET:
        extras["position"] = None if position is None else _position(position)
    if unification is not _UNSET:
        if unification is not None and not isinstance(unification, dict):
            raise ValidationError("unification must be an object or null", reason="invalidData")
        extras["unification"] = unification
    resumed = False
    with session.db.write() as conn:
        row = require_model(session, conn, uuid, for_update=True)
        found = check_extractor(row.extractor_slug)
        if found is None:
            _no_schedule(schedule)
        elif config is not None:
            from lading.services.storage._sync import full_config

            checked = full_config(found[0], found[1], config)
            before = full_config(found[0], found[1], dict(row.config or {}))
            fixed = [k for k in found[0].config_schema.get("required") or [] if checked.get(k) != before.get(k)]
            if fixed:
                raise ValidationError(f"--config: {', '.join(fixed)} names what the model holds and cannot change; "
                                      "create another model for another object", reason="invalidConfig")
        values: dict[str, Any] = {"updated_at": utcnow(), **extras}
        if folder_uuid is not _UNSET:
            values["folder_uuid"] = _folder(conn, session.workspace_uuid, folder_uuid)
        if name is not None:
            if not name:
                raise ValidationError("--name cannot be empty", reason="invalidName")
            values["name"] = name
        if config is not None:
            values["config"] = config
        if schedule == "none":
            values["schedule"] = None
        elif schedule is not None and found is not None:
            values["schedule"] = _schedule(schedule)
        if paused is not None:
            resumed = bool(row.is_paused) and not paused
            values["is_paused"] = paused
        repo.update_model(conn, session.workspace_uuid, uuid, values)
        document = model_document(conn, require_model(session, conn, uuid))
    if found is not None and values.get("schedule"):
        session.work.announce()  # the scheduler runs in the worker: cron ticks must fire
    if resumed:  # on resume one aggregated change per segment is computed (spec §2.4)
        if found is not None:
            from lading.services.storage._sync import sync_model

            sync_model(session, uuid, trigger="manual")  # spec §2.4: on resume one sync runs
        notify_write(session, uuid)
    return {"model": document}


def remove_model(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.write() as conn:
        row = require_model(session, conn, uuid, for_update=True)
        counts = {k: v for k, v in _dependents(conn, session.workspace_uuid, uuid).items() if v}
        if counts:
            parts = [f"{n} {label}{'s' if n != 1 else ''}" for label, n in counts.items()]
            raise ConflictError(f"Model is referenced by {' and '.join(parts)}", reason="modelInUse")
        derived = _derived_columns_reading(conn, session.workspace_uuid, uuid)
        if derived:
            raise ConflictError(f"Model is read by derived columns of other models ({', '.join(derived)}); "
                                "remove or change those columns first", reason="modelInUse")
        repo.delete_model(conn, session.workspace_uuid, uuid)
        physical.drop_table(conn, row.table_schema, row.table_name)
    return shapes.Removed(uuid=uuid).dump()


def model_ddl(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = require_model(session, conn, uuid)
    backend = session.db.backend
    columns = [(c["slug"], c["type"]) for c in row.columns or []]
    return shapes.ModelDdl(ddl=physical.create_table_ddl(backend, row.table_schema, row.table_name, columns),
                           language=physical.dialect_name(backend)).dump()


def load_handle(session: Session, conn: Any, uuid: str) -> Any:
    return handle_from_row(conn, require_model(session, conn, uuid))


def notify_write(session: Session, model_uuid: str, also: Iterable[str] = ()) -> None:
    """Segment change detection after a committed write (debounced there; skipped while paused): the
    written model first, then the models whose derived values the write changed."""
    session.reactions.model_written(session, model_uuid)
    for other in sorted(set(also) - {model_uuid}):
        session.reactions.model_written(session, other)


def refresh_model(session: Session, uuid: str, *, trigger: str = "manual") -> dict[str, Any]:
    """Run the model's extractor sync now and wait for it (a sync interrupted by a crash is resumed
    after its last committed page; one another live process drives is answered as it stands).
    `{"model": Model}` with the run as `lastRun` (`status` success or error, with its counts)."""
    from lading.services.storage._sync import sync_model

    sync_model(session, uuid, trigger=trigger)
    with session.db.read() as conn:
        return {"model": model_document(conn, require_model(session, conn, uuid))}


def model_exists_by_slug(session: Session, *, slug: str, dataset_uuid: str) -> dict[str, Any]:
    """Whether the dataset already holds a model of this slug (slugs compare as stored)."""
    ensure_default_dataset(session)
    with session.db.read() as conn:
        require_dataset(session, conn, dataset_uuid)
        return {"exists": repo.model_by_slug(conn, session.workspace_uuid, dataset_uuid, slug) is not None}


PREVIEW_ROWS = 10


def _preview_source(session: Session, dataset_uuid: str, extractor_slug: str, config: Any) -> Any:
    """What a preview checks before fetching: the dataset, the extractor and its configuration.
    Returns (extractor, checked config, connector uuid) for a connector extractor, None for native."""
    config = json_object(config, "config", reason="invalidConfig")
    ensure_default_dataset(session)
    found = check_extractor(extractor_slug)
    with session.db.read() as conn:
        if found is None:
            _native_dataset(session, conn, dataset_uuid)
            return None
        extractor, defaults = found
        dataset = _connector_dataset(session, conn, dataset_uuid, extractor.integration_slug, extractor_slug)
    from lading.services.storage._sync import full_config

    return extractor, full_config(extractor, defaults, config or {}), dataset.connector_uuid


def preview_model(session: Session, *, dataset_uuid: str, extractor_slug: str, config: Any) -> dict[str, Any]:
    """The first rows (at most 10) a model with this extractor and configuration would hold, and its
    columns, without creating it. The native extractor has no source of its own (its records arrive by
    imports and writes), so its preview is empty; a connector extractor's is its first page."""
    source = _preview_source(session, dataset_uuid, extractor_slug, config)
    if source is None:
        return {"records": [], "columns": [], "count": 0}
    from lading.services.storage._sync import preview_page

    columns, records = preview_page(session, source[2], source[0], source[1], PREVIEW_ROWS)
    return {"records": records, "columns": columns, "count": len(records)}


def preview_count(session: Session, *, dataset_uuid: str, extractor_slug: str, config: Any) -> dict[str, Any]:
    """How many records the previewed source holds (see `preview_model`), as the provider counts them."""
    source = _preview_source(session, dataset_uuid, extractor_slug, config)
    if source is None:
        return {"count": 0}
    from lading.services.storage._sync import source_count

    return {"count": source_count(session, source[2], source[0], source[1])}
