"""Resolve a node's config against the run context (spec 2.8): the one evaluator used by the
executor, `node compute` and `node execute`.

Why in two passes: walking the config first resolves every plain path (`_paths`) and simple
condition (`_compare`) in Python and collects the segments that need JavaScript; those are then
evaluated together in a single V8 round trip, and their results are put in place. A config made
only of static values, plain paths and simple conditions never creates a V8 context.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from lading.engine.expressions._compare import evaluate as evaluate_condition
from lading.engine.expressions._errors import AiInstructionError, ExpressionError
from lading.engine.expressions._paths import FALLBACK, parse_path, resolve
from lading.engine.expressions._rewrite import Rewritten, merge_refs, rewrite
from lading.engine.expressions._template import Segment, Template, single_segment, split_template
from lading.engine.expressions._v8 import DATE_KEY, DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, V8Runtime
from lading.engine.expressions._values import UNDEFINED, iso_text, segment_text, utf16_text, whole_value

LEAF_KINDS = frozenset({"templateExpression", "jsExpression"})
AI_MESSAGE = (
    'no language model configured: expressions with instructTo "ai" need the workspace\'s default language model'
)
WHOLE, TEXT = 0, 1
_SYNTAX: Any = object()  # a segment that does not parse: its `{{ … }}` text stays as written


class _Job(NamedTuple):
    slot: int


class _Pending:
    """A template whose segments are (partly) waiting for the V8 round trip."""

    __slots__ = ("original", "template", "values")

    def __init__(self, template: Template, values: list[Any], original: str) -> None:
        self.template, self.values, self.original = template, values, original

    def finish(self, results: list[Any]) -> Any:
        values = [results[v.slot] if type(v) is _Job else v for v in self.values]
        return _assemble(self.template, values, self.original)


def _assemble(template: Template, values: list[Any], original: str) -> Any:
    if template.whole:
        return original if values[0] is _SYNTAX else values[0]
    pieces: list[str] = []
    remaining = iter(values)
    for part in template.parts:
        if isinstance(part, Segment):
            value = next(remaining)
            pieces.append(part.raw if value is _SYNTAX else value)
        else:
            pieces.append(part)
    return "".join(pieces)


class _Batch:
    """Everything one `compute_config` call sends to V8."""

    __slots__ = ("fills", "jobs", "refs", "roots", "variables")

    def __init__(self, roots: dict[str, Any], variables: dict[str, Any] | None = None) -> None:
        self.roots = roots
        self.variables = variables
        self.jobs: list[list[Any]] = []
        self.fills: list[tuple[Any, Any, _Pending]] = []
        self.refs: dict[str, set[str] | None] = {"nodes": set(), "parentNodes": set()}

    def add(self, source: str, rewritten: Rewritten, mode: int) -> _Job:
        code = rewritten.code
        self.jobs.append([source, None if code == source else code, mode])
        merge_refs(self.refs, "nodes", rewritten.nodes)
        merge_refs(self.refs, "parentNodes", rewritten.parent_nodes)
        return _Job(len(self.jobs) - 1)

    def context(self) -> dict[str, Any]:
        """The part of the context the segments read (all of a root used as a whole)."""
        context: dict[str, Any] = {}
        for root, slugs in self.refs.items():
            value = self.roots[root]
            context[root] = value if slugs is None else {s: value[s] for s in slugs if s in value}
        if self.variables:
            context["v"] = self.variables  # other named variables, sent whole
        return context


_STATIC: dict[int, tuple[Any, bool]] = {}


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        kind = value.get("kind")
        if isinstance(kind, str) and kind in LEAF_KINDS and "expression" in value:
            return True
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def _is_static(value: dict[str, Any] | list[Any]) -> bool:
    """Whether a container holds no expression, memoised per object (release configs are reused by
    every run; the entry keeps its object alive so an id is never confused with a newer object's)."""
    cached = _STATIC.get(id(value))
    if cached is not None and cached[0] is value:
        return cached[1]
    static = not _has_expression(value)
    if len(_STATIC) > 50_000:
        _STATIC.clear()
    _STATIC[id(value)] = (value, static)
    return static


class ExpressionEvaluator:
    """Evaluates config expressions; owns one lazily created V8 context. Not thread-safe:
    use `get_evaluator()` for the calling thread's instance."""

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES):
        self._timeout_s = timeout_s
        self._memory_bytes = memory_bytes
        self._runtime: V8Runtime | None = None

    def compute_config(self, config: Any, scope: dict[str, Any], *, skip_keys: frozenset[str] = frozenset(),
                       variables: dict[str, Any] | None = None) -> Any:
        """The config with every expression leaf replaced by its value (keys in `skip_keys`, at any
        depth, are copied unevaluated). Containers holding expressions are new; expression-free
        subtrees are the caller's own objects, shared read-only. Raises ExpressionError /
        AiInstructionError."""
        plan = self.plan(config, scope, skip_keys=skip_keys, variables=variables)
        if not plan.needs_v8:
            return plan.finish(None)
        return plan.finish(self._run_v8(plan))

    def plan(self, config: Any, scope: dict[str, Any], *, skip_keys: frozenset[str] = frozenset(),
             variables: dict[str, Any] | None = None) -> ConfigPlan:
        """The first pass of `compute_config`: every Python-resolvable leaf resolved, the segments
        that need JavaScript collected. Its `payload()` goes to V8 (alone, or grouped with other
        runs' payloads: `ExpressionGroups`), its `finish(answer)` puts the results in place."""
        nodes = scope.get("nodes") if isinstance(scope, dict) else None
        parents = scope.get("parentNodes") if isinstance(scope, dict) else None
        batch = _Batch(
            {
                "nodes": nodes if isinstance(nodes, dict) else {},
                "parentNodes": parents if isinstance(parents, dict) else {},
            },
            variables,
        )
        box: list[Any] = [None]
        result = self._walk(config, batch, skip_keys)
        if type(result) is _Pending:
            batch.fills.append((box, 0, result))
        else:
            box[0] = result
        return ConfigPlan(batch, box)

    def evaluate(self, expression: Any, scope: dict[str, Any]) -> Any:
        """One value: an expression leaf, a template string, a static value or a container."""
        return self.compute_config(expression, scope)

    def evaluate_in(self, expression: Any, variables: dict[str, Any]) -> Any:
        """One value with `variables` as the scope: each key a name the expression may use
        (`nodes`, `parentNodes`, or any other valid JavaScript identifier, such as `record`). The
        caller checks the names; a bad one leaves the segments unparseable (kept as text)."""
        roots = {key: value for key, value in variables.items() if key in ("nodes", "parentNodes")}
        others = {key: value for key, value in variables.items() if key not in ("nodes", "parentNodes")}
        return self.compute_config(expression, roots, variables=others or None)

    def close(self) -> None:
        """Release the V8 context (a later evaluation creates a new one)."""
        if self._runtime is not None:
            self._runtime.close()

    # -- planning ------------------------------------------------------------------------------
    def _walk(self, value: Any, batch: _Batch, skip: frozenset[str]) -> Any:
        if isinstance(value, str):
            return self._template(split_template(value), value, batch) if "{{" in value else value
        if isinstance(value, (dict, list)) and not skip and _is_static(value):
            return value  # no expression inside: shared as is (configs come from immutable releases)
        if isinstance(value, dict):
            kind = value.get("kind")
            if isinstance(kind, str) and kind in LEAF_KINDS and "expression" in value:
                return self._leaf(value, batch)
            out: dict[Any, Any] = {}
            for key, item in value.items():
                if key in skip:
                    out[key] = _copy(item)
                    continue
                planned = self._walk(item, batch, skip)
                if type(planned) is _Pending:
                    batch.fills.append((out, key, planned))
                    planned = None
                out[key] = planned
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for index, item in enumerate(value):
                planned = self._walk(item, batch, skip)
                if type(planned) is _Pending:
                    batch.fills.append((items, index, planned))
                    planned = None
                items.append(planned)
            return items
        return value

    def _leaf(self, leaf: dict[str, Any], batch: _Batch) -> Any:
        if leaf.get("instructTo") == "ai":
            raise AiInstructionError(AI_MESSAGE)
        expression = leaf["expression"]
        if not isinstance(expression, str):
            return _copy(expression)
        # `{{…}}` is never valid JavaScript, so a jsExpression written as a template is one.
        if leaf["kind"] == "jsExpression" and not expression.lstrip().startswith("{{"):
            return self._template(single_segment(expression), expression, batch)
        if "{{" not in expression:
            return expression
        return self._template(split_template(expression), expression, batch)

    def _template(self, template: Template, original: str, batch: _Batch) -> Any:
        mode = WHOLE if template.whole else TEXT
        values: list[Any] = []
        waiting = False
        for part in template.parts:
            if not isinstance(part, Segment):
                continue
            value = _fast(part.source, mode, batch.roots)
            if value is FALLBACK:
                rewritten = rewrite(part.source) if part.source else None
                if rewritten is None:
                    value = _SYNTAX
                else:
                    value = batch.add(part.source, rewritten, mode)
                    waiting = True
            values.append(value)
        if not values:
            return original
        if waiting:
            return _Pending(template, values, original)
        return _assemble(template, values, original)

    # -- the V8 round trip ---------------------------------------------------------------------
    def _run_v8(self, plan: ConfigPlan) -> str:
        if self._runtime is None:
            self._runtime = V8Runtime(timeout_s=self._timeout_s, memory_bytes=self._memory_bytes)
        payload, with_dates = plan.payload()
        return self._runtime.call(payload, with_dates)


class ConfigPlan:
    """One config's evaluation between its two passes (see `ExpressionEvaluator.plan`)."""

    __slots__ = ("_batch", "_box")

    def __init__(self, batch: _Batch, box: list[Any]) -> None:
        self._batch, self._box = batch, box

    @property
    def needs_v8(self) -> bool:
        return bool(self._batch.jobs)

    def payload(self) -> tuple[str, bool]:
        """The driver's input for this config (JSON text), and whether it carries dates."""
        return _encode({"s": self._batch.context(), "x": self._batch.jobs})

    def finish(self, answer: str | None) -> Any:
        """The computed config from the driver's answer ('O' + results or 'E' + index + ':' + text;
        None when no segment needed V8). Raises ExpressionError for a segment that threw."""
        if answer is None:
            return self._box[0]
        if answer[:1] != "O":
            index, _, message = answer[1:].partition(":")
            self.fail(int(index) if index.isdigit() else -1, message)
        return self.finish_results(_loads_answer(answer[1:]))

    def fail(self, index: int, message: str) -> None:
        """Raise the ExpressionError of job `index` (-1: the answer as a whole) failing with `message`."""
        jobs = self._batch.jobs
        job = jobs[index] if 0 <= index < len(jobs) else None
        raise ExpressionError(_as_written(message, rewritten=job is not None and job[1] is not None))

    def finish_results(self, entries: list[Any]) -> Any:
        """The computed config from the driver's decoded per-job results."""
        results = [entry[0] if type(entry) is list else (UNDEFINED if entry == 0 else _SYNTAX) for entry in entries]
        for container, key, pending in self._batch.fills:
            container[key] = pending.finish(results)
        return self._box[0]


_CALLEE_RE = re.compile(r"^(TypeError: )(.+?)( is not (?:a function|a constructor|iterable).*)$", re.S)


def _loads_answer(text: str) -> Any:
    """V8's JSON answer. JavaScript strings are UTF-16: a lone surrogate (`"𐀀"[0]`) is valid there
    and arrives escaped, but no UTF-8 store can keep it, so it becomes U+FFFD."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _scrub(json.loads(text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return utf16_text(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(key): _scrub(item) for key, item in value.items()}
    return value


def _as_written(message: str, *, rewritten: bool) -> str:
    """V8 quotes the failing callee as compiled; drop the `?.` the rewrite added to it."""
    match = _CALLEE_RE.match(message) if rewritten else None
    if match is None:
        return message or "Error"
    callee = match.group(2).replace("?.[", "[").replace("?.(", "(").replace("?.", ".")
    return match.group(1) + callee + match.group(3)


def _fast(source: str, mode: int, roots: dict[str, Any]) -> Any:
    path = parse_path(source)
    value = resolve(path, roots) if path is not None else evaluate_condition(source, roots)
    if value is FALLBACK:
        return FALLBACK
    return whole_value(value) if mode == WHOLE else segment_text(value)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _encode(payload: dict[str, Any]) -> tuple[str, bool]:
    """Payload JSON; datetimes become `{"\\u0000date": iso}` (revived as Date), flagged."""
    dates = False

    def default(value: Any) -> Any:
        nonlocal dates
        if isinstance(value, dt.datetime | dt.date):
            dates = True
            return {DATE_KEY: iso_text(value)}
        if value is UNDEFINED:
            return None
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, set | frozenset | tuple):
            return list(value)
        return str(value)

    try:
        text = orjson.dumps(
            payload, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
        ).decode()
    except (TypeError, orjson.JSONEncodeError):  # huge ints, lone surrogates: the slow way
        text = json.dumps(_sanitise(payload), default=default, separators=(",", ":"), allow_nan=False)
    return text, dates


def _sanitise(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is UNDEFINED:
        return None
    if isinstance(value, dict):
        return {str(key): _sanitise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_sanitise(item) for item in value]
    return value
