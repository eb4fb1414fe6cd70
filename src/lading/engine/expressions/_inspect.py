"""Expressions seen without a run: which JavaScript segments a config holds, where, and which
node slugs they read. Graph validation uses it; the walk mirrors `ExpressionEvaluator`'s (`_evaluator._compile`)
(same leaves, same skip keys, same template split) so that what is checked is exactly what runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from lading.engine.expressions._paths import parse_path
from lading.engine.expressions._rewrite import rewrite
from lading.engine.expressions._template import Template, single_segment, split_template

_LEAF_KINDS = frozenset({"templateExpression", "jsExpression"})


class SegmentUse(NamedTuple):
    """One JavaScript segment of a config: where it sits and its source (between the braces)."""

    parts: tuple[str | int, ...]  # keys and indexes from the config's root to the leaf
    source: str
    raw: str  # as written: `{{ … }}`, or the whole string of a jsExpression


class References(NamedTuple):
    """Slugs a segment reads under each root; None when the root is used as a whole (`Object.keys(nodes)`)."""

    nodes: frozenset[str] | None
    parent_nodes: frozenset[str] | None


def config_segments(config: Any, skip_keys: frozenset[str]) -> Iterator[SegmentUse]:
    """Every segment the evaluator would run for this config, in document order."""
    yield from _walk(config, (), skip_keys)


def _walk(value: Any, parts: tuple[str | int, ...], skip: frozenset[str]) -> Iterator[SegmentUse]:
    if isinstance(value, str):
        if "{{" in value:
            yield from _template(split_template(value), parts)
        return
    if isinstance(value, dict):
        kind = value.get("kind")
        if isinstance(kind, str) and kind in _LEAF_KINDS and "expression" in value:
            expression = value["expression"]
            if not isinstance(expression, str):
                return
            if kind == "jsExpression" and not expression.lstrip().startswith("{{"):
                yield from _template(single_segment(expression), (*parts, "expression"))
            elif "{{" in expression:
                yield from _template(split_template(expression), (*parts, "expression"))
            return
        for key, item in value.items():
            if key not in skip:
                yield from _walk(item, (*parts, key), skip)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*parts, index), skip)


def _template(template: Template, parts: tuple[str | int, ...]) -> Iterator[SegmentUse]:
    for part in template.parts:
        if not isinstance(part, str):
            yield SegmentUse(parts, part.source, part.raw)


def is_plain_path(source: str) -> bool:
    """A path the evaluator resolves without V8 (`nodes.a.b[0]`): valid JavaScript by construction."""
    return parse_path(source) is not None


def balances(source: str) -> bool:
    """Whether brackets and literals balance; when they do not, the evaluator keeps the text as is."""
    return rewrite(source) is not None


def segment_references(source: str) -> References | None:
    """The slugs `source` reads through `nodes.<slug>` / `nodes["slug"]` (and `parentNodes`), or None
    when it does not balance."""
    rewritten = rewrite(source)
    if rewritten is None:
        return None
    return References(rewritten.nodes, rewritten.parent_nodes)
