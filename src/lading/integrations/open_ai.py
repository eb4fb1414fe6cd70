"""OpenAI (and any OpenAI-compatible server: Ollama, vLLM, LM Studio…) as a connector.

`instruct` sends one system + user exchange to `POST /chat/completions`, the endpoint every
compatible server implements, so a local model works by pointing `baseUrl` at it (the API key is
optional for that reason). Web search only exists in OpenAI's Responses API, so a call with
`withWebSearch` goes to `POST /responses` with the hosted `web_search` tool instead. Structured
answers use the provider's JSON-schema mode, then are validated here with one repair attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lading.domain.errors import shown
from lading.integrations import _llm, _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import ActionCall, ActionResult, ProviderError

PROVIDER = "OpenAI"
DEFAULT_MODEL = "gpt-4.1-mini"
# Credits per 1k tokens (spec §1.10). Unknown models (local ones included) use UNKNOWN_RATE.
PRICING = _llm.TokenPricing(rates={"gpt-4o": 0.5, "gpt-4.1-mini": 0.05, "gpt-4o-mini": 0.02},
                            default_model=DEFAULT_MODEL, unknown_rate=0.0)
# Model families that cannot answer a chat prompt; hidden from the `listModels` autocomplete.
_NON_CHAT = ("embedding", "tts", "whisper", "dall-e", "moderation", "davinci", "babbage", "transcribe",
             "image", "realtime", "audio")


def auth_headers(call: ActionCall) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    key = call.credentials.get("apiKey")
    if isinstance(key, str) and key:
        headers["Authorization"] = f"Bearer {key}"
    org = call.credentials.get("organization")
    if isinstance(org, str) and org:
        headers["OpenAI-Organization"] = org
    return headers


def message_content(message: dict[str, Any]) -> str | None:
    """A chat-completions message's text; some compatible servers send a list of content parts."""
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else None


def _chat_text(data: dict[str, Any]) -> str:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderError(f"{PROVIDER}: the answer has no choices")
    message = choices[0].get("message") or {}
    content = message_content(message)
    if isinstance(content, str):
        return content
    if message.get("refusal"):
        raise ProviderError(f"{PROVIDER}: the model refused: {message['refusal']}", retryable=False)
    raise ProviderError(f"{PROVIDER}: the answer has no content (finish_reason "
                        f"{shown(choices[0].get('finish_reason'))})")


def _responses_text(data: dict[str, Any]) -> str:
    texts: list[str] = []
    for item in data.get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "output_text":
                texts.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "refusal":
                raise ProviderError(f"{PROVIDER}: the model refused: {part.get('refusal')}", retryable=False)
    if not texts:
        raise ProviderError(f"{PROVIDER}: the response has no text output (status {shown(data.get('status'))})")
    return "".join(texts)


def _replay(text: str) -> Callable[[str], list[dict[str, Any]]]:
    def replay(problem: str) -> list[dict[str, Any]]:
        return [{"role": "assistant", "content": text},
                {"role": "user", "content": _llm.repair_prompt(problem)}]
    return replay


async def instruct(call: ActionCall) -> ActionResult:
    config = call.config
    model, settings, web, schema = _llm.instruct_settings(config, DEFAULT_MODEL)
    sent_schema, wrapped = _llm.object_schema(schema) if schema is not None else (None, False)
    system = config.get("systemPrompt")
    first = [{"role": "user", "content": config["prompt"]}]

    def turn(data: dict[str, Any], text: str, inputs: str, outputs: str) -> _llm.Turn:
        usage = data.get("usage") or {}
        return _llm.Turn(_llm.unwrap(text, wrapped), str(data.get("model") or model),
                         _llm.token_count(usage.get(inputs)), _llm.token_count(usage.get(outputs)),
                         _replay(text))

    async def ask_chat(messages: list[dict[str, Any]]) -> _llm.Turn:
        head = [{"role": "system", "content": system}] if system else []
        body: dict[str, Any] = {"model": model, "messages": head + messages}
        if settings.get("temperature") is not None:
            body["temperature"] = settings["temperature"]
        if settings.get("maxTokens"):
            body["max_completion_tokens"] = settings["maxTokens"]
        if sent_schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "output", "schema": sent_schema, "strict": False}}
        data = await _llm.post_json(call, "/chat/completions", auth_headers(call), body, PROVIDER)
        return turn(data, _chat_text(data), "prompt_tokens", "completion_tokens")

    async def ask_responses(messages: list[dict[str, Any]]) -> _llm.Turn:
        body: dict[str, Any] = {"model": model, "input": messages, "tools": [{"type": "web_search"}]}
        if system:
            body["instructions"] = system
        if settings.get("temperature") is not None:
            body["temperature"] = settings["temperature"]
        if settings.get("maxTokens"):
            body["max_output_tokens"] = settings["maxTokens"]
        if settings.get("maxSteps"):
            body["max_tool_calls"] = settings["maxSteps"]
        if sent_schema is not None:
            body["text"] = {"format": {"type": "json_schema", "name": "output", "schema": sent_schema,
                                       "strict": False}}
        data = await _llm.post_json(call, "/responses", auth_headers(call), body, PROVIDER)
        return turn(data, _responses_text(data), "input_tokens", "output_tokens")

    output = await _llm.answer(ask_responses if web else ask_chat, first, schema, PROVIDER)
    usage = output["usage"]
    credits = PRICING.charge(model, usage["inputTokens"] + usage["outputTokens"], web)
    return ActionResult(output=output, units=usage["inputTokens"] + usage["outputTokens"], credits=credits)


async def list_models(call: ActionCall, params: dict[str, Any]) -> list[dict[str, Any]]:
    response = await call.http.request("GET", "/models", headers=auth_headers(call))
    data = parse_body(response)
    items = data.get("data") if isinstance(data, dict) else None
    results = []
    for item in items if isinstance(items, list) else []:
        model_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(model_id, str) or any(word in model_id for word in _NON_CHAT):
            continue
        description = f"owned by {item['owned_by']}" if item.get("owned_by") else None
        results.append({"label": model_id, "value": model_id, "description": description})
    return sorted(results, key=lambda r: r["value"])


async def check(call: ActionCall) -> None:
    """`connector test`: the models list (`GET /models`), free of charge."""
    await call.http.request("GET", "/models", headers=auth_headers(call))


INTEGRATION = _llm.instruct_integration(
    slug="openAi", name="OpenAI", url="https://platform.openai.com", color="#000000", aliases=("openai",),
    description="Ask OpenAI models (or any OpenAI-compatible server) for text or structured answers.",
    action_description="Send a prompt to an OpenAI model and get a text or JSON-schema answer.",
    connector_schema={
        "type": "object",
        "properties": {
            "apiKey": _sdk.secret("OpenAI API key (optional for local OpenAI-compatible servers).", "API key"),
            "organization": {"type": "string", "description": "OpenAI organization id (optional)."},
            "baseUrl": _sdk.BASE_URL_FIELD,
        },
        "required": [],
    },
    default_base_url="https://api.openai.com/v1", pricing=PRICING, default_model=DEFAULT_MODEL,
    instruct=instruct, list_models=list_models, rate_limit=_sdk.RateLimit(requests_per_second=10, max_concurrency=16),
    check=check,
)
