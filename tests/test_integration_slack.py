"""The `slack` integration against a local server answering like the Slack Web API (HTTP 200 with
`ok:false` on errors, cursor pagination, 429 with Retry-After)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ActionCall, ProviderError, RateLimit, get_integration
from lading.integrations._http import ProviderHttp
from lading.integrations._runtime import call_action
from lading.integrations.slack import INTEGRATION

from fakes import Answer, Recorded, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "slack.md"
TOKEN = "xoxb-test-secret-token"
# Same integration, faster gate: tests check behaviour, not Slack's 1 request/second pacing.
FAST = dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=200, max_concurrency=4))


def post(config: dict[str, Any], base_url: str, action: str = "postMessage") -> tuple[Any, float]:
    found = FAST.action(action)
    assert found is not None
    credentials = {"botToken": TOKEN, "baseUrl": base_url}
    result, credits, _ = asyncio.run(call_action(FAST, found, config, credentials, None))
    return result.output, credits


def test_catalog_entry() -> None:
    assert get_integration("slack") is INTEGRATION
    assert INTEGRATION.category == "engagement"
    assert INTEGRATION.default_base_url == "https://slack.com/api"
    assert INTEGRATION.secret_fields() == {"botToken"}
    assert INTEGRATION.rate_limit == RateLimit(requests_per_second=1, max_concurrency=4)
    action = INTEGRATION.action("send_message")
    assert action is not None and action.slug == "postMessage" and action.credits == ()
    widget = action.ui_schema["channelId"]
    assert widget["ui:widget"] == "IntegrationAutocompleteWidget"
    assert widget["ui:options"]["slug"] == "listChannels"
    assert INTEGRATION.autocomplete("listChannels") is not None


def test_post_message_markdown_with_unfurling_disabled() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat.postMessage",
                   Answer(200, {"ok": True, "channel": "C123", "ts": "1712345678.000100",
                                "message": {"text": "hi"}}))
        output, credits = post({"channelId": "C123", "body": "*hi*", "disableUnfurling": True}, fake.url)
    assert output == {"ok": True, "channel": "C123", "ts": "1712345678.000100"}
    assert credits == 0
    req = fake.requests[0]
    assert req.method == "POST" and req.path == "/chat.postMessage"
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["content-type"].startswith("application/json")
    assert req.json() == {"channel": "C123", "text": "*hi*", "mrkdwn": True,
                          "unfurl_links": False, "unfurl_media": False}


def test_send_message_alias_plain_text_in_thread() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat.postMessage", Answer(200, {"ok": True, "channel": "C9", "ts": "2.0"}))
        post({"channelId": "C9", "body": "a_b", "format": "text", "threadTs": "1.0"}, fake.url,
             "send_message")
    assert fake.requests[0].json() == {"channel": "C9", "text": "a_b", "mrkdwn": False, "thread_ts": "1.0"}


def test_ok_false_becomes_provider_error_with_code() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat.postMessage", Answer(200, {"ok": False, "error": "channel_not_found"}))
        with pytest.raises(ProviderError) as exc:
            post({"channelId": "C404", "body": "hello"}, fake.url)
    assert "channel_not_found" in exc.value.message
    assert TOKEN not in exc.value.message
    assert exc.value.retryable is False


def test_invalid_auth_and_transient_errors() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat.postMessage", [Answer(200, {"ok": False, "error": "invalid_auth"}),
                                                 Answer(200, {"ok": False, "error": "internal_error"})])
        with pytest.raises(ProviderError) as auth:
            post({"channelId": "C1", "body": "x"}, fake.url)
        with pytest.raises(ProviderError) as internal:
            post({"channelId": "C1", "body": "x"}, fake.url)
    assert "invalid_auth" in auth.value.message and "bot token" in auth.value.message
    assert internal.value.retryable is True


def test_http_429_mentions_rate_limit() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat.postMessage",
                   Answer(429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "0"}))
        with pytest.raises(ProviderError) as exc:
            post({"channelId": "C1", "body": "x"}, fake.url)
    assert "rate limited" in exc.value.message
    assert exc.value.status == 429 and exc.value.retryable is True


@pytest.mark.parametrize(("config", "fragment"), [
    ({"body": "no channel"}, "channelId"),
    ({"channelId": "C1", "body": "x", "format": "html"}, "format"),
    ({"channelId": "C1", "body": ""}, "body"),
])
def test_invalid_config(config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ProviderError) as exc:
        post(config, "http://127.0.0.1:9")
    assert exc.value.message.startswith("invalid config for slack.postMessage")
    assert fragment in exc.value.message


def _autocomplete(base_url: str, token: str = TOKEN) -> list[dict[str, Any]]:
    autocomplete = INTEGRATION.autocomplete("listChannels")
    assert autocomplete is not None
    http = ProviderHttp("slack", "Slack", base_url, RateLimit(200, 4), [token])
    call = ActionCall(config={}, credentials={"botToken": token}, base_url=base_url, http=http)
    return asyncio.run(autocomplete.run(call, {}))


def test_list_channels_follows_cursor() -> None:
    def pages(req: Recorded) -> Answer:
        if req.query.get("cursor") == ["dGVhbTpDMDI="]:
            return Answer(200, {"ok": True, "channels": [
                {"id": "G7", "name": "deals", "purpose": {"value": ""}, "topic": {"value": "Q3 pipeline"}}],
                "response_metadata": {"next_cursor": ""}})
        return Answer(200, {"ok": True, "channels": [
            {"id": "C1", "name": "general", "purpose": {"value": "Company-wide"}, "topic": {"value": "x"}},
            {"id": "C2", "name": "random", "purpose": {"value": ""}, "topic": {"value": ""}}],
            "response_metadata": {"next_cursor": "dGVhbTpDMDI="}})

    with fake_provider() as fake:
        fake.route("GET", "/conversations.list", pages)
        results = _autocomplete(fake.url)
    assert results == [
        {"label": "#general", "value": "C1", "description": "Company-wide"},
        {"label": "#random", "value": "C2", "description": None},
        {"label": "#deals", "value": "G7", "description": "Q3 pipeline"},
    ]
    first, second = fake.requests
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.query == {"types": ["public_channel,private_channel"], "exclude_archived": ["true"],
                           "limit": ["200"]}
    assert second.query["cursor"] == ["dGVhbTpDMDI="]


def test_list_channels_missing_scope() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/conversations.list",
                   Answer(200, {"ok": False, "error": "missing_scope", "needed": "channels:read"}))
        with pytest.raises(ProviderError) as exc:
            _autocomplete(fake.url)
    assert "missing_scope" in exc.value.message and "channels:read" in exc.value.message


def test_docs_page_matches_documentation() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
