"""Python stand-ins for JavaScript values, and JavaScript's rules for turning them into text.

Why this exists: the pure-Python fast path must give exactly what V8 would give for the same
plain path, so JavaScript's `undefined`, truthiness, `String(number)` and `JSON.stringify` are
mirrored here. Everything here works on the JSON-like values found in a run context.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any

_MAX_SAFE_INT = 2**53


class _Undefined:
    """JavaScript `undefined`: falsy, distinct from `None` (`null`), one instance per process."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _Undefined:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Undefined:
        return self

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()


def is_truthy(value: Any) -> bool:
    """JavaScript truthiness: undefined, null, false, 0, NaN and "" are falsy; objects are truthy."""
    if value is UNDEFINED or value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value == value and value != 0
    if isinstance(value, str):
        return value != ""
    return True


def iso_text(value: dt.datetime | dt.date) -> str:
    """`Date.prototype.toISOString()` for a Python date/datetime (naive values are taken as UTC)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def to_json_value(value: Any) -> Any:
    """Deep copy with `UNDEFINED` → `None` and dates → ISO text, ready to persist or print."""
    if value is UNDEFINED:
        return None
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dt.date):
        return iso_text(value)
    return value


def js_number_text(value: float | int) -> str:
    """JavaScript `String(n)` (ECMAScript Number::toString) for a Python number."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _MAX_SAFE_INT:
        return str(value)
    number = float(value)
    if number != number:
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr() gives the shortest digits that round-trip, as JavaScript does; only the layout differs.
    _, digit_tuple, exponent = Decimal(repr(abs(number))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent = int(exponent) + (len(digit_tuple) - len(digits))
    k = len(digits)
    n = exponent + k
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        power = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"
    return sign + text


def _is_array_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1


def js_key_order(keys: list[str]) -> list[str]:
    """JavaScript's own-key order: array-index keys ascending first, then insertion order."""
    indexes = [key for key in keys if _is_array_index(key)]
    if not indexes:
        return keys
    return sorted(indexes, key=int) + [key for key in keys if not _is_array_index(key)]


def js_json(value: Any) -> str | None:
    """`JSON.stringify(value)` for JSON-like Python values; `None` where JavaScript gives undefined."""
    if value is UNDEFINED:
        return None
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return js_number_text(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return json.dumps(iso_text(value))
    if isinstance(value, dict):
        parts = []
        for key in js_key_order([str(key) for key in value]):
            item = value[key] if key in value else _lookup_non_str(value, key)
            text = js_json(item)
            if text is not None:
                parts.append(json.dumps(key, ensure_ascii=False) + ":" + text)
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_json(item) or "null" for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _lookup_non_str(mapping: dict[Any, Any], key: str) -> Any:
    for candidate, item in mapping.items():
        if str(candidate) == key:
            return item
    return UNDEFINED


def segment_text(value: Any) -> str:
    """How one segment's value reads inside a longer template (spec 2.8 rule 4).

    undefined/null → "", objects/arrays → compact JSON, numbers as `String(n)`, booleans
    `true`/`false`. **Decision:** a Date reads as ISO 8601 text, as it does when returned whole.
    """
    if value is UNDEFINED or value is None:
        return ""
    if isinstance(value, str):
        return utf16_text(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return js_number_text(value)
    if isinstance(value, dt.date):
        return iso_text(value)
    return utf16_text(js_json(value) or "")


_I64_MIN, _U64_MAX = -(2**63), 2**64 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def utf16_text(text: str) -> str:
    """A string as JavaScript holds it: UTF-16, where a surrogate pair is one character and a lone
    surrogate cannot be stored as UTF-8, so it becomes U+FFFD (what V8's answer turns into)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def whole_value(value: Any) -> Any:
    """A value as it comes back from V8 through JSON: a fresh copy with JavaScript's number rules.

    Integral numbers become `int`, NaN/Infinity `None`, dates ISO text; `UNDEFINED` is dropped
    from objects and becomes `None` in arrays (what `JSON.stringify` does). Top-level `UNDEFINED`
    stays `UNDEFINED`.
    """
    if value is UNDEFINED:
        return UNDEFINED
    return _plain(value)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return utf16_text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            if abs(value) < _MAX_SAFE_INT:
                return int(value)
            # Beyond 2**53 JavaScript prints the shortest digits ("…930", not "…928"); the JSON reader
            # keeps such digits an integer only while they fit 64 bits, a float beyond.
            digits = int(js_number_text(value))
            return digits if _I64_MIN <= digits <= _U64_MAX else value
        return value
    if isinstance(value, dict):
        return {utf16_text(key) if isinstance(key, str) else key: _plain(item) for key, item in value.items()
                if item is not UNDEFINED}
    if isinstance(value, list | tuple):
        return [None if item is UNDEFINED else _plain(item) for item in value]
    if isinstance(value, dt.date):
        return iso_text(value)
    if value is UNDEFINED:
        return None
    return str(value)
