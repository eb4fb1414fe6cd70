"""A group package whose verbs load on first use (PEP 562), so one command pays for its own noun only.

`from lading.services.orchestration import tools` imports the package first; when its `__init__` imported
every noun, `orchestration tool list` paid for the action runner, the batch feeder and the engine as well.
The group still lists its nouns in `__all__` and `group.noun` still works: the name imports on access.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType


def lazy_submodules(package: str, names: Iterable[str]) -> Callable[[str], ModuleType]:
    """The `__getattr__` of `package`: each of `names` is imported the first time it is asked for."""
    known = frozenset(names)

    def attribute(name: str) -> ModuleType:
        if name in known:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return attribute
