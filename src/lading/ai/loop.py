"""One agent turn: talk to the language model, run the actions it calls, until it answers.

Every surface that runs an agent (chat messages, agent nodes, agent actions) ends here with an
`AgentSpec`, the conversation so far and the actions as `AgentTool`s. The loop is provider-free:
it keeps a neutral transcript (`ai.transcript`) and asks a provider (`ai.providers`) for one reply
at a time. What a user relies on is decided here, the same way for every provider:

- each model call and each action call is one step; going past `max_steps` fails the turn;
- an action the model names but was not given, bad arguments, or an action raising become an
  error result handed back to the model (it can recover), never a crash of the turn;
- the parts (spec §2.6) grow in a fixed order — reasoning, text, calls, then results in call
  order — and `on_parts` sees every growth, so a caller can persist progress;
- a structured answer (spec §2.10) is validated; one repair request, then the turn fails;
- credits: each model call priced by the integration's token table, plus the actions' credits.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from lading.ai.providers import Provider, Reply, Request, ToolSpec, open_provider
from lading.ai.transcript import (
    CONTEXT_BUDGET_CHARS,
    TOOL_OUTPUT_CHARS,
    Entry,
    ToolCall,
    ToolOutcome,
    as_text,
    from_history,
)
from lading.ai.turn import AgentSpec, AgentTool, ChatTurn, PartsSink, ToolResult, TurnError, TurnResult
from lading.domain.errors import shown
from lading.integrations import _llm
from lading.integrations._sdk import ProviderError

_SKIPPED = "not run: the final answer was given in the same reply"


async def run_turn(spec: AgentSpec, history: list[ChatTurn], tools: list[AgentTool],
                   on_parts: PartsSink | None = None, *,
                   context_chars: int = CONTEXT_BUDGET_CHARS) -> TurnResult:
    """Answer the last message of `history` (the conversation, oldest first). Raises `TurnError`."""
    turn = _Turn(spec, tools, on_parts)
    try:
        return await turn.run(history, context_chars)
    except ProviderError as exc:
        raise turn.failure(exc.message, retryable=exc.retryable) from exc


class _Turn:
    """The state of one running turn: parts so far, steps, usage and credits."""

    def __init__(self, spec: AgentSpec, tools: list[AgentTool], on_parts: PartsSink | None) -> None:
        self.spec = spec
        self.tools = {tool.slug: tool for tool in tools}
        self.on_parts = on_parts
        self.parts: list[dict[str, Any]] = []
        self.steps = 0
        self.credits = 0.0
        self.input_tokens = 0
        self.output_tokens = 0
        self.model = spec.language_model_slug

    def failure(self, message: str, *, retryable: bool = False) -> TurnError:
        return TurnError(message, parts=list(self.parts), retryable=retryable, credits=round(self.credits, 6))

    async def run(self, history: list[ChatTurn], context_chars: int) -> TurnResult:
        schema = _llm.output_schema_of(self.spec.output)
        sent_schema, wrapped = _llm.object_schema(schema) if schema is not None else (None, False)
        transcript, dropped = from_history(history, context_chars)
        if not transcript or transcript[-1].role != "user":
            raise self.failure("nothing to answer: the conversation does not end with a user message")
        provider = open_provider(self.spec)
        request = Request(model=self.spec.language_model_slug, system=self.spec.system_prompt,
                          temperature=self.spec.temperature,
                          tools=[ToolSpec(t.slug, t.description, t.input_schema) for t in self.tools.values()],
                          answer_schema=sent_schema, with_reasoning=self.spec.with_reasoning)
        repaired = False
        while True:
            reply = await self.ask(provider, transcript, request)
            transcript.append(Entry("assistant", reply.text, [*reply.tool_calls, *_listed(reply.answer)],
                                    native=reply.native, native_provider=provider.slug))
            if reply.tool_calls and reply.answer is None:
                if reply.text:
                    await self.grow({"type": "text", "text": reply.text})
                transcript.append(Entry("tool", outcomes=await self.call_tools(reply.tool_calls)))
                continue
            if schema is None:
                return await self.finish(reply.text, reply.text, None, dropped)
            raw = reply.answer.input if reply.answer is not None else reply.text
            value, problem = _llm.check_answer(_llm.unwrap(raw, wrapped), schema)
            if problem is None:
                return await self.finish(json.dumps(value, ensure_ascii=False), value, value, dropped)
            if repaired:
                raise self.failure(f"{provider.name}: {problem}")
            repaired = True
            transcript.append(_repair_request(reply, problem))

    async def ask(self, provider: Provider, transcript: list[Entry], request: Request) -> Reply:
        self.step(1)
        reply = await provider.complete(transcript, request)
        self.model = reply.model
        self.input_tokens += reply.input_tokens
        self.output_tokens += reply.output_tokens
        self.credits += provider.pricing.charge(self.spec.language_model_slug,
                                                reply.input_tokens + reply.output_tokens, False)
        if self.spec.with_reasoning and reply.reasoning:
            await self.grow(*({"type": "reasoning", "text": text} for text in reply.reasoning))
        return reply

    def step(self, count: int) -> None:
        if self.steps + count > self.spec.max_steps:
            raise self.failure(f"maximum steps reached ({self.spec.max_steps})")
        self.steps += count

    async def grow(self, *parts: dict[str, Any]) -> None:
        self.parts.extend(parts)
        if self.on_parts is not None:
            await self.on_parts(list(self.parts))

    async def call_tools(self, calls: list[ToolCall]) -> list[ToolOutcome]:
        """Run one reply's calls concurrently; parts and outcomes stay in call order."""
        self.step(len(calls))
        await self.grow(*({"type": "action-call", "callId": c.call_id, "slug": c.name, "input": c.input}
                          for c in calls))
        results = await asyncio.gather(*(self.call_tool(c) for c in calls))
        for result in results:
            self.credits += result.credits
        await self.grow(*({"type": "action-result", "callId": c.call_id, "slug": c.name, "output": r.output,
                           "isError": r.is_error, "runUuid": r.run_uuid} for c, r in zip(calls, results, strict=True)))
        return [ToolOutcome(c.call_id, c.name, as_text(r.output, TOOL_OUTPUT_CHARS), r.is_error)
                for c, r in zip(calls, results, strict=True)]

    async def call_tool(self, call: ToolCall) -> ToolResult:
        tool = self.tools.get(call.name)
        if tool is None:
            known = ", ".join(sorted(self.tools)) or "none"
            return _error(f"unknown action {shown(call.name)} (available: {known})")
        if call.problem:
            return _error(f"invalid input for {shown(call.name)}: {call.problem}")
        try:
            return await tool.call(call.input)
        except Exception as exc:  # any failure of an action is the model's to handle
            return _error(f"{call.name} failed: {getattr(exc, 'message', None) or str(exc) or type(exc).__name__}")

    async def finish(self, text: str, answer: Any, data: Any, dropped: int) -> TurnResult:
        final: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        if data is not None:
            final.append({"type": "data", "data": data})
        if final:
            await self.grow(*final)
        return TurnResult(parts=list(self.parts), answer=answer, credits=round(self.credits, 6),
                          input_tokens=self.input_tokens, output_tokens=self.output_tokens, model=self.model,
                          steps=self.steps, extra={"droppedTurns": dropped} if dropped else {})


def _listed(call: ToolCall | None) -> list[ToolCall]:
    return [call] if call is not None else []


def _error(message: str) -> ToolResult:
    return ToolResult(output={"errorMessage": message}, is_error=True)


def _repair_request(reply: Reply, problem: str) -> Entry:
    """Ask again: as the answer tool's error result when the answer came as a tool call (with the
    reply's other calls marked as not run), else as a user message."""
    prompt = _llm.repair_prompt(problem)
    if reply.answer is None:
        return Entry("user", prompt)
    outcomes = [ToolOutcome(c.call_id, c.name, _SKIPPED, True) for c in reply.tool_calls]
    return Entry("tool", outcomes=[*outcomes, ToolOutcome(reply.answer.call_id, reply.answer.name, prompt, True)])
