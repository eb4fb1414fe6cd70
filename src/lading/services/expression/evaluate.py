"""`expression evaluate`: one expression (O §2.8) evaluated against the caller's variables (api.md §11).

The evaluator is the engine's, the one `node compute` and run execution use, so an expression gives
here exactly what it gives in a node's config. An expression that throws is an outcome, not a
failure: the answer is `{"errorMessage"}` (Cargo's client reads it from a 200), while input that is
not an expression or not a scope is a 400.
"""

from __future__ import annotations

import re
from typing import Any

from lading.domain.errors import LadingError, NodeExecutionError, ValidationError, shown
from lading.services.session import Session

_KINDS = ("templateExpression", "jsExpression")
_KEYS = ("kind", "expression", "instructTo", "fromRecipe", "recipe")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
# Names that cannot be a JavaScript parameter (or that would shadow what every expression relies on).
_RESERVED = frozenset((
    "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "eval", "export", "extends", "false", "finally", "for", "function", "if", "implements",
    "import", "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public",
    "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "undefined", "var", "void",
    "while", "with", "yield",
))


def _expression_leaf(expression: Any) -> Any:
    """The Expression object checked (a plain string is a `templateExpression`, as in a config)."""
    if isinstance(expression, str):
        return {"kind": "templateExpression", "expression": expression, "instructTo": "none", "fromRecipe": False}
    if not isinstance(expression, dict):
        raise ValidationError('expression must be an Expression {"kind","expression","instructTo","fromRecipe"}, '
                              f"not {shown(expression)}", reason="invalidData")
    for key in expression:
        if key not in _KEYS:
            raise ValidationError(f"expression: unknown key {shown(key)}; allowed keys: {', '.join(_KEYS[:4])}",
                                  reason="invalidData")
    if expression.get("kind") not in _KINDS:
        raise ValidationError(f"expression.kind must be one of {', '.join(_KINDS)}, not "
                              f"{shown(expression.get('kind'))}", reason="invalidData")
    if not isinstance(expression.get("expression"), str):
        raise ValidationError("expression.expression must be a string", reason="invalidData")
    if expression.get("instructTo", "none") not in ("none", "ai", None):
        raise ValidationError(f'expression.instructTo must be "none" or "ai", not {shown(expression["instructTo"])}',
                              reason="invalidData")
    if expression.get("fromRecipe") is True and expression.get("recipe") is not None:
        raise LadingError("notSupported", reason="notSupported", status_code=501)
    return {key: value for key, value in expression.items() if key != "recipe"}


def _scope(variables: Any) -> dict[str, Any]:
    if not isinstance(variables, dict):
        raise ValidationError('variables must be a JSON object of names, like {"record":{…}}, not '
                              f"{shown(variables)}", reason="invalidData")
    for name in variables:
        if not _IDENTIFIER.match(name) or name in _RESERVED:
            raise ValidationError(f"variables: {shown(name)} cannot be a name in an expression (a JavaScript "
                                  "identifier, not a reserved word)", reason="invalidData")
    return variables


def evaluate(session: Session, *, expression: Any, variables: Any) -> dict[str, Any]:
    """`{"data": value}`, or `{"errorMessage"}` when the expression throws (or asks a language model the
    workspace does not have: `instructTo: "ai"`, O §2.8)."""
    from lading.engine.expressions import get_evaluator, to_json_value

    leaf = _expression_leaf(expression)
    scope = _scope(variables)
    try:
        return {"data": to_json_value(get_evaluator().evaluate_in(leaf, scope))}
    except NodeExecutionError as exc:
        return {"errorMessage": exc.message}
