"""`ai.prompt.*` and `ai.suggestedAction.generate`: 501 `notSupported` until Lading has a workspace
default model to run them with (api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import never_answers
from lading.domain.errors import LadingError
from lading.services.session import Session

router = Router()
prompts = Router(prefix="/ai/prompts", tags=["ai"])
suggested = Router(prefix="/ai/suggestedActions", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


def _not_supported() -> NoReturn:
    raise LadingError("notSupported", reason="notSupported", status_code=501)


@prompts.post("/optimize", summary="prompt.optimize: 501 notSupported", **never_answers())
def optimize(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@prompts.post("/evaluate", summary="prompt.evaluate: 501 notSupported", **never_answers())
def evaluate(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@prompts.post("/generateJsonSchema", summary="prompt.generateJsonSchema: 501 notSupported", **never_answers())
def generate_json_schema(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@suggested.post("/generate", summary="suggestedAction.generate: 501 notSupported", **never_answers())
def generate_suggested_actions(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


router.include_router(prompts)
router.include_router(suggested)
