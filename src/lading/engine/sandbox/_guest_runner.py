"""The program that runs *inside* the WebAssembly guest around a `python` step's code.

Why a separate file: its source text is handed to the guest interpreter (`python -c`), so it must
stand alone (stdlib only, no `lading` imports) and run on the guest's CPython as well as the
host's. The host also imports `normalise` from here to clean the step's inputs, so inputs and
results go through one set of rules.

Protocol: stdin carries one JSON object `{"marker", "script", "nodes", "parentNodes"}`. The user
code runs with `nodes` and `parentNodes` as globals and assigns `result`. While it runs,
`sys.stdout`/`sys.stderr` are replaced by a sink, so prints are discarded. Afterwards the runner
writes one line to the real stdout: the per-call random marker followed by
`{"result": …}` or `{"error": "<Type>: <message>", "kind": "error"|"syntax"|"memory"}`.
The host reads the last marker line only, so text the user prints can never pose as the result.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import sys
from collections.abc import Mapping
from typing import Any

_CIRCULAR = "result contains a circular reference"


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, (_dt.datetime, _dt.date, _dt.time)):
        return key.isoformat()
    return str(key)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "deque"


def normalise(value: Any, _active: set[int] | None = None) -> Any:
    """The JSON-safe form of a value, as stored in the run context.

    datetimes/dates/times → ISO 8601 text; sets, tuples and other sequences → lists (sets
    sorted when their items allow it, so output is stable); dict keys → text; NaN/±inf → None;
    integer-like and real-like numbers (numpy scalars included) → int/float; objects with
    `tolist()` (numpy arrays) → their list; anything else → `str(value)`. A cycle raises
    ValueError.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "backslashreplace")
    active = set() if _active is None else _active
    if isinstance(value, Mapping) or _is_sequence(value):
        marker = id(value)
        if marker in active:
            raise ValueError(_CIRCULAR)
        active.add(marker)
        try:
            if isinstance(value, Mapping):
                return {_key(k): normalise(v, active) for k, v in value.items()}
            items = list(value)
            if isinstance(value, (set, frozenset)):
                try:
                    items = sorted(items)
                except TypeError:
                    pass
            return [normalise(item, active) for item in items]
        finally:
            active.discard(marker)
    return _other(value, active)


def _other(value: Any, active: set[int]) -> Any:
    """Numbers from other libraries keep their meaning; the rest becomes text."""
    import numbers

    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return normalise(float(value), active)
    tolist = getattr(type(value), "tolist", None)
    if callable(tolist):
        try:
            listed = value.tolist()
        except Exception:
            listed = value
        if listed is not value:
            return normalise(listed, active)
    return str(value)


def describe(error: BaseException) -> str:
    """`KeyError('x')` → "KeyError: 'x'"; an error without text is just its type's name."""
    name = type(error).__name__
    try:
        text = str(error)
    except Exception:
        text = ""
    return f"{name}: {text}" if text else name


class _Sink:
    """A text stream that accepts and drops everything: user output is not kept."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        return len(text)

    def writelines(self, lines: Any) -> None:
        for _ in lines:
            pass

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        return None

    @property
    def closed(self) -> bool:
        return False


def execute(script: str, nodes: Any, parent_nodes: Any) -> dict[str, Any]:
    """Compile and run the user code; the payload the host turns into a result or an error."""
    try:
        code = compile(script, "<script>", "exec")
    except MemoryError:
        return {"kind": "memory", "error": "MemoryError"}
    except (SyntaxError, ValueError) as error:  # ValueError: source with NUL bytes
        return {"kind": "syntax", "error": describe(error)}
    scope: dict[str, Any] = {"__name__": "__main__", "nodes": nodes, "parentNodes": parent_nodes}
    try:
        exec(code, scope)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return {"kind": "error", "error": describe(stop)}
    except MemoryError:
        return {"kind": "memory", "error": "MemoryError"}
    except BaseException as error:
        return {"kind": "error", "error": describe(error)}
    try:
        return {"result": normalise(scope.get("result"))}
    except MemoryError:
        return {"kind": "memory", "error": "MemoryError"}
    except Exception as error:
        return {"kind": "error", "error": f"result could not be stored: {describe(error)}"}


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    marker = str(request.pop("marker"))
    real_stdout = sys.stdout
    sink = _Sink()
    # The original streams are replaced too, on purpose, so guest code cannot reach the real stdout;
    # typeshed declares them Final.
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = sink  # type: ignore[assignment, misc]
    try:
        payload = execute(request.pop("script"), request.pop("nodes"), request.pop("parentNodes"))
    finally:
        sys.stdout = sys.__stdout__ = real_stdout  # type: ignore[assignment, misc]  # Final in typeshed, as above
    try:
        text = json.dumps(payload, allow_nan=False, separators=(",", ":"))
    except MemoryError:
        text = json.dumps({"kind": "memory", "error": "MemoryError"})
    except Exception as error:
        text = json.dumps({"kind": "error", "error": f"result could not be stored: {describe(error)}"})
    real_stdout.write("\n" + marker + text + "\n")
    real_stdout.flush()


if __name__ == "__main__":
    main()
