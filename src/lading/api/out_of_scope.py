"""Client domains Lading does not offer (api.md §14): every route under them answers 501
`notSupported`, so a Cargo client gets a clear error rather than a 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lading.api._errors import error_response

router = APIRouter(include_in_schema=False)

DOMAINS = ("hosting", "domainManagement", "context", "revenueOrganization", "systemOfRecordIntegration",
           "observability")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def not_supported() -> Any:
    return error_response(501, "notSupported", "notSupported")


for _domain in DOMAINS:
    router.add_api_route(f"/v1/{_domain}/{{rest:path}}", not_supported, methods=METHODS)
router.add_api_route("/v1/initWorkspace", not_supported, methods=["GET"])
