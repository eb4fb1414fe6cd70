"""The V8 side of expression evaluation: one long-lived context per evaluator (per thread).

Why long-lived: a fresh context costs milliseconds, an evaluation must cost one round trip
(~150 µs). Each `compute_config` sends all its segments in one call: the context (only the
slugs the code reads) as one JSON text, and the segments' sources. Each distinct source is
compiled once into `function (nodes, parentNodes) { return (<code>); }` and cached by its text.

Isolation guarantees (no state an evaluation leaves is seen by another):
- before any user code runs, every object reachable from `globalThis` (constructors,
  prototypes, `Math`, `JSON`, hidden iterator/generator prototypes…) and `globalThis` itself are
  frozen, so `globalThis.x = 1`, `var x`, `Array.prototype.f = …` have no lasting effect
  (sloppy-mode assignments are silently ignored, as JavaScript does on frozen objects);
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

import asyncio
import atexit
import os
import threading
import weakref
from typing import Any

from lading.engine.expressions._errors import ExpressionError
from lading.engine.v8_once import create_context

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024
_SETUP_TIMEOUT_S = 10.0

DATE_KEY = "\u0000date"  # marks a Python datetime in the context JSON: revived as a JS Date

_DRIVER = r"""
const __lading_expr = (function () {
  'use strict';
  const F = Function, SyntaxErr = SyntaxError, ErrorCls = Error, DateCls = Date, S = String;
  const parse = JSON.parse, stringify = JSON.stringify, freeze = Object.freeze;
  const isArray = Array.isArray, isSafe = Number.isSafeInteger, toNumber = Number;
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
  function compile(source, rewritten) {
    const key = rewritten === null ? source : rewritten + '\u0000' + source;
    let fn = cache.get(key);
    if (fn !== undefined) return fn;
    fn = null;
    const candidates = rewritten === null ? [source] : [rewritten, source];
    for (let i = 0; i < candidates.length; i++) {
      try {
        fn = new F('nodes', 'parentNodes', 'return (\n' + candidates[i] + '\n);');
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
  return freeze(function (payload, withDates) {
    const p = withDates ? parse(payload, revive) : parse(payload);
    const nodes = p.s.nodes, parentNodes = p.s.parentNodes, jobs = p.x, out = [];
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      let fn;
      try { fn = compile(job[0], job[1]); } catch (e) { return 'E' + i + ':' + describe(e); }
      if (fn === null) { out.push(1); continue; }
      try {
        const v = fn(nodes, parentNodes);
        out.push(job[2] === 0 ? whole(v) : [text(v)]);
      } catch (e) {
        return 'E' + i + ':' + describe(e);
      }
    }
    try { return 'O' + stringify(out); } catch (e) { return 'E-1:' + describe(e); }
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

_lock = threading.Lock()
_contexts_created = 0
# Every runtime with an open context. They are closed at interpreter exit while the loop thread still
# runs: a context left to the garbage collector during finalisation waits forever for that (by then
# frozen) daemon thread, and the process never exits.
_open_runtimes: weakref.WeakSet[V8Runtime] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for runtime in list(_open_runtimes):
        runtime.close()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def contexts_created() -> int:
    """How many V8 contexts this process has created for expressions (tests check the fast path)."""
    return _contexts_created


def _shared_loop() -> asyncio.AbstractEventLoop:
    """One daemon thread whose loop all our contexts report to (a plain MiniRacer starts its own)."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="lading-expr-v8", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


class _LimitError(Exception):
    """The time or memory limit stopped a call (the context is already closed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class V8Runtime:
    """A lazily created V8 context with the driver installed; not thread-safe (one per thread)."""

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES):
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes
        self._racer: Any = None
        self._maker: Any = None
        self._calls = 0  # calls completed by the current context
        self._pid = os.getpid()

    def _open(self) -> Any:
        global _contexts_created
        from py_mini_racer import MiniRacer

        maker = None
        try:
            from py_mini_racer._mini_racer import _make_context  # private, hence the fallback

            maker = _make_context(_shared_loop())
            racer = MiniRacer(create_context(maker.__enter__))
        except (ImportError, TypeError, AttributeError):
            maker = None
            racer = create_context(MiniRacer)
        with _lock:
            _contexts_created += 1
        self._racer, self._maker = racer, maker
        _open_runtimes.add(self)
        try:
            racer.set_hard_memory_limit(self.memory_bytes)
            racer.eval(_DRIVER + _FREEZE, timeout_sec=_SETUP_TIMEOUT_S)
        except BaseException:
            self.close()
            raise
        return racer

    def close(self) -> None:
        racer, maker = self._racer, self._maker
        self._racer = self._maker = None
        _open_runtimes.discard(self)
        self._calls = 0
        if racer is None:
            return
        try:
            if maker is not None:
                maker.__exit__(None, None, None)
            else:
                racer.close()
        except Exception:  # a broken context is being discarded anyway
            pass

    def call(self, payload: str, with_dates: bool) -> str:
        """Run the driver on a payload; the driver's answer: 'O' + the JSON results, or
        'E' + the failing job's index + ':' + the error text.

        A context that already served calls may still be busy with work an earlier call left
        behind (a promise callback that loops); when such a context hits a limit, the call is
        retried once on a fresh context, so the limit is charged to the code that caused it.
        """
        if self._pid != os.getpid():  # forked: the parent's context and loop are not ours to use
            self._racer = self._maker = None
            self._calls, self._pid = 0, os.getpid()
        code = f"__lading_expr({_js_string(payload)}, {'true' if with_dates else 'false'})"
        if self._racer is not None and self._calls > 0:
            try:
                return self._call(code)
            except _LimitError:
                pass  # the stale context is closed; try again on a fresh one
        try:
            return self._call(code)
        except _LimitError as hit:
            raise ExpressionError(hit.message) from None

    def _call(self, code: str) -> str:
        from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException

        racer = self._racer or self._open()
        try:
            answer = racer.eval(code, timeout_sec=self.timeout_s)
        except JSTimeoutException:
            self.close()
            raise _LimitError(f"expression timed out after {self.timeout_s:g}s") from None
        except JSOOMException:
            self.close()
            raise _LimitError(self._memory_message()) from None
        except JSEvalException as error:
            reached = racer.was_hard_memory_limit_reached()
            self.close()
            if reached:
                raise _LimitError(self._memory_message()) from None
            raise ExpressionError(_last_line(str(error))) from None
        self._calls += 1
        if not isinstance(answer, str):
            raise ExpressionError(f"expression evaluation returned {type(answer).__name__}")
        return answer

    def _memory_message(self) -> str:
        return f"expression exceeded the memory limit of {round(self.memory_bytes / 2**20, 2):g} MiB"


def _js_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=True)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "expression failed"
