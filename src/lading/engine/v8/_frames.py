"""The pipe protocol between the pool and a sandbox host, shared by both ends.

A frame is a 4-byte big-endian length and a JSON document. `read_frame` takes a `wait` callable so
the parent can bound every read by a deadline (the host reads without one). Stdlib and orjson only:
the host imports this before V8, the parent without loading V8.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Any

import orjson

HEADER = struct.Struct(">I")
MEMORY_EXIT = 86  # the host's exit code when its memory watchdog ended it


class PipeClosedError(Exception):
    """The other end closed its pipe (the process ended)."""


def write_frame(fd: int, document: dict[str, Any]) -> None:
    body = orjson.dumps(document)
    view = memoryview(HEADER.pack(len(body)) + body)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int, wait: Callable[[], None] | None = None) -> dict[str, Any]:
    """The next document; `wait()` is called before each read (it may raise to give up)."""
    header = _read_exact(fd, HEADER.size, wait)
    return dict(orjson.loads(_read_exact(fd, HEADER.unpack(header)[0], wait)))


def _read_exact(fd: int, count: int, wait: Callable[[], None] | None) -> bytes:
    chunks: list[bytes] = []
    while count:
        if wait is not None:
            wait()
        chunk = os.read(fd, count)
        if not chunk:
            raise PipeClosedError
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)
