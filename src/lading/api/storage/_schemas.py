"""The documented 200 bodies of the storage routes (api.md §3, §12): the services' shapes
(`services/storage/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lading.domain.shapes import Shape
from lading.services.storage import shapes


class DatasetAnswer(Shape):
    dataset: shapes.Dataset


class DatasetList(Shape):
    datasets: list[shapes.Dataset]


class ModelAnswer(Shape):
    model: shapes.Model


class ModelList(Shape):
    models: list[shapes.Model]


class Exists(Shape):
    exists: bool


class Preview(Shape):
    records: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    count: int


class ColumnNames(Shape):
    """`column.list`: the physical column names, as `get-ddl` writes them (with `objects=true`, the
    Column objects `storage column list` prints)."""

    columns: list[str] | list[dict[str, Any]]


class Columns(Shape):
    """The model's Column objects after a change, in `position` order."""

    columns: list[dict[str, Any]]


class Suggestion(Shape):
    value: Any
    label: Any


class Suggestions(Shape):
    results: list[Suggestion]


class RelationshipAnswer(Shape):
    relationship: shapes.Relationship


class RelationshipList(Shape):
    relationships: list[shapes.Relationship]


class StorageRunAnswer(Shape):
    run: shapes.StorageRun


class StorageRunList(Shape):
    runs: list[shapes.StorageRun]


class RecordAnswer(Shape):
    record: dict[str, Any]


class RecordFetched(RecordAnswer):
    is_refreshing: Literal[False]


class RecordList(Shape):
    records: list[dict[str, Any]]


class RecordPage(RecordList):
    is_refreshing: Literal[False]


class ImportAnswer(Shape):
    import_: shapes.Import = Field(alias="import")


class QueryRows(Shape):
    rows: list[dict[str, Any]]
    is_refreshing: Literal[False]


class QueryLinks(Shape):
    urls: list[str]
    is_refreshing: Literal[False]
