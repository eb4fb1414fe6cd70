"""Resolve a node's config against the run context (spec 2.8): the one evaluator used by the
executor, `node compute` and `node execute`.

Why in two passes: walking the config first resolves every plain path (`_paths`) and simple
condition (`_compare`) in Python and collects the segments that need JavaScript; those are then
evaluated together in a single V8 round trip, and their results are put in place. A config made
only of static values, plain paths and simple conditions never creates a V8 context. The two
passes are also separate steps (`plan` → `ConfigPlan.payload` / `finish`), so the worker can send
many runs' payloads in one round trip (`_groups`). The walk follows the config's shape compiled
once per release config object (`_compile`), not the config itself key by key.
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


# A config's shape, compiled once per (config object, skip keys) — see `_compile`.
_CONST, _TEMPLATE, _DICT, _LIST, _COPY, _LEAF = range(6)
_Compiled = tuple[Any, ...]


class _CompiledTemplate(NamedTuple):
    template: Template
    original: str
    mode: int
    segments: tuple[tuple[str, Any], ...]  # (source, its parsed plain path or None) per segment


def _compile_template(text: str) -> _CompiledTemplate:
    template = split_template(text)
    segments = tuple((part.source, parse_path(part.source) if part.source else None)
                     for part in template.parts if isinstance(part, Segment))
    return _CompiledTemplate(template, text, WHOLE if template.whole else TEXT, segments)


def _compile(value: Any, skip: frozenset[str]) -> _Compiled:
    """How to plan `value`, decided once per config: constants (shared as
    is), templates, containers to rebuild (their constant entries prefilled), subtrees to copy
    (skip keys, and expression-free containers when there are skip keys: the result never shares
    a container with the config then)."""
    if isinstance(value, str):
        return (_TEMPLATE, _compile_template(value)) if "{{" in value else (_CONST, value)
    if not isinstance(value, (dict, list)):
        return (_CONST, value)
    if not _has_expression(value):
        return (_COPY, value) if skip else (_CONST, value)
    if isinstance(value, dict):
        kind = value.get("kind")
        if isinstance(kind, str) and kind in LEAF_KINDS and "expression" in value:
            return (_LEAF, value)
        base: dict[Any, Any] = {}
        dynamic: list[tuple[Any, _Compiled]] = []
        for key, item in value.items():
            child = ((_COPY, item) if isinstance(item, (dict, list)) else (_CONST, item)) if key in skip \
                else _compile(item, skip)
            if child[0] is _CONST:
                base[key] = child[1]
            else:
                base[key] = None
                dynamic.append((key, child))
        return (_DICT, base, tuple(dynamic))
    return (_LIST, tuple(_compile(item, skip) for item in value))


_COMPILED: dict[tuple[int, frozenset[str]], tuple[Any, _Compiled]] = {}


def _compiled(config: Any, skip: frozenset[str]) -> _Compiled:
    """`_compile(config)`, memoised per container object (release configs are reused by every run;
    the entry keeps its object alive so an id is never confused with a newer object's)."""
    if not isinstance(config, (dict, list)):
        return _compile(config, skip)
    key = (id(config), skip)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is config:
        return cached[1]
    compiled = _compile(config, skip)
    if len(_COMPILED) > 20_000:
        _COMPILED.clear()
    _COMPILED[key] = (config, compiled)
    return compiled


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
        result = self._run(_compiled(config, skip_keys), batch)
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
    def _run(self, compiled: _Compiled, batch: _Batch) -> Any:
        """A config's compiled shape (`_compile`) played against this run's context: the release's
        config is not re-inspected key by key on every run."""
        tag = compiled[0]
        if tag is _CONST:
            return compiled[1]
        if tag is _TEMPLATE:
            return self._run_template(compiled[1], batch)
        if tag is _DICT:
            out = compiled[1].copy()
            for key, child in compiled[2]:
                planned = self._run(child, batch)
                if type(planned) is _Pending:
                    batch.fills.append((out, key, planned))
                    planned = None
                out[key] = planned
            return out
        if tag is _LIST:
            items: list[Any] = []
            for index, child in enumerate(compiled[1]):
                planned = self._run(child, batch)
                if type(planned) is _Pending:
                    batch.fills.append((items, index, planned))
                    planned = None
                items.append(planned)
            return items
        if tag is _COPY:
            return _copy(compiled[1])
        return self._leaf(compiled[1], batch)

    def _run_template(self, compiled: _CompiledTemplate, batch: _Batch) -> Any:
        """`_template` with each segment's path parsed in advance."""
        mode = compiled.mode
        roots = batch.roots
        values: list[Any] = []
        waiting = False
        for source, path in compiled.segments:
            value = resolve(path, roots) if path is not None else evaluate_condition(source, roots)
            if value is FALLBACK:
                rewritten = rewrite(source) if source else None
                if rewritten is None:
                    value = _SYNTAX
                else:
                    value = batch.add(source, rewritten, mode)
                    waiting = True
            else:
                value = whole_value(value) if mode == WHOLE else segment_text(value)
            values.append(value)
        if not values:
            return compiled.original
        if waiting:
            return _Pending(compiled.template, values, compiled.original)
        return _assemble(compiled.template, values, compiled.original)

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
        segments = tuple((part.source, parse_path(part.source) if part.source else None)
                         for part in template.parts if isinstance(part, Segment))
        return self._run_template(
            _CompiledTemplate(template, original, WHOLE if template.whole else TEXT, segments), batch)

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
