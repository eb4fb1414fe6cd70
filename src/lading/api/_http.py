"""What every route shares: the caller's session from its token, its rights, the query string as the
Cargo client encodes it, request bodies, and handing over work once a request is answered.

Why one module: a route should read as "parse, call the service, answer". Authentication (api.md
§0.1), the read/write right of the path's domain (§0.7), the Axios query encoding (§0.2) and the
hand-over of created work to a worker (§0.1) are the same for every route, so they are written here
once and each route declares only its own fields.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, get_args, get_origin
from urllib.parse import parse_qsl

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from starlette.requests import Request

from lading.domain.errors import AuthError
from lading.services.session import Session

Model = TypeVar("Model", bound=BaseModel)

# POST routes that only read (api.md §0.7): they need `<domain>:read`, like GET.
_READ_ONLY_ENDINGS = ("/list", "/count", "/fetch", "/metrics", "/preview", "/query", "/download",
                      "/download-outputs", "/nodes/compute", "/nodes/validate", "/get-output-schema",
                      "/expressions/evaluate", "/diagram", "/search", "/autocomplete",
                      "/previewCount")

UNAUTHORIZED = "unauthorized"


def unauthorized() -> AuthError:
    return AuthError(UNAUTHORIZED, reason=UNAUTHORIZED, status_code=401)


def required_action(method: str, path: str) -> str:
    """The right a request needs: `<domain>:read|write`, the domain being the path's first segment
    after `/v1` (api.md §0.7)."""
    parts = [p for p in path.split("/") if p]
    domain = parts[1] if len(parts) > 1 and parts[0] == "v1" else (parts[0] if parts else "")
    reads = method in ("GET", "HEAD") or (method == "POST" and path.endswith(_READ_ONLY_ENDINGS))
    return f"{domain}:{'read' if reads else 'write'}"


def _answered(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint`, answering a dict or list it returns as the JSON answer itself (a route that must
    set headers returns its own answer: `answer_with_headers`)."""
    from lading.api._errors import json_answer_class

    answer = json_answer_class()

    def wrap(result: Any) -> Any:
        return answer(result) if isinstance(result, (dict, list)) else result

    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def answered_async(*args: Any, **kwargs: Any) -> Any:
            return wrap(await endpoint(*args, **kwargs))
        return answered_async

    @functools.wraps(endpoint)
    def answered(*args: Any, **kwargs: Any) -> Any:
        return wrap(endpoint(*args, **kwargs))
    return answered


def answer_with_headers(document: Any, headers: dict[str, str]) -> Any:
    """The JSON answer of `document` carrying response headers (e.g. a truncation notice)."""
    from lading.api._errors import json_answer_class

    return json_answer_class()(document, headers=headers)


class AnsweredRoute(APIRoute):
    """A route whose service document goes straight to the JSON answer class (orjson).

    Why: services already return JSON-ready documents, and FastAPI would otherwise walk each one with
    `jsonable_encoder` before encoding it, about a tenth of the server's CPU on a run poll. The
    declared 200 body (`responses=`) still documents the route in the OpenAPI document."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _answered(endpoint), **kwargs)


class Router(APIRouter):
    """The router of every route module (`router = Router(prefix=…, tags=[…])`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", AnsweredRoute)
        super().__init__(**kwargs)


class App:
    """What a running server holds for its routes: settings and the store, opened once."""

    def __init__(self) -> None:
        from lading.settings import load_settings
        from lading.store.database import open_database

        self.settings = load_settings()
        self.db = open_database(self.settings)
        if self.settings.backend == "sqlite":
            # The server holds the SQLite store open for its lifetime: runtime SQL must read it from a
            # helper process (see `analytics.engine.ChdbEngine`).
            from lading.analytics import engine

            engine.ISOLATE_SQLITE_READS = True


def authenticate(app: App, header: str, selected: str | None, method: str, path: str) -> Session:
    """The session of a request's `Authorization` header, its rights checked for `method path`
    (blocking: one indexed read of the token, in a worker thread)."""
    from lading.services.access import require
    from lading.services.wiring import token_session

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    session = token_session(app.db, app.settings, token.strip())
    if session is None:
        raise unauthorized()
    if selected and selected.strip().lower() != session.workspace_uuid:
        from lading.services.access import forbidden

        raise forbidden()
    require(session.access, required_action(method, path))
    return session


async def caller(request: Request) -> AsyncIterator[Session]:
    """The session of the request's token, rights checked; once the route has answered, the work
    its services announced is handed to a worker (api.md §0.1: what the API creates runs).

    Why async: a sync generator dependency costs two thread hops (enter and exit) besides the
    route's own; here the token is read in one hop and the exit runs on the event loop, reaching a
    thread only when work was announced (handing it over may start a worker)."""
    from anyio import to_thread

    header = request.headers.get("authorization") or ""
    if not header:
        raise unauthorized()
    app: App = request.app.state.lading
    session = await to_thread.run_sync(authenticate, app, header, request.headers.get("selected-workspace-uuid"),
                                       request.method, request.url.path)
    try:
        yield session
    finally:
        if session.work.announced:
            from lading.worker import settle

            await to_thread.run_sync(settle, session)


class Body(BaseModel):
    """A request body: camelCase keys as the client sends them; an unknown key is refused (400
    `invalidPayload` naming it), so a misspelt field never silently does nothing."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)

    def given(self) -> dict[str, Any]:
        """The fields the caller sent (snake_case), absent ones left out: an update keeps them."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class Query(Body):
    """The query string of a GET route (same rules as a body)."""


def _path(key: str) -> list[str]:
    """`a[b][0][]` → `["a", "b", "0", ""]` (Axios bracket paths, api.md §0.2)."""
    head, bracket, rest = key.partition("[")
    parts = [head]
    while bracket:
        inner, _, rest = rest.partition("]")
        parts.append(inner)
        _, bracket, rest = rest.partition("[")
    return parts


def _put(target: dict[str, Any], parts: list[str], value: str) -> None:
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        container: Any = [] if following == "" or (following or "x").isdigit() else {}
        if isinstance(node, list):
            if part == "":
                if last:
                    node.append(value)
                    return
                node.append(container)
                node = node[-1]
                continue
            position = int(part) if part.isdigit() else len(node)
            while len(node) <= position:
                node.append(None)
            if last:
                node[position] = value
                return
            if not isinstance(node[position], (dict, list)):
                node[position] = container
            node = node[position]
            continue
        if last:
            existing = node.get(part)
            if existing is None:
                node[part] = value
            elif isinstance(existing, list):
                existing.append(value)
            else:  # the plain repeated form `key=v&key=w`
                node[part] = [existing, value]
            return
        if not isinstance(node.get(part), (dict, list)):
            node[part] = container
        node = node[part]


def decode_query(raw: str) -> dict[str, Any]:
    """A query string as the Cargo client writes it (Axios): `k[]=v` arrays, `k[sub]=v` objects,
    `k[sub][0]=v` indexed arrays; also `k=v&k=w` for an array."""
    decoded: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        _put(decoded, _path(key), value)
    return decoded


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (list, typing.Union, types.UnionType):
        if get_origin(annotation) is list:
            return True
        return any(_is_list(arg) for arg in get_args(annotation))
    return annotation is list


def query(model: type[Model]) -> Callable[[Any], Model]:
    """A dependency reading the request's query string into `model`. Numbers and booleans arrive as
    text and are coerced; an array field also takes one value or a comma list."""
    from fastapi.exceptions import RequestValidationError

    list_fields = {field.alias or name for name, field in model.model_fields.items() if _is_list(field.annotation)}

    def read(request: Request) -> Model:
        fields = decode_query(request.url.query)
        for key in list_fields & set(fields):
            if isinstance(fields[key], str):
                fields[key] = [part for part in fields[key].split(",") if part]
        try:
            return model.model_validate(fields)
        except PydanticValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]) from None

    return read


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI description of a `query(model)` dependency (FastAPI cannot see into it): pass as a
    route's `openapi_extra`, so `/openapi.json` and `/docs` list every query field."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        is_array = prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", ()))
        parameters.append({"name": f"{name}[]" if is_array else name, "in": "query",
                           "required": name in required, "schema": prop,
                           **({"style": "form", "explode": True} if is_array else {})})
    return {"parameters": parameters}
