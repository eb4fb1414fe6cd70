"""The SQL engine behind `orchestration query execute`, behind one small interface.

Embedded mode runs the rewritten query in chDB (ClickHouse in-process), which reads the state store
through its SQLite/PostgreSQL table functions, so reads are always current. A ClickHouse server can
replace it by implementing `QueryEngine` (same SQL, caps in a read-only settings profile). The caps
are ClickHouse settings chosen by Lading (the user's SQL may carry no SETTINGS clause); engine errors
come back as `EngineError` with the ClickHouse code and a message stripped of internal SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol


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


class EngineError(Exception):
    """A failure reported by the engine: `Code: <n>. <readable message>`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Code: {code}. {message}")
        self.code = code
        self.message = message


class QueryEngine(Protocol):
    """Runs one already-checked, already-scoped SELECT under the given limits."""

    def execute(self, sql: str, limits: Limits) -> QueryResult: ...


# Extra nesting our scoped views add on top of the user's own subqueries (not counted against them).
_VIEW_DEPTH = 4


def clickhouse_settings(limits: Limits) -> dict[str, Any]:
    return {
        "readonly": 2,
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
    }


def _settings_clause(settings: dict[str, Any]) -> str:
    def lit(value: Any) -> str:
        return f"'{value}'" if isinstance(value, str) else str(value)

    return " SETTINGS " + ", ".join(f"{k} = {lit(v)}" for k, v in settings.items())


_CODE = re.compile(r"Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?(.*)", re.S)


def readable_error(raw: str, secrets: tuple[str, ...] = ()) -> EngineError:
    """`Code: 47. DB::Exception: Unknown expression identifier `x` in scope SELECT … (UNKNOWN_IDENTIFIER)`
    → `Code: 47. Unknown expression identifier 'x'` (no internal SQL, paths or credentials)."""
    match = _CODE.search(raw)
    if not match:
        return EngineError(1001, " ".join(raw.split())[:500] or "query failed")
    code, text = int(match.group(1)), " ".join(match.group(2).split())
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
        text = "Syntax error" + (": " + text[expected:expected + 200] if expected >= 0 else "")
    if code == 395 and "Limit for rows or bytes to read exceeded" in text:
        code = 158  # the per-scan counter of PostgreSQL reads (sources.row_cap_predicate)
        text = text[text.find("Limit for rows"):]
    if code == 60:
        text = re.sub(r"Unknown table expression identifier '([^']*)'", r"Table orchestration.\1 doesn't exist", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…")
    if "sqlite(" in text or "postgresql(" in text or "lading_view_" in text:
        text = text.split(" ", 1)[0] + " (details withheld)"
    return EngineError(code, text)


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


def load_chdb() -> _Chdb:
    global _CHDB
    if _CHDB is None:
        _CHDB = _Chdb()
    return _CHDB


class ChdbEngine:
    """chDB in this process; one stateless connection per process, created on first use."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self._secrets = secrets

    def execute(self, sql: str, limits: Limits) -> QueryResult:
        import orjson

        chdb = load_chdb()
        statement = sql + _settings_clause(clickhouse_settings(limits))
        try:
            result = chdb.query(statement, "JSONCompact")
        except Exception as exc:  # chDB raises RuntimeError/ChdbError carrying the ClickHouse message
            raise readable_error(str(exc), self._secrets) from None
        error = getattr(result, "error_message", None)
        if callable(error):
            error = error()
        if error:
            raise readable_error(str(error), self._secrets)
        raw = result.bytes() if hasattr(result, "bytes") else bytes(result)
        if not raw.strip():
            return QueryResult(columns=[], rows=[], truncated=False)
        document = orjson.loads(raw)
        columns = [m["name"] for m in document.get("meta", [])]
        data = document.get("data", [])
        truncated = len(data) > limits.max_result_rows
        if truncated:
            data = data[: limits.max_result_rows]
        return QueryResult(columns=columns, rows=[dict(zip(columns, row, strict=False)) for row in data],
                           truncated=truncated)
