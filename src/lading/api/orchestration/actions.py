"""`/orchestration/actions…`: single actions without a graph (`orchestration action …`, api.md §2.1
and §12). A created run or batch answers at once (pending) and is handed to a worker."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.orchestration import _schemas as schemas
from lading.services.orchestration import actions
from lading.services.session import Session

router = Router(prefix="/orchestration/actions", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


# The action, its data and records are checked by the service (as the CLI's JSON flags are): one
# refusal on both faces.
class ActionExecute(Body):
    action: Any
    data: Any


class ActionExecuteBatch(Body):
    action: Any
    records: Any
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Lading extension (`--credit-cap`): the most provider credits the batch may spend.
    credit_cap: Any = None


class ActionDryRun(Body):
    action: Any
    records: Any
    sample_size: Any = None
    credit_cap: Any = None


class ActionOutputSchema(Body):
    action: Any
    data: Any = None


class ActionSearch(Body):
    query: str | None = None
    kind: str | None = None
    integration_slug: str | None = None
    limit: int = 20


@router.post("/execute", summary="action.execute (the run, pending)", **answers(schemas.RunAnswer))
def execute(body: ActionExecute, session: Caller) -> dict[str, Any]:
    from lading.worker import finish_run

    result = actions.execute(session, body.action, body.data)
    finish_run(session, result["run"]["uuid"], wait=False)
    return result


@router.post("/execute-batch", summary="action.executeBatch (the batch, short form)", **answers(schemas.BatchRefAnswer))
def execute_batch(body: ActionExecuteBatch, session: Caller) -> dict[str, Any]:
    from lading.worker import finish_batch

    result = actions.execute_batch(session, body.action, body.records, webhook_url=body.webhook_url,
                                   webhook_secret=body.webhook_secret, credit_cap=body.credit_cap)
    finish_batch(session, result["batch"]["uuid"], wait=False)
    return result


@router.post("/execute-batch/dry-run", summary="action execute-batch --dry-run (Lading): the batch's projected "
             "cost from a sample of its records; creates nothing", **answers(schemas.DryRunAnswer))
def dry_run_execute_batch(body: ActionDryRun, session: Caller) -> dict[str, Any]:
    from lading.api.orchestration.batches import drive_here

    return actions.dry_run_execute_batch(session, body.action, body.records, drive=drive_here(session),
                                         sample_size=body.sample_size, credit_cap=body.credit_cap)


@router.post("/get-output-schema", summary="action.getOutputSchema", **answers(schemas.OutputSchema))
def get_output_schema(body: ActionOutputSchema, session: Caller) -> dict[str, Any]:
    return actions.output_schema(session, body.action, body.data)


@router.post("/list", summary="action list (Lading): search actions, best match first",
             **answers(schemas.ActionMatches))
def list_actions(body: ActionSearch, session: Caller) -> dict[str, Any]:
    return actions.list_actions(session, [body.query] if body.query else [], kind=body.kind,
                                integration_slug=body.integration_slug, limit=body.limit)
