"""`POST /models/:uuid/records/ingest` (and its alias `POST /workflows/:uuid/hook`): the HTTP push of
data spec §4.2, public in the sense of api.md §0.6 — no bearer header needed.

Why not the shared `caller` dependency: a webhook sender can rarely set headers, so the workspace
token also comes in the query string (`?token=`) or as `Authorization: Basic <token>` (the token
itself, or HTTP Basic's `user:password` with the token as either part); Bearer works too. Any live
token of the model's workspace is accepted, one with no permissions included (D §4.2): the token is
the hook's credential, not a user's session, so no `<domain>:write` right is checked. An unknown
token is 401; another workspace's model is 404 `modelNotFound`.

Webhook handshakes are answered before anything is stored (Decision, D §4.2), each after the token
and the model are checked, since the hook URL carries both: Slack's `url_verification` (answers
`{"challenge"}`), a ping (GitHub's `X-GitHub-Event: ping`, or a single object whose `type` is
`ping`: answers OK, stores nothing), Microsoft Graph's `?validationToken=` and WebSub/Meta's
`GET ?hub.challenge=` (both echo the value as text/plain).
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from lading.api._errors import error_response
from lading.api._http import App, Router, unauthorized
from lading.domain.shapes import Shape
from lading.services.session import Session
from lading.services.storage import ingest

router = Router(tags=["storage"])

_BODY = {"type": "object", "additionalProperties": True}
_DOCUMENTED = {
    "parameters": [
        {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "A workspace token (or send it as `Authorization: Basic <token>`)."},
        {"name": "validationToken", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "Microsoft Graph's validation handshake: echoed back as text/plain."},
    ],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "anyOf": [_BODY, {"type": "array", "items": _BODY, "maxItems": ingest.MAX_OBJECTS}]}}}},
}
_HUB = {"parameters": [
    {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "hub.challenge", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "hub.mode", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "hub.verify_token", "in": "query", "required": False, "schema": {"type": "string"}}]}


class IngestAnswer(Shape):
    """What a push answers once its objects are stored (or a ping is acknowledged)."""

    message: str


class SlackChallenge(Shape):
    """Slack's `url_verification` handshake: its challenge, echoed."""

    challenge: str


_TEXT = {"text/plain": {"schema": {"type": "string"}}}
# The 200 of a push: OK, Slack's challenge, or (`?validationToken=`) the token as text/plain.
_PUSH_ANSWERS: dict[str, Any] = {"response_model": None, "responses": {200: {
    "model": IngestAnswer | SlackChallenge, "content": _TEXT,
    "description": "`{\"message\":\"OK\"}`; a handshake's challenge"}}}
_HUB_ANSWERS: dict[str, Any] = {"response_model": None, "responses": {200: {
    "content": _TEXT, "description": "The hub.challenge, echoed"}}}


def _candidates(request: Request) -> list[str]:
    """The token values a request offers, most likely first (at most three lookups)."""
    token = request.query_params.get("token")
    if token and token.strip():
        return [token.strip()]
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    value = value.strip()
    if not value or scheme.lower() not in ("basic", "bearer"):
        return []
    out = [value]
    if scheme.lower() == "basic":
        try:
            user, colon, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return out
        out += [part.strip() for part in ((password, user) if colon else (user,)) if part.strip()]
    return out[:3]


def _session(app: App, candidates: list[str]) -> Session:
    """The session of the first candidate that is a live token (401 when none is)."""
    from lading.services.wiring import token_session

    for token in candidates:
        session = token_session(app.db, app.settings, token)
        if session is not None:
            return session
    raise unauthorized()


def _handshake(request: Request, payload: Any) -> Any:
    """The answer of a webhook handshake, or None when the body is data to store."""
    if isinstance(payload, dict):
        if payload.get("type") == "url_verification" and isinstance(payload.get("challenge"), str):
            return {"challenge": payload["challenge"]}
        if payload.get("type") == "ping":
            return dict(ingest.OK)
    if (request.headers.get("x-github-event") or "").lower() == "ping":
        return dict(ingest.OK)
    return None


async def _push(uuid: str, request: Request) -> Any:
    from anyio import to_thread

    from lading.services.storage.models import get_model

    candidates = _candidates(request)
    if not candidates:
        raise unauthorized()
    session = await to_thread.run_sync(_session, request.app.state.lading, candidates)
    try:
        validation = request.query_params.get("validationToken")
        if validation is not None:
            await to_thread.run_sync(get_model, session, uuid)
            return PlainTextResponse(validation)
        payload = ingest.parse_body(await request.body())
        handshake = _handshake(request, payload)
        if handshake is not None:
            await to_thread.run_sync(get_model, session, uuid)
            return handshake
        objects = ingest.objects_of(payload)
        return await to_thread.run_sync(functools.partial(ingest.ingest_records, session, model_uuid=uuid,
                                                          objects=objects))
    finally:
        if session.work.announced:  # a play's batch created by the segment change: hand it to a worker
            from lading.worker import settle

            await to_thread.run_sync(settle, session)


async def _challenge(uuid: str, request: Request) -> Any:
    from anyio import to_thread

    from lading.services.storage.models import get_model

    candidates = _candidates(request)
    if not candidates:
        raise unauthorized()
    session = await to_thread.run_sync(_session, request.app.state.lading, candidates)
    challenge = request.query_params.get("hub.challenge")
    if challenge is None:
        return error_response(405, "methodNotAllowed",
                              "methodNotAllowed: GET only answers the hub.challenge handshake; push data with POST")
    await to_thread.run_sync(get_model, session, uuid)
    return PlainTextResponse(challenge)


_PUSH = "Push records into a model (token in `?token=` or Basic auth; upsert by id, ≤ 1,000 objects)"


@router.post("/models/{uuid}/records/ingest", summary=_PUSH, openapi_extra=_DOCUMENTED, **_PUSH_ANSWERS)
async def ingest_records(uuid: str, request: Request) -> Any:
    return await _push(uuid, request)


@router.post("/workflows/{uuid}/hook", summary=f"{_PUSH} — alias", openapi_extra=_DOCUMENTED,
             **_PUSH_ANSWERS)
async def hook(uuid: str, request: Request) -> Any:
    return await _push(uuid, request)


@router.get("/models/{uuid}/records/ingest", summary="The hub.challenge handshake of the ingest endpoint",
            openapi_extra=_HUB, **_HUB_ANSWERS)
async def ingest_challenge(uuid: str, request: Request) -> Any:
    return await _challenge(uuid, request)


@router.get("/workflows/{uuid}/hook", summary="The hub.challenge handshake of the hook alias",
            openapi_extra=_HUB, **_HUB_ANSWERS)
async def hook_challenge(uuid: str, request: Request) -> Any:
    return await _challenge(uuid, request)
