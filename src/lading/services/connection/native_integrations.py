"""`connection native-integration get`: the built-in actions of native nodes, as a catalog entry.

Each action's `config.schema` (and `config.jsonSchema`, the same schema: C §1.3 allows it) is the
JSON Schema graph validation checks its config against (`engine/natives/config_schemas.py`)."""

from __future__ import annotations

from typing import Any

from lading.engine.natives.catalog import NATIVE_ACTIONS
from lading.services.connection import shapes

_CHILDREN = {"end": 0, "branch": 2, "split": 2, "switch": 0}


def get() -> dict[str, Any]:
    actions: dict[str, shapes.NativeAction] = {}
    for action in NATIVE_ACTIONS.values():
        actions[action.slug] = shapes.NativeAction(
            name=action.name, description=action.description, icon=None,
            category=action.category, is_serialized=False,
            config=shapes.ActionConfig(schema=action.config_schema, json_schema=action.config_schema, ui_schema={}),
            credits=shapes.ActionCredits(costs=[dict(c) for c in action.credits]),
            children_count=_CHILDREN.get(action.slug, 1),
            meta=shapes.NativeActionMeta(json_schema={"type": "object"}, is_available=action.available),
        )
    return {"nativeIntegration": shapes.NativeIntegration(actions=actions, extractors={}).dump()}
