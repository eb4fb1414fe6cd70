"""Service modules a command module names at its top but imports only when a command uses them.

A command answers from the server in remote mode and from its service on the embedded store otherwise
(`common.answer`): the service module, and with it SQLAlchemy, the schema and the shapes, is only needed
in the second case. `lazy_module` stands for the module and imports it on the first attribute read, so
`local=lambda s: runs.get_run(s, uuid)` costs nothing until the lambda runs. Type checkers see the real
import (the modules bind it under `TYPE_CHECKING`).
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module `name`; each attribute read is the module's own (patches included)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
