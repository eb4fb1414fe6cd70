"""The one failure type of the V8 host, shared by both sides of its pipe.

`kind` says why, so each face words it its own way: "error" (the code threw or does not parse),
"syntax" (a `script` body does not parse), "timeout", "memory" (a limit stopped it), "crashed"
(V8 aborted the host process; only that attempt is lost).
"""

from __future__ import annotations


class V8Error(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
