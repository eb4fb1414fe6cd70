"""`/ai/agents…`: agents of the workspace (`ai agent …`, api.md §6).

The client's `icon` object carries the CLI's `--icon-color`/`--icon-face`; `triggers` are always `[]`
in Lading (C §2.1), so only an empty list is accepted; `template` on update names the template the
agent is said to come from (a slug, `{slug}`, or null), and `templateSlug` on create is the CLI's
`--template-slug` (the draft starts from that template)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.ai import _schemas as schemas
from lading.api.ai.releases import ReleaseSettings
from lading.domain.errors import LadingError
from lading.services.ai import agents
from lading.services.session import Session

router = Router(prefix="/ai/agents", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]

# `agent.all` declares no limit: it answers every agent (api.md §0.4), up to the page maximum.
EVERY_AGENT = 1000


class AgentIcon(Body):
    color: Any = None
    face: Any = None


class AgentList(Query):
    folder_uuid: str | None = None
    limit: int = EVERY_AGENT
    offset: int = 0


RELEASE_FIELDS = tuple(ReleaseSettings.model_fields)


def _release(given: dict[str, Any]) -> dict[str, Any]:
    """Take the release fields out of the fields sent, in the release's own (camelCase) names."""
    from pydantic.alias_generators import to_camel

    return {to_camel(name): given.pop(name) for name in RELEASE_FIELDS if name in given}


class AgentCreate(ReleaseSettings):
    name: Any
    icon: AgentIcon | None = None
    description: str | None = None
    triggers: list[Any] | None = None
    folder_uuid: Any = None
    template_slug: str | None = None


class AgentUpdate(ReleaseSettings):
    name: Any = None
    icon: AgentIcon | None = None
    description: str | None = None
    triggers: list[Any] | None = None
    folder_uuid: Any = None
    template: Any = None


def _no_triggers(triggers: list[Any] | None) -> None:
    if triggers:
        raise LadingError("notSupported: agent triggers are not available in Lading (start an agent from a "
                          "workflow's agent node, a chat or an MCP server)", reason="notSupported", status_code=501)


def _icon(icon: AgentIcon | None) -> dict[str, Any]:
    """The icon fields sent, as the service's `icon_color`/`icon_face` (an absent part is kept)."""
    if icon is None:
        return {}
    given = icon.given()
    return {f"icon_{part}": given[part] for part in ("color", "face") if part in given}


def _template_slug(template: Any) -> Any:
    return template.get("slug") if isinstance(template, dict) else template


@router.get("/list", summary="agent.all (newest first; folderUuid narrows it)",
            openapi_extra=query_parameters(AgentList), **answers(schemas.AgentList))
def list_agents(session: Caller, params: Annotated[AgentList, Depends(query(AgentList))]) -> dict[str, Any]:
    return agents.list_agents(session, **params.given())


@router.get("/{uuid}", summary="agent.get (with its deployed release)", **answers(schemas.AgentAnswer))
def get_agent(uuid: str, session: Caller) -> dict[str, Any]:
    return agents.get(session, uuid)


@router.post("", summary="agent.create (and its first draft release)", **answers(schemas.AgentAnswer))
def create_agent(body: AgentCreate, session: Caller) -> dict[str, Any]:
    _no_triggers(body.triggers)
    given = body.given()
    given.pop("triggers", None)
    given.pop("icon", None)
    release = _release(given)
    return agents.create(session, **given, **_icon(body.icon), release=release)


@router.put("/{uuid}", summary="agent.update (omitted fields keep their value)", **answers(schemas.AgentAnswer))
def update_agent(uuid: str, body: AgentUpdate, session: Caller) -> dict[str, Any]:
    _no_triggers(body.triggers)
    given = body.given()
    given.pop("triggers", None)
    given.pop("icon", None)
    if "template" in given:
        given["template_slug"] = _template_slug(given.pop("template"))
    release = _release(given)
    return agents.update(session, uuid, **given, **_icon(body.icon), release=release)


@router.delete("/{uuid}", summary="agent.remove (its chats stay readable)", **answers(Removed))
def remove_agent(uuid: str, session: Caller) -> dict[str, Any]:
    return agents.remove(session, uuid)
