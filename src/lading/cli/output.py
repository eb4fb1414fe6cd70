"""Everything the CLI prints: one JSON document on stdout, errors in the documented shape."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from lading.domain.errors import UsageError

_MISSING: Any = object()


def emit(document: Any) -> None:
    """Print one JSON document (indented on a TTY, compact otherwise)."""
    import orjson

    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
    if sys.stdout.isatty():
        option |= orjson.OPT_INDENT_2
    sys.stdout.write(orjson.dumps(document, option=option).decode())
    sys.stdout.flush()


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def parse_json_flag(flag: str, raw: str | None, default: Any = _MISSING) -> Any:
    """Inline JSON, `@<path>` or `-` (stdin). Unparsable JSON is a usage error (exit 2)."""
    import orjson

    if raw is None:
        return None if default is _MISSING else default
    text: str | bytes = raw
    if raw == "-":
        text = sys.stdin.read()
    elif raw.startswith("@"):
        path = Path(raw[1:]).expanduser()
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"error: option '{flag}': cannot read {path}: {exc.strerror}") from exc
        except ValueError:  # a NUL byte in the path
            raise UsageError(f"error: option '{flag}': cannot read {raw[1:]!a}: not a valid path") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"error: option '{flag}' must be valid JSON: {exc}") from exc


def split_list(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]
