"""`/storage/columns…`: list, create, update, remove, reorder, existsBySlug, autocomplete (`storage
column …`, api.md §3).

`column.list` answers the model's physical column names (the client's contract); `storage column list`
prints Column objects, so in remote mode it reads `GET /storage/columns/list?objects=true`, the same
service the embedded command calls (a Lading extension of the route).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.storage import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import columns

router = Router(prefix="/storage/columns", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


class ColumnList(Query):
    model_uuid: str
    objects: bool = False  # Lading: the Column objects `storage column list` prints


class ExistsBySlug(Query):
    slug: str
    model_uuid: str


class ColumnWrite(Body):
    model_uuid: str
    column: Any  # the service checks the Column object (same refusal as the embedded CLI)


class ColumnRemove(Body):
    model_uuid: str
    column_slug: str


class ColumnReorder(Body):
    model_uuid: str
    column_slug: str
    to_index: int


class ColumnAutocomplete(Body):
    model_uuid: str
    column: Any
    query: str | None = None


@router.get("/list", summary="column.list: the model's physical column names in position order "
                             "(objects=true: its Column objects, as `storage column list` prints them)",
            openapi_extra=query_parameters(ColumnList), **answers(schemas.ColumnNames))
def list_columns(session: Caller, fields: Annotated[ColumnList, Depends(query(ColumnList))]) -> dict[str, Any]:
    if fields.objects:
        return columns.list_columns(session, fields.model_uuid)
    return columns.column_names(session, fields.model_uuid)


@router.get("/existsBySlug", summary="column.existsBySlug: whether the model has a column of this slug",
            openapi_extra=query_parameters(ExistsBySlug), **answers(schemas.Exists))
def exists_by_slug(session: Caller, fields: Annotated[ExistsBySlug, Depends(query(ExistsBySlug))]) -> dict[str, Any]:
    return columns.column_exists_by_slug(session, model_uuid=fields.model_uuid, slug=fields.slug)


@router.post("/autocomplete", summary="column.autocomplete: up to 50 distinct values containing `query`",
             **answers(schemas.Suggestions))
def autocomplete(body: ColumnAutocomplete, session: Caller) -> dict[str, Any]:
    return columns.autocomplete_column(session, model_uuid=body.model_uuid, column=body.column, query=body.query)


@router.post("", summary="column.create: the model's columns after the change", **answers(schemas.Columns))
def create_column(body: ColumnWrite, session: Caller) -> dict[str, Any]:
    return columns.create_column(session, body.model_uuid, body.column)


@router.put("", summary="column.update: the whole Column replaced (found by slug)", **answers(schemas.Columns))
def update_column(body: ColumnWrite, session: Caller) -> dict[str, Any]:
    return columns.update_column(session, body.model_uuid, body.column)


@router.delete("", summary="column.remove: the column and its values", **answers(schemas.Columns))
def remove_column(body: ColumnRemove, session: Caller) -> dict[str, Any]:
    return columns.remove_column(session, body.model_uuid, body.column_slug)


@router.put("/reorder", summary="column.reorder: move a column to a 0-based index", **answers(schemas.Columns))
def reorder_column(body: ColumnReorder, session: Caller) -> dict[str, Any]:
    return columns.reorder_column(session, body.model_uuid, body.column_slug, body.to_index)
