"""The `http` integration against a real local HTTP server: what the server receives, what the node
outputs, and how failures surface (status in the message, secrets never)."""

from __future__ import annotations

import asyncio
import base64
import socket
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ProviderError, get_integration
from lading.integrations._runtime import call_action
from lading.integrations.http import INTEGRATION

from fakes import Answer, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "http.md"


def run(config: dict[str, Any], credentials: dict[str, Any] | None = None) -> tuple[Any, float]:
    action = INTEGRATION.action("request")
    assert action is not None
    result, credits, _ = asyncio.run(call_action(INTEGRATION, action, config, credentials or {}, None))
    return result.output, credits


def test_registered_without_connector_and_free() -> None:
    assert get_integration("http") is INTEGRATION
    assert INTEGRATION.category == "custom"
    assert INTEGRATION.requires_connector is False
    action = INTEGRATION.action("request")
    assert action is not None and action.credits == ()
    auth = INTEGRATION.connector_schema["properties"]["auth"]["oneOf"]
    secrets = {name for variant in auth for name, field in variant["properties"].items()
               if field.get("writeOnly")}
    assert secrets == {"token", "password", "value"}


def test_absolute_get_merges_query_and_parses_json() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/users", Answer(200, {"users": [{"id": 1}]}, headers={"X-Total": "1"}))
        output, credits = run({"url": f"{fake.url}/users?page=2", "query": {"tag": ["a", "b"], "skip": None}})
    assert output["status"] == 200
    assert output["body"] == {"users": [{"id": 1}]}
    assert output["headers"]["x-total"] == "1"
    assert credits == 0
    req = fake.requests[0]
    assert req.method == "GET" and req.path == "/users"
    assert req.query == {"page": ["2"], "tag": ["a", "b"]}


def test_relative_url_with_connector_auth_and_header_precedence() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/v1/items", Answer(201, {"id": "it_1"}))
        credentials = {"baseUrl": f"{fake.url}/v1", "headers": {"X-Team": "growth", "Accept": "text/plain"},
                       "auth": {"type": "bearer", "token": "tok-secret-123"}}
        output, _ = run({"method": "POST", "url": "items", "headers": {"accept": "application/json"},
                         "body": {"name": "Acme", "tags": [1, 2]}}, credentials)
    assert output == {"status": 201, "headers": output["headers"], "body": {"id": "it_1"}}
    req = fake.requests[0]
    assert req.path == "/v1/items"
    assert req.headers["authorization"] == "Bearer tok-secret-123"
    assert req.headers["x-team"] == "growth"
    assert req.headers["accept"] == "application/json"  # the node's header wins over the connector's
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {"name": "Acme", "tags": [1, 2]}


def test_basic_and_custom_header_auth() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/a", Answer(200, "plain text"))
        output, _ = run({"url": "/a"}, {"baseUrl": fake.url,
                                        "auth": {"type": "basic", "username": "ann", "password": "pw-9876"}})
        run({"url": "/a"}, {"baseUrl": fake.url,
                            "auth": {"type": "header", "name": "X-Api-Key", "value": "k-555"}})
    assert output["body"] == "plain text"
    assert fake.requests[0].headers["authorization"] == "Basic " + base64.b64encode(b"ann:pw-9876").decode()
    assert fake.requests[1].headers["x-api-key"] == "k-555"
    assert "authorization" not in fake.requests[1].headers


def test_form_body_and_raw_string_body() -> None:
    with fake_provider() as fake:
        fake.route("PUT", "/form", Answer(204))
        fake.route("PATCH", "/raw", Answer(200, {"ok": True}))
        output, _ = run({"method": "PUT", "url": f"{fake.url}/form",
                         "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                         "body": {"a": "1", "b": True, "c": [1, 2], "d": None}})
        run({"method": "PATCH", "url": f"{fake.url}/raw", "headers": {"Content-Type": "text/csv"},
             "body": "x,y\n1,2"})
    assert output["status"] == 204 and output["body"] is None
    assert fake.requests[0].form() == {"a": ["1"], "b": ["true"], "c": ["1", "2"]}
    assert fake.requests[1].body == b"x,y\n1,2"
    assert fake.requests[1].headers["content-type"] == "text/csv"


def test_non_2xx_fails_with_status_and_without_secrets() -> None:
    with fake_provider() as fake:
        fake.route("DELETE", "/users/9", Answer(404, {"message": "no such user"}))
        fake.route("GET", "/boom", Answer(503, "maintenance"))
        credentials = {"baseUrl": fake.url, "auth": {"type": "bearer", "token": "tok-secret-123"}}
        with pytest.raises(ProviderError) as not_found:
            run({"method": "DELETE", "url": "/users/9?key=abc"}, credentials)
        with pytest.raises(ProviderError) as unavailable:
            run({"url": "/boom"}, credentials)
    message = not_found.value.message
    assert "DELETE" in message and "404" in message and "no such user" in message
    assert "/users/9" in message and "key=abc" not in message and "tok-secret-123" not in message
    assert not_found.value.status == 404 and not_found.value.retryable is False
    assert unavailable.value.status == 503 and unavailable.value.retryable is True
    assert "maintenance" in unavailable.value.message


def test_echoed_basic_credentials_are_hidden() -> None:
    encoded = base64.b64encode(b"ann:pw-9876").decode()

    def echo(req: Any) -> Answer:
        return Answer(401, {"message": f"bad credentials: {req.headers['authorization']}"})

    with fake_provider() as fake:
        fake.route("GET", "/echo", echo)
        with pytest.raises(ProviderError) as exc:
            run({"url": "/echo"}, {"baseUrl": fake.url,
                                   "auth": {"type": "basic", "username": "ann", "password": "pw-9876"}})
    assert "401" in exc.value.message and "credentials" in exc.value.message
    assert encoded not in exc.value.message and "pw-9876" not in exc.value.message


def test_fail_on_error_false_returns_the_answer() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/missing", Answer(404, {"error": "nope"}))
        output, _ = run({"url": f"{fake.url}/missing", "failOnError": False})
    assert output["status"] == 404 and output["body"] == {"error": "nope"}


def test_rate_limited_answer_mentions_rate_limit() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/limited", Answer(429, {"message": "slow down"}, headers={"Retry-After": "0"}))
        with pytest.raises(ProviderError) as exc:
            run({"url": f"{fake.url}/limited"})
    assert "rate limited" in exc.value.message and exc.value.retryable is True


def test_timeout_fails_the_node() -> None:
    # A listening socket that never answers: the request is sent, the reply never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(ProviderError, match="timed out") as exc:
            run({"url": f"http://127.0.0.1:{port}/slow", "timeoutMs": 100})
    assert exc.value.retryable is True


@pytest.mark.parametrize(("config", "fragment"), [
    ({"url": "relative/path"}, "no baseUrl"),
    ({"url": "ftp://files.example.com/x"}, "scheme 'ftp'"),
    ({"method": "TRACE", "url": "https://example.com"}, "method"),
    ({"method": "POST", "url": "https://example.com", "body": [1],
      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, "form-encoded"),
    ({}, "url"),
])
def test_invalid_config(config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ProviderError) as exc:
        run(config)
    assert exc.value.message.startswith("invalid config for http.request")
    assert fragment in exc.value.message and exc.value.retryable is False


def test_docs_page_matches_documentation() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
