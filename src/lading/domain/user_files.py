"""Files the user names on the command line (`--file`, `--file-path`, `@<path>` JSON flags).

One place decides what a bad path answers, so a missing file, a directory, an unreadable file or a
path with a NUL byte all get the same clear `invalidData` error from every command, never an
`OSError`/`ValueError` from deep inside a reader.
"""

from __future__ import annotations

import os
from pathlib import Path

from lading.domain.errors import ValidationError


def user_file(flag: str, raw: str) -> Path:
    """The path as a readable regular file, or a validation error naming the flag."""
    try:
        path = Path(raw).expanduser()
        readable = bool(raw) and path.is_file() and os.access(path, os.R_OK)
    except (OSError, ValueError):
        readable = False
    if not readable:
        raise ValidationError(f"{flag}: {raw.replace(chr(0), '') or '(empty path)'} is not a readable file",
                              reason="invalidData")
    return path


def read_user_file(flag: str, raw: str) -> bytes:
    path = user_file(flag, raw)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{flag}: cannot read {path}: {exc.strerror}", reason="invalidData") from None
