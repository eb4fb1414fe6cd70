"""The base of every public JSON shape: Pydantic models whose fields are snake_case in Python and
camelCase in JSON. Each command group defines its own shapes on it (`services/<group>/shapes.py`),
so the CLI, the MCP tools and the HTTP API answer one definition of each document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Shape(BaseModel):
    # Every field is in every dump, defaults included: the JSON schema (the API's documentation of
    # each answer) lists them all as required. A shape's validator and serializer are built when it is
    # first used (`defer_build`), not when its module is imported: a CLI command imports a group's
    # shapes module (dozens of models) to answer with one or two of them.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              json_schema_serialization_defaults_required=True, defer_build=True)

    def dump(self) -> dict[str, Any]:
        """The JSON document, with the documented (camelCase) field names, in declaration order."""
        return self.model_dump(by_alias=True, mode="json")
