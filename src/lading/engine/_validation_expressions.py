"""Expression checks of graph validation: does each `{{ }}` segment parse as JavaScript, and which
node slugs does it read (spec orchestration §2.8, §2.10).

Why V8: the evaluator compiles segments with V8, so only V8 can say whether one parses; a
segment that does not is silently kept as literal text at run time (§2.8 rule 5), which is the
mistake validation must catch. Sources are compiled, never run (`engine.v8.check_syntax`), all
those of a graph in one round trip, and each verdict is cached by its text: a big graph, or the
same graph validated again on deploy, costs no more V8 work than its new expressions. Plain paths
(`nodes.a.b[0]`) are valid by construction and never reach V8.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lading.engine.expressions import SegmentUse, balances, config_segments, is_plain_path
from lading.engine.natives.catalog import CONFIG_SKIP_KEYS, NATIVE_ACTIONS, checked_skip_keys

_TIMEOUT_S = 10.0
_MEMORY_BYTES = 256 * 1024 * 1024
_CACHE_LIMIT = 50_000
_UNBALANCED = "SyntaxError: brackets, quotes or template literals do not balance"
_EMPTY = "the expression is empty"

_verdicts: dict[str, str | None] = {}  # source → None (parses) or the reason it does not


def node_segments(node: dict[str, Any]) -> list[SegmentUse]:
    """The segments the executor evaluates for this node (a start node's config is not evaluated)."""
    config = node.get("config")
    if not isinstance(config, dict):
        return []
    if node.get("kind") == "native":
        action = NATIVE_ACTIONS.get(node.get("actionSlug"))  # type: ignore[arg-type]
        if action is not None and not action.evaluates_config:
            return []
        skip = checked_skip_keys(node.get("actionSlug"))
    else:
        skip = CONFIG_SKIP_KEYS
    try:
        return list(config_segments(config, skip))
    except RecursionError:
        return []


def graph_segments(nodes: Any, depth: int = 0, limit: int = 32) -> Iterator[SegmentUse]:
    """Every segment of a graph, group sub-graphs included (for one batched syntax check)."""
    if not isinstance(nodes, list) or depth > limit:
        return
    for node in nodes:
        if not isinstance(node, dict):
            continue
        yield from node_segments(node)
        config = node.get("config")
        if node.get("actionSlug") == "group" and isinstance(config, dict):
            yield from graph_segments(config.get("_nodes"), depth + 1, limit)


def prime(sources: Iterable[str]) -> None:
    """Decide the verdicts of sources not seen yet, in one V8 round trip. When the sandbox cannot
    answer, those sources stay undecided (validation must not refuse a graph for its own failure)."""
    pending: list[str] = []
    for source in sources:
        if source in _verdicts or source in pending:
            continue
        if not source:
            _remember(source, _EMPTY)
        elif is_plain_path(source):
            _remember(source, None)
        else:
            pending.append(source)
    if not pending:
        return
    from lading.engine.v8 import V8Error, check_syntax

    try:
        answers = check_syntax(pending, timeout_s=_TIMEOUT_S, memory_bytes=_MEMORY_BYTES)
    except V8Error:
        for source in pending:
            if not balances(source):
                _remember(source, _UNBALANCED)
        return
    for source, answer in zip(pending, answers, strict=False):
        if answer is None and not balances(source):
            answer = _UNBALANCED  # V8 would accept it, but the evaluator keeps it as text
        _remember(source, answer)


def syntax_problem(source: str) -> str | None:
    """Why `source` does not parse (after `prime`), or None when it does or is undecided."""
    return _verdicts.get(source)


def _remember(source: str, verdict: str | None) -> None:
    if len(_verdicts) >= _CACHE_LIMIT:
        _verdicts.clear()
    _verdicts[source] = verdict
