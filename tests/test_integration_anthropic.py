"""The `anthropic` integration against a local server answering like Anthropic's Messages API
(`x-api-key` + `anthropic-version`, text and `tool_use` content blocks, the server-side web search
tool, `{"type":"error","error":{…}}` failures such as 529 `overloaded_error`, `/v1/models` pages)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ActionCall, ActionResult, ProviderError, RateLimit, _llm, get_integration
from lading.integrations._http import ProviderHttp
from lading.integrations._runtime import call_action, price
from lading.integrations.anthropic import INTEGRATION, PRICING

from fakes import Answer, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "anthropic.md"
KEY = "sk-ant-api03-test-secret"
FAST = dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=200, max_concurrency=4))
SCHEMA = {"type": "object", "properties": {"isB2b": {"type": "boolean"}, "reason": {"type": "string"}},
          "required": ["isB2b"]}
STRUCTURED = {"type": "jsonSchema", "jsonSchema": SCHEMA}


def message(content: list[dict[str, Any]], inputs: int = 20, outputs: int = 10,
            model: str = "claude-3-5-haiku-20241022", stop: str = "end_turn") -> Answer:
    return Answer(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                        "content": content, "stop_reason": stop, "stop_sequence": None,
                        "usage": {"input_tokens": inputs, "output_tokens": outputs}})


def tool_use(value: Any, tool_id: str = "toolu_01") -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": "output", "input": value}


def anthropic_error(status: int, kind: str, text: str, **headers: str) -> Answer:
    return Answer(status, {"type": "error", "error": {"type": kind, "message": text}}, headers=headers)


def run(config: dict[str, Any], base_url: str) -> tuple[Any, float]:
    action = FAST.action("instruct")
    assert action is not None
    result, credits, _ = asyncio.run(
        call_action(FAST, action, config, {"apiKey": KEY, "baseUrl": base_url}, None)
    )
    return result.output, credits


def test_catalog_entry() -> None:
    assert get_integration("anthropic") is INTEGRATION
    assert INTEGRATION.category == "freeform"
    assert INTEGRATION.default_base_url == "https://api.anthropic.com"
    assert INTEGRATION.secret_fields() == {"apiKey"}
    assert INTEGRATION.connector_schema["required"] == ["apiKey"]
    action = INTEGRATION.action("instruct")
    assert action is not None and action.ui_schema["model"]["ui:options"]["slug"] == "listModels"


def test_text_answer_request_and_credits() -> None:
    content = [{"type": "text", "text": "Yes, "}, {"type": "text", "text": "it sells software."}]
    with fake_provider() as fake:
        fake.route("POST", "/v1/messages", message(content, 900, 200))
        output, credits = run(
            {
                "prompt": "Is Acme B2B?",
                "systemPrompt": "One sentence.",
                "advancedSettings": {"temperature": 0.5},
            },
            fake.url,
        )
    assert output == {
        "answer": "Yes, it sells software.",
        "model": "claude-3-5-haiku-20241022",
        "usage": {"inputTokens": 900, "outputTokens": 200},
    }
    assert credits == pytest.approx(0.1)  # haiku: 0.05 × ceil(1100 / 1000)
    req = fake.requests[0]
    assert req.method == "POST" and req.path == "/v1/messages"
    assert req.headers["x-api-key"] == KEY and req.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in req.headers
    assert req.json() == {
        "model": "claude-3-5-haiku-latest",
        "max_tokens": 1024,
        "system": "One sentence.",
        "temperature": 0.5,
        "messages": [{"role": "user", "content": "Is Acme B2B?"}],
    }


def test_json_schema_through_a_forced_tool() -> None:
    with fake_provider() as fake:
        fake.route(
            "POST", "/v1/messages", message([tool_use({"isB2b": True, "reason": "API products"})], 500, 40)
        )
        output, credits = run(
            {
                "model": "claude-opus-4-20250514",
                "prompt": "Acme?",
                "output": STRUCTURED,
                "advancedSettings": {"maxTokens": 300},
            },
            fake.url,
        )
    assert output["answer"] == {"isB2b": True, "reason": "API products"}
    assert credits == pytest.approx(2.0)
    body = fake.requests[0].json()
    assert body["max_tokens"] == 300 and body["model"] == "claude-opus-4-20250514"
    assert body["tools"] == [
        {"name": "output", "description": body["tools"][0]["description"], "input_schema": SCHEMA}
    ]
    assert body["tool_choice"] == {"type": "tool", "name": "output"}


def test_invalid_tool_input_is_repaired_with_a_tool_result() -> None:
    first = [tool_use({"isB2b": "maybe"}, "toolu_A")]
    with fake_provider() as fake:
        fake.route(
            "POST",
            "/v1/messages",
            [message(first, 100, 10), message([tool_use({"isB2b": False}, "toolu_B")], 130, 12)],
        )
        output, _ = run({"prompt": "Acme?", "output": STRUCTURED}, fake.url)
    assert output["answer"] == {"isB2b": False}
    assert output["usage"] == {"inputTokens": 230, "outputTokens": 22}
    messages = fake.requests[1].json()["messages"]
    assert messages[1] == {"role": "assistant", "content": first}
    result = messages[2]["content"][0]
    assert (
        result["type"] == "tool_result" and result["tool_use_id"] == "toolu_A" and result["is_error"] is True
    )
    assert "isB2b" in result["content"]


def test_still_invalid_after_repair_fails() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/v1/messages", message([tool_use({"reason": "?"})]))
        with pytest.raises(ProviderError, match="does not match the output schema"):
            run({"prompt": "Acme?", "output": STRUCTURED}, fake.url)
    assert len(fake.requests) == 2


def test_non_object_schema_is_wrapped() -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    with fake_provider() as fake:
        fake.route("POST", "/v1/messages", message([tool_use({"value": ["ceo", "cto"]})]))
        output, _ = run(
            {"prompt": "Titles?", "output": {"type": "jsonSchema", "jsonSchema": schema}}, fake.url
        )
    assert output["answer"] == ["ceo", "cto"]
    assert fake.requests[0].json()["tools"][0]["input_schema"] == {
        "type": "object",
        "properties": {"value": schema},
        "required": ["value"],
    }


def test_web_search_server_tool() -> None:
    content = [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "acme"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
        tool_use({"isB2b": True}),
    ]
    with fake_provider() as fake:
        fake.route("POST", "/v1/messages", message(content, 3000, 500, model="claude-sonnet-4-20250514"))
        output, credits = run(
            {
                "model": "claude-sonnet-4-20250514",
                "prompt": "Acme?",
                "output": STRUCTURED,
                "advancedSettings": {"withWebSearch": True, "maxSteps": 2},
            },
            fake.url,
        )
    assert output["answer"] == {"isB2b": True}
    assert credits == pytest.approx(0.4 + 0.2 * 4)
    body = fake.requests[0].json()
    assert body["tools"][0] == {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    assert body["tools"][1]["name"] == "output" and "tool_choice" not in body
    assert "`output` tool" in body["system"]


def test_web_search_text_answer() -> None:
    content = [{"type": "text", "text": "Acme makes anvils"}, {"type": "text", "text": " (acme.com)."}]
    with fake_provider() as fake:
        fake.route("POST", "/v1/messages", message(content))
        output, credits = run({"prompt": "Acme?", "advancedSettings": {"withWebSearch": True}}, fake.url)
    assert output["answer"] == "Acme makes anvils (acme.com)."
    assert credits == pytest.approx(0.45)
    assert fake.requests[0].json()["tools"] == [{"type": "web_search_20250305", "name": "web_search"}]


def test_errors() -> None:
    cases = [
        (anthropic_error(529, "overloaded_error", "Overloaded"), True, "overloaded_error"),
        (anthropic_error(500, "api_error", "Internal server error"), True, "api_error"),
        (anthropic_error(400, "invalid_request_error", "max_tokens: must be positive"), False, "max_tokens"),
        (anthropic_error(401, "authentication_error", f"invalid x-api-key {KEY}"), False, "credentials"),
        (
            anthropic_error(429, "rate_limit_error", "Too many requests", **{"Retry-After": "0"}),
            True,
            "rate limit",
        ),
    ]
    for answer, retryable, needle in cases:
        with fake_provider() as fake:
            fake.route("POST", "/v1/messages", answer)
            with pytest.raises(ProviderError) as info:
                run({"prompt": "hi"}, fake.url)
        err = info.value
        assert KEY not in err.message and needle in err.message and err.retryable is retryable, err.message
        assert err.message.startswith("Anthropic answered")


def test_invalid_config() -> None:
    with pytest.raises(ProviderError, match=r"invalid config for anthropic\.instruct"):
        run({"prompt": ""}, "http://127.0.0.1:9")
    with pytest.raises(ProviderError, match=r"invalid config for anthropic\.instruct"):
        run({"prompt": "x", "output": {"type": "yaml"}}, "http://127.0.0.1:9")


def test_list_models_follows_pages() -> None:
    pages = [
        Answer(
            200,
            {
                "data": [
                    {"type": "model", "id": "claude-sonnet-4-20250514", "display_name": "Claude Sonnet 4"}
                ],
                "has_more": True,
                "first_id": "claude-sonnet-4-20250514",
                "last_id": "claude-sonnet-4-20250514",
            },
        ),
        Answer(
            200,
            {
                "data": [
                    {"type": "model", "id": "claude-3-5-haiku-20241022", "display_name": "Claude Haiku 3.5"}
                ],
                "has_more": False,
                "first_id": "claude-3-5-haiku-20241022",
                "last_id": "claude-3-5-haiku-20241022",
            },
        ),
    ]
    lookup = INTEGRATION.autocomplete("listModels")
    assert lookup is not None
    with fake_provider() as fake:
        fake.route("GET", "/v1/models", pages)
        http = ProviderHttp("anthropic", "Anthropic", fake.url, FAST.rate_limit, [KEY])
        call = ActionCall(config={}, credentials={"apiKey": KEY}, base_url=fake.url, http=http)
        results = asyncio.run(lookup.run(call, {}))
    assert [(r["label"], r["value"]) for r in results] == [
        ("Claude Sonnet 4", "claude-sonnet-4-20250514"),
        ("Claude Haiku 3.5", "claude-3-5-haiku-20241022"),
    ]
    assert fake.requests[0].query == {"limit": ["100"]}
    assert fake.requests[1].query == {"limit": ["100"], "after_id": ["claude-sonnet-4-20250514"]}
    assert fake.requests[1].headers["x-api-key"] == KEY


@pytest.mark.parametrize(
    "config, tokens",
    [
        ({"prompt": "x"}, 1500),
        ({"prompt": "x", "model": "claude-3-5-sonnet-latest"}, 10),
        ({"prompt": "x", "model": "claude-opus-4-20250514"}, 2001),
        ({"prompt": "x", "model": "claude-2.1"}, 999),
        ({"prompt": "x", "advancedSettings": {"withWebSearch": True}}, 1),
        ({"prompt": "x", "model": "claude-future", "advancedSettings": {"withWebSearch": True}}, 1),
    ],
)
def test_declared_price_table_matches_the_charge(config: dict[str, Any], tokens: int) -> None:
    action = INTEGRATION.action("instruct")
    assert action is not None
    web = bool(config.get("advancedSettings", {}).get("withWebSearch"))
    charged = PRICING.charge(config.get("model"), tokens, web)
    assert price(action, config, ActionResult(output=None, units=tokens)) == pytest.approx(charged)
    assert PRICING.charge("claude-2.1", 999, False) == 0.0  # unknown models pass through and cost 0 (spec §2.4)


def test_shared_instruct_helper() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/v1/messages", message([{"type": "text", "text": "Bonjour"}], 5, 2))
        out = asyncio.run(
            _llm.instruct("anthropic", {"apiKey": KEY, "baseUrl": fake.url}, prompt="Say hi in French")
        )
    assert out["answer"] == "Bonjour" and out["credits"] == pytest.approx(0.05)
    assert fake.requests[0].json()["model"] == "claude-3-5-haiku-latest"


def test_docs_page() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
    for word in (
        "instruct",
        "x-api-key",
        "tool_choice",
        "overloaded_error",
        "claude-3-5-haiku-latest",
        "0.4",
    ):
        assert word in INTEGRATION.documentation
