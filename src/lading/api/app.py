"""`lading serve`: the HTTP API. Serves `GET /v1/exports/<export-uuid>/<file>?expires=…&signature=…`
(spec §4.1): no other authentication, expired or tampered URLs are 403, files stream from disk."""

from __future__ import annotations

from typing import Any


def create_app() -> Any:
    from fastapi import FastAPI, Query
    from fastapi.responses import FileResponse, JSONResponse

    from lading.services import export_urls
    from lading.settings import load_settings

    app = FastAPI(title="Lading", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/v1/exports/{export_uuid}/{filename}")
    def export_file(export_uuid: str, filename: str, expires: str | None = Query(None),
                    signature: str | None = Query(None)) -> Any:
        home = load_settings().home
        path = export_urls.resolve(home, export_uuid, filename, expires, signature)
        if path is None:
            return JSONResponse({"errorMessage": "forbidden", "statusCode": 403}, status_code=403)
        if not path.is_file():
            return JSONResponse({"errorMessage": "Export not found", "statusCode": 404}, status_code=404)
        media = "text/csv" if filename.endswith(".csv") else "application/json"
        return FileResponse(path, media_type=media, filename=filename)

    return app
