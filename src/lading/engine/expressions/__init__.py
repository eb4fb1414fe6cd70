"""Config expressions (spec orchestration.md 2.8): `{{ … }}` templates and JavaScript
expressions, resolved against a run context.

Plain paths (`{{nodes.start.domain}}`) are resolved in Python; anything else runs in V8 with
optional-chained member access, one round trip per config (or, in the worker, per group of
configs stepping at the same moment: `ExpressionGroups`). Public face only; see the private
modules for how (`_evaluator`, `_paths`, `_rewrite`, `_template`, `_v8`, `_values`).
"""

from __future__ import annotations

import threading

from lading.engine.expressions._errors import AiInstructionError, ExpressionError
from lading.engine.expressions._evaluator import ConfigPlan, ExpressionEvaluator
from lading.engine.expressions._groups import ExpressionGroups
from lading.engine.expressions._inspect import (
    References,
    SegmentUse,
    balances,
    config_segments,
    is_plain_path,
    segment_references,
)
from lading.engine.expressions._values import UNDEFINED, is_truthy, to_json_value

__all__ = [
    "UNDEFINED",
    "AiInstructionError",
    "ConfigPlan",
    "ExpressionError",
    "ExpressionEvaluator",
    "ExpressionGroups",
    "References",
    "SegmentUse",
    "balances",
    "config_segments",
    "get_evaluator",
    "is_plain_path",
    "is_truthy",
    "segment_references",
    "to_json_value",
]

_local = threading.local()


def get_evaluator() -> ExpressionEvaluator:
    """The calling thread's evaluator (its V8 context is created on first need)."""
    evaluator = getattr(_local, "evaluator", None)
    if evaluator is None:
        evaluator = _local.evaluator = ExpressionEvaluator()
    return evaluator
