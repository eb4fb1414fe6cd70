"""The SQL engine behind `orchestration query execute`, behind one small interface.

Embedded mode runs the rewritten query in chDB (ClickHouse in-process), which reads the state store
through its SQLite/PostgreSQL database engines, so reads are always current. A ClickHouse server can
replace it by implementing `QueryEngine` (same SQL, caps in a read-only settings profile).

Lading's caps cannot be changed from query text, whatever the text: each query runs in a fresh chDB
session in which the store is attached, the caps are `SET`, and then `readonly = 1` is set. From then
on ClickHouse itself refuses any settings change (a `SETTINGS` clause anywhere, `SET`) and every table
function that reaches outside (`file`, `url`, `sqlite`, `postgresql`, `remote`, `executable`, …). The
query is also wrapped as `SELECT * FROM (<query>)`, so `FORMAT`, `INTO OUTFILE`, a second statement or
a non-SELECT statement are syntax errors for ClickHouse's own parser. The session is closed after the
query: nothing (a `USE`, a failed query's buffered output) carries over to the next one. Engine errors
come back as `EngineError` with the ClickHouse code and a message stripped of internal SQL.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lading.analytics.store_source import StoreSource


@dataclass(frozen=True)
class Limits:
    """The guardrails of spec §6.4."""

    max_execution_seconds: float = 30.0
    max_result_rows: int = 10_000
    max_rows_to_read: int = 10_000_000
    max_subquery_depth: int = 5
    max_memory_bytes: int = 4 * 1024**3


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool
    types: list[str] = field(default_factory=list)  # ClickHouse's type of each column, as `columns`


# The reason code of an error document: ClickHouse's own name for the error code.
REASONS = {47: "UNKNOWN_IDENTIFIER", 60: "UNKNOWN_TABLE", 62: "SYNTAX_ERROR", 158: "TOO_MANY_ROWS",
           159: "TIMEOUT_EXCEEDED", 162: "TOO_DEEP_SUBQUERIES", 241: "MEMORY_LIMIT_EXCEEDED",
           306: "TOO_DEEP_RECURSION", 497: "ACCESS_DENIED", 1001: "STD_EXCEPTION"}


def reason_for(code: int, name: str | None = None) -> str:
    return REASONS.get(code) or (name if name and re.fullmatch(r"[A-Z][A-Z0-9_]{2,60}", name) else "QUERY_FAILED")


class EngineError(Exception):
    """A failure reported by the engine: `Code: <n>. <readable message>`."""

    def __init__(self, code: int, message: str, reason: str | None = None) -> None:
        super().__init__(f"Code: {code}. {message}")
        self.code = code
        self.message = message
        self.reason = reason or reason_for(code)


class QueryEngine(Protocol):
    """Runs one already-checked, already-scoped SELECT under the given limits."""

    def execute(self, sql: str, limits: Limits) -> QueryResult: ...


# Extra nesting our scoped views and the outer `SELECT * FROM (…)` add on top of the user's own
# subqueries (not counted against them).
_VIEW_DEPTH = 5


def clickhouse_settings(limits: Limits) -> dict[str, Any]:
    """The session settings every query runs under; `readonly = 1` is set after them, last."""
    return {
        "max_execution_time": limits.max_execution_seconds,
        "timeout_overflow_mode": "throw",
        "max_result_rows": limits.max_result_rows + 1,
        "result_overflow_mode": "break",
        "max_rows_to_read": limits.max_rows_to_read,
        "read_overflow_mode": "throw",
        "max_subquery_depth": limits.max_subquery_depth + _VIEW_DEPTH,
        "max_memory_usage": limits.max_memory_bytes,
        "session_timezone": "UTC",
        "output_format_json_quote_64bit_integers": 0,
        "output_format_json_quote_64bit_floats": 0,
        "output_format_json_quote_denormals": 0,
        "output_format_json_quote_decimals": 0,
        "use_query_cache": 0,
        "query_profiler_real_time_period_ns": 0,
        "query_profiler_cpu_time_period_ns": 0,
        # Engine logs are never sent to the client (they would be printed on the CLI's stdout/stderr).
        "send_logs_level": "none",
        "log_queries": 0,
        "allow_introspection_functions": 0,
    }


def _set_statement(settings: dict[str, Any]) -> str:
    def lit(value: Any) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'" if isinstance(value, str) else repr(value)

    return "SET " + ", ".join(f"{k} = {lit(v)}" for k, v in settings.items())


def wrap(sql: str) -> str:
    """The statement ClickHouse parses: the query as a subquery, on lines of its own (a trailing `--`
    comment cannot swallow the closing parenthesis; an unclosed `/*` or quote is a syntax error)."""
    return "SELECT * FROM (\n" + sql + "\n)"


_CODE = re.compile(r"Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?(.*)", re.S)


def readable_error(raw: str, secrets: tuple[str, ...] = ()) -> EngineError:
    """`Code: 47. DB::Exception: Unknown expression identifier `x` in scope SELECT … (UNKNOWN_IDENTIFIER)`
    → `Code: 47. Unknown expression identifier 'x'` (no internal SQL, paths or credentials)."""
    match = _CODE.search(raw)
    if not match:
        text = " ".join(raw.split())[:500] or "query failed"
        return EngineError(1001, _withhold(text, secrets))
    code, text = int(match.group(1)), " ".join(match.group(2).split())
    names = re.findall(r"\(([A-Z][A-Z0-9_]+)\)", text)
    name = names[-1] if names else None
    if code == 164:
        # The read-only session refused something: a settings change or a table function.
        setting = re.search(r"Cannot modify '([^']*)' setting", text)
        if setting:
            return EngineError(497, "ACCESS_DENIED: SETTINGS clauses are not allowed")
        return EngineError(497, "ACCESS_DENIED: only a read-only SELECT over runs, batches, spans and records "
                                "is allowed (no table functions)")
    text = re.sub(r"\s*\([A-Z_]+\)\s*(\(version [^)]*\))?\s*$", "", text)
    for marker in (" In scope ", " in scope ", " While processing ", ": While executing ", " While executing ",
                   ". Stack trace", " Maybe you meant", ": while ", "(in query:"):
        cut = text.find(marker)
        if cut > 0:
            text = text[:cut]
    text = text.replace("`", "'").rstrip(" .:").replace("Unknown expression or function identifier",
                                                        "Unknown expression identifier")
    if code == 62:
        # Positions and excerpts refer to the rewritten SQL, not the user's: keep what was expected.
        expected = text.find("Expected")
        if "Max query size exceeded" in text:
            text = "Syntax error: the query is too large (at most 256 KiB once scoped to the workspace)"
        else:
            text = "Syntax error" + (": " + text[expected:expected + 200] if expected >= 0 else "")
    if code == 395 and "Limit for rows or bytes to read exceeded" in text:
        code = 158  # the per-scan counter of PostgreSQL reads (sources.row_cap_predicate)
        text = text[text.find("Limit for rows"):]
    if code == 60:
        text = re.sub(r"Unknown table expression identifier '([^']*)'", r"Table orchestration.\1 doesn't exist", text)
    return EngineError(code, _withhold(text, secrets), reason_for(code, name))


def _withhold(text: str, secrets: tuple[str, ...]) -> str:
    """No credentials, store paths or internal SQL in a message shown to the user."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…")
    if any(marker in text for marker in ("sqlite(", "postgresql(", "lading_view_", "lading_store_", "SQLite(",
                                         "PostgreSQL(")):
        text = text.split(" ", 1)[0] + " (details withheld)"
    return text


_CHDB: Any = None


def _signal_dispositions() -> tuple[Any, dict[int, Any]]:
    """Every signal's raw `sigaction` (Linux/macOS), so they can be put back exactly."""
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    saved = {}
    for number in range(1, signal.NSIG):
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        buf = ctypes.create_string_buffer(512)  # larger than any libc's struct sigaction
        if libc.sigaction(number, None, buf) == 0:
            saved[number] = buf
    return libc, saved


class _Chdb:
    """chDB, used so that it never keeps the signal handlers it installs.

    ClickHouse replaces every signal's handler (SIGSEGV/SIGILL for its crash reports, SIGINT/SIGTERM,
    SIGPIPE, …) on load and again while queries run. In a Lading process those belong to others:
    wasmtime's trap handlers (the python sandbox refuses to run once they are replaced), V8's,
    Python's SIGINT → KeyboardInterrupt and the worker's graceful SIGTERM. Every call therefore puts
    all signal dispositions back as they were; Lading's queries disable ClickHouse's profiler
    timers, the only feature that would signal the process by itself."""

    def __init__(self) -> None:
        import sys

        self._linux = sys.platform.startswith("linux")
        with self._restoring():
            import chdb

            self._chdb = chdb

    def _restoring(self) -> Any:
        import contextlib

        @contextlib.contextmanager
        def guard() -> Any:
            if not self._linux:
                yield
                return
            libc, saved = _signal_dispositions()
            try:
                yield
            finally:
                for number, buf in saved.items():
                    libc.sigaction(number, buf, None)

        return guard()

    def query(self, sql: str, fmt: str) -> Any:
        with self._restoring():
            return self._chdb.query(sql, fmt)

    def connect(self) -> Any:
        """A new session of its own (settings, current database, output buffer)."""
        with self._restoring():
            return self._chdb.connect(":memory:")

    def run(self, connection: Any, sql: str, fmt: str) -> Any:
        with self._restoring():
            return connection.query(sql, fmt)

    def close(self, connection: Any) -> None:
        with self._restoring():
            connection.close()


def load_chdb() -> _Chdb:
    global _CHDB
    if _CHDB is None:
        _CHDB = _Chdb()
    return _CHDB


def _error_of(result: Any) -> str | None:
    error = getattr(result, "error_message", None)
    if callable(error):
        error = error()
    return str(error) if error else None


def run_locked(sql: str, fmt: str, settings: dict[str, Any], setup: tuple[str, ...] = (),
               secrets: tuple[str, ...] = ()) -> bytes:
    """Run one statement in a fresh chDB session: `setup` (e.g. attaching the store), then `settings`,
    then `readonly = 1`, then `wrap(sql)`; the session is closed afterwards, whatever happened.

    chDB keeps a failed query's partial output in its session and hands it to the next query of that
    session, so a session is never reused (a fresh one costs well under a millisecond)."""
    chdb = load_chdb()
    connection = chdb.connect()
    try:
        for statement in (*setup, _set_statement(settings), "SET readonly = 1"):
            try:
                result = chdb.run(connection, statement, "CSV")
            except Exception as exc:
                raise readable_error(str(exc), secrets) from None
            if _error_of(result):
                raise readable_error(_error_of(result) or "", secrets)
        try:
            result = chdb.run(connection, wrap(sql), fmt)
        except Exception as exc:  # chDB raises RuntimeError/ChdbError carrying the ClickHouse message
            raise readable_error(str(exc), secrets) from None
        if _error_of(result):
            raise readable_error(_error_of(result) or "", secrets)
        return result.bytes() if hasattr(result, "bytes") else bytes(result)
    finally:
        chdb.close(connection)


def _run_locked_answer(sql: str, fmt: str, settings: dict[str, Any], setup: tuple[str, ...],
                       secrets: tuple[str, ...]) -> tuple[Any, ...]:
    """`run_locked` in the helper process, its outcome as plain data: ("ok", bytes) or ("error", code,
    message, reason)."""
    try:
        return ("ok", run_locked(sql, fmt, settings, setup, secrets))
    except EngineError as error:
        return ("error", error.code, error.message, error.reason)


_HELPER: Any = None
_HELPER_LOCK = threading.Lock()
# Set by long-lived processes holding the SQLite store open (`lading serve`): see `ChdbEngine`.
ISOLATE_SQLITE_READS = False


def _exit_with_parent(parent_pid: int) -> None:
    """In the helper: exit as soon as the process that started it is gone.

    Why: a pool worker holds both ends of its own call queue, so a parent killed outright (SIGKILL,
    OOM) never closes it, and the helper would wait for work forever, holding its memory."""
    import os

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _helper() -> Any:
    global _HELPER
    with _HELPER_LOCK:
        if _HELPER is None:
            import multiprocessing
            import os
            from concurrent.futures import ProcessPoolExecutor

            _HELPER = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                          initializer=_exit_with_parent, initargs=(os.getpid(),))
        return _HELPER


def run_isolated(sql: str, fmt: str, settings: dict[str, Any], setup: tuple[str, ...] = (),
                 secrets: tuple[str, ...] = ()) -> bytes:
    """`run_locked` in a helper process of this one (started once, then reused)."""
    from concurrent.futures.process import BrokenProcessPool

    global _HELPER
    try:
        outcome = _helper().submit(_run_locked_answer, sql, fmt, settings, setup, secrets).result()
    except BrokenProcessPool:  # the helper died (memory watchdog, signal): the next query starts a new one
        with _HELPER_LOCK:
            _HELPER = None
        raise EngineError(241, "MEMORY_LIMIT_EXCEEDED: the query engine stopped; try a narrower query") from None
    if outcome[0] == "error":
        raise EngineError(outcome[1], outcome[2], outcome[3])
    return bytes(outcome[1])


class ChdbEngine:
    """chDB: each query in a fresh, locked session reading `source`.

    Why a helper process for SQLite stores in a server: chDB's SQLite engine opens the store file with
    its own SQLite library, and closing it drops every POSIX lock this process holds on that file,
    including those of the store's own connections. Another process could then take itself for the
    store's last user and remove the write-ahead log under the server's feet (its later writes would
    reach no other process). In a helper process those locks are the helper's own."""

    def __init__(self, source: StoreSource | None = None, secrets: tuple[str, ...] = ()) -> None:
        self._source = source
        self._secrets = secrets

    def execute(self, sql: str, limits: Limits) -> QueryResult:
        import orjson

        setup = (self._source.attach_sql(),) if self._source is not None else ()
        isolated = ISOLATE_SQLITE_READS and self._source is not None and self._source.backend == "sqlite"
        run = run_isolated if isolated else run_locked
        raw = run(sql, "JSONCompact", clickhouse_settings(limits), setup, self._secrets)
        if not raw.strip():
            return QueryResult(columns=[], rows=[], truncated=False)
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # Only a FORMAT that got past every check could do this: answer as the guard would.
            raise EngineError(497, "ACCESS_DENIED: FORMAT clauses are not allowed") from None
        if not isinstance(document, dict):
            raise EngineError(497, "ACCESS_DENIED: FORMAT clauses are not allowed")
        columns = [m["name"] for m in document.get("meta", [])]
        data = document.get("data", [])
        truncated = len(data) > limits.max_result_rows
        if truncated:
            data = data[: limits.max_result_rows]
        return QueryResult(columns=columns, rows=[dict(zip(columns, row, strict=False)) for row in data],
                           truncated=truncated, types=[str(m.get("type", "")) for m in document.get("meta", [])])
