"""Config expressions of many runs evaluated in one V8 round trip (`ExpressionGroups`, the
worker's path): same values as one config at a time, and a config that throws, loops or
mutates its context affects only itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lading.engine.expressions import ExpressionError, ExpressionGroups, get_evaluator


def _gather(groups: ExpressionGroups, configs: list[tuple[Any, dict[str, Any]]]) -> list[Any]:
    async def main() -> list[Any]:
        return await asyncio.gather(*(groups.compute_config(c, s) for c, s in configs), return_exceptions=True)

    return asyncio.run(main())


def _scope(i: int) -> dict[str, Any]:
    return {"nodes": {"start": {"email": f"user{i}@Example{i % 3}.COM", "n": i, "tags": [i, i + 1]}}}


CONFIG = {
    "domain": "{{ nodes.start.email.split('@')[1].toLowerCase() }}",
    "label": "n={{ nodes.start.n * 2 }} of {{ nodes.start.tags.length }}",
    "path": "{{nodes.start.n}}",
    "list": [{"kind": "jsExpression", "expression": "nodes.start.tags.map(t => t + 1)"}],
}


def test_a_group_answers_what_each_config_answers_alone() -> None:
    groups = ExpressionGroups()
    configs = [(CONFIG, _scope(i)) for i in range(300)]
    grouped = _gather(groups, configs)
    alone = [get_evaluator().compute_config(c, s) for c, s in configs]
    assert grouped == alone
    assert grouped[4] == {"domain": "example1.com", "label": "n=8 of 2", "path": 4, "list": [[5, 6]]}
    assert groups.requests < 10  # 300 configs, a handful of round trips


def test_a_config_that_throws_fails_alone() -> None:
    groups = ExpressionGroups()
    bad = {"x": "{{ (() => { throw new RangeError('boom ' + nodes.start.n) })() }}"}
    configs = [(CONFIG if i != 7 else bad, _scope(i)) for i in range(50)]
    results = _gather(groups, configs)
    assert isinstance(results[7], ExpressionError) and results[7].message == "RangeError: boom 7"
    assert all(not isinstance(r, Exception) for i, r in enumerate(results) if i != 7)
    assert results[8]["domain"] == "example2.com"


def test_a_config_that_loops_times_out_alone() -> None:
    groups = ExpressionGroups(timeout_s=0.5)
    loop = {"x": "{{ (() => { while (true) {} })() }}"}
    configs = [(CONFIG if i != 3 else loop, _scope(i)) for i in range(20)]
    results = _gather(groups, configs)
    assert isinstance(results[3], ExpressionError) and "timed out" in results[3].message
    assert [r["path"] for i, r in enumerate(results) if i != 3] == [i for i in range(20) if i != 3]


def test_what_one_config_does_to_its_context_no_other_config_sees() -> None:
    groups = ExpressionGroups()
    mutate = {"x": "{{ (nodes.start.tags.push(99), nodes.start.n = -1, globalThis.leak = 1, 0) }}"}
    read = {"tags": "{{ nodes.start.tags.join(',') }}", "n": "{{ nodes.start.n + 0 }}",
            "leak": "{{ typeof globalThis.leak }}"}
    configs = [(mutate if i % 2 == 0 else read, _scope(i)) for i in range(20)]
    results = _gather(groups, configs)
    for i in range(1, 20, 2):
        assert results[i] == {"tags": f"{i},{i + 1}", "n": i, "leak": "undefined"}


@pytest.mark.parametrize("value", ["\ud800", "plain"])
def test_text_a_store_cannot_keep_becomes_a_replacement_character(value: str) -> None:
    groups = ExpressionGroups()
    config = {"x": "{{ nodes.start.s + '\\ud800'.slice(0, 0) + String.fromCharCode(0xd800) }}"}
    results = _gather(groups, [(config, {"nodes": {"start": {"s": "a"}}})] * 3)
    assert results[0] == {"x": "a\ufffd"}


def test_a_config_compiled_once_answers_each_context_and_shares_nothing_it_must_not() -> None:
    evaluator = get_evaluator()
    config = {"static": {"a": [1, 2]}, "v": "{{nodes.start.n}}", "_nodes": [{"config": {"x": "{{nodes.start.n}}"}}],
              "deep": [{"t": "n={{nodes.start.n}}"}, "plain"]}
    skip = frozenset({"_nodes"})
    first = evaluator.compute_config(config, _scope(1), skip_keys=skip)
    second = evaluator.compute_config(config, _scope(2), skip_keys=skip)
    assert first == {"static": {"a": [1, 2]}, "v": 1, "_nodes": [{"config": {"x": "{{nodes.start.n}}"}}],
                     "deep": [{"t": "n=1"}, "plain"]}
    assert second["v"] == 2 and second["deep"][0]["t"] == "n=2"
    # With skip keys every container of the result is the run's own, never the release's.
    assert first["static"] is not config["static"] and first["_nodes"][0] is not config["_nodes"][0]
    first["static"]["a"].append(3)
    assert config["static"] == {"a": [1, 2]}
    # Without skip keys, expression-free parts are shared read-only, as before.
    assert evaluator.compute_config(config, _scope(3))["static"] is config["static"]
