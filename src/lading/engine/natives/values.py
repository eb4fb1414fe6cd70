"""`variables` and `end`: named, typed values (spec §2.3, "Variables/end")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from lading.domain.errors import NodeExecutionError
from lading.engine.expressions import UNDEFINED, to_json_value

from ._result import NativeCall, NativeResult


def _coerce(value: Any, type_: str) -> Any:
    if value is UNDEFINED or value is None:
        return None
    if type_ == "number" and isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if type_ == "boolean" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if type_ == "string" and isinstance(value, (dict, list)):
        return orjson.dumps(to_json_value(value)).decode()
    if type_ == "date" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return to_json_value(value)


def evaluate_variables(config: dict[str, Any]) -> dict[str, Any]:
    """The `{name: value}` object of a computed variables/end config."""
    variables = config.get("variables") or []
    if not isinstance(variables, list):
        raise NodeExecutionError("config.variables must be a list", retryable=False)
    out: dict[str, Any] = {}
    for var in variables:
        if not isinstance(var, dict) or not isinstance(var.get("name"), str):
            raise NodeExecutionError("each variable needs a name", retryable=False)
        out[var["name"]] = _coerce(var.get("value"), str(var.get("type") or "any"))
    return out


async def run_start(call: NativeCall) -> NativeResult:
    run_input = call.run_input
    return NativeResult(output=run_input if run_input is not None else {}, child_index=0)


async def run_variables(call: NativeCall) -> NativeResult:
    return NativeResult(output=evaluate_variables(call.config), child_index=0)


async def run_end(call: NativeCall) -> NativeResult:
    return NativeResult(output=evaluate_variables(call.config), child_index=None)
