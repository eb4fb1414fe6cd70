"""`/workspaceManagement/reports…`: reports kept in the installation (`workspaceManagement report …`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import reports

router = Router(prefix="/workspaceManagement/reports", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


class ReportCreate(Body):
    title: str
    description: str


class ReportList(Query):
    limit: int = 100
    offset: int = 0


@router.post("", summary="report.create", **answers(schemas.ReportAnswer))
def create_report(body: ReportCreate, session: Caller) -> dict[str, Any]:
    return reports.create_report(session, title=body.title, description=body.description)


@router.get("/list", summary="report list (Lading extension)", openapi_extra=query_parameters(ReportList),
            **answers(schemas.ReportList))
def list_reports(session: Caller, params: Annotated[ReportList, Depends(query(ReportList))]) -> dict[str, Any]:
    return reports.list_reports(session, limit=params.limit, offset=params.offset)
