"""Inside a sandbox host: the long-lived V8 context that evaluates config expressions.

Why long-lived: a fresh context costs milliseconds, an evaluation must cost one round trip. Each
`compute_config` sends all its segments in one call: the context (only the slugs the code reads)
as one JSON text, and the segments' sources. Each distinct source is compiled once into
`function (nodes, parentNodes) { return (<code>); }` and cached by its text. An evaluation may bring
other named variables (`expression evaluate`'s scope, api.md §11): they become further parameters,
and the cache key names them.

Isolation guarantees (no state an evaluation leaves is seen by another):
- before any user code runs, `WebAssembly` is removed, then every object reachable from
  `globalThis` (constructors, prototypes, `Math`, `JSON`, hidden iterator/generator prototypes…)
  and `globalThis` itself are frozen, so `globalThis.x = 1`, `var x`, `Array.prototype.f = …` have
  no lasting effect (sloppy-mode assignments are silently ignored, as on frozen objects);
- compiled functions and their `prototype` objects are frozen; the compile cache is keyed by
  the full source text, so no code can plant a function for another source;
- the context objects (`nodes`, `parentNodes`) are parsed afresh on every call. A segment that
  mutates them (`nodes.a.list.sort()`) is seen by later segments of the same call only;
- a context that hits the time or memory limit is thrown away and recreated.
Known limits: timers (`setTimeout`) are unavailable. Promise callbacks still pending when a call
returns run after it, before the next call; they can only reach frozen globals and their own
closures, and if they exhaust the next call's time or memory, that call is retried on a fresh
context (so one segment cannot make another fail). Assigning an inherited name on a plain
object (`o.toString = …`) is silently ignored because `Object.prototype` is frozen (the
"override mistake"). Local-time `Date` methods follow the process time zone; whole Date values
are always ISO 8601 UTC text.
"""

from __future__ import annotations

from typing import Any

from lading.engine.v8._contexts import close_context, open_context
from lading.engine.v8._errors import V8Error

_SETUP_TIMEOUT_S = 10.0

_DRIVER = r"""
delete globalThis.WebAssembly;
const [__lading_expr, __lading_expr_many] = (function () {
  'use strict';
  const F = Function, SyntaxErr = SyntaxError, ErrorCls = Error, DateCls = Date, S = String;
  const parse = JSON.parse, stringify = JSON.stringify, freeze = Object.freeze;
  const isArray = Array.isArray, isSafe = Number.isSafeInteger, toNumber = Number, keysOf = Object.keys;
  const NO_NAMES = freeze([]);
  const errorText = Error.prototype.toString, getTime = Date.prototype.getTime;
  const toISO = Date.prototype.toISOString;
  const cache = new Map();
  const LIMIT = 4096;
  const DATE_KEY = '\u0000date';

  function revive(key, value) {
    if (value !== null && typeof value === 'object' && !isArray(value)) {
      const text = value[DATE_KEY];
      if (typeof text === 'string') return new DateCls(text);
    }
    return value;
  }
  function compile(source, rewritten, names) {
    const head = names.length === 0 ? '' : names.join(',') + '\u0001';
    const key = head + (rewritten === null ? source : rewritten + '\u0000' + source);
    let fn = cache.get(key);
    if (fn !== undefined) return fn;
    fn = null;
    const candidates = rewritten === null ? [source] : [rewritten, source];
    for (let i = 0; i < candidates.length; i++) {
      try {
        fn = new F('nodes', 'parentNodes', ...names, 'return (\n' + candidates[i] + '\n);');
        break;
      } catch (e) {
        if (!(e instanceof SyntaxErr)) throw e;
      }
    }
    if (fn !== null) { freeze(fn.prototype); freeze(fn); }
    if (cache.size >= LIMIT) cache.clear();
    cache.set(key, fn);
    return fn;
  }
  function describe(e) {
    try {
      if (e instanceof ErrorCls) return errorText.call(e);
      if (e !== null && typeof e === 'object') { const t = stringify(e); if (t !== undefined) return t; }
      return S(e);
    } catch (_) {
      return 'Error: uncaught exception';
    }
  }
  function whole(v) {
    const t = typeof v;
    if (t === 'undefined' || t === 'function' || t === 'symbol') return 0;
    if (t === 'bigint') { const n = toNumber(v); return [isSafe(n) ? n : S(v)]; }
    return [v];
  }
  function text(v) {
    if (v === undefined || v === null) return '';
    const t = typeof v;
    if (t === 'string') return v;
    if (t === 'function' || t === 'symbol') return '';
    if (t === 'object') {
      if (v instanceof DateCls) return getTime.call(v) === getTime.call(v) ? toISO.call(v) : '';
      const s = stringify(v);
      return s === undefined ? '' : s;
    }
    return S(v);
  }
  function evalOne(p) {
    const nodes = p.s.nodes, parentNodes = p.s.parentNodes, vars = p.s.v, jobs = p.x, out = [];
    const names = vars === undefined ? NO_NAMES : keysOf(vars), values = [];
    for (let i = 0; i < names.length; i++) values.push(vars[names[i]]);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      let fn;
      try { fn = compile(job[0], job[1], names); } catch (e) { return [1, i, describe(e)]; }
      if (fn === null) { out.push(1); continue; }
      try {
        const v = fn(nodes, parentNodes, ...values);
        out.push(job[2] === 0 ? whole(v) : [text(v)]);
      } catch (e) {
        return [1, i, describe(e)];
      }
    }
    return [0, out];
  }
  function one(payload, withDates) {
    const r = evalOne(withDates ? parse(payload, revive) : parse(payload));
    if (r[0] === 1) return 'E' + r[1] + ':' + r[2];
    try { return 'O' + stringify(r[1]); } catch (e) { return 'E-1:' + describe(e); }
  }
  // Many configs' payloads (a JSON array of them) in one call: a JSON array of answers, each
  // [0, results] or [1, failing job index (-1: the results), error text]. Each payload is parsed
  // into its own objects, so what one config's code does to its context no other config sees.
  function many(payload, withDates) {
    const ps = withDates ? parse(payload, revive) : parse(payload), res = [];
    for (let k = 0; k < ps.length; k++) res.push(evalOne(ps[k]));
    try { return stringify(res); } catch (_) {
      const parts = [];
      for (let k = 0; k < res.length; k++) {
        try { parts.push(stringify(res[k])); } catch (e) { parts.push(stringify([1, -1, describe(e)])); }
      }
      return '[' + parts.join(',') + ']';
    }
  }
  return freeze([freeze(one), freeze(many)]);
})();
"""

# Compiles each source exactly as `__lading_expr` does, and never calls what it compiled: graph
# validation asks whether a segment parses without running user code.
_SYNTAX_DRIVER = r"""
const __lading_syntax = (function () {
  'use strict';
  const F = Function, SyntaxErr = SyntaxError, parse = JSON.parse, stringify = JSON.stringify;
  const errorText = Error.prototype.toString;
  return Object.freeze(function (payload) {
    const sources = parse(payload), out = [];
    for (let i = 0; i < sources.length; i++) {
      try {
        new F('nodes', 'parentNodes', 'return (\n' + sources[i] + '\n);');
        out.push(null);
      } catch (e) {
        out.push(e instanceof SyntaxErr ? errorText.call(e) : null);
      }
    }
    return stringify(out);
  });
})();
"""

_FREEZE = r"""
(function () {
  'use strict';
  const roots = [globalThis];
  const samples = [
    () => function* () {}, () => async function () {}, () => async function* () {},
    () => (function* () {})(), () => (async function* () {})(), () => [][Symbol.iterator](),
    () => new Map()[Symbol.iterator](), () => new Set()[Symbol.iterator](), () => ''[Symbol.iterator](),
    () => /a/[Symbol.matchAll](''), () => [].values().map((x) => x), () => Iterator.from({ next() {} }),
    () => new Intl.Segmenter().segment('a'), () => new Intl.Segmenter().segment('a')[Symbol.iterator](),
    () => (function () { return arguments; })(), () => Promise.resolve(),
  ];
  for (const make of samples) { try { roots.push(make()); } catch (_) { /* not in this V8 */ } }
  const seen = new Set();
  const stack = roots.slice();
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    stack.push(Object.getPrototypeOf(o));
    for (const key of Reflect.ownKeys(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, key);
      if (d === undefined) continue;
      if ('value' in d) stack.push(d.value); else stack.push(d.get, d.set);
    }
    Object.freeze(o);
  }
  return seen.size;
})()
"""


class _LimitError(Exception):
    """The time or memory limit stopped a call (the context is already closed)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ExpressionRuntime:
    """A lazily created V8 context with the driver installed (one per host process)."""

    def __init__(self) -> None:
        self._racer: Any = None
        self._maker: Any = None
        self._memory_bytes = 0
        self._calls = 0  # calls completed by the current context

    def _open(self, memory_bytes: int) -> Any:
        racer, maker = open_context()
        self._racer, self._maker, self._memory_bytes = racer, maker, memory_bytes
        try:
            racer.set_hard_memory_limit(memory_bytes)
            racer.eval(_DRIVER + _SYNTAX_DRIVER + _FREEZE, timeout_sec=_SETUP_TIMEOUT_S)
        except BaseException:
            self.close()
            raise
        return racer

    def close(self) -> None:
        racer, maker = self._racer, self._maker
        self._racer = self._maker = None
        self._calls = 0
        if racer is not None:
            close_context(racer, maker)

    def call(self, payload: str, with_dates: bool, timeout_s: float, memory_bytes: int) -> str:
        """Run the driver on a payload; the driver's answer: 'O' + the JSON results, or
        'E' + the failing job's index + ':' + the error text. Raises V8Error on a limit or a
        V8-level failure.

        A context that already served calls may still be busy with work an earlier call left
        behind (a promise callback that loops); when such a context hits a limit, the call is
        retried once on a fresh context, so the limit is charged to the code that caused it.
        """
        if self._racer is not None and self._memory_bytes != memory_bytes:
            self.close()  # the limit is set per context
        code = f"__lading_expr({_js_string(payload)}, {'true' if with_dates else 'false'})"
        if self._racer is not None and self._calls > 0:
            try:
                return self._call(code, timeout_s, memory_bytes)
            except _LimitError:
                pass  # the stale context is closed; try again on a fresh one
        try:
            return self._call(code, timeout_s, memory_bytes)
        except _LimitError as hit:
            raise V8Error(hit.kind, hit.message) from None

    def call_many(self, payload: str, with_dates: bool, timeout_s: float, memory_bytes: int) -> str:
        """`call` for a JSON array of payloads: the JSON array of their answers, each
        `[0, results]` or `[1, failing job index, error text]`. One time and memory limit covers
        the whole call (the caller retries each payload alone when a group hits one)."""
        if self._racer is not None and self._memory_bytes != memory_bytes:
            self.close()
        code = f"__lading_expr_many({_js_string(payload)}, {'true' if with_dates else 'false'})"
        if self._racer is not None and self._calls > 0:
            try:
                return self._call(code, timeout_s, memory_bytes)
            except _LimitError:
                pass
        try:
            return self._call(code, timeout_s, memory_bytes)
        except _LimitError as hit:
            raise V8Error(hit.kind, hit.message) from None

    def check_syntax(self, sources_json: str, timeout_s: float, memory_bytes: int) -> str:
        """A JSON list with, per source, null when it compiles as an expression or V8's SyntaxError
        text. Nothing is run; a limit hit here is reported like any call's."""
        if self._racer is not None and self._memory_bytes != memory_bytes:
            self.close()
        try:
            return self._call(f"__lading_syntax({_js_string(sources_json)})", timeout_s, memory_bytes)
        except _LimitError as hit:
            raise V8Error(hit.kind, hit.message) from None

    def _call(self, code: str, timeout_s: float, memory_bytes: int) -> str:
        from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException

        racer = self._racer or self._open(memory_bytes)
        try:
            answer = racer.eval(code, timeout_sec=timeout_s)
        except JSTimeoutException:
            self.close()
            raise _LimitError("timeout", f"expression timed out after {timeout_s:g}s") from None
        except JSOOMException:
            self.close()
            raise _LimitError("memory", memory_message(memory_bytes)) from None
        except JSEvalException as error:
            reached = racer.was_hard_memory_limit_reached()
            self.close()
            if reached:
                raise _LimitError("memory", memory_message(memory_bytes)) from None
            raise V8Error("error", _last_line(str(error))) from None
        self._calls += 1
        if not isinstance(answer, str):
            raise V8Error("error", f"expression evaluation returned {type(answer).__name__}")
        return answer


def memory_message(memory_bytes: int) -> str:
    return f"expression exceeded the memory limit of {round(memory_bytes / 2**20, 2):g} MiB"


def _js_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=True)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "expression failed"
