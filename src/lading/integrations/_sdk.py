"""The connector SDK: what an integration module declares and what its actions receive.

An integration is one module in this package defining `INTEGRATION = Integration(...)`, plus its
user documentation in `docs/<slug>.md` beside it. Its description (auth fields, actions with JSON
Schemas, credit costs, autocompletes) is data that the catalog commands, validation, the docs and the
executor all read; its actions are async functions that talk to the provider through `ActionCall.http`,
which applies the integration's rate limits. Integration modules import the names their actions use
(`Action`, `ActionCall`, `ActionResult`, `ProviderError`…) and reach the connector-level declaration
(`_sdk.Integration`, `_sdk.RateLimit`, `_sdk.secret`, `_sdk.BASE_URL_FIELD`) through this module, so
that each module's header names what is particular to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from lading.domain.errors import NodeExecutionError

if TYPE_CHECKING:
    from lading.integrations._http import ProviderHttp

CATEGORIES = ("engagement", "marketing", "sales", "finance", "analytics", "freeform", "success", "support",
              "enrichment", "storage", "custom")


class ProviderError(NodeExecutionError):
    """A provider call failed; the node fails with this message (and its retry/fallback apply)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status


@dataclass(frozen=True)
class CreditCost:
    """One price entry (spec §1.4): fixed per execution, per unit, or per package of units."""

    type: str  # fixed | unit | package
    cost: float
    unit: str | None = None
    units_count: int | None = None
    fixed_cost: float | None = None
    # JSON Schema on the node config selecting this entry (first match wins; None = fallback).
    config: Mapping[str, Any] | None = None

    def charge(self, units: float | None) -> float:
        base = self.fixed_cost or 0.0
        if self.type == "fixed":
            return self.cost
        n = units or 0
        if self.type == "unit":
            return base + self.cost * n
        return base + self.cost * math.ceil(n / (self.units_count or 1))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "cost": self.cost}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.units_count is not None:
            out["unitsCount"] = self.units_count
        if self.fixed_cost is not None:
            out["fixedCost"] = self.fixed_cost
        if self.config is not None:
            out["config"] = {"jsonSchema": dict(self.config)}
        return out


@dataclass
class ActionResult:
    """What an action returns: the node output, the child to follow, and what to bill."""

    output: Any
    child_index: int = 0
    # Units consumed (items, people, tokens…) for `unit`/`package` prices.
    units: float | None = None
    # An explicit provider cost, overriding the price table (e.g. token-priced models).
    credits: float | None = None


@dataclass
class ActionCall:
    """Everything an action needs for one call. Credentials are plaintext here only, in memory."""

    config: dict[str, Any]
    credentials: dict[str, Any]
    base_url: str
    http: ProviderHttp
    connector_uuid: str | None = None


ActionHandler = Callable[[ActionCall], Awaitable[ActionResult]]
AutocompleteHandler = Callable[[ActionCall, dict[str, Any]], Coroutine[Any, Any, list[dict[str, Any]]]]
# A cheap call proving the connector's credentials (`connection connector test`): returns when the
# provider accepted them, raises `ProviderError` (the reason) when it refused them or cannot be reached.
CheckHandler = Callable[[ActionCall], Awaitable[None]]


@dataclass(frozen=True)
class Action:
    slug: str
    name: str
    description: str
    config_schema: Mapping[str, Any]
    run: ActionHandler
    output_schema: Mapping[str, Any] | None = None
    ui_schema: Mapping[str, Any] = field(default_factory=dict)
    # Named children when the action routes (count = len); None = one child.
    children: tuple[str, ...] | None = None
    credits: tuple[CreditCost, ...] = ()
    # Other slugs this action answers to. Given here or in the integration's `action_aliases` table;
    # the integration completes it (see `Integration.__post_init__`), so once an integration is built
    # this is every other slug the engine accepts for the action.
    aliases: tuple[str, ...] = ()
    category: str | None = None
    is_serialized: bool = False

    @property
    def children_count(self) -> int:
        return len(self.children) if self.children else 1


@dataclass(frozen=True)
class Autocomplete:
    """A connector-backed lookup of allowed values for one config field (`connector autocomplete`)."""

    slug: str
    run: AutocompleteHandler
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class OAuth:
    """How an integration's connector may be authorized by OAuth 2.0 (authorization-code grant) instead
    of a pasted token: the provider's consent page, its token endpoint (a path on the integration's base
    URL, so `LADING_<SLUG>_BASE_URL` points it at a fake or a proxy), the scopes asked for, and which
    connector config fields receive the tokens. The OAuth app's client id and secret are the operator's:
    `LADING_INTEGRATION_<SLUG>_CLIENT_ID` / `_CLIENT_SECRET`."""

    authorize_url: str
    token_path: str
    scopes: tuple[str, ...]
    token_field: str
    refresh_field: str | None = None
    # Non-secret token-response fields handed back as `extraValues` (response key → camelCase key).
    extra_fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DynamicSchema:
    """A config schema computed from a live connector (`connector getDynamicSchema`): the handler
    answers `{"schema", "uiSchema"}` for the given params (e.g. a CRM object's properties)."""

    slug: str
    run: Callable[[ActionCall, Mapping[str, Any]], Coroutine[Any, Any, dict[str, Any]]]
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateLimit:
    """Applied across one worker process, per integration."""

    requests_per_second: float = 10.0
    max_concurrency: int = 8


@cache
def integration_documentation(slug: str) -> str:
    """`docs/<slug>.md` of this package: the one copy of an integration's documentation. It is package
    data (pyproject.toml) so an installed wheel answers with it too; the repository's `docs/integrations/`
    only links here."""
    return (resources.files("lading.integrations") / "docs" / f"{slug}.md").read_text(encoding="utf-8")


class _Documentation:
    """`Integration.documentation` as a descriptor-typed dataclass field: text given to the constructor
    wins (integrations defined elsewhere, e.g. in tests); otherwise the package's `docs/<slug>.md`, read
    lazily so that discovering the integrations does not read every page."""

    def __get__(self, integration: Integration | None, owner: type | None = None) -> str | None:
        if integration is None:
            return None  # the field's default, as the dataclass machinery asks for it
        given = integration.__dict__.get("_documentation")
        return given if given is not None else integration_documentation(integration.slug)

    def __set__(self, integration: Integration, text: str | None) -> None:
        integration.__dict__["_documentation"] = text


def other_spelling(slug: str) -> str:
    """`enrichCompany` ↔ `enrich_company`: a camelCase slug's snake_case form (the spelling Cargo's
    documents use for many action slugs) and a snake_case slug's camelCase form; other slugs unchanged."""
    if "_" in slug:
        head, *rest = slug.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", slug).lower()


def _complete_aliases(actions: tuple[Action, ...], table: Mapping[str, str], integration: str) -> tuple[Action, ...]:
    """Each action with every other slug it answers to: its own `aliases`, the integration's table
    (alias → canonical slug) and the slug's other spelling (`other_spelling`). A name may stand for one action
    only: a declared alias naming another action's slug, or claimed twice, is a mistake in the module
    (ValueError at import); a generated spelling that would collide is simply not added."""
    canonical = {a.slug for a in actions}
    declared: dict[str, list[str]] = {a.slug: list(a.aliases) for a in actions}
    for alias, target in table.items():
        if target not in canonical:
            raise ValueError(f"{integration}: alias {alias!r} names no action ({target!r})")
        declared[target].append(alias)
    owner: dict[str, str] = {}
    for slug, names in declared.items():
        for name in names:
            if name in canonical or owner.get(name, slug) != slug:
                raise ValueError(f"{integration}: action alias {name!r} is already another action's slug")
            owner[name] = slug
    for action in actions:
        generated = other_spelling(action.slug)
        if generated != action.slug and generated not in canonical and generated not in owner:
            declared[action.slug].append(generated)
            owner[generated] = action.slug
    return tuple(replace(a, aliases=tuple(dict.fromkeys(declared[a.slug]))) for a in actions)


@dataclass(frozen=True)
class Integration:
    slug: str
    name: str
    description: str
    category: str
    # JSON Schema of the connector config (credentials). Secret fields carry "format": "password"
    # or "writeOnly": true; every HTTP-based schema has an optional "baseUrl" (format uri).
    connector_schema: Mapping[str, Any]
    default_base_url: str
    actions: tuple[Action, ...]
    autocompletes: tuple[Autocomplete, ...] = ()
    dynamic_schemas: tuple[DynamicSchema, ...] = ()
    oauth: OAuth | None = None
    rate_limit: RateLimit = RateLimit()
    # False when actions can run without any connector (generic HTTP with an absolute url).
    requires_connector: bool = True
    aliases: tuple[str, ...] = ()
    url: str | None = None
    color: str | None = None
    icon: str | None = None
    sub_categories: tuple[str, ...] = ()
    # Hosts besides the base URL's that the provider's own API lives on and credentials may go to
    # (`host` = default ports, or `host:port`; see `_http.host_allowed`).
    credential_hosts: tuple[str, ...] = ()
    # The user documentation (`connection integration get-documentation`). Integrations of this package
    # leave it out: it is then their `docs/<slug>.md`, read when first asked for.
    documentation: str = _Documentation()  # type: ignore[assignment]
    # The integration's one table of action aliases, alias → canonical action slug: the names Cargo's
    # documents use for its actions (`company_enrich` for `enrichCompany`). Each slug's other spelling
    # (snake_case ↔ camelCase) is added without being listed here.
    action_aliases: Mapping[str, str] = field(default_factory=dict)
    # The credentials check of `connection connector test`; None: the integration offers none.
    check: CheckHandler | None = None
    # Whose rate gate its calls share: None, every workspace's (a provider's own limit); a workspace's
    # custom integration is scoped to its workspace, so another workspace's same slug never slows it.
    rate_scope: str | None = None

    @property
    def rate_gate_key(self) -> str:
        return self.slug if self.rate_scope is None else f"{self.slug}@{self.rate_scope}"

    def __post_init__(self) -> None:
        # Frozen: the completed actions and the slug index are set once, here.
        actions = _complete_aliases(tuple(self.actions), self.action_aliases, self.slug)
        object.__setattr__(self, "actions", actions)
        object.__setattr__(self, "_by_slug", {name: a for a in actions for name in (a.slug, *a.aliases)})

    def action(self, slug: str) -> Action | None:
        """The action a slug names: its canonical slug or any alias (exact, case-sensitive)."""
        by_slug: dict[str, Action] = self.__dict__["_by_slug"]
        return by_slug.get(slug)

    def autocomplete(self, slug: str) -> Autocomplete | None:
        for a in self.autocompletes:
            if a.slug == slug:
                return a
        return None

    def dynamic_schema(self, slug: str) -> DynamicSchema | None:
        return next((d for d in self.dynamic_schemas if d.slug == slug), None)

    def secret_fields(self) -> frozenset[str]:
        props = self.connector_schema.get("properties") or {}
        return frozenset(k for k, v in props.items()
                         if isinstance(v, Mapping) and (v.get("format") == "password" or v.get("writeOnly")))


def secret(description: str, title: str | None = None) -> dict[str, Any]:
    """Schema of a secret connector field (masked on output, encrypted at rest)."""
    out: dict[str, Any] = {"type": "string", "format": "password", "writeOnly": True, "description": description}
    if title:
        out["title"] = title
    return out


BASE_URL_FIELD: dict[str, Any] = {
    "type": "string", "format": "uri",
    "description": "Override the provider's API base URL (self-hosted servers, local fakes).",
}
