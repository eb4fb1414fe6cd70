"""`/billing/usage…`: usage metrics (`billing usage get-metrics`), admin only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from pydantic import Field

from lading.api._http import Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.billing import _schemas as schemas
from lading.services.billing import usage
from lading.services.session import Session

router = Router(prefix="/billing/usage", tags=["billing"])
Caller = Annotated[Session, Depends(caller)]


class MetricsQuery(Query):
    # `from`/`to` default to the current UTC month, as on the CLI (the service fills them in).
    date_from: str | None = Field(None, alias="from", description="First UTC day, YYYY-MM-DD (inclusive); "
                                  "default: the first day of the current UTC month.")
    date_to: str | None = Field(None, alias="to", description="Last UTC day, YYYY-MM-DD (inclusive); "
                                "default: the last day of the current UTC month.")
    unit: str | None = Field(None, description="billing.credits, orchestration.executions or storage.records "
                                               "(or credits, executions, records).")
    group_by: str | None = Field(None, description="integration_slug, connector_uuid, model_uuid, workflow_uuid "
                                                   "or agent_uuid.")
    workflow_uuid: str | None = None
    model_uuid: str | None = None
    connector_uuid: str | None = None
    integration_slug: str | None = None
    slug: str | None = None
    agent_uuid: str | None = None


@router.get("/metrics", summary="usage.getMetrics", openapi_extra=query_parameters(MetricsQuery),
            **answers(schemas.UsageMetrics))
def get_metrics(session: Caller, fields: Annotated[MetricsQuery, Depends(query(MetricsQuery))]) -> dict[str, Any]:
    return usage.get_metrics(session, **fields.model_dump())
