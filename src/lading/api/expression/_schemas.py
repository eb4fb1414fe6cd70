"""The documented 200 body of `expression.evaluate` (api.md §11). Documentation only: see
`api/_schemas.py` for why the route's answer never passes through these models."""

from __future__ import annotations

from typing import Any

from lading.domain.shapes import Shape


class Evaluated(Shape):
    """The expression's value (`null` for JavaScript's `undefined`)."""

    data: Any


class EvaluationFailed(Shape):
    """The expression threw (or asked a language model the workspace does not have): its message."""

    error_message: str


Evaluation = Evaluated | EvaluationFailed
