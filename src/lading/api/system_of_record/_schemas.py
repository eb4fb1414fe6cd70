"""The documented 200 bodies of the system-of-record routes (documentation only, see `api/_schemas.py`):
a query answers `queried` (rows, or a download's url) or `notQueried` (an outcome, not an error)."""

from __future__ import annotations

from lading.domain.shapes import Shape
from lading.services.system_of_record import shapes


class SorList(Shape):
    sors: list[shapes.SystemOfRecord]


QueryOutcome = shapes.Queried | shapes.NotQueried
DownloadOutcome = shapes.Downloaded | shapes.NotQueried
