"""Native actions (spec §2.3): their catalog and their implementations, one module per family."""

from . import code, delegated, routing, timing, values
from ._result import NativeCall, NativeResult
from .catalog import NATIVE_ACTIONS, NativeAction, Scheduling, config_skip_keys, native_children_counts

__all__ = ["NATIVE_ACTIONS", "NativeAction", "NativeCall", "NativeResult", "Scheduling", "code",
           "config_skip_keys", "delegated", "native_children_counts", "routing", "timing", "values"]
