"""The documented 200 bodies of the system-of-record routes (documentation only, see `api/_schemas.py`)."""

from __future__ import annotations

from typing import Any, Literal

from lading.domain.shapes import Shape
from lading.services.system_of_record import shapes


class SorList(Shape):
    sors: list[shapes.SystemOfRecord]


class QueryOutcome(Shape):
    """`queried` with `rows` (query, fetch) or `url` (download), or `notQueried` with `errorMessage`."""

    outcome: Literal["queried", "notQueried"]
    rows: list[dict[str, Any]] | None = None
    url: str | None = None
    error_message: str | None = None
