"""Vocabulary of the node-graph language (spec: orchestration §2): kinds, slugs, statuses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from lading.domain.errors import ValidationError, shown

NODE_KINDS: Final = ("native", "connector", "tool", "agent")
SLUG_RE: Final = re.compile(r"^[a-zA-Z0-9_]+$")
UUID_RE: Final = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VARIABLE_TYPES: Final = ("string", "number", "boolean", "date", "array", "object", "any")

RUN_STATUSES: Final = ("pending", "running", "cancelling", "success", "error", "cancelled")
TERMINAL_STATUSES: Final = frozenset({"success", "error", "cancelled"})
ACTIVE_STATUSES: Final = ("pending", "running", "cancelling")
EXECUTION_STATUSES: Final = ("idle", "pending", "running", "success", "error", "cancelled", "skipped")

# Platform charge per node execution (spec: orchestration §1, "Credits"); never in per-node fields.
EXECUTION_CHARGE: Final = 0.01


# `--statuses` aliases accepted everywhere (analytics spec §1): finished = success, failed = error.
STATUS_ALIASES: Final = {"finished": "success", "failed": "error"}
KNOWN_STATUSES: Final = (*RUN_STATUSES, "idle", "skipped")


def parse_statuses(statuses: Sequence[str] | None) -> list[str] | None:
    """`--statuses` values with the aliases resolved; an unknown value is a validation error."""
    if not statuses:
        return None
    out: list[str] = []
    for raw in statuses:
        status = STATUS_ALIASES.get(raw, raw)
        if status not in KNOWN_STATUSES:
            allowed = ", ".join((*KNOWN_STATUSES, *STATUS_ALIASES))
            raise ValidationError(f"unknown status {shown(raw)}; use {allowed}", reason="invalidData")
        if status not in out:
            out.append(status)
    return out
