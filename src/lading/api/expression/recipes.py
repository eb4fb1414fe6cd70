"""Expression recipes and favourite recipes (api.md §11): Lading has no recipe store, so each route
answers 501 `notSupported` at its exact path and verb (the right is checked first, as for any route)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._errors import error_response
from lading.api._http import Router, caller
from lading.api._schemas import never_answers
from lading.services.session import Session

router = Router(prefix="/expression", tags=["expression"])
Caller = Annotated[Session, Depends(caller)]

_ROUTES = (
    ("POST", "/recipes", "recipe.create"),
    ("POST", "/recipes/{uuid}", "recipe.createVersion"),
    ("GET", "/recipes/list", "recipe.all"),
    ("GET", "/recipes/{uuidOrShortId}/last", "recipe.getLast"),
    ("GET", "/recipes/{uuidOrShortId}/{version}", "recipe.get"),
    ("PUT", "/recipes/{uuidOrShortId}/archive", "recipe.archive"),
    ("POST", "/favoriteRecipes", "favoriteRecipe.create"),
    ("DELETE", "/favoriteRecipes/{recipeUuid}/", "favoriteRecipe.remove"),
)


def not_supported(session: Caller) -> Any:
    return error_response(501, "notSupported", "notSupported")


for _method, _path, _call in _ROUTES:
    router.add_api_route(_path, not_supported, methods=[_method], summary=f"{_call} (not offered)",
                         name=f"expression_{_call.replace('.', '_')}", **never_answers())
