"""OpenAI's `POST /chat/completions` with function tools — the format every OpenAI-compatible
server speaks (Ollama, vLLM, LM Studio), so a local model runs agents by pointing `baseUrl` at it.

Tool calls come back as `message.tool_calls` (arguments as a JSON string) and their results go
back as `role: tool` messages. A structured answer uses `response_format: json_schema`, sent on
every call of the turn: the model may still call tools, and its final text is constrained.
Reasoning, when a server returns it, is `message.reasoning_content` (DeepSeek, vLLM) or
`message.reasoning` (Ollama, OpenRouter); it is read, never sent back. OpenAI's reasoning model
families accept only their default temperature, so none is sent to them.
"""

from __future__ import annotations

import json
from typing import Any

from lading.ai.providers.base import Reply, Request, WireFormat, object_parameters
from lading.ai.transcript import Entry, ToolCall
from lading.domain.errors import shown
from lading.integrations import _llm, open_ai
from lading.integrations._sdk import ProviderError

# Model families that reject any temperature but the default (`o1`, `o3-mini`, `o4-mini`, `gpt-5`…).
_FIXED_TEMPERATURE = ("o1", "o3", "o4", "gpt-5")


class OpenAiChat(WireFormat):
    name = open_ai.PROVIDER
    slug = "openAi"
    pricing = open_ai.PRICING

    async def complete(self, transcript: list[Entry], request: Request) -> Reply:
        head = [{"role": "system", "content": request.system}] if request.system else []
        body: dict[str, Any] = {"model": request.model, "messages": head + render(transcript)}
        if request.temperature is not None and not request.model.startswith(_FIXED_TEMPERATURE):
            body["temperature"] = request.temperature
        if request.tools:
            body["tools"] = [{"type": "function", "function": {
                "name": t.name, "description": t.description, "parameters": object_parameters(t.parameters)}}
                for t in request.tools]
        if request.answer_schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "output", "schema": request.answer_schema, "strict": False}}
        data = await _llm.post_json(self._call, "/chat/completions", open_ai.auth_headers(self._call), body,
                                    self.name)
        return self._reply(data, request.model)

    def _reply(self, data: dict[str, Any], model: str) -> Reply:
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ProviderError(f"{self.name}: the answer has no choices")
        message = choices[0].get("message") or {}
        content = open_ai.message_content(message)
        calls = [_tool_call(raw, i) for i, raw in enumerate(message.get("tool_calls") or [])
                 if isinstance(raw, dict)]
        if content is None:
            if message.get("refusal"):
                raise ProviderError(f"{self.name}: the model refused: {message['refusal']}", retryable=False)
            if not calls:
                raise ProviderError(f"{self.name}: the answer has no content (finish_reason "
                                    f"{shown(choices[0].get('finish_reason'))})")
            content = ""
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        usage = data.get("usage") or {}
        return Reply(text=content, tool_calls=calls, model=str(data.get("model") or model),
                     input_tokens=_llm.token_count(usage.get("prompt_tokens")),
                     output_tokens=_llm.token_count(usage.get("completion_tokens")),
                     reasoning=[reasoning] if isinstance(reasoning, str) and reasoning.strip() else [])


def _tool_call(raw: dict[str, Any], index: int) -> ToolCall:
    function = raw.get("function") or {}
    call_id = str(raw.get("id") or f"call_{index}")
    name = str(function.get("name") or "")
    arguments = function.get("arguments")
    if isinstance(arguments, dict):  # Ollama sends an object
        return ToolCall(call_id, name, arguments)
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return ToolCall(call_id, name, {})
    try:
        return ToolCall(call_id, name, json.loads(arguments))
    except (TypeError, ValueError) as exc:
        return ToolCall(call_id, name, arguments, problem=f"the arguments are not valid JSON ({exc})")


def render(transcript: list[Entry]) -> list[dict[str, Any]]:
    """Transcript → chat messages (system message excluded)."""
    messages: list[dict[str, Any]] = []
    for entry in transcript:
        if entry.role == "user":
            messages.append({"role": "user", "content": entry.text})
        elif entry.role == "assistant":
            message: dict[str, Any] = {"role": "assistant", "content": entry.text or None}
            if entry.tool_calls:
                message["tool_calls"] = [
                    {"id": c.call_id, "type": "function",
                     "function": {"name": c.name,
                                  "arguments": c.input if isinstance(c.input, str) else json.dumps(c.input)}}
                    for c in entry.tool_calls]
            messages.append(message)
        elif entry.role == "tool":
            messages.extend({"role": "tool", "tool_call_id": o.call_id, "content": o.content}
                            for o in entry.outcomes)
    return messages
