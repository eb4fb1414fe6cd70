"""Every command group's routers (`api/<group>/` packages), which `create_app` mounts under `/v1`.

Found by the package map's lookup rule like the noun modules inside them (`api/_routers.collect`),
so a new group is served as soon as its package exists.
"""

from __future__ import annotations

from typing import Any

# Packages of `api/` that are not command groups: the web console is its own face, mounted at `/`.
NOT_GROUPS = frozenset({"console"})


def routers() -> list[Any]:
    import importlib
    import pkgutil

    import lading.api as api

    groups = sorted(info.name for info in pkgutil.iter_modules(api.__path__)
                    if info.ispkg and info.name not in NOT_GROUPS)
    return [importlib.import_module(f"lading.api.{group}").router for group in groups]
