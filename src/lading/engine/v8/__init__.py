"""All user JavaScript (config expressions and `script` steps) runs here, in sandbox host processes.

Public face: `evaluate_expressions` (the expression driver's round trip), `evaluate_expression_group`
(many configs' payloads in one round trip), `check_syntax`
(compile-only, for graph validation), `run_script_body` (one
`script` step) and `V8Error` (kind "error" | "syntax" | "timeout" | "memory" | "crashed"). Each call
is answered by a host process of this process's pool (`_pool`); the V8 work itself lives in
`_host`, `_expression_runtime`, `_script_runtime`. Importing this package loads neither V8 nor a
host: the first call starts one.
"""

from __future__ import annotations

from lading.engine.v8._errors import V8Error
from lading.engine.v8._pool import pool

__all__ = ["V8Error", "calls_made", "check_syntax", "evaluate_expression_group", "evaluate_expressions",
           "run_script_body"]


def evaluate_expressions(payload: str, with_dates: bool, *, timeout_s: float, memory_bytes: int) -> str:
    """The expression driver's answer for one payload ('O' + results or 'E' + index + ':' + error)."""
    answer = pool().call({"op": "expr", "payload": payload, "dates": with_dates, "timeout": timeout_s,
                          "memory": memory_bytes}, timeout_s)
    return _text(answer)


def evaluate_expression_group(payloads: list[str], with_dates: bool, *, timeout_s: float,
                              memory_bytes: int) -> str:
    """Many payloads in one round trip: the JSON array of their answers (see `_expression_runtime`)."""
    answer = pool().call({"op": "exprs", "payload": "[" + ",".join(payloads) + "]", "dates": with_dates,
                          "timeout": timeout_s, "memory": memory_bytes}, timeout_s)
    return _text(answer)


def run_script_body(script: str, input_json: str, *, timeout_s: float, memory_bytes: int) -> str:
    """The script prelude's status for one step ("ok:<json>", "err:<text>", "syn:<text>")."""
    answer = pool().call({"op": "script", "script": script, "input": input_json, "timeout": timeout_s,
                          "memory": memory_bytes}, timeout_s)
    return _text(answer)


def check_syntax(sources: list[str], *, timeout_s: float, memory_bytes: int) -> list[str | None]:
    """Per source: None when it compiles as an expression the way `evaluate_expressions` compiles
    it, else V8's SyntaxError text. Compiles only; no user code runs."""
    import json

    answer = pool().call({"op": "syntax", "sources": json.dumps(sources), "timeout": timeout_s,
                          "memory": memory_bytes}, timeout_s)
    verdicts = json.loads(_text(answer))
    return [v if isinstance(v, str) else None for v in verdicts]


def calls_made() -> int:
    """How many calls this process has sent to a host (tests check that fast paths skip V8)."""
    return pool().calls


def _text(answer: dict[str, object]) -> str:
    if "error" in answer:
        raise V8Error(str(answer["error"]), str(answer.get("message") or ""))
    ok = answer.get("ok")
    return ok if isinstance(ok, str) else ""
