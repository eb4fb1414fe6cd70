"""`/storage/models…`: list, existsBySlug, preview, previewCount, create, get, getDdl, update, refresh,
remove (`storage model …`, api.md §3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Count, Removed, answers
from lading.api.storage import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import models, shapes

router = Router(prefix="/storage/models", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


class ModelList(Query):
    dataset_uuid: str | None = None


class ExistsBySlug(Query):
    slug: str
    dataset_uuid: str


class PreviewSource(Body):
    dataset_uuid: str
    slug: str  # read as the extractor's slug (api.md §3)
    config: Any


class ModelCreate(Body):
    slug: str
    name: str
    dataset_uuid: str
    # Typed loosely where the service checks the value itself: the API and the embedded CLI then
    # refuse a bad value with the same document.
    extractor_slug: str = models.NATIVE_EXTRACTOR
    config: Any = None
    description: Any = None
    schedule: Any = None
    folder_uuid: Any = None
    id_column_slug: str | None = None
    title_column_slug: str | None = None
    time_column_slug: str | None = None
    columns: Any = None  # Lading: `model create --columns`


class ModelUpdate(Body):
    name: str | None = None
    description: Any = None
    position: Any = None
    config: Any = None
    unification: Any = None
    schedule: Any = None
    folder_uuid: Any = None
    is_paused: Any = None


class Empty(Body):
    """The client's `{}` body of a model remove."""


def _bool_literal(value: Any) -> Any:
    """`isPaused` as the service reads the CLI's flag: booleans as their literals, anything else as sent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@router.get("/list", summary="model.all: the workspace's models, or one dataset's (datasetUuid)",
            openapi_extra=query_parameters(ModelList), **answers(schemas.ModelList))
def list_models(session: Caller, fields: Annotated[ModelList, Depends(query(ModelList))]) -> dict[str, Any]:
    return models.list_models(session, dataset_uuid=fields.dataset_uuid)


@router.get("/existsBySlug", summary="model.existsBySlug: whether the dataset holds a model of this slug",
            openapi_extra=query_parameters(ExistsBySlug), **answers(schemas.Exists))
def exists_by_slug(session: Caller, fields: Annotated[ExistsBySlug, Depends(query(ExistsBySlug))]) -> dict[str, Any]:
    return models.model_exists_by_slug(session, slug=fields.slug, dataset_uuid=fields.dataset_uuid)


@router.post("/preview", summary="model.preview: the first rows (at most 10) and columns of an extractor's source",
             **answers(schemas.Preview))
def preview(body: PreviewSource, session: Caller) -> dict[str, Any]:
    return models.preview_model(session, dataset_uuid=body.dataset_uuid, extractor_slug=body.slug, config=body.config)


@router.post("/previewCount", summary="model.previewCount: how many records the extractor's source holds",
             **answers(Count))
def preview_count(body: PreviewSource, session: Caller) -> dict[str, Any]:
    return models.preview_count(session, dataset_uuid=body.dataset_uuid, extractor_slug=body.slug, config=body.config)


@router.post("", summary="model.create: a model and its table (native extractor)", **answers(schemas.ModelAnswer))
def create_model(body: ModelCreate, session: Caller) -> dict[str, Any]:
    return models.create_model(session, slug=body.slug, name=body.name, dataset_uuid=body.dataset_uuid,
                               extractor_slug=body.extractor_slug, config=body.config,
                               id_column_slug=body.id_column_slug, title_column_slug=body.title_column_slug,
                               time_column_slug=body.time_column_slug, columns=body.columns,
                               description=body.description, schedule=body.schedule, folder_uuid=body.folder_uuid)


@router.get("/{uuid}", summary="model.get: the model with its columns", **answers(schemas.ModelAnswer))
def get_model(uuid: str, session: Caller) -> dict[str, Any]:
    return models.get_model(session, uuid)


@router.get("/{uuid}/ddl", summary="model.getDdl: the physical CREATE TABLE and the SQL dialect",
            **answers(shapes.ModelDdl))
def get_ddl(uuid: str, session: Caller) -> dict[str, Any]:
    return models.model_ddl(session, uuid)


@router.put("/{uuid}", summary="model.update: only the fields sent change (null clears the nullable ones)",
            **answers(schemas.ModelAnswer))
def update_model(uuid: str, body: ModelUpdate, session: Caller) -> dict[str, Any]:
    sent = body.given()
    extras = {key: sent[key] for key in ("description", "position", "unification", "folder_uuid") if key in sent}
    schedule = sent.get("schedule")
    if "schedule" in sent and schedule is None:
        schedule = "none"  # null clears the schedule, as `--schedule none` does
    return models.update_model(session, uuid=uuid, name=body.name, config=body.config, schedule=schedule,
                               is_paused=_bool_literal(body.is_paused), **extras)


@router.post("/{uuid}/refresh", summary="model.refresh: start an extractor sync (native models have none)",
             **answers(schemas.ModelAnswer))
def refresh_model(uuid: str, session: Caller) -> dict[str, Any]:
    return models.refresh_model(session, uuid)


@router.delete("/{uuid}", summary="model.remove: the model and its records (refused while used)", **answers(Removed))
def remove_model(uuid: str, session: Caller, body: Empty | None = None) -> dict[str, Any]:
    return models.remove_model(session, uuid)
