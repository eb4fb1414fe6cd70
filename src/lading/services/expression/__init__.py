"""`lading expression …`: evaluating one expression against a scope of variables (api.md §11).

Public verbs:

- `evaluate`: `evaluate` (`expression evaluate`, `POST /expression/expressions/evaluate`)
"""

from lading.services._submodules import lazy_submodules

__all__ = ["evaluate"]

__getattr__ = lazy_submodules(__name__, __all__)
