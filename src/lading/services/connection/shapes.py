"""The JSON shapes `connection …` answers, defined once for the CLI, the MCP tools and the HTTP API.

Pydantic models with camelCase aliases (the `Shape` base of `lading.domain.shapes`); `dump()`
renders the exact documented field names, in declaration order. Schemas, credentials and rate limits
are open-ended objects and typed as such.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from lading.domain.shapes import Shape


class ActionConfig(Shape):
    """An action's config form: the JSON Schema (twice, as `schema` and `jsonSchema`) and its UI hints."""

    schema_: dict[str, Any] = Field(alias="schema")
    json_schema: dict[str, Any]
    ui_schema: dict[str, Any]


class ActionCredits(Shape):
    costs: list[dict[str, Any]]


class ActionOutput(Shape):
    schema_: dict[str, Any] = Field(alias="schema")


class Action(Shape):
    """One action of an integration (`output` only when the action documents its output).

    `aliases` are the other slugs the engine accepts for the action (Cargo's documented names and the
    slug's other spelling). An integration's `actions` map lists each alias too, as the same definition
    plus `aliasOf` (the canonical slug), so every slug a user may type is a key of the map."""

    name: str
    description: str
    icon: str | None
    category: str | None
    is_serialized: bool
    config: ActionConfig
    credits: ActionCredits
    children_count: int
    output: ActionOutput | None = None
    aliases: list[str] = Field(default_factory=list)
    alias_of: str | None = None

    @model_serializer(mode="wrap")
    def _without_absent_output(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if self.output is None:
            out.pop("output", None)
        if self.alias_of is None:
            out.pop("aliasOf", None)
        return out


class ConnectorSchema(Shape):
    json_schema: dict[str, Any]


class ConnectorConfig(Shape):
    config: ConnectorSchema


class AutocompleteParams(Shape):
    json_schema: dict[str, Any]


class AutocompleteDefinition(Shape):
    """A lookup an integration offers (`connector autocomplete --slug`): the params it needs, as a JSON
    Schema, and how long its results are kept."""

    slug: str
    params: AutocompleteParams
    cache_expiration_in_seconds: int


class Integration(Shape):
    """An integration of the catalog with its connector schema and its actions by slug (api.md §13 adds
    `autocompletes`)."""

    slug: str
    name: str
    description: str
    category: str
    sub_categories: list[str]
    icon: str | None
    color: str | None
    url: str | None
    documentation_path: str
    is_deprecated: bool
    connector: ConnectorConfig
    actions: dict[str, Action]
    extractors: dict[str, Any]
    dynamic_schemas: dict[str, Any]
    autocompletes: list[AutocompleteDefinition]


class NativeActionMeta(Shape):
    json_schema: dict[str, Any]
    is_available: bool


class NativeAction(Action):
    """A built-in action of native nodes (never documents its output)."""

    meta: NativeActionMeta


class NativeIntegration(Shape):
    actions: dict[str, NativeAction]
    extractors: dict[str, Any]


class Connector(Shape):
    """An authenticated instance of an integration; `config` has its secrets masked (None when the
    connector uses platform credentials). `rateLimit` is `{unit, max, strategy}` or None; `isDefault`
    marks the connector used when a node names none (api.md §13)."""

    uuid: str
    workspace_uuid: str
    user_uuid: str | None
    name: str
    slug: str
    integration_slug: str
    rate_limit: dict[str, Any] | None
    cache_ttl_milliseconds: int | None
    plays_count: int
    tools_count: int
    models_count: int
    use_credits: bool
    is_default: bool
    config: dict[str, Any] | None
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None


class AutocompleteResults(Shape):
    """Allowed values of a config field (each result `{label, value, …}` as the integration gives it)."""

    results: list[dict[str, Any]]


class TestedConnector(Shape):
    uuid: str
    integration_slug: str


class ConnectorTest(Shape):
    """`connector test`: whether the provider accepted the connector's credentials (never the credentials)."""

    connector: TestedConnector
    outcome: str  # valid | invalid
    error_message: str | None = None
    checked_at: str

    @model_serializer(mode="wrap")
    def _without_absent_error(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if self.error_message is None:
            out.pop("errorMessage", None)
        return out


class SlugExists(Shape):
    exists: bool


class Removed(Shape):
    uuid: str
    removed: bool


class OAuthConsent(Shape):
    """`initiateOauth`: the provider page the user opens to grant access."""

    consent_url: str


class OAuthValue(Shape):
    """`completeOauth`: `value` (`oauth:<uuid>`) stands for the token set kept encrypted on the server,
    bound to a connector by putting it in that connector's config; `extraValues` are non-secret extras."""

    value: str
    extra_values: dict[str, Any]


class DynamicSchema(Shape):
    """A config form computed from a live connector."""

    schema_: dict[str, Any] = Field(alias="schema")
    ui_schema: dict[str, Any]


class ActionSearchHit(Shape):
    """One connector action found by `action search` (credits as a bare array, C §1.4)."""

    integration_slug: str
    action_slug: str
    name: str
    description: str
    category: str | None
    credits: list[dict[str, Any]]


class CustomIntegration(Shape):
    """A workspace's custom integration: its integration document (as stored, checked) and where it
    stands. `integration get <slug>` shows it as the catalog does, like any built-in."""

    uuid: str
    workspace_uuid: str
    slug: str
    name: str
    description: str | None
    category: str
    actions_count: int
    document: dict[str, Any]
    created_at: str | None
    updated_at: str | None
