"""Anthropic's `POST /v1/messages` with `tools` / `tool_use` / `tool_result` blocks.

A structured answer is a tool (named `output`, renamed if an action already uses that name) whose
`input_schema` is the requested schema, as the `instruct` action does. With no actions to call it
is forced with `tool_choice`; otherwise the model must stay free to call actions first, so it is
offered beside them and the system prompt asks the model to finish with it. Extended thinking is
requested only with `withReasoning`: it forbids a forced tool and a custom temperature, so both are
left out then. Assistant replies of the running turn are replayed verbatim, because Anthropic wants
its signed thinking blocks back during a tool loop.
"""

from __future__ import annotations

import re
from typing import Any

from lading.ai.providers.base import Reply, Request, ToolSpec, WireFormat, object_parameters
from lading.ai.transcript import Entry, ToolCall, as_text
from lading.integrations import _llm, anthropic
from lading.integrations._sdk import ProviderError

MAX_TOKENS = 4096
THINKING_BUDGET = 2048
ANSWER_TOOL = "output"
_FINISH_WITH_TOOL = "When you have the final answer, call the `{name}` tool with it."
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


class AnthropicMessages(WireFormat):
    name = anthropic.PROVIDER
    slug = "anthropic"
    pricing = anthropic.PRICING

    async def complete(self, transcript: list[Entry], request: Request) -> Reply:
        tools = [_tool(t) for t in request.tools]
        system = request.system
        answer_tool = None
        body: dict[str, Any] = {"model": request.model,
                                "max_tokens": MAX_TOKENS + (THINKING_BUDGET if request.with_reasoning else 0)}
        if request.answer_schema is not None:
            answer_tool = answer_tool_name([t.name for t in request.tools])
            tools.append({"name": answer_tool, "description": "Return the final answer in the required structure.",
                          "input_schema": request.answer_schema})
            if request.tools or request.with_reasoning:
                hint = _FINISH_WITH_TOOL.format(name=answer_tool)
                system = f"{system}\n\n{hint}" if system else hint
            else:
                body["tool_choice"] = {"type": "tool", "name": answer_tool}
        body["messages"] = render(transcript, with_tools=bool(tools))
        if system:
            body["system"] = system
        if tools:
            body["tools"] = tools
        if request.with_reasoning:
            body["thinking"] = {"type": "enabled", "budget_tokens": THINKING_BUDGET}
        elif request.temperature is not None:
            body["temperature"] = request.temperature
        data = await _llm.post_json(self._call, "/v1/messages", anthropic.auth_headers(self._call), body,
                                    self.name)
        return self._reply(data, request.model, answer_tool)

    def _reply(self, data: dict[str, Any], model: str, answer_tool: str | None) -> Reply:
        content = data.get("content")
        if not isinstance(content, list):
            raise ProviderError(f"{self.name}: the answer has no content")
        texts: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        answer: ToolCall | None = None
        for block in (b for b in content if isinstance(b, dict)):
            kind = block.get("type")
            if kind == "text":
                texts.append(str(block.get("text", "")))
            elif kind == "thinking" and str(block.get("thinking") or "").strip():
                reasoning.append(str(block["thinking"]))
            elif kind == "tool_use":
                call = ToolCall(str(block.get("id") or f"toolu_{len(calls)}"), str(block.get("name") or ""),
                                block.get("input") if block.get("input") is not None else {})
                if answer_tool is not None and call.name == answer_tool and answer is None:
                    answer = call
                else:
                    calls.append(call)
        text = "".join(texts)
        if not text and not calls and answer is None and data.get("stop_reason") == "refusal":
            raise ProviderError(f"{self.name}: the model refused to answer", retryable=False)
        inputs, outputs = _usage(data)
        return Reply(text=text, tool_calls=calls, model=str(data.get("model") or model), input_tokens=inputs,
                     output_tokens=outputs, reasoning=reasoning, answer=answer, native=content)


def answer_tool_name(taken: list[str]) -> str:
    name = ANSWER_TOOL
    while name in taken:
        name += "_"
    return name


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description,
            "input_schema": object_parameters(spec.parameters)}


def _usage(data: dict[str, Any]) -> tuple[int, int]:
    usage = data.get("usage") or {}
    inputs = sum(_llm.token_count(usage.get(k)) for k in
                 ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    return inputs, _llm.token_count(usage.get("output_tokens"))


def render(transcript: list[Entry], *, with_tools: bool) -> list[dict[str, Any]]:
    """Transcript → messages, consecutive same-role messages merged (tool results are user turns).

    Without any tool in the request Anthropic refuses `tool_use`/`tool_result` blocks, so earlier
    calls are then told as text."""
    messages: list[dict[str, Any]] = []
    for entry in transcript:
        role, blocks = _blocks(entry, with_tools)
        if not blocks:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    return messages


def _blocks(entry: Entry, with_tools: bool) -> tuple[str, list[dict[str, Any]]]:
    if entry.role == "user":
        return "user", [{"type": "text", "text": entry.text}] if entry.text else []
    if entry.role == "assistant":
        if entry.native_provider == "anthropic" and isinstance(entry.native, list):
            return "assistant", list(entry.native)
        blocks: list[dict[str, Any]] = [{"type": "text", "text": entry.text}] if entry.text else []
        for call in entry.tool_calls:
            if with_tools:
                blocks.append({"type": "tool_use", "id": _safe_id(call.call_id), "name": call.name,
                               "input": call.input if isinstance(call.input, dict) else {"input": call.input}})
            else:
                blocks.append({"type": "text", "text": f"[called action `{call.name}` with {as_text(call.input)}]"})
        return "assistant", blocks
    if entry.role == "tool":
        if with_tools:
            return "user", [{"type": "tool_result", "tool_use_id": _safe_id(o.call_id), "content": o.content,
                             "is_error": o.is_error} for o in entry.outcomes]
        return "user", [{"type": "text", "text": f"[{'error from' if o.is_error else 'result of'} action "
                                                 f"`{o.name}`: {o.content}]"} for o in entry.outcomes]
    return entry.role, []


def _safe_id(call_id: str) -> str:
    """Anthropic ids match `[a-zA-Z0-9_-]+`; ids recorded from another provider may not."""
    return _ID_UNSAFE.sub("_", call_id) or "call"
