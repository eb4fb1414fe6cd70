"""`lading expression …`: evaluating one expression against a scope of variables (api.md §11).

Public verbs:

- `evaluate`: `evaluate` (`expression evaluate`, `POST /expression/expressions/evaluate`)
"""

from lading.services.expression import evaluate

__all__ = ["evaluate"]
