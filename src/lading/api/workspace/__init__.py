"""Routes of `workspaceManagement` (api.md §9) and `userManagement` (§10), one module per noun."""

from __future__ import annotations

from fastapi import APIRouter

from lading.api.workspace import tokens

router = APIRouter()
for _module in (tokens,):
    router.include_router(_module.router)
