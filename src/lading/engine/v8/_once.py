"""V8 must create its first isolate alone in a process.

Two threads creating the process's first V8 contexts at the same moment abort the whole process
(`partition_address_space.cc: Check failed: !IsConfigurablePoolInitialized()`): V8 sets up its
memory cage on the first isolate without a lock. It happened when a batch's first `script` steps
started together. Every context we create (script sandbox, expression runtime) goes through
`create_context`, which serialises creations until one has succeeded in this process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_ready_pid: int | None = None


def create_context(make: Callable[[], T]) -> T:
    global _ready_pid
    if _ready_pid == os.getpid():
        return make()
    with _lock:
        made = make()
        _ready_pid = os.getpid()
        return made
