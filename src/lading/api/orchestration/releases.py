"""`/orchestration/releases…`: drafts, deploys and the release history (`orchestration release …`,
api.md §2.3). The static paths (`list`, `deployed`, `draft…`) are declared before `/{uuid}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.orchestration import _schemas as schemas
from lading.services.orchestration import http_reasons, releases
from lading.services.session import Session

router = Router(prefix="/orchestration/releases", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class ReleaseList(Query):
    workflow_uuid: str | None = None
    user_uuid: str | None = None
    statuses: list[str] | None = None
    limit: int = 50
    offset: int = 0


class OfWorkflow(Query):
    workflow_uuid: str


# The graph, form fields, test records and options are checked by the service, as for the CLI's
# JSON flags, so both faces refuse a malformed one with the same `invalidData`.
class DraftUpdate(Body):
    workflow_uuid: str
    parent_uuid: str | None = None
    nodes: Any = None
    test_records: Any = None
    form_fields: Any = None
    options: Any = None


class DraftDeploy(Body):
    workflow_uuid: str
    nodes: Any = None
    form_fields: Any = None
    version: str | None = None
    description: str | None = None
    options: Any = None


@router.get("/list", summary="release.list (deployed and archived, newest first)",
            openapi_extra=query_parameters(ReleaseList), **answers(schemas.ReleaseListAnswer))
def list_releases(session: Caller, params: Annotated[ReleaseList, Depends(query(ReleaseList))]) -> dict[str, Any]:
    return releases.list_releases(session, **params.given())


@router.get("/deployed", summary="release.getDeployed", openapi_extra=query_parameters(OfWorkflow),
            **answers(schemas.ReleaseAnswer))
def get_deployed(session: Caller, params: Annotated[OfWorkflow, Depends(query(OfWorkflow))]) -> dict[str, Any]:
    with http_reasons.http_reasons(http_reasons.RELEASE_DEPLOYED):
        return releases.get_deployed(session, workflow_uuid=params.workflow_uuid)


@router.get("/draft", summary="draftRelease.get", openapi_extra=query_parameters(OfWorkflow),
            **answers(schemas.ReleaseAnswer))
def get_draft(session: Caller, params: Annotated[OfWorkflow, Depends(query(OfWorkflow))]) -> dict[str, Any]:
    with http_reasons.http_reasons(http_reasons.DRAFT):
        return releases.get_draft(session, workflow_uuid=params.workflow_uuid)


@router.post("/draft/update", summary="draftRelease.update (a draft may be invalid)", **answers(schemas.ReleaseAnswer))
def update_draft(body: DraftUpdate, session: Caller) -> dict[str, Any]:
    given = body.given()
    if given.get("nodes", []) is None:
        del given["nodes"]  # null: the draft's nodes are kept
    if given.get("test_records", []) is None:
        del given["test_records"]
    with http_reasons.http_reasons(http_reasons.DRAFT):
        return releases.update_draft(session, **given)


@router.post("/draft/deploy", summary="draftRelease.deploy (an absent nodes/formFields keeps the draft's)",
             **answers(schemas.ReleaseAnswer))
def deploy_draft(body: DraftDeploy, session: Caller) -> dict[str, Any]:
    given = body.given()
    if given.get("nodes", []) is None:
        del given["nodes"]
    with http_reasons.http_reasons(http_reasons.DRAFT_DEPLOY):
        return releases.deploy_draft(session, **given)


@router.get("/{uuid}", summary="release.get (with its nodes)", **answers(schemas.ReleaseAnswer))
def get_release(uuid: str, session: Caller) -> dict[str, Any]:
    return releases.get_release(session, uuid)
