"""Vocabulary of the node-graph language (spec: orchestration §2): kinds, slugs, statuses."""

from __future__ import annotations

import re
from typing import Final

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
