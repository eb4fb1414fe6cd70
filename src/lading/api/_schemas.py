"""How a route documents its 200 body in `/openapi.json` without FastAPI touching the answer.

Why not `response_model`: FastAPI would validate the route's return against the model and serialise
it through the model, dropping keys the model does not list and rewriting values. The answer is the
service's document, the one the CLI prints (api.md §0.1): it must reach the client unchanged. So a
route declares `**answers(Model)`: the model only describes the 200 body (`responses=`), and
`response_model=None` keeps FastAPI from inferring one from the return annotation.

The models are the services' own shapes (`services/<group>/shapes.py`) wrapped in the envelope the
route answers (`{"tool": Tool}`, `{"runs": [Run], "count": n}`…); each group keeps its envelopes in
`api/<group>/_schemas.py`. Every key a shape sends is listed as required (`domain.shapes.Shape`
marks fields with defaults required too); additional keys are allowed, as the services may add some.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

from pydantic import BaseModel, create_model

from lading.domain.shapes import Shape


def answers(model: type[BaseModel] | Any, description: str = "The answer") -> dict[str, Any]:
    """Keyword arguments of a route decorator documenting its 200 body as `model` (never applied to it)."""
    return {"response_model": None, "responses": {200: {"model": model, "description": description}}}


def never_answers(description: str = "notSupported: Lading does not offer this route") -> dict[str, Any]:
    """Keyword arguments of a route that always refuses with 501 `notSupported` (api.md §0.3): its
    documented answer is the 501 error document, and no 200 is described."""
    from lading.api._errors import error_responses

    return {"status_code": 501, "response_model": None,
            "responses": {501: {"model": error_responses()["5XX"]["model"], "description": description}}}


def envelope(name: str, **fields: Any) -> type[Shape]:
    """The documented answer `{key: shape}` of a route, named `name` in `/openapi.json`
    (`envelope("ToolAnswer", tool=shapes.Tool)`): most answers are one key around a service's shape,
    and a class per answer would repeat the same two lines dozens of times."""
    required: dict[str, Any] = {key: (kind, ...) for key, kind in fields.items()}
    # The caller's module, as `collections.namedtuple` finds it: two groups' `ReleaseAnswer` stay apart
    # in `/openapi.json` under their own module's name.
    module = sys._getframe(1).f_globals.get("__name__", __name__)
    return create_model(name, __base__=Shape, __module__=module, **required)


class Removed(Shape):
    """What every remove answers (api.md §0.1)."""

    uuid: str
    removed: Literal[True]


class Count(Shape):
    """`…/count`: how many objects match the filters."""

    count: int


class Link(Shape):
    """A signed export link, `<baseUrl>/v1/exports/<uuid>/<file>?expires=…&signature=…` (api.md §0.6)."""

    url: str
