"""`/ai/releases…`: an agent's drafts, deploys and release history (`ai release …`, api.md §6). The
static paths (`list`, `draft`, `deployed`, `draft/update`, `draft/deploy`) are declared before `/{uuid}`.

The release fields are checked by the service exactly as the CLI's flags are, so both faces refuse a
malformed one with the same reason. `capabilities` take the client's `{slug, config}` objects (or the
CLI's slugs), `suggestedActions` `{text, actions}` (or the CLI's `{label, prompt}`). Lading has no
evaluators: `evaluator` is accepted only empty."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.ai import _schemas as schemas
from lading.domain.errors import LadingError
from lading.services.ai import releases
from lading.services.session import Session

router = Router(prefix="/ai/releases", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class ReleaseList(Query):
    agent_uuid: str | None = None
    user_uuid: str | None = None
    statuses: list[str] | None = None
    limit: int = 100
    offset: int = 0


class OfAgent(Query):
    agent_uuid: str


class ReleaseSettings(Body):
    """A release's settings, as `release update-draft` takes them and `agent create|update` too (C §2.1)."""

    actions: Any = None
    mcp_clients: Any = None
    resources: Any = None
    capabilities: Any = None
    suggested_actions: Any = None
    system_prompt: Any = None
    with_reasoning: Any = None
    temperature: Any = None
    max_steps: Any = None
    integration_slug: Any = None
    connector_uuid: Any = None
    language_model_slug: Any = None
    output: Any = None
    heartbeat: Any = None
    options: Any = None


class DraftUpdate(ReleaseSettings):
    agent_uuid: str
    parent_uuid: str | None = None
    evaluator: Any = None


class DraftDeploy(DraftUpdate):
    version: Any = None
    description: str | None = None


def _changes(body: DraftUpdate, *, without: tuple[str, ...]) -> dict[str, Any]:
    """The release fields sent, in the release's own (camelCase) names, as `update_draft` takes them
    (a null is passed on like the CLI's `null`: it clears what is nullable, else it is refused)."""
    from pydantic.alias_generators import to_camel

    if body.evaluator not in (None, {}):
        raise LadingError("notSupported: release evaluators are not available in Lading", reason="notSupported",
                          status_code=501)
    changes = {}
    for name, value in body.given().items():
        key = to_camel(name)
        if name not in without and name != "evaluator":
            changes[key] = value
    return changes


@router.get("/list", summary="release.list (newest first)", openapi_extra=query_parameters(ReleaseList),
            **answers(schemas.ReleaseList))
def list_releases(session: Caller, params: Annotated[ReleaseList, Depends(query(ReleaseList))]) -> dict[str, Any]:
    return releases.list_releases(session, **params.given())


@router.get("/draft", summary="release.getDraft (opened when missing)", openapi_extra=query_parameters(OfAgent),
            **answers(schemas.ReleaseAnswer))
def get_draft(session: Caller, params: Annotated[OfAgent, Depends(query(OfAgent))]) -> dict[str, Any]:
    return releases.get_draft(session, params.agent_uuid)


@router.get("/deployed", summary="release.getDeployed", openapi_extra=query_parameters(OfAgent),
            **answers(schemas.ReleaseAnswer))
def get_deployed(session: Caller, params: Annotated[OfAgent, Depends(query(OfAgent))]) -> dict[str, Any]:
    return releases.get_deployed(session, params.agent_uuid)


@router.put("/draft/update", summary="release.updateDraft (omitted fields keep the draft's value)",
            **answers(schemas.ReleaseAnswer))
def update_draft(body: DraftUpdate, session: Caller) -> dict[str, Any]:
    changes = _changes(body, without=("agent_uuid", "parent_uuid"))
    return releases.update_draft(session, body.agent_uuid, changes, parent_uuid=body.parent_uuid)


@router.post("/draft/deploy", summary="release.deployDraft (the fields sent are applied to the draft first)",
             **answers(schemas.ReleaseAnswer))
def deploy_draft(body: DraftDeploy, session: Caller) -> dict[str, Any]:
    changes = _changes(body, without=("agent_uuid", "parent_uuid", "version", "description"))
    return releases.deploy_draft(session, body.agent_uuid, changes, description=body.description,
                                 parent_uuid=body.parent_uuid, version=body.version)


@router.get("/{uuid}", summary="release.get", **answers(schemas.ReleaseAnswer))
def get_release(uuid: str, session: Caller) -> dict[str, Any]:
    return releases.get(session, uuid)
