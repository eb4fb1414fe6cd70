"""Routers found by the package map's lookup rule, so adding a route module needs no registration.

A group package `api/<group>/` includes the `router` of each of its public noun modules
(`api/<group>/<noun>.py`, names not starting with `_`), and `api/routes.py` includes each group's.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def collect(package: str, path: list[str] | Any) -> Any:
    """One router holding the `router` of every public module (or subpackage) of `package`."""
    from fastapi import APIRouter

    combined = APIRouter()
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            combined.include_router(router)
    return combined
