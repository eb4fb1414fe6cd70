"""`connection integration list|get|get-documentation`: the integration catalog."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.integrations import Integration, canonical_slug
from lading.integrations._sdk import CATEGORIES
from lading.services.connection import shapes
from lading.services.session import Session


def present_action(integration: Integration, slug: str) -> shapes.Action:
    """The definition of the action a slug names; under an alias it says which action it stands for."""
    action = integration.action(slug)
    assert action is not None
    return shapes.Action(
        name=action.name, description=action.description, icon=None,
        category=action.category or integration.category, is_serialized=action.is_serialized,
        config=shapes.ActionConfig(schema=dict(action.config_schema), json_schema=dict(action.config_schema),
                                   ui_schema=dict(action.ui_schema)),
        credits=shapes.ActionCredits(costs=[c.to_json() for c in action.credits]),
        children_count=action.children_count,
        output=shapes.ActionOutput(schema=dict(action.output_schema)) if action.output_schema is not None else None,
        aliases=list(action.aliases), alias_of=action.slug if slug != action.slug else None,
    )


def present_actions(integration: Integration) -> dict[str, shapes.Action]:
    """Every slug the engine accepts, canonical first then its aliases, each keyed in the map."""
    return {name: present_action(integration, name)
            for action in integration.actions for name in (action.slug, *action.aliases)}


# Autocomplete results are kept this long per (connector, slug, params, value) (C §1.6).
AUTOCOMPLETE_CACHE_SECONDS = 1800


def _params_schema(params: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "required": list(params),
            "properties": {name: {"type": "string", "minLength": 1} for name in params}}


def _connector_schema(integration: Integration) -> dict[str, Any]:
    """The connector's credentials schema; an OAuth-capable one carries `x-oauth` (C §1.9)."""
    schema = dict(integration.connector_schema)
    if integration.oauth is not None:
        schema["x-oauth"] = {"authorizeUrl": integration.oauth.authorize_url, "scopes": list(integration.oauth.scopes),
                             "field": integration.oauth.token_field}
    return schema


def extractor_definitions(integration_slug: str) -> dict[str, Any]:
    """ExtractorDefinitions (C §1.4) of a built-in integration's extractors: record extractors fill
    models (`storage model create`), unstructured-data ones fill connector libraries (`content library
    create`); `dataKind` (Lading addition) says which (`records` or `files`)."""
    from lading.integrations.extractors import all_extractors, all_file_extractors

    out: dict[str, Any] = {}
    for extractor in all_extractors().values():
        if extractor.integration_slug == integration_slug:
            out[extractor.slug] = {"name": extractor.name, "description": extractor.description, "icon": None,
                                   "config": {"jsonSchema": dict(extractor.config_schema), "uiSchema": {}},
                                   "mode": {"kind": "fetch", "isIncremental": True}, "dataKind": "records"}
    for files in all_file_extractors().values():
        if files.integration_slug == integration_slug:
            out[files.slug] = {"name": files.name, "description": files.description, "icon": None,
                               "config": {"jsonSchema": dict(files.config_schema), "uiSchema": {}},
                               "mode": {"kind": "fetch", "isIncremental": True}, "dataKind": "files"}
    return out


def present_integration(integration: Integration) -> shapes.Integration:
    return shapes.Integration(
        slug=integration.slug, name=integration.name, description=integration.description,
        category=integration.category, sub_categories=list(integration.sub_categories),
        icon=integration.icon, color=integration.color, url=integration.url,
        documentation_path=f"integrations/docs/{integration.slug}.md", is_deprecated=False,
        connector=shapes.ConnectorConfig(config=shapes.ConnectorSchema(json_schema=_connector_schema(integration))),
        actions=present_actions(integration),
        extractors=extractor_definitions(integration.slug),
        dynamic_schemas={d.slug: {"params": {"jsonSchema": _params_schema(d.params)}}
                         for d in integration.dynamic_schemas},
        autocompletes=[shapes.AutocompleteDefinition(
            slug=a.slug, params=shapes.AutocompleteParams(json_schema=_params_schema(a.params)),
            cache_expiration_in_seconds=AUTOCOMPLETE_CACHE_SECONDS) for a in integration.autocompletes],
    )


def _bool(flag: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ValidationError(f"{flag} must be true or false", reason="invalidData")


def list_integrations(session: Session | None = None, *, category: str | None = None, slugs: list[str] | None = None,
                      search: str | None = None,
                      has_actions: str | None = None, has_extractors: str | None = None) -> dict[str, Any]:
    if category is not None and category not in CATEGORIES:
        raise ValidationError(f"unknown category {shown(category)}; use one of {', '.join(CATEGORIES)}",
                              reason="invalidData")
    want_actions, want_extractors = _bool("--has-actions", has_actions), _bool("--has-extractors", has_extractors)
    wanted = {canonical_slug(s) for s in slugs} if slugs else None
    out = []
    from lading.services.connection.catalog import catalog

    seen = catalog(session.db, session.workspace_uuid) if session is not None else catalog(None, None)
    for integration in seen.values():
        if category and integration.category != category:
            continue
        if wanted is not None and integration.slug not in wanted:
            continue
        if search and search.lower() not in (integration.name + " " + integration.slug).lower():
            continue
        if want_actions is not None and bool(integration.actions) != want_actions:
            continue
        if want_extractors is not None and bool(extractor_definitions(integration.slug)) != want_extractors:
            continue
        out.append(present_integration(integration).dump())
    return {"integrations": out}


def require_integration(slug: str, session: Session | None = None) -> Integration:
    """The integration a slug names: a built-in, an installation file's, or (given the caller's session)
    one of the workspace's custom integrations."""
    from lading.services.connection.catalog import find_integration

    integration = find_integration(session.db if session else None, session.workspace_uuid if session else None,
                                   slug)
    if integration is None:
        raise NotFoundError(f"Integration not found: {slug}", reason="integrationNotFound")
    return integration


def get(slug: str, session: Session | None = None) -> dict[str, Any]:
    return {"integration": present_integration(require_integration(slug, session)).dump()}


def get_documentation(slug: str, session: Session | None = None) -> str:
    return require_integration(slug, session).documentation


def initiate_oauth(session: Session, slug: str, *, redirect_uri: str | None = None) -> dict[str, Any]:
    """`{consentUrl}`: the provider page granting this server's OAuth app access (C §1.9)."""
    from lading.services.connection import _oauth

    return _oauth.initiate(session, require_integration(slug, session), redirect_uri)


def complete_oauth(session: Session, slug: str, *, params: Any) -> dict[str, Any]:
    """`{value: "oauth:<uuid>", extraValues}`: the code exchanged for tokens kept encrypted here; put
    `value` in a connector's config to give it those tokens."""
    from lading.services.connection import _oauth

    return _oauth.complete(session, require_integration(slug, session), params)
