"""The comparison fast path (`_compare`): simple conditions answered in Python, exactly as V8
would answer them, or left to V8."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lading.engine.expressions import UNDEFINED, ExpressionError, ExpressionEvaluator, _compare, _evaluator, _v8
from lading.engine.expressions._paths import FALLBACK

SCOPE: dict[str, Any] = {
    "nodes": {
        "vars": {
            "n": 60,
            "f": 2.5,
            "big": 2**53 + 1,
            "zero": 0,
            "s": "b",
            "empty": "",
            "ok": True,
            "no": False,
            "nil": None,
            "obj": {"k": 1},
            "list": [1, 2],
            "astral": "😀",
            "pair": "\ud83d\ude00",
            "high": "\uffff",
            "date": __import__("datetime").date(2024, 1, 2),
        },
        "tag": {"tier": "large"},
    },
    "parentNodes": {"outer": {"id": 7}},
}


@pytest.fixture(scope="module")
def ev() -> ExpressionEvaluator:
    evaluator = ExpressionEvaluator()
    yield evaluator
    evaluator.close()


def v8_only(evaluator: ExpressionEvaluator, config: Any, scope: dict[str, Any]) -> Any:
    """The same config with the comparison fast path switched off: V8's answer."""
    with mock.patch.object(_evaluator, "evaluate_condition", lambda source, roots: FALLBACK):
        return evaluator.compute_config(config, scope)


FAST_CASES = [
    ("nodes.vars.n > 50", True),
    ("nodes.vars.n <= 50", False),
    ("50 < nodes.vars.n", True),
    ("nodes.vars.n === 60", True),
    ("nodes.vars.n !== 60.0", False),
    ("nodes.vars.f >= -2.5e0", True),
    ("nodes.vars.big === 9007199254740992", True),  # JSON.parse rounds 2**53 + 1
    ("nodes.vars.s === 'b'", True),
    ('nodes.vars.s != "b"', False),
    ("nodes.vars.s < 'c'", True),
    ("nodes.vars.astral > nodes.vars.high", False),  # UTF-16: 0xD83D < 0xFFFF
    ("nodes.vars.astral === nodes.vars.pair", True),
    ("nodes.vars.n === '60'", False),
    ("nodes.vars.nil === undefined", False),
    ("nodes.vars.nil == undefined", True),
    ("nodes.vars.missing == null", True),
    ("nodes.vars.missing != 0", True),
    ("nodes.vars.obj == null", False),
    ("nodes.vars.obj === 1", False),
    ("nodes.vars.ok === true", True),
    ("nodes.vars.no == false", True),
    ("parentNodes.outer.id === 7", True),
    ("nodes.vars.n > 1 && nodes.tag.tier === 'large'", True),
    ("nodes.vars.zero && nodes.tag.tier", 0),  # `&&` returns the falsy operand
    ("nodes.vars.empty || nodes.tag.tier", "large"),
    ("nodes.vars.missing || nodes.vars.obj", {"k": 1}),
    ("nodes.vars.n > 100 || nodes.vars.s === 'b' && nodes.vars.ok", True),  # && binds tighter
    ("!(nodes.vars.n > 100 || nodes.vars.no)", True),
    ("!nodes.vars.list", False),
    ("nodes.vars.missing.deep > 1 || nodes.vars['s'] === 'b'", True),
]


@pytest.mark.parametrize(("source", "expected"), FAST_CASES)
def test_simple_conditions_are_answered_without_v8(source: str, expected: Any) -> None:
    evaluator = ExpressionEvaluator()
    before_contexts, before_fast = _v8.calls_made(), _compare.evaluations()
    result = evaluator.compute_config({"w": f"{{{{ {source} }}}}", "t": f"<{{{{{source}}}}}>"}, SCOPE)
    assert result["w"] == expected and type(result["w"]) is type(expected)
    assert _compare.evaluations() == before_fast + 2
    assert evaluator._runtime is None
    assert _v8.calls_made() == before_contexts


@pytest.mark.parametrize(("source", "expected"), FAST_CASES)
def test_simple_conditions_agree_with_v8(ev: ExpressionEvaluator, source: str, expected: Any) -> None:
    config = {"w": f"{{{{{source}}}}}", "t": f"<{{{{{source}}}}}>"}
    assert ev.compute_config(config, SCOPE) == v8_only(ev, config, SCOPE)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("nodes.vars.n == '60'", True),  # loose equality with coercion
        ("nodes.vars.ok > 0", True),  # relational on a boolean
        ("nodes.vars.nil < 1", True),
        ("nodes.vars.s < 1", False),
        ("nodes.vars.obj === nodes.vars.obj", True),  # object identity
        ("nodes.vars.obj == nodes.vars.list", False),
        ("nodes.vars.date === 'x'", False),  # not JSON-like: V8 decides
        ("nodes.vars.date && 1", 1),
        ("nodes.vars.s.toString === 1", False),  # inherited member
        ("nodes.vars.n > 5 > 0", True),  # chained comparison
        ("nodes.vars.n > 10n", True),
        ("nodes.vars.n === 074", True),  # legacy octal: 60
        ("nodes.vars.n === 6_0", True),
        ("nodes.vars.s === 'a\\'b'", False),  # escapes
        ("nodes.vars.n > 50 ? 'big' : 'small'", "big"),
        ("nodes.vars.n - 1 > 50", True),
        ("nodes.vars.n >= 60 // comment", True),
    ],
)
def test_other_shapes_fall_back_to_v8(ev: ExpressionEvaluator, source: str, expected: Any) -> None:
    before = _compare.evaluations()
    assert ev.compute_config(f"{{{{{source}}}}}", SCOPE) == expected
    assert _compare.evaluations() == before


@pytest.mark.parametrize("source", ["(nodes.vars.n)", "1 < 2", "'a' || 'b'", "nodes.vars.n >", "(nodes.vars.n > 1"])
def test_outside_the_grammar_is_not_compiled(source: str) -> None:
    assert _compare.compile_condition(source) is None


def test_errors_elsewhere_still_reach_the_user(ev: ExpressionEvaluator) -> None:
    config = {"ok": "{{nodes.vars.n > 1}}", "bad": "{{ nodes.vars.n.foo() }}"}
    with pytest.raises(ExpressionError, match="not a function"):
        ev.compute_config(config, SCOPE)


# -- property: fast path == V8 -------------------------------------------------------------------

_TRICKY = ["", "a", "b", "A", "é", "😀", "\ud83d\ude00", "\uffff", "10", "1e3", "true", "null"]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 10**20]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, -0.0, 1.0, 1e21, 2.5]),
    st.sampled_from(_TRICKY),
    st.text(max_size=3),
)
# `nodes.a` is also read whole, so its values (`x`) keep ints within 2**53: a whole object returns
# deeper ints unrounded (`whole_value`), a known difference of the plain-path fast path, not of
# comparisons. `y` and `q` (never read as part of an object) get the full range.
_inner = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(_TRICKY),
    st.text(max_size=3),
)
_x_values = st.one_of(_inner, st.lists(_inner, max_size=2), st.dictionaries(st.sampled_from("xy"), _inner, max_size=2))
_y_values = st.one_of(_scalars, _x_values)
_string_literal_chars = st.characters(blacklist_characters="'\"\\\n\r", blacklist_categories=("Cs",))
_literals = st.one_of(
    st.integers(min_value=-3, max_value=3).map(str),
    st.integers(min_value=-(2**60), max_value=2**60).map(str),
    st.sampled_from(
        [
            "9007199254740992",
            "9007199254740993",
            "100000000000000000000",
            "1e21",
            "2.5",
            "-0",
            "0.5",
            "1.0",
            "-2.50",
            "1e-7",
            "1E+2",
            "1e400",
        ]
    ),
    st.sampled_from(_TRICKY).filter(lambda s: "\ud83d" not in s).map(lambda s: f"'{s}'"),
    st.text(_string_literal_chars, max_size=3).map(lambda s: f'"{s}"'),
    st.sampled_from(["true", "false", "null", "undefined"]),
)
_paths = st.sampled_from(
    [
        "nodes.a.x",
        "nodes.b.y",
        "nodes.a",
        "nodes.c.z",
        'nodes.b["y"]',
        "nodes.a?.x",
        "nodes.a.x.length",
        "parentNodes.p.q",
    ]
)
_ops = st.sampled_from(["===", "!==", "==", "!=", ">", ">=", "<", "<="])
_operands = st.one_of(_paths, _paths, _literals)
_space = st.sampled_from(["", " ", "  ", "\n"])
_comparisons = st.builds(lambda a, s1, op, s2, b: f"{a}{s1}{op}{s2}{b}", _operands, _space, _ops, _space, _operands)
_atoms = st.one_of(_comparisons, _comparisons, _paths, _literals)
_expressions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["&&", "||"]), inner),
        inner.map(lambda e: f"!{e}" if e.startswith("(") or e.startswith("n") else f"!({e})"),
        inner.map(lambda e: f"({e})"),
    ),
    max_leaves=4,
)


def _outcome(evaluator: ExpressionEvaluator, config: Any, scope: dict[str, Any], *, fast: bool) -> Any:
    try:
        return "ok", (evaluator.compute_config(config, scope) if fast else v8_only(evaluator, config, scope))
    except ExpressionError as error:
        return "error", str(error)


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same Python types all the way down (True is not 1, 1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a is b or a == b


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression=_expressions, x=_x_values, y=_y_values, q=_scalars)
# A surrogate pair held as two code points is one character in JavaScript; a lone one becomes U+FFFD.
@example(expression="(!nodes.a.x && nodes.b.y)", x=None, y=["\ud83d\ude00"], q=None)
@example(expression="nodes.b.y", x=None, y={"\ud83d": "\ude00x"}, q=None)
def test_fast_path_matches_v8(ev: ExpressionEvaluator, expression: str, x: Any, y: Any, q: Any) -> None:
    scope = {"nodes": {"a": {"x": x}, "b": {"y": y}}, "parentNodes": {"p": {"q": q}}}
    config = {"w": f"{{{{{expression}}}}}", "t": f"<{{{{ {expression} }}}}>"}
    fast = _outcome(ev, config, scope, fast=True)
    slow = _outcome(ev, config, scope, fast=False)
    assert _same(fast, slow), (expression, fast, slow)


def test_generated_shapes_mostly_take_the_fast_path() -> None:
    """The property test is not vacuous: typical generated conditions are answered in Python."""
    scope = {"nodes": {"a": {"x": 3}, "b": {"y": "z"}}, "parentNodes": {}}
    sources = [
        "nodes.a.x\n>=\n-2",
        'nodes.b.y === "z"',
        '!(nodes.a.x < 1) && nodes.b["y"] || nodes.c.z',
        "nodes.a?.x === undefined",
        "(nodes.a.x !== 3) || 'd'",
        "nodes.c.z == null && !nodes.a",
    ]
    assert [_compare.evaluate(source, scope) for source in sources] == [True, True, "z", False, "d", False]
    assert UNDEFINED is _compare.evaluate("nodes.a.x > 1 && nodes.c.z", scope)
