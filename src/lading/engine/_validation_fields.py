"""Per-node shape checks of graph validation (spec: orchestration §2.1, §2.3, §2.4, §2.7).

Kept apart from `validation.py`, which owns the graph-level rules (start/end, edges, cycles,
nesting): everything here looks at one node in isolation and answers plain messages, so the
rules stay readable as a list and the caller decides which reason code each message carries.
Every function accepts arbitrary JSON and never raises.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from lading.domain.errors import shown
from lading.domain.nodes import UUID_RE

EXPRESSION_KINDS = ("templateExpression", "jsExpression")


def show(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a user value for messages (JSON words, not Python's: `null`, `{"a": 1}`)."""
    text = shown(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_number(value: Any) -> TypeGuard[float]:
    """A JSON number (booleans are not numbers, although Python says they are ints)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_uuid(value: Any) -> bool:
    """A well-formed UUID string; `fullmatch` so that a trailing newline does not slip through `$`."""
    return isinstance(value, str) and UUID_RE.fullmatch(value) is not None


def is_expression(value: Any) -> bool:
    """An expression leaf (§2.8): an expression object, or a plain string containing `{{`."""
    if isinstance(value, str):
        return "{{" in value
    return (
        isinstance(value, dict)
        and value.get("kind") in EXPRESSION_KINDS
        and isinstance(value.get("expression"), str)
    )


def base_field_problems(node: dict[str, Any]) -> list[str]:
    """Required fields other than uuid/slug/kind (checked by the caller) and the optional ones."""
    problems: list[str] = []
    if "config" not in node:
        problems.append("missing required field 'config'")
    elif not isinstance(node["config"], dict):
        problems.append(f"'config' must be an object, got {show(node['config'])}")
    if "childrenUuids" not in node:
        problems.append("missing required field 'childrenUuids'")
    elif not children_list_ok(node["childrenUuids"]):
        problems.append(
            f"'childrenUuids' must be a list of node uuids or null, got {show(node['childrenUuids'])}"
        )
    if "fallbackOnFailure" not in node:
        problems.append("missing required field 'fallbackOnFailure'")
    elif not isinstance(node["fallbackOnFailure"], bool):
        problems.append(f"'fallbackOnFailure' must be a boolean, got {show(node['fallbackOnFailure'])}")
    # Decision: `position` is required by §2.1 but is layout only, and hand-written graphs (and
    # agents) often leave it out; a missing position is accepted, a malformed one is rejected.
    if "position" in node and not _position_ok(node["position"]):
        problems.append(f"'position' must be an object {{x, y}} of numbers, got {show(node['position'])}")
    fallback = node.get("fallbackChildUuid")
    if fallback is not None and not isinstance(fallback, str):
        problems.append(f"'fallbackChildUuid' must be a node uuid or null, got {show(fallback)}")
    for key in ("name", "description"):
        value = node.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"'{key}' must be a string, got {show(value)}")
    if node.get("retry") is not None:
        problems.extend(retry_problems(node["retry"]))
    return problems


def children_list_ok(children: Any) -> TypeGuard[list[str | None]]:
    return isinstance(children, list) and all(c is None or isinstance(c, str) for c in children)


def _position_ok(position: Any) -> bool:
    return isinstance(position, dict) and is_number(position.get("x")) and is_number(position.get("y"))


def retry_problems(retry: Any) -> list[str]:
    """§2.7: `maximumAttempts` is required (it is the point of the object); the others when given."""
    if not isinstance(retry, dict):
        return [f"'retry' must be an object, got {show(retry)}"]
    problems: list[str] = []
    attempts = retry.get("maximumAttempts")
    if not (isinstance(attempts, int) and not isinstance(attempts, bool) and attempts >= 1):
        problems.append(f"'retry.maximumAttempts' must be a positive integer, got {show(attempts)}")
    if "initialInterval" in retry:
        interval = retry["initialInterval"]
        if not (is_number(interval) and interval >= 0):
            problems.append(f"'retry.initialInterval' must be a non-negative number, got {show(interval)}")
    if "backoffCoefficient" in retry:
        coefficient = retry["backoffCoefficient"]
        if not (is_number(coefficient) and coefficient >= 1):
            problems.append(f"'retry.backoffCoefficient' must be a number ≥ 1, got {show(coefficient)}")
    return problems


def target_problems(node: dict[str, Any], target_key: str) -> list[str]:
    """Tool and agent nodes (§2.1): at least one of the target uuid or `templateSlug`, all strings."""
    problems: list[str] = []
    for key in (target_key, "templateSlug", "releaseUuid"):
        value = node.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"'{key}' must be a string, got {show(value)}")
    if not any(isinstance(node.get(key), str) and node[key] for key in (target_key, "templateSlug")):
        problems.append(f"a {node.get('kind')} node needs '{target_key}' or 'templateSlug'")
    return problems


def routes_ok(config: dict[str, Any]) -> bool:
    """Whether a switch's routes form a list, so that its children count can be derived."""
    return isinstance(config.get("routes"), list)
