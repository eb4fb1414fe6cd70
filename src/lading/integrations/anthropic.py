"""Anthropic's Messages API as a connector.

Same `instruct` action as `openAi` (spec §1.10), on Anthropic's wire format: `POST /v1/messages`
with `x-api-key` and a pinned `anthropic-version`. Claude has no JSON-schema response mode, so a
structured answer is obtained the way Anthropic recommends — a single tool named `output` whose
`input_schema` is the requested schema, forced with `tool_choice`; the tool call's `input` is the
answer. Web search is Anthropic's server-side `web_search` tool; with it the output tool cannot be
forced (the model must be free to search first), so the model is asked to finish with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lading.integrations import _llm, _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import ActionCall, ActionResult, ProviderError

PROVIDER = "Anthropic"
API_VERSION = "2023-06-01"
DEFAULT_MODEL = "claude-3-5-haiku-latest"
DEFAULT_MAX_TOKENS = 1024
WEB_SEARCH_TOOL = "web_search_20250305"
PRICING = _llm.TokenPricing(
    rates={"claude-3-5-haiku-latest": 0.05, "claude-3-5-sonnet-latest": 0.2, "claude-sonnet-4-20250514": 0.2,
           "claude-opus-4-20250514": 2.0},
    default_model=DEFAULT_MODEL, unknown_rate=0.0)
_FINISH_WITH_TOOL = "When you have the final answer, call the `output` tool with it."


def auth_headers(call: ActionCall) -> dict[str, str]:
    return {"x-api-key": str(call.credentials.get("apiKey") or ""), "anthropic-version": API_VERSION,
            "Content-Type": "application/json"}


def _replay(content: list[Any], tool_id: str | None) -> Callable[[str], list[dict[str, Any]]]:
    """The assistant turn as returned, then the rejection (as the tool's error result if any)."""
    def replay(problem: str) -> list[dict[str, Any]]:
        text = _llm.repair_prompt(problem)
        reply: Any = text
        if tool_id:
            reply = [{"type": "tool_result", "tool_use_id": tool_id, "content": text, "is_error": True}]
        return [{"role": "assistant", "content": content}, {"role": "user", "content": reply}]
    return replay


def _usage(data: dict[str, Any]) -> tuple[int, int]:
    usage = data.get("usage") or {}
    inputs = sum(_llm.token_count(usage.get(k)) for k in
                 ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    return inputs, _llm.token_count(usage.get("output_tokens"))


async def instruct(call: ActionCall) -> ActionResult:
    config = call.config
    model, settings, web, schema = _llm.instruct_settings(config, DEFAULT_MODEL)
    system = config.get("systemPrompt") or None
    tools: list[dict[str, Any]] = []
    tool_choice: dict[str, Any] | None = None
    wrapped = False
    if web:
        search: dict[str, Any] = {"type": WEB_SEARCH_TOOL, "name": "web_search"}
        if settings.get("maxSteps"):
            search["max_uses"] = settings["maxSteps"]
        tools.append(search)
    if schema is not None:
        input_schema, wrapped = _llm.object_schema(schema)
        tools.append({"name": "output", "description": "Return the final answer in the required structure.",
                      "input_schema": input_schema})
        if web:
            system = f"{system}\n\n{_FINISH_WITH_TOOL}" if system else _FINISH_WITH_TOOL
        else:
            tool_choice = {"type": "tool", "name": "output"}

    async def ask(messages: list[dict[str, Any]]) -> _llm.Turn:
        body: dict[str, Any] = {"model": model, "max_tokens": settings.get("maxTokens") or DEFAULT_MAX_TOKENS,
                                "messages": messages}
        if system:
            body["system"] = system
        if settings.get("temperature") is not None:
            body["temperature"] = settings["temperature"]
        if tools:
            body["tools"] = tools
        if tool_choice:
            body["tool_choice"] = tool_choice
        data = await _llm.post_json(call, "/v1/messages", auth_headers(call), body, PROVIDER)
        content = data.get("content")
        if not isinstance(content, list):
            raise ProviderError(f"{PROVIDER}: the answer has no content")
        blocks = [b for b in content if isinstance(b, dict)]
        tool = next((b for b in blocks if b.get("type") == "tool_use" and b.get("name") == "output"), None)
        answer: Any
        if tool is not None:
            answer = _llm.unwrap(tool.get("input"), wrapped)
        else:
            answer = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
            if not answer and data.get("stop_reason") == "refusal":
                raise ProviderError(f"{PROVIDER}: the model refused to answer", retryable=False)
            if schema is not None:
                answer = _llm.unwrap(answer, wrapped)
        inputs, outputs = _usage(data)
        return _llm.Turn(answer, str(data.get("model") or model), inputs, outputs,
                         _replay(content, tool.get("id") if tool else None))

    output = await _llm.answer(ask, [{"role": "user", "content": config["prompt"]}], schema, PROVIDER)
    tokens = output["usage"]["inputTokens"] + output["usage"]["outputTokens"]
    return ActionResult(output=output, units=tokens, credits=PRICING.charge(model, tokens, web))


async def list_models(call: ActionCall, params: dict[str, Any]) -> list[dict[str, Any]]:
    """`GET /v1/models`, following `after_id` pages (bounded)."""
    results: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(10):
        response = await call.http.request("GET", "/v1/models", headers=auth_headers(call),
                                           params={"limit": 100, "after_id": after})
        data = parse_body(response)
        items = data.get("data") if isinstance(data, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                results.append({"label": str(item.get("display_name") or item["id"]), "value": item["id"],
                                "description": item["id"]})
        after = data.get("last_id") if isinstance(data, dict) and data.get("has_more") else None
        if not after:
            break
    return results


async def check(call: ActionCall) -> None:
    """`connector test`: one page of the models list (`GET /v1/models`), free of charge."""
    await call.http.request("GET", "/v1/models", headers=auth_headers(call), params={"limit": 1})


INTEGRATION = _llm.instruct_integration(
    slug="anthropic", name="Anthropic", url="https://www.anthropic.com", color="#D97757",
    description="Ask Anthropic Claude models for text or structured answers.",
    action_description="Send a prompt to a Claude model and get a text or JSON-schema answer.",
    connector_schema={"type": "object",
                      "properties": {"apiKey": _sdk.secret("Anthropic API key (console.anthropic.com).", "API key"),
                                     "baseUrl": _sdk.BASE_URL_FIELD},
                      "required": ["apiKey"]},
    default_base_url="https://api.anthropic.com", pricing=PRICING, default_model=DEFAULT_MODEL,
    instruct=instruct, list_models=list_models, rate_limit=_sdk.RateLimit(requests_per_second=5, max_concurrency=8),
    check=check,
)
