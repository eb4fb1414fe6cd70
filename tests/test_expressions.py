"""The expression evaluator (spec orchestration.md 2.8 and 5.1/5.4)."""

from __future__ import annotations

import copy
import datetime as dt
import math
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lading.domain.errors import NodeExecutionError
from lading.engine.expressions import (
    UNDEFINED,
    AiInstructionError,
    ExpressionError,
    ExpressionEvaluator,
    _v8,
    get_evaluator,
    is_truthy,
    to_json_value,
)
from lading.engine.expressions._rewrite import rewrite
from lading.engine.expressions._values import js_number_text

SCOPE: dict[str, Any] = {
    "nodes": {
        "start": {
            "email": "bob@acme.com",
            "domain": "acme.com",
            "count": 150,
            "flag": True,
            "tags": ["a", "b"],
            "ratio": 0.25,
        },
        "contacts": [{"email": "a@x.io"}, {"email": None}, {"name": "no email"}, {"email": "b@y.io"}],
        "Qualify": {"score": 1},
        "enrich_company": {"metrics": {"employeesRange": "51-200"}},
        "loop": [{"name": "first"}, {"name": "second"}],
    },
    "parentNodes": {"outer": {"id": 7}},
}


@pytest.fixture(scope="module")
def ev() -> ExpressionEvaluator:
    evaluator = ExpressionEvaluator()
    yield evaluator
    evaluator.close()


def compute(ev: ExpressionEvaluator, config: Any, scope: dict[str, Any] | None = None, **kw: Any) -> Any:
    return ev.compute_config(config, SCOPE if scope is None else scope, **kw)


def leaf(expression: Any, kind: str = "templateExpression", **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "expression": expression, "instructTo": "none", "fromRecipe": False, **extra}


# -- rule 4: one segment keeps its type ---------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{nodes.start.flag === true}}", True),
        ("{{ nodes.start.count > 100 }}", True),
        ("{{ nodes.start.count < 100 }}", False),
        ("{{ nodes.start.count * 2 }}", 300),
        ("{{ 6 / 2 }}", 3),
        ("{{ 1.5 + 1 }}", 2.5),
        ("{{ ({a: [1, 'x'], b: null}) }}", {"a": [1, "x"], "b": None}),
        ("{{ {a: {b: 1}} }}", {"a": {"b": 1}}),
        ("{{ nodes.start.tags.concat(['c']) }}", ["a", "b", "c"]),
        ("{{ undefined }}", UNDEFINED),
        ("{{ null }}", None),
        ("  {{ 1 + 1 }}\n", 2),
        ("{{ 0 / 0 }}", None),
        ("{{ 1 / 0 }}", None),
        ("{{ (x) => x }}", UNDEFINED),
        ("{{ Symbol('s') }}", UNDEFINED),
        ("{{ 2n ** 10n }}", 1024),
    ],
)
def test_single_segment_keeps_javascript_type(ev: ExpressionEvaluator, template: str, expected: Any) -> None:
    result = compute(ev, template)
    assert result == expected
    assert type(result) is type(expected)


def test_integral_numbers_are_int_and_others_float(ev: ExpressionEvaluator) -> None:
    assert compute(ev, {"a": "{{ 2.0 * 3 }}", "b": "{{ 0.1 + 0.2 }}", "c": "{{nodes.start.ratio}}"}) == {
        "a": 6,
        "b": 0.30000000000000004,
        "c": 0.25,
    }


# -- rule 4: concatenation ----------------------------------------------------------------------


def test_concatenation_renders_segments_as_text(ev: ExpressionEvaluator) -> None:
    template = (
        "obj={{ ({x: 1, y: 'z'}) }} arr={{ [1, 'x', null] }} u=[{{ undefined }}] n=[{{ null }}] "
        "b={{ true }}/{{ 1 > 2 }} f={{ 0.1 + 0.2 }} big={{ 1e21 }} small={{ 1e-7 }} i={{ 5 }}"
    )
    assert compute(ev, template) == (
        'obj={"x":1,"y":"z"} arr=[1,"x",null] u=[] n=[] b=true/false f=0.30000000000000004 big=1e+21 small=1e-7 i=5'
    )


def test_concatenation_with_fast_path_values(ev: ExpressionEvaluator) -> None:
    assert compute(ev, "{{nodes.start.domain}}: {{nodes.start.count}} {{nodes.start.tags}} [{{nodes.nope}}]") == (
        'acme.com: 150 ["a","b"] []'
    )
    assert compute(ev, "x{{nodes.start}}") == (
        'x{"email":"bob@acme.com","domain":"acme.com","count":150,"flag":true,"tags":["a","b"],"ratio":0.25}'
    )


def test_evaluate_takes_one_value(ev: ExpressionEvaluator) -> None:
    assert ev.evaluate(leaf("nodes.start.count * 2", "jsExpression"), SCOPE) == 300
    assert ev.evaluate("{{nodes.start.domain}}", SCOPE) == "acme.com"
    assert ev.evaluate(["{{ nodes.loop.length }}", 3], SCOPE) == [2, 3]
    assert ev.evaluate(12, SCOPE) == 12


def test_plain_string_without_braces_is_kept(ev: ExpressionEvaluator) -> None:
    assert compute(ev, {"a": "nodes.start.domain", "b": 5, "c": None, "d": True, "e": ["x"]}) == {
        "a": "nodes.start.domain",
        "b": 5,
        "c": None,
        "d": True,
        "e": ["x"],
    }


# -- rules 1–3: paths, methods, missing values ----------------------------------------------------


def test_spec_examples(ev: ExpressionEvaluator) -> None:
    config = {
        "range": "{{nodes.enrich_company.metrics.employeesRange}}",
        "first": "{{nodes.loop[0].name}}",
        "host": "{{nodes.start.email.split('@')[1]}}",
        "emails": leaf('{{nodes.contacts.map(c => c.email).filter(Boolean).join(", ")}}'),
        "big": "{{nodes.start.count > 100}}",
        "json": "{{ JSON.stringify(nodes.Qualify) }}",
        "now": "{{ new Date().getUTCFullYear() > 2000 }}",
        "iife": "{{ (() => { let s = 0; for (const t of nodes.start.tags) s += t.length; return s; })() }}",
        "ternary": "{{ nodes.start.count > 100 ? 'big' : 'small' }}",
        "tpl": "{{ `${nodes.start.domain}!${nodes.loop.length}` }}",
        "parent": "{{parentNodes.outer.id}}",
    }
    assert compute(ev, config) == {
        "range": "51-200",
        "first": "first",
        "host": "acme.com",
        "emails": "a@x.io, b@y.io",
        "big": True,
        "json": '{"score":1}',
        "now": True,
        "iife": 2,
        "ternary": "big",
        "tpl": "acme.com!2",
        "parent": 7,
    }


@pytest.mark.parametrize(
    "template",
    [
        "{{nodes.nope.field}}",
        "{{nodes.start.nope.deeper[3].x}}",
        "{{ nodes.nope.email.split('@')[1] }}",
        "{{ nodes.contacts[9].email.toLowerCase() }}",
        "{{ (nodes.nope.a).b }}",
        "{{ nodes['nope']['x'] }}",
        "{{ parentNodes.nope.x }}",
    ],
)
def test_missing_paths_are_undefined_without_error(ev: ExpressionEvaluator, template: str) -> None:
    assert compute(ev, template) is UNDEFINED


def test_missing_parent_nodes_is_empty(ev: ExpressionEvaluator) -> None:
    scope = {"nodes": {"a": {"b": 1}}}
    assert compute(ev, "{{parentNodes.x.y}}", scope) is UNDEFINED
    assert compute(ev, "{{ Object.keys(parentNodes).length + nodes.a.b }}", scope) == 1


def test_missing_values_are_falsy_and_empty_text(ev: ExpressionEvaluator) -> None:
    result = compute(ev, {"cond": "{{nodes.nope.ok}}", "text": "Hi {{nodes.nope.name}}!"})
    assert not is_truthy(result["cond"])
    assert result["text"] == "Hi !"


def test_slugs_are_case_sensitive(ev: ExpressionEvaluator) -> None:
    assert compute(ev, "{{nodes.Qualify.score}}") == 1
    assert compute(ev, "{{nodes.qualify.score}}") is UNDEFINED
    assert compute(ev, "{{ nodes.qualify?.score ?? 'none' }}") == "none"


# -- rule 5: what does not parse stays literal ------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    ["{{ nodes.start.domain", "hello {{ world", "{{ 1 + }}", "{{}}", "{{ if (x) {} }}", "{{ a b }}", "{{ x); (y }}"],
)
def test_unparseable_segment_stays_literal(ev: ExpressionEvaluator, template: str) -> None:
    assert compute(ev, template) == template


def test_unparseable_segment_among_others(ev: ExpressionEvaluator) -> None:
    assert compute(ev, "a {{ 1 + }} b {{ 1 + 1 }} c {{nodes.start.domain}}") == "a {{ 1 + }} b 2 c acme.com"


def test_braces_inside_segment_code(ev: ExpressionEvaluator) -> None:
    assert compute(ev, '{{ "}}" }}') == "}}"
    assert compute(ev, "<{{ {a: 1}.a }}>") == "<1>"
    assert compute(ev, "{{ `${'}}'}` }} and {{ 2 }}") == "}} and 2"
    assert compute(ev, "{{1}}}") == "1}"


# -- rule 8: thrown errors fail the node with their message -----------------------------------------


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ null.x }}", "TypeError: Cannot read properties of null (reading 'x')"),
        ("{{ nodes.start.nope() }}", "TypeError: nodes.start.nope is not a function"),
        ("{{ (() => { throw new Error('boom') })() }}", "Error: boom"),
        ("{{ (() => { throw new RangeError('too far') })() }}", "RangeError: too far"),
        ("{{ (() => { throw 'plain' })() }}", "plain"),
        ("x {{ undefinedVariable + 1 }}", "ReferenceError: undefinedVariable is not defined"),
    ],
)
def test_thrown_error_is_expression_error(ev: ExpressionEvaluator, template: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compute(ev, {"field": template})
    assert caught.value.message == message
    assert isinstance(caught.value, NodeExecutionError)


# -- leaves: kinds, instructTo, skip_keys --------------------------------------------------------------


def test_js_expression_is_one_expression(ev: ExpressionEvaluator) -> None:
    config = {
        "a": leaf("nodes.start.count + 1", "jsExpression"),
        "b": leaf("({ domain: nodes.start.domain })", "jsExpression"),
        "c": leaf("nodes.nope.x", "jsExpression"),
        "d": leaf("{{nodes.start.domain}}", "jsExpression"),
        "e": leaf("1 +", "jsExpression"),
        "f": leaf(7, "jsExpression"),
        "g": leaf("'{{' + 'x' + '}}'", "jsExpression"),
    }
    assert compute(ev, config) == {
        "a": 151,
        "b": {"domain": "acme.com"},
        "c": UNDEFINED,
        "d": "acme.com",
        "e": "1 +",
        "f": 7,
        "g": "{{x}}",
    }


def test_template_leaf_fields_are_honoured(ev: ExpressionEvaluator) -> None:
    config = {
        "domain": leaf("{{nodes.start.domain}}", fromRecipe=True),
        "static": leaf("no braces"),
        "nested": {"list": [leaf("{{ nodes.start.count }}"), "{{ nodes.start.tags[1] }}"]},
    }
    assert compute(ev, config) == {"domain": "acme.com", "static": "no braces", "nested": {"list": [150, "b"]}}


def test_instruct_to_ai_needs_a_language_model(ev: ExpressionEvaluator) -> None:
    with pytest.raises(AiInstructionError) as caught:
        compute(
            ev, {"prompt": {"kind": "templateExpression", "expression": "{{nodes.start.domain}}", "instructTo": "ai"}}
        )
    assert caught.value.message == (
        'no language model configured: expressions with instructTo "ai" need the workspace\'s default language model'
    )
    assert isinstance(caught.value, NodeExecutionError)


def test_skip_keys_are_copied_unevaluated_at_any_depth(ev: ExpressionEvaluator) -> None:
    config = {
        "items": "{{nodes.start.tags}}",
        "_nodes": [{"config": {"x": "{{nodes.start.value}}"}}],
        "deep": {"script": "return {{ nope }}", "other": "{{nodes.start.count}}"},
    }
    result = compute(ev, config, skip_keys=frozenset({"_nodes", "script"}))
    assert result == {
        "items": ["a", "b"],
        "_nodes": [{"config": {"x": "{{nodes.start.value}}"}}],
        "deep": {"script": "return {{ nope }}", "other": 150},
    }
    assert result["_nodes"] is not config["_nodes"]


def test_compute_config_returns_new_structures(ev: ExpressionEvaluator) -> None:
    scope = copy.deepcopy(SCOPE)
    config = {"tags": "{{nodes.start.tags}}", "all": "{{ nodes.start }}", "static": {"k": [1]}}
    result = compute(ev, config, scope)
    result["tags"].append("mutated")
    result["all"]["email"] = "changed"
    assert scope == SCOPE
    # Expression-free subtrees are shared, read-only (release configs are immutable and reused by
    # every run; copying them was a measurable share of a node step).
    assert result["static"] is config["static"]
    assert result is not config


# -- rule 7: dates --------------------------------------------------------------------------------------


def test_dates_become_iso_text(ev: ExpressionEvaluator) -> None:
    assert compute(ev, "{{ new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) }}") == "2024-01-02T03:04:05.006Z"
    assert compute(ev, "at {{ new Date(0) }}") == "at 1970-01-01T00:00:00.000Z"
    assert compute(ev, "{{ ({when: new Date(0)}) }}") == {"when": "1970-01-01T00:00:00.000Z"}


def test_python_dates_in_context_are_javascript_dates(ev: ExpressionEvaluator) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)
    scope = {"nodes": {"row": {"signup": when, "day": dt.date(2024, 1, 31)}}}
    assert compute(ev, "{{ nodes.row.signup.getUTCFullYear() }}", scope) == 2024
    assert compute(ev, "{{ nodes.row.day.getUTCDate() }}", scope) == 31
    assert compute(ev, "{{ nodes.row.signup }}", scope) == "2024-05-06T07:08:09.123Z"
    assert compute(ev, "{{ (nodes.row.signup) }}", scope) == "2024-05-06T07:08:09.123Z"
    assert compute(ev, "d={{ nodes.row.day }}", scope) == "d=2024-01-31T00:00:00.000Z"


# -- rule 8 of the brief: the fast path ---------------------------------------------------------------


def test_plain_paths_never_create_a_v8_context() -> None:
    evaluator = ExpressionEvaluator()
    before = _v8.calls_made()
    config = {
        "a": "{{nodes.start.domain}}",
        "b": "{{ nodes.loop[1].name }}",
        "c": "{{nodes['enrich_company'].metrics.employeesRange}}",
        "d": "{{parentNodes.outer.id}}",
        "e": "{{nodes.start.tags.length}} and {{nodes.nope.x}}",
        "f": leaf("nodes.contacts[0].email", "jsExpression"),
        "g": "{{nodes.start?.count}}",
        "h": "{{nodes.Qualify}}",
        "static": [1, {"x": "y"}],
    }
    assert evaluator.compute_config(config, SCOPE) == {
        "a": "acme.com",
        "b": "second",
        "c": "51-200",
        "d": 7,
        "e": "2 and ",
        "f": "a@x.io",
        "g": 150,
        "h": {"score": 1},
        "static": [1, {"x": "y"}],
    }
    assert evaluator._runtime is None
    assert _v8.calls_made() == before
    assert evaluator.compute_config("{{ nodes.start.domain.toUpperCase() }}", SCOPE) == "ACME.COM"
    assert evaluator._runtime is not None
    assert _v8.calls_made() == before + 1
    evaluator.close()


def test_all_javascript_segments_of_a_config_share_one_round_trip(
    ev: ExpressionEvaluator, monkeypatch: pytest.MonkeyPatch
) -> None:
    compute(ev, "{{ 1 + 1 }}")  # make sure the runtime exists
    calls: list[str] = []
    runtime = ev._runtime
    assert runtime is not None
    original = runtime.call

    def spy(payload: str, with_dates: bool) -> str:
        calls.append(payload)
        return original(payload, with_dates)

    monkeypatch.setattr(runtime, "call", spy)
    scope = {"nodes": {**SCOPE["nodes"], "huge": {"blob": "z" * 10_000}}}
    config = {
        "a": "{{ nodes.start.count + 1 }}",
        "b": ["x{{ nodes.start.tags.join('-') }}y", "{{ nodes.loop.map(l => l.name) }}"],
        "c": "{{nodes.start.domain}}",
    }
    assert compute(ev, config, scope) == {"a": 151, "b": ["xa-by", ["first", "second"]], "c": "acme.com"}
    assert len(calls) == 1
    assert "zzzz" not in calls[0]  # only the slugs the code reads are sent
    compute(ev, "{{ Object.keys(nodes).length }}", scope)
    assert "zzzz" in calls[1]  # `nodes` used as a whole: everything is sent
    assert compute(ev, "{{ arguments[0].huge.blob.length }}", scope) == 10_000


_keys = st.sampled_from(["a", "b", "c", "length", "x1", "0", "1", "toString"])
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_steps = st.lists(
    st.one_of(
        _keys.filter(lambda k: not k.isdigit()).map(lambda k: f".{k}"),
        st.integers(min_value=0, max_value=3).map(lambda i: f"[{i}]"),
        _keys.map(lambda k: f'["{k}"]'),
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["start", "s2"]), _values, max_size=2), steps=_steps)
def test_fast_path_matches_v8(ev: ExpressionEvaluator, data: dict[str, Any], steps: list[str]) -> None:
    path = "nodes.start" + "".join(steps)
    scope = {"nodes": data}
    fast = ev.compute_config({"w": f"{{{{{path}}}}}", "t": f"<{{{{{path}}}}}>"}, scope)
    # Parentheses make the same path a non-plain expression, evaluated by V8.
    slow = ev.compute_config({"w": f"{{{{({path})}}}}", "t": f"<{{{{({path})}}}}>"}, scope)
    assert fast == slow
    assert type(fast["w"]) is type(slow["w"])


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (1.5, "1.5"),
        (-2.25, "-2.25"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (123456789.125, "123456789.125"),
        (2**60, "1152921504606847000"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (42, "42"),
    ],
)
def test_number_text_matches_javascript(number: float, text: str) -> None:
    assert js_number_text(number) == text


# -- isolation, limits ----------------------------------------------------------------------------------


def test_evaluations_cannot_leave_state_behind(ev: ExpressionEvaluator) -> None:
    compute(
        ev,
        {
            "a": "{{ globalThis.leak = 1 }}",
            "b": "{{ (() => { leak2 = 2; return 1 })() }}",
            "c": "{{ (Array.prototype.evil = 3, Object.prototype.polluted = 4, JSON.parse = null, 1) }}",
            "d": "{{ (() => { try { Math.max = () => 0 } catch (e) {} return 1 })() }}",
        },
    )
    assert compute(
        ev,
        {
            "a": "{{ typeof globalThis.leak }}",
            "b": "{{ typeof leak2 }}",
            "c": "{{ [[].evil, ({}).polluted, typeof JSON.parse] }}",
            "d": "{{ Math.max(1, 2) }}",
        },
    ) == {"a": "undefined", "b": "undefined", "c": [None, None, "function"], "d": 2}


def test_context_mutations_do_not_reach_python(ev: ExpressionEvaluator) -> None:
    scope = copy.deepcopy(SCOPE)
    compute(ev, "{{ (nodes.start.tags.push('x'), nodes.start.email = 'y', 1) }}", scope)
    assert scope == SCOPE


def test_rewrite_leaves_forms_where_optional_chaining_is_illegal(ev: ExpressionEvaluator) -> None:
    assert compute(ev, "{{ new Intl.NumberFormat('en-US').format(nodes.start.count * 1000) }}") == "150,000"
    assert compute(ev, "{{ (() => { const o = {a: {}}; o.a.b = 1; o.n = 1; o.n++; o['k'] = 2; return o })() }}") == {
        "a": {"b": 1},
        "n": 2,
        "k": 2,
    }
    assert compute(ev, "{{ String.raw`a\\b${nodes.start.count}` }}") == "a\\b150"
    assert rewrite("a.b[0].c(d.e)") is not None
    assert rewrite("a.b[0].c(d.e)").code == "a?.b?.[0]?.c(d?.e)"
    assert rewrite("[1, 2].map(x => x)").code == "[1, 2]?.map(x => x)"
    assert rewrite("x ? [a.b] : 'c'.length").code == "x ? [a?.b] : 'c'.length"
    assert rewrite("new a.B().c").code == "new a.B()?.c"
    assert rewrite("f(") is None


def test_timeout_is_an_expression_error_and_the_evaluator_recovers() -> None:
    evaluator = ExpressionEvaluator(timeout_s=0.5)
    with pytest.raises(ExpressionError) as caught:
        evaluator.compute_config("{{ (() => { while (true) {} })() }}", {})
    assert caught.value.message == "expression timed out after 0.5s"
    assert evaluator.compute_config("{{ 40 + 2 }}", {}) == 42
    evaluator.close()


def test_memory_limit_is_an_expression_error() -> None:
    evaluator = ExpressionEvaluator(memory_bytes=64 * 2**20)
    with pytest.raises(ExpressionError) as caught:
        evaluator.compute_config("{{ (() => { const a = []; while (true) a.push(new Array(1e5).fill(1.5)) })() }}", {})
    assert caught.value.message == "expression exceeded the memory limit of 64 MiB"
    assert evaluator.compute_config("{{ [1, 2].length }}", {}) == 2
    evaluator.close()


def test_work_left_behind_does_not_fail_the_next_evaluation() -> None:
    evaluator = ExpressionEvaluator(timeout_s=0.5)
    assert evaluator.compute_config("{{ (Promise.resolve().then(() => { while (true) {} }), 1) }}", {}) == 1
    assert evaluator.compute_config("{{ 1 + 1 }}", {}) == 2
    evaluator.close()


def test_get_evaluator_is_per_thread() -> None:
    mine = get_evaluator()
    assert get_evaluator() is mine
    seen: list[ExpressionEvaluator] = []
    worker = threading.Thread(target=lambda: seen.append(get_evaluator()))
    worker.start()
    worker.join()
    assert seen and seen[0] is not mine


# -- value helpers -----------------------------------------------------------------------------------------


def test_undefined_sentinel() -> None:
    assert repr(UNDEFINED) == "undefined"
    assert not UNDEFINED
    assert UNDEFINED is not None
    assert copy.deepcopy({"x": UNDEFINED})["x"] is UNDEFINED


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (UNDEFINED, False),
        (None, False),
        (False, False),
        (0, False),
        (0.0, False),
        (math.nan, False),
        ("", False),
        (True, True),
        (1, True),
        (-0.5, True),
        ("false", True),
        ("0", True),
        ([], True),
        ({}, True),
    ],
)
def test_is_truthy_follows_javascript(value: Any, truthy: bool) -> None:
    assert is_truthy(value) is truthy


def test_to_json_value_replaces_undefined() -> None:
    value = {"a": UNDEFINED, "b": [1, UNDEFINED, {"c": UNDEFINED}], "d": "x"}
    assert to_json_value(value) == {"a": None, "b": [1, None, {"c": None}], "d": "x"}
    assert to_json_value(UNDEFINED) is None
    assert value["a"] is UNDEFINED
