"""Every command group's routers, in one list `create_app` mounts under `/v1`."""

from __future__ import annotations

from typing import Any

from lading.api.workspace import router as workspace_router

ROUTERS: list[Any] = [workspace_router]
