"""Native actions (spec §2.3): their catalog and their implementations, one module per family."""

from . import code, routing, values
from ._result import NativeResult
from .catalog import NATIVE_ACTIONS, NativeAction, native_children_counts

__all__ = ["NATIVE_ACTIONS", "NativeAction", "NativeResult", "code", "native_children_counts", "routing", "values"]
