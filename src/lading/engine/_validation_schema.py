"""A native node's config checked against its action's JSON Schema (catalog `config_schema`).

Why not jsonschema's own messages: they are Python text (`'prompt' is a required property`,
`5 is not of type 'string'`); a finding must say, in JSON terms, where (`config.prompt`), what was
expected and what was given. Values written as expressions are evaluated at run time, so an error
at or under an expression leaf is dropped (spec orchestration §2.8: any config leaf may be one).
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from lading.engine._validation_fields import is_expression, show
from lading.engine.natives.catalog import NATIVE_ACTIONS, checked_skip_keys

_ARTICLE = {"string": "a string", "number": "a number", "integer": "an integer", "boolean": "a boolean",
            "array": "an array", "object": "an object", "null": "null"}


class ConfigFinding(NamedTuple):
    path: str  # `config.advancedSettings.connectorUuid`, `config.variables[0].type`
    message: str


def config_path(parts: Any) -> str:
    """`config` followed by the keys (`.key`) and indexes (`[i]`) of a place in the config."""
    text = "config"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@cache
def _validator(action_slug: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = NATIVE_ACTIONS[action_slug].config_schema
    return Draft202012Validator(schema)


def config_schema_findings(action_slug: str, config: dict[str, Any]) -> list[ConfigFinding]:
    """Where `config` breaks the action's schema; empty when it conforms (or the action is unknown)."""
    if action_slug not in NATIVE_ACTIONS:
        return []
    try:
        errors = list(_validator(action_slug).iter_errors(config))
    except Exception:  # a pathological value (deep nesting): the structural checks still stand
        return []
    findings: list[ConfigFinding] = []
    seen: set[str] = set()
    kept_as_written = checked_skip_keys(action_slug)  # `_nodes`, `script`: never evaluated
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        parts = list(error.absolute_path)
        if not (parts and parts[0] in kept_as_written) and _under_expression(config, parts):
            continue
        for finding in _describe(error, parts):
            if finding.path not in seen:
                seen.add(finding.path)
                findings.append(finding)
    return findings


def _under_expression(config: Any, parts: list[Any]) -> bool:
    """Whether the value at `parts`, or any container on the way to it, is an expression."""
    value = config
    for part in parts:
        if is_expression(value):
            return True
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False
    return is_expression(value)


def expected_text(schema: Any) -> str:
    """What a schema asks for, in words (`a number from 0 to 100`, `one of "text", "jsonSchema"`)."""
    if not isinstance(schema, dict):
        return "a value"
    if "enum" in schema:
        return "one of " + ", ".join(show(v) for v in schema["enum"])
    kind = schema.get("type")
    words = _ARTICLE.get(kind, "a value") if isinstance(kind, str) else "a value"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words += f" from {low} to {high}"
    elif low is not None:
        words += f" ≥ {low}"
    elif high is not None:
        words += f" ≤ {high}"
    if kind == "string" and schema.get("minLength") == 1:
        words = "a non-empty string"
    return words


def _describe(error: Any, parts: list[Any]) -> list[ConfigFinding]:
    keyword = error.validator
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [
            ConfigFinding(config_path([*parts, key]),
                          f"'{config_path([*parts, key])}' is required: expected "
                          f"{expected_text(properties.get(key))}, got nothing")
            for key in error.validator_value if key not in instance
        ]
    path = config_path(parts)
    expected = expected_text(error.schema)
    if keyword in ("type", "enum", "minimum", "maximum", "minLength"):
        suffix = " (or an expression)" if keyword in ("type", "minimum", "maximum") else ""
        return [ConfigFinding(path, f"'{path}' must be {expected}{suffix}, got {show(error.instance)}")]
    return [ConfigFinding(path, f"'{path}' does not match the action's schema ({keyword}), "
                                f"got {show(error.instance)}")]
