"""A failure no handler names is still answered in the documented shape, and the kept-alive
connection it came on stays open: a client's next request on it (the remote CLI reuses its
connections) gets its answer, not a reset."""

from __future__ import annotations

import os
from typing import Any

import pytest

NUL_ID = "a\x00b"


@pytest.mark.skipif(not os.environ.get("LADING_TEST_DATABASE_URL"),
                    reason="PostgreSQL refuses NUL in text when binding; SQLite stores it")
def test_a_driver_refusal_is_a_400_and_the_connection_stays_open(api_server: Any) -> None:
    dataset = api_server.lading("storage", "dataset", "create", "--slug", "crm", "--name", "CRM")["dataset"]
    model = api_server.lading("storage", "model", "create", "--slug", "deals", "--name", "Deals", "--dataset-uuid",
                              dataset["uuid"], "--extractor-slug", "native", "--config", "{}")["model"]
    log = api_server.home / "serve.log"
    logged_before = log.read_text(errors="replace").count("Exception in ASGI application")
    with api_server.client("alpha") as client:
        refused = client.request("DELETE", "/storage/records/removeBulk",
                                 json={"modelUuid": model["uuid"], "ids": [NUL_ID]})
        assert refused.status_code == 400, refused.text
        assert refused.json()["reason"] == "invalidData" and "NUL" in refused.json()["errorMessage"]
        assert refused.headers.get("connection", "").lower() != "close"
        for _ in range(3):  # the same pooled connection, at once
            answered = client.request("DELETE", "/storage/records/removeBulk",
                                      json={"modelUuid": model["uuid"], "ids": ["x" * 20_000]})
            assert answered.status_code == 200 and answered.json() == {"removedRecordsCount": 0}
    # The failure was answered inside the app, never handed to the server as a crash (which closes the
    # connection after the answer).
    assert log.read_text(errors="replace").count("Exception in ASGI application") == logged_before
