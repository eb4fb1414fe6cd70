"""`/orchestration/traces…`: the client's trace calls answer 501 `notSupported` (api.md §2.7: there is
no trace entity yet; a run's `traceUuid` is its root run's uuid, and spans filter by it)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import never_answers
from lading.domain.errors import LadingError
from lading.services.session import Session

router = Router(prefix="/orchestration/traces", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


def _not_supported() -> NoReturn:
    raise LadingError("notSupported", reason="notSupported", status_code=501)


@router.post("/list", summary="trace.list: 501 notSupported", **never_answers())
def list_traces(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@router.post("/count", summary="trace.count: 501 notSupported", **never_answers())
def count_traces(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@router.get("/{uuid}", summary="trace.get: 501 notSupported", **never_answers())
def get_trace(uuid: str, session: Caller) -> dict[str, Any]:
    _not_supported()
