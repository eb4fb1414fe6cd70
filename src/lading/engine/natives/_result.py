"""The value a native action hands back to the executor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class NativeResult:
    """Output (the context entry), the child index to follow (None = the run stops, `success`)."""

    output: Any
    child_index: int | None
    title: str | None = None
    credits: float = 0.0
