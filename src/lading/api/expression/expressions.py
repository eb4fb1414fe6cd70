"""`/expression/expressions…`: evaluate (`expression evaluate`, api.md §11); generate is not offered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._errors import error_response
from lading.api._http import Body, Router, caller
from lading.api._schemas import answers, never_answers
from lading.api.expression import _schemas as schemas
from lading.services.expression import evaluate as service
from lading.services.session import Session

router = Router(prefix="/expression/expressions", tags=["expression"])
Caller = Annotated[Session, Depends(caller)]


class Evaluate(Body):
    # The Expression object (O §2.8) and the scope are checked by the service, as for the CLI's JSON
    # flags, so both faces refuse a malformed one with the same `invalidData`.
    expression: Any
    variables: Any


@router.post("/evaluate", summary="expression.evaluate: {data}, or {errorMessage} when it throws",
             **answers(schemas.Evaluation))
def evaluate(body: Evaluate, session: Caller) -> dict[str, Any]:
    return service.evaluate(session, expression=body.expression, variables=body.variables)


@router.post("/generate", summary="expression.generate (not offered)", **never_answers())
def generate(session: Caller) -> Any:
    return error_response(501, "notSupported", "notSupported")
