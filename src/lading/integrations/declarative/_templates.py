"""`{{…}}` templates of an integration document, evaluated over a call's values (`config`, `connector`,
`response`, `item`, `items`, `page`).

Plain paths (`{{config.domain}}`, `{{response.body.data[0].id}}`) resolve here in Python; anything
else is the engine's expression language, reached through the evaluator the composition root installs
(`use_evaluator`): integrations sit below the engine and cannot import it. A template that is exactly one
`{{…}}` keeps its value's JSON type; inside other text a value is written as text (objects as JSON)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from lading.integrations._sdk import ProviderError

Evaluator = Callable[[Any, dict[str, Any]], Any]
_EVALUATOR: list[Evaluator] = []

_SEGMENT = re.compile(r"\{\{(.*?)\}\}", re.S)
_PATH = re.compile(r"^\s*([A-Za-z_$][\w$]*)((?:\s*\.\s*[A-Za-z_$][\w$]*|\s*\[\s*(?:\d+|\"[^\"]*\"|'[^']*')\s*\])*)\s*$")
_STEP = re.compile(r"\.\s*([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*'([^']*)'\s*\]")


def use_evaluator(evaluator: Evaluator) -> None:
    """Install the engine's `evaluate_in(template, variables)` for templates beyond plain paths."""
    _EVALUATOR[:] = [evaluator]


def _plain(source: str) -> list[str | int] | None:
    match = _PATH.match(source)
    if match is None:
        return None
    steps: list[str | int] = [match.group(1)]
    for m in _STEP.finditer(match.group(2)):
        name, index, dq, sq = m.groups()
        text = name if name is not None else (dq if dq is not None else sq)
        steps.append(int(index) if index is not None else text)
    return steps


def _lookup(steps: list[str | int], variables: Mapping[str, Any]) -> Any:
    value: Any = variables
    for step in steps:
        if isinstance(value, Mapping):
            value = value.get(str(step))
        elif isinstance(value, list) and isinstance(step, int):
            value = value[step] if -len(value) <= step < len(value) else None
        elif isinstance(value, list) and step == "length":
            value = len(value)
        else:
            return None
        if value is None:
            return None
    return value


def needs_engine(value: Any) -> bool:
    """Whether any template in `value` is more than a plain path."""
    if isinstance(value, str):
        return any(_plain(m.group(1)) is None for m in _SEGMENT.finditer(value))
    if isinstance(value, Mapping):
        return any(needs_engine(v) for v in value.values())
    if isinstance(value, list):
        return any(needs_engine(v) for v in value)
    return False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render_plain(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        if "{{" not in value:
            return value
        whole = _SEGMENT.fullmatch(value.strip())
        if whole is not None and value.strip().count("{{") == 1:
            steps = _plain(whole.group(1))
            return _lookup(steps, variables) if steps is not None else None
        return _SEGMENT.sub(lambda m: _text(_lookup(_plain(m.group(1)) or [], variables)), value)
    if isinstance(value, Mapping):
        return {k: render_plain(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render_plain(v, variables) for v in value]
    return value


async def render(value: Any, variables: dict[str, Any], where: str) -> Any:
    """`value` with every template replaced; expressions beyond plain paths go to the engine (in a
    thread: the engine's V8 call must not hold the worker's event loop)."""
    if not needs_engine(value):
        return render_plain(value, variables)
    # Objects and arrays part by part: plain paths stay plain (an absent value is null), only the
    # expressions go to the engine.
    if isinstance(value, Mapping):
        return {k: await render(v, variables, where) for k, v in value.items()}
    if isinstance(value, list):
        return [await render(v, variables, where) for v in value]
    if not _EVALUATOR:
        raise ProviderError(f"{where}: this template needs the expression engine, which is not available here",
                            retryable=False)
    evaluator = _EVALUATOR[0]
    try:
        return _json_value(await asyncio.to_thread(evaluator, value, variables))
    except Exception as exc:  # an expression error names the template, never the values
        message = getattr(exc, "message", None) or str(exc)
        raise ProviderError(f"{where}: {message}", retryable=False) from None


def _json_value(value: Any) -> Any:
    """An expression's value as JSON data: JavaScript's `undefined` (and anything else that is not
    JSON) is null; object keys whose value is undefined are left out, as `JSON.stringify` does."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items() if _is_json(v)}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return None


def _is_json(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float, Mapping, list, tuple))


async def render_path(template: str, variables: dict[str, Any], where: str) -> str:
    """A request path: each `{{…}}` value percent-encoded as one path segment (a `/`, `?` or `#` in a
    value cannot change the request's path or query), except a path that is one template alone, which
    is taken as a whole (relative path or absolute URL)."""
    from urllib.parse import quote

    stripped = template.strip()
    if _SEGMENT.fullmatch(stripped) and stripped.count("{{") == 1:
        return _text(await render(stripped, variables, where))
    out, pos = [], 0
    for match in _SEGMENT.finditer(template):
        out.append(template[pos:match.start()])
        value = await render(match.group(0), variables, where)
        out.append(quote(_text(value), safe="@:,;=+!*'()$~"))
        pos = match.end()
    out.append(template[pos:])
    return "".join(out)
