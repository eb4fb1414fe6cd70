"""The documented 200 body of `expression.evaluate` (api.md §11). Documentation only: see
`api/_schemas.py` for why the route's answer never passes through this model."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from lading.domain.shapes import Shape


class Evaluated(Shape):
    """`{"data": value}` once evaluated, or `{"errorMessage"}` when the expression threw."""

    model_config = ConfigDict(extra="allow")
    data: Any = None
    error_message: str | None = None
