"""The documented 200 bodies of the segmentation routes (api.md §4): the services' shapes
(`services/segmentation/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models. Records are data rows
keyed by column slug, so they are described as plain objects."""

from __future__ import annotations

from typing import Any

from lading.api._schemas import envelope
from lading.domain.shapes import Shape
from lading.services.segmentation import shapes

SegmentAnswer = envelope("SegmentAnswer", segment=shapes.Segment)
SegmentList = envelope("SegmentList", segments=list[shapes.Segment])


class SegmentColumn(Shape):
    """A column of fetched records (D §7.3): `slug`, `type`, `label`, `modelUuid`."""

    slug: str
    type: str
    label: str | None
    model_uuid: str


class SegmentFetch(Shape):
    """`segment.fetch`: one page, the total `count` after `limit`, the columns present."""

    records: list[dict[str, Any]]
    count: int
    columns: list[SegmentColumn]
    is_refreshing: bool


ChangeAnswer = envelope("ChangeAnswer", change=shapes.Change)
ChangeList = envelope("ChangeList", changes=list[shapes.Change])


class ChangeFetch(Shape):
    """`change.fetch`: the records of one change with their `_kind`, and how many there are."""

    records: list[dict[str, Any]]
    count: int
    columns: list[SegmentColumn]


class Links(Shape):
    """Signed export links (api.md §0.6): always one file, so a one-element array."""

    urls: list[str]


class Records(Shape):
    """`record.fetch`: the records found (unknown ids are absent)."""

    records: list[dict[str, Any]]
