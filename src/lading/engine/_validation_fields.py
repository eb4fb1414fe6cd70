"""Per-node shape checks of graph validation (spec: orchestration §2.1, §2.3, §2.4, §2.7).

Kept apart from `validation.py`, which owns the graph-level rules (start/end, edges, cycles,
nesting): everything here looks at one node in isolation and answers plain messages, so the
rules stay readable as a list and the caller decides which reason code each message carries.
Every function accepts arbitrary JSON and never raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from lading.domain.errors import shown
from lading.domain.nodes import UUID_RE, VARIABLE_TYPES

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


def native_config_problems(action_slug: str, config: dict[str, Any]) -> list[str]:
    """The config schema of the native actions that have one worth checking structurally."""
    if action_slug in ("variables", "end"):
        return _variables_problems(config)
    if action_slug == "switch":
        return _routes_problems(config)
    if action_slug == "split":
        return _number_problems(config, "percentage", 0, 100)
    if action_slug == "delay":
        return _number_problems(config, "minutes", 0, None)
    if action_slug == "group":
        return _group_problems(config)
    if action_slug in ("modelUpsert", "modelInsert"):
        return _model_write_problems(config)
    return []


def _model_write_problems(config: dict[str, Any]) -> list[str]:
    problems = []
    if not (isinstance(config.get("modelUuid"), str) and config["modelUuid"]):
        problems.append(f"'config.modelUuid' must be a model uuid, got {show(config.get('modelUuid'))}")
    if not isinstance(config.get("data"), (dict, str)):
        problems.append(f"'config.data' must be an object of column values (or an expression), "
                        f"got {show(config.get('data'))}")
    return problems


def _object_entries(items: list[Any], key: str, fields: str,
                    problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of the list `config.<key>` with the place messages name it by; an entry that is not an
    object is reported (with the fields it should have) and skipped, so the caller checks only objects."""
    for i, item in enumerate(items):
        where = f"'config.{key}[{i}]'"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object {{{fields}}}, got {show(item)}")
            continue
        yield where, item


def _variables_problems(config: dict[str, Any]) -> list[str]:
    # Decision: a missing `variables` key means no variables (a bare `end` with `{}` is common).
    if "variables" not in config:
        return []
    variables = config["variables"]
    if not isinstance(variables, list):
        return [f"'config.variables' must be a list, got {show(variables)}"]
    problems: list[str] = []
    for where, variable in _object_entries(variables, "variables", "name, type, value", problems):
        name = variable.get("name")
        if not (isinstance(name, str) and name):
            problems.append(f"{where}.name must be a non-empty string, got {show(name)}")
        vtype = variable.get("type")
        if not (isinstance(vtype, str) and vtype in VARIABLE_TYPES):
            problems.append(f"{where}.type must be one of {', '.join(VARIABLE_TYPES)}, got {show(vtype)}")
        if "value" not in variable:
            problems.append(f"{where} is missing 'value'")
    return problems


def routes_ok(config: dict[str, Any]) -> bool:
    """Whether a switch's routes form a list, so that its children count can be derived."""
    return isinstance(config.get("routes"), list)


def _routes_problems(config: dict[str, Any]) -> list[str]:
    routes = config.get("routes")
    if not isinstance(routes, list):
        return [f"'config.routes' must be a list of {{name, uuid, value}}, got {show(routes)}"]
    problems: list[str] = []
    for where, route in _object_entries(routes, "routes", "name, uuid, value", problems):
        for key in ("name", "uuid"):
            if not isinstance(route.get(key), str):
                problems.append(f"{where}.{key} must be a string, got {show(route.get(key))}")
        if "value" not in route:
            problems.append(f"{where} is missing 'value'")
    return problems


def _number_problems(config: dict[str, Any], key: str, low: float, high: float | None) -> list[str]:
    # Decision: like every config leaf (§2.8), the number may be an expression; it is then checked
    # at run time. The brief only named delay; split gets the same rule for consistency.
    value = config.get(key)
    if is_expression(value):
        return []
    if is_number(value) and value >= low and (high is None or value <= high):
        return []
    wanted = f"a number from {low} to {high}" if high is not None else f"a number ≥ {low}"
    return [f"'config.{key}' must be {wanted} or an expression, got {show(value)}"]


def _group_problems(config: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if "items" not in config:
        problems.append("a group needs 'config.items' (an array or an expression)")
    if not isinstance(config.get("_nodes"), list):
        problems.append(f"'config._nodes' must be a list of nodes, got {show(config.get('_nodes'))}")
    fail = config.get("failOnItemFailure")
    if fail is not None and not isinstance(fail, bool):
        problems.append(f"'config.failOnItemFailure' must be a boolean, got {show(fail)}")
    return problems
