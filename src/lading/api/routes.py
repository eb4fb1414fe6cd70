"""Every command group's routers (`api/<group>/`), in one list `create_app` mounts under `/v1`."""

from __future__ import annotations

from typing import Any

GROUPS = ("orchestration", "billing", "workspace", "connection")


def routers() -> list[Any]:
    import importlib

    return [importlib.import_module(f"lading.api.{group}").router for group in GROUPS]
