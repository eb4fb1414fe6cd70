"""`/orchestration/plays…`: segment-driven workflows (`orchestration play …`, api.md §2.2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.orchestration import _schemas as schemas
from lading.api.orchestration._common import refuse_unless_empty
from lading.services.orchestration import http_reasons, plays
from lading.services.session import Session

router = Router(prefix="/orchestration/plays", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class PlayList(Query):
    is_enabled: bool | None = None
    model_uuid: str | None = None
    segment_uuid: str | None = None
    schedule_type: str | None = None
    folder_uuid: str | None = None


# The segment's filter/sort, the change kinds and the schedule are checked by the services (as the
# CLI's JSON flags are): one refusal on both faces.
class PlayCreate(Body):
    name: str
    model_uuid: str
    change_kinds: Any
    run_creation_rule: str
    description: str | None = None
    filter: Any = None
    sort: Any = None
    limit: int | None = None
    tracking_column_slugs: list[str] | None = None
    schedule: Any = None
    folder_uuid: str | None = None
    health_threshold: int = 80


class PlayUpdate(Body):
    name: str | None = None
    description: str | None = None
    is_enabled: bool | None = None
    filter: Any = None
    sort: Any = None
    limit: int | None = None
    tracking_column_slugs: list[str] | None = None
    change_kinds: Any = None
    run_creation_rule: str | None = None
    health_threshold: int | None = None
    health_alert_actions: list[Any] | None = None
    schedule: Any = None
    folder_uuid: str | None = None
    template: Any = None


@router.get("/list", summary="play.list", openapi_extra=query_parameters(PlayList), **answers(schemas.PlayListAnswer))
def list_plays(session: Caller, params: Annotated[PlayList, Depends(query(PlayList))]) -> dict[str, Any]:
    return plays.list_plays(session, **params.given())


@router.get("/{uuid}", summary="play.get", **answers(schemas.PlayAnswer))
def get_play(uuid: str, session: Caller) -> dict[str, Any]:
    return plays.get_play(session, uuid)


@router.post("", summary="play.create (its workflow gets a start → end draft; plays start disabled)",
             **answers(schemas.PlayAnswer))
def create_play(body: PlayCreate, session: Caller) -> dict[str, Any]:
    return plays.create_play(session, **body.given())


@router.put("/{uuid}", summary="play.update (enabling needs a deployed release)", **answers(schemas.PlayAnswer))
def update_play(uuid: str, body: PlayUpdate, session: Caller) -> dict[str, Any]:
    changes = body.given()
    refuse_unless_empty(changes.pop("health_alert_actions", None), "health alert actions are not available yet")
    refuse_unless_empty(changes.pop("template", None), "applying a template to a play is not available yet")
    if changes.get("is_enabled", False) is None:
        del changes["is_enabled"]  # null: left as it is
    with http_reasons.http_reasons(http_reasons.PLAY_UPDATE):
        return plays.update_play(session, uuid, **changes)


@router.delete("/{uuid}", summary="play.remove (with its workflow and generated segment)", **answers(Removed))
def remove_play(uuid: str, session: Caller) -> dict[str, Any]:
    return plays.remove_play(session, uuid)
