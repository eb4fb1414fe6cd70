"""The `openAi` integration against a local server answering like the OpenAI API (chat completions,
the Responses API for web search, `/models`, OpenAI error bodies, 429 with Retry-After), plus the
shared language-model helpers of `_llm` (pricing table, structured answers, `instruct()`)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from lading.integrations import ActionCall, ActionResult, ProviderError, RateLimit, _llm, get_integration
from lading.integrations._http import ProviderHttp
from lading.integrations._runtime import call_action, price
from lading.integrations.open_ai import INTEGRATION, PRICING

from fakes import Answer, Recorded, fake_provider

DOCS = Path(__file__).resolve().parent.parent / "src" / "lading" / "integrations" / "docs" / "openAi.md"
KEY = "sk-openai-test-secret-9876"
FAST = dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=200, max_concurrency=4))
SCHEMA = {"type": "object", "properties": {"industry": {"type": "string"}, "employees": {"type": "integer"}},
          "required": ["industry"]}


def completion(content: str | None, prompt_tokens: int = 12, completion_tokens: int = 5,
               model: str = "gpt-4.1-mini-2025-04-14") -> Answer:
    return Answer(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": model,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": content, "refusal": None}}],
                        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                  "total_tokens": prompt_tokens + completion_tokens}})


def run(config: dict[str, Any], base_url: str, **credentials: Any) -> tuple[Any, float]:
    action = FAST.action("instruct")
    assert action is not None
    creds = {"apiKey": KEY, "baseUrl": base_url, **credentials}
    result, credits, _ = asyncio.run(call_action(FAST, action, config, creds, None))
    return result.output, credits


def test_catalog_entry() -> None:
    assert get_integration("openAi") is INTEGRATION and get_integration("openai") is INTEGRATION
    assert INTEGRATION.category == "freeform"
    assert INTEGRATION.default_base_url == "https://api.openai.com/v1"
    assert INTEGRATION.secret_fields() == {"apiKey"}
    assert INTEGRATION.connector_schema["required"] == []
    assert set(INTEGRATION.connector_schema["properties"]) == {"apiKey", "baseUrl", "organization"}
    action = INTEGRATION.action("instruct")
    assert action is not None and action.config_schema["required"] == ["prompt"]
    assert action.ui_schema["model"]["ui:options"]["slug"] == "listModels"
    assert INTEGRATION.autocomplete("listModels") is not None


def test_text_answer_request_and_credits() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("Stripe builds payment APIs.", 1200, 300))
        output, credits = run({"prompt": "What does Stripe do?", "systemPrompt": "Be brief.",
                               "advancedSettings": {"temperature": 0.2}}, fake.url, organization="org-42")
    assert output == {"answer": "Stripe builds payment APIs.", "model": "gpt-4.1-mini-2025-04-14",
                      "usage": {"inputTokens": 1200, "outputTokens": 300}}
    assert credits == pytest.approx(0.1)  # gpt-4.1-mini: 0.05 × ceil(1500 / 1000)
    req = fake.requests[0]
    assert req.method == "POST" and req.path == "/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["openai-organization"] == "org-42"
    assert req.json() == {"model": "gpt-4.1-mini", "temperature": 0.2,
                          "messages": [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": "What does Stripe do?"}]}


def test_local_server_without_key() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("hi", 10, 10, model="llama3.1"))
        action = FAST.action("instruct")
        assert action is not None
        result, credits, _ = asyncio.run(call_action(FAST, action, {"model": "llama3.1", "prompt": "hello"},
                                                     {"baseUrl": fake.url}, None))
    assert result.output["answer"] == "hi" and result.output["model"] == "llama3.1"
    assert credits == 0.0  # unknown (local) models cost 0 (spec §2.4)
    req = fake.requests[0]
    assert "authorization" not in req.headers
    assert req.json()["messages"] == [{"role": "user", "content": "hello"}]


def test_json_schema_answer() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion('{"industry": "Fintech", "employees": 8000}'))
        output, credits = run({"model": "gpt-4o", "prompt": "Classify stripe.com",
                               "output": {"type": "jsonSchema", "jsonSchema": SCHEMA}}, fake.url)
    assert output["answer"] == {"industry": "Fintech", "employees": 8000}
    assert credits == pytest.approx(0.5)
    body = fake.requests[0].json()
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "output", "schema": SCHEMA, "strict": False}}


def test_invalid_answer_gets_one_repair() -> None:
    with fake_provider() as fake:
        fake.route(
            "POST",
            "/chat/completions",
            [
                completion("Fintech, I think", 100, 10),
                completion('```json\n{"industry": "Fintech"}\n```', 150, 8),
            ],
        )
        output, _ = run(
            {"prompt": "Classify", "output": {"type": "jsonSchema", "jsonSchema": SCHEMA}}, fake.url
        )
    assert output["answer"] == {"industry": "Fintech"}
    assert output["usage"] == {"inputTokens": 250, "outputTokens": 18}
    second = fake.requests[1].json()["messages"]
    assert second[0] == {"role": "user", "content": "Classify"}
    assert second[1] == {"role": "assistant", "content": "Fintech, I think"}
    assert second[2]["role"] == "user" and "not valid JSON" in second[2]["content"]


def test_answer_still_invalid_after_repair_fails() -> None:
    with fake_provider() as fake:
        fake.route(
            "POST", "/chat/completions", [completion('{"employees": 3}'), completion('{"employees": "many"}')]
        )
        with pytest.raises(ProviderError, match="does not match the output schema") as info:
            run({"prompt": "Classify", "output": {"type": "jsonSchema", "jsonSchema": SCHEMA}}, fake.url)
    assert len(fake.requests) == 2 and "industry" in info.value.message


def test_non_object_schema_is_wrapped() -> None:
    tags = {"type": "array", "items": {"type": "string"}}
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion('{"value": ["b2b", "saas"]}'))
        output, _ = run(
            {"prompt": "Tags?", "output": {"type": "jsonSchema", "jsonSchema": json.dumps(tags)}}, fake.url
        )
    assert output["answer"] == ["b2b", "saas"]
    sent = fake.requests[0].json()["response_format"]["json_schema"]["schema"]
    assert sent == {"type": "object", "properties": {"value": tags}, "required": ["value"]}


def test_invalid_output_schema_is_final() -> None:
    with pytest.raises(ProviderError, match=r"invalid output\.jsonSchema") as info:
        run(
            {"prompt": "x", "output": {"type": "jsonSchema", "jsonSchema": {"type": 5}}}, "http://127.0.0.1:9"
        )
    assert not info.value.retryable
    with pytest.raises(ProviderError, match="invalid config for openAi"):
        run({"prompt": "x", "output": {"type": "jsonSchema"}}, "http://127.0.0.1:9")
    with pytest.raises(ProviderError, match="invalid config for openAi"):
        run({"systemPrompt": "no prompt"}, "http://127.0.0.1:9")


def test_web_search_uses_the_responses_api() -> None:
    answer = {
        "id": "resp_1",
        "model": "gpt-4o-2024-08-06",
        "status": "completed",
        "output": [
            {"type": "web_search_call", "id": "ws_1", "status": "completed"},
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": '{"industry": "Payments"}', "annotations": []}],
            },
        ],
        "usage": {"input_tokens": 2500, "output_tokens": 100, "total_tokens": 2600},
    }
    with fake_provider() as fake:
        fake.route("POST", "/responses", Answer(200, answer))
        output, credits = run(
            {
                "model": "gpt-4o",
                "prompt": "Stripe's industry?",
                "systemPrompt": "Search first.",
                "output": {"type": "jsonSchema", "jsonSchema": SCHEMA},
                "advancedSettings": {"withWebSearch": True, "maxSteps": 3},
            },
            fake.url,
        )
    assert output["answer"] == {"industry": "Payments"}
    assert output["usage"] == {"inputTokens": 2500, "outputTokens": 100}
    assert credits == pytest.approx(0.4 + 0.5 * 3)
    body = fake.requests[0].json()
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert body["tools"] == [{"type": "web_search"}] and body["max_tool_calls"] == 3
    assert body["instructions"] == "Search first."
    assert body["input"] == [{"role": "user", "content": "Stripe's industry?"}]
    assert body["text"]["format"] == {
        "type": "json_schema",
        "name": "output",
        "schema": SCHEMA,
        "strict": False,
    }


def test_provider_errors_are_redacted_and_classified() -> None:
    def error(status: int, code: str, message: str, **headers: str) -> Answer:
        return Answer(
            status,
            {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}},
            headers=headers,
        )

    cases = [
        (error(401, "invalid_api_key", f"Incorrect API key provided: {KEY}"), False, "credentials"),
        (error(429, "rate_limit_exceeded", "Rate limit reached", **{"Retry-After": "0"}), True, "rate limit"),
        (error(429, "insufficient_quota", "You exceeded your current quota"), False, "insufficient_quota"),
        (Answer(500, {"error": {"message": "The server had an error"}}), True, "server had an error"),
    ]
    for answer, retryable, needle in cases:
        with fake_provider() as fake:
            fake.route("POST", "/chat/completions", answer)
            with pytest.raises(ProviderError) as info:
                run({"prompt": "hi"}, fake.url)
        err = info.value
        assert KEY not in err.message and needle in err.message and err.retryable is retryable, err.message


def test_refusal_is_final() -> None:
    refusal = Answer(
        200,
        {
            "model": "gpt-4o",
            "choices": [
                {
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."},
                }
            ],
            "usage": {},
        },
    )
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", refusal)
        with pytest.raises(ProviderError, match="refused") as info:
            run({"prompt": "something bad"}, fake.url)
    assert not info.value.retryable


def test_list_models_autocomplete() -> None:
    models = {
        "object": "list",
        "data": [
            {"id": "gpt-4o", "object": "model", "owned_by": "system"},
            {"id": "text-embedding-3-small", "object": "model", "owned_by": "system"},
            {"id": "gpt-4.1-mini", "object": "model", "owned_by": "system"},
            {"id": "whisper-1", "object": "model", "owned_by": "openai"},
        ],
    }
    lookup = INTEGRATION.autocomplete("listModels")
    assert lookup is not None
    with fake_provider() as fake:
        fake.route("GET", "/models", Answer(200, models))
        http = ProviderHttp("openAi", "OpenAI", fake.url, FAST.rate_limit, [KEY])
        call = ActionCall(config={}, credentials={"apiKey": KEY}, base_url=fake.url, http=http)
        results = asyncio.run(lookup.run(call, {}))
    assert [r["value"] for r in results] == ["gpt-4.1-mini", "gpt-4o"]
    assert results[0] == {"label": "gpt-4.1-mini", "value": "gpt-4.1-mini", "description": "owned by system"}
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    "config, tokens",
    [
        ({"prompt": "x"}, 1001),
        ({"prompt": "x", "model": "gpt-4o"}, 999),
        ({"prompt": "x", "model": "gpt-4o-mini"}, 5000),
        ({"prompt": "x", "model": "llama3.1"}, 2500),
        ({"prompt": "x", "model": "gpt-4o", "advancedSettings": {"withWebSearch": True}}, 1500),
        ({"prompt": "x", "advancedSettings": {"withWebSearch": True}}, 10),
        ({"prompt": "x", "model": "mistral", "advancedSettings": {"withWebSearch": False}}, 10),
    ],
)
def test_declared_price_table_matches_the_charge(config: dict[str, Any], tokens: int) -> None:
    action = INTEGRATION.action("instruct")
    assert action is not None
    web = bool(config.get("advancedSettings", {}).get("withWebSearch"))
    charged = PRICING.charge(config.get("model"), tokens, web)
    assert price(action, config, ActionResult(output=None, units=tokens)) == pytest.approx(charged)
    known = config.get("model") in (None, "gpt-4o", "gpt-4o-mini", "gpt-4.1-mini")
    assert (charged > 0) == known  # unknown (local) models cost 0 (spec §2.4)


def test_shared_instruct_helper() -> None:
    def reply(rec: Recorded) -> Answer:
        body = rec.json()
        return completion(
            json.dumps({"industry": body["messages"][-1]["content"]}), 400, 100, model=body["model"]
        )

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", reply)
        out = asyncio.run(
            _llm.instruct(
                "openai",
                {"apiKey": KEY, "baseUrl": fake.url},
                prompt="Retail",
                system_prompt="Answer in JSON",
                model="gpt-4o-mini",
                temperature=0,
                output={"type": "jsonSchema", "jsonSchema": SCHEMA},
            )
        )
    assert out == {
        "answer": {"industry": "Retail"},
        "model": "gpt-4o-mini",
        "usage": {"inputTokens": 400, "outputTokens": 100},
        "credits": pytest.approx(0.02),
    }
    body = fake.requests[0].json()
    assert body["temperature"] == 0 and body["messages"][0] == {"role": "system", "content": "Answer in JSON"}
    with pytest.raises(ProviderError, match="not a language-model integration"):
        asyncio.run(_llm.instruct("clearbit", {}, prompt="x"))


def test_docs_page() -> None:
    assert DOCS.read_text() == INTEGRATION.documentation
    for word in ("instruct", "apiKey", "baseUrl", "organization", "Ollama", "gpt-4.1-mini", "0.4"):
        assert word in INTEGRATION.documentation
