"""The agent turn runtime (`ai.loop.run_turn`) against local servers answering like OpenAI's chat
completions and Anthropic's Messages API: tool definitions and results on the wire, parts in order,
concurrent calls, step cap, structured answers with one repair, reasoning, provider errors, history
re-sent with earlier tool calls, credits and tokens."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from lading.ai.loop import run_turn
from lading.ai.turn import AgentSpec, AgentTool, ChatTurn, ToolResult, TurnError, TurnResult

from fakes import Answer, FakeProvider, Recorded, fake_provider

SCHEMA = {"type": "object", "properties": {"industry": {"type": "string"}, "employees": {"type": "integer"}},
          "required": ["industry"]}
STRUCTURED = {"type": "jsonSchema", "jsonSchema": SCHEMA}
LOOKUP_SCHEMA = {"type": "object", "properties": {"domain": {"type": "string"}}, "required": ["domain"]}


# ---------------------------------------------------------------------------------------------
# The two wire formats, seen from the fake server


@dataclass(frozen=True)
class Wire:
    """How one provider's fake answers, and where its requests keep tools and tool results."""

    slug: str
    path: str
    model: str  # priced model: gpt-4o 0.5 / claude-3-5-sonnet-latest 0.2 credits per 1k tokens
    rate: float

    def text(self, text: str, inputs: int = 600, outputs: int = 400, reasoning: str | None = None) -> Answer:
        if self.slug == "openAi":
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if reasoning:
                message["reasoning_content"] = reasoning
            return _openai(message, inputs, outputs, "stop")
        blocks = [{"type": "thinking", "thinking": reasoning, "signature": "sig-1"}] if reasoning else []
        return _anthropic([*blocks, {"type": "text", "text": text}], inputs, outputs, "end_turn")

    def calls(self, *calls: tuple[str, str, Any], text: str | None = None, inputs: int = 600,
              outputs: int = 400) -> Answer:
        if self.slug == "openAi":
            return _openai({"role": "assistant", "content": text, "tool_calls": [
                {"id": cid, "type": "function",
                 "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                for cid, name, args in calls]}, inputs, outputs, "tool_calls")
        blocks = [{"type": "text", "text": text}] if text else []
        blocks += [{"type": "tool_use", "id": cid, "name": name, "input": args} for cid, name, args in calls]
        return _anthropic(blocks, inputs, outputs, "tool_use")

    def tool_names(self, body: dict[str, Any]) -> list[str]:
        if self.slug == "openAi":
            return [t["function"]["name"] for t in body.get("tools", [])]
        return [t["name"] for t in body.get("tools", [])]

    def tool_schema(self, body: dict[str, Any], name: str) -> dict[str, Any]:
        if self.slug == "openAi":
            return next(t["function"]["parameters"] for t in body["tools"] if t["function"]["name"] == name)
        return next(t["input_schema"] for t in body["tools"] if t["name"] == name)

    def results(self, body: dict[str, Any]) -> dict[str, tuple[Any, bool | None]]:
        """Tool results in the request: call id → (content parsed as JSON when it is, is_error)."""
        found: dict[str, tuple[Any, bool | None]] = {}
        for message in body["messages"]:
            if self.slug == "openAi" and message["role"] == "tool":
                found[message["tool_call_id"]] = (_loads(message["content"]), None)
            elif self.slug == "anthropic" and isinstance(message["content"], list):
                for block in message["content"]:
                    if block.get("type") == "tool_result":
                        found[block["tool_use_id"]] = (_loads(block["content"]), block["is_error"])
        return found

    def system(self, body: dict[str, Any]) -> str | None:
        if self.slug == "openAi":
            first = body["messages"][0]
            return first["content"] if first["role"] == "system" else None
        return body.get("system")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _openai(message: dict[str, Any], inputs: int, outputs: int, finish: str) -> Answer:
    return Answer(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
                        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                        "usage": {"prompt_tokens": inputs, "completion_tokens": outputs}})


def _anthropic(blocks: list[dict[str, Any]], inputs: int, outputs: int, stop: str) -> Answer:
    return Answer(200, {"id": "msg_1", "type": "message", "role": "assistant",
                        "model": "claude-3-5-sonnet-20241022", "content": blocks, "stop_reason": stop,
                        "usage": {"input_tokens": inputs, "output_tokens": outputs}})


OPENAI = Wire("openAi", "/chat/completions", "gpt-4o", 0.5)
ANTHROPIC = Wire("anthropic", "/v1/messages", "claude-3-5-sonnet-latest", 0.2)
WIRES = [pytest.param(OPENAI, id="openai"), pytest.param(ANTHROPIC, id="anthropic")]


# ---------------------------------------------------------------------------------------------
# Helpers


def make_spec(wire: Wire, fake: FakeProvider, **overrides: Any) -> AgentSpec:
    values: dict[str, Any] = {
        "integration_slug": wire.slug, "language_model_slug": wire.model,
        "system_prompt": "You research companies.", "temperature": 0.2, "max_steps": 10,
        "with_reasoning": False, "output": {"type": "text"},
        "credentials": {"apiKey": "sk-test-secret-1234", "baseUrl": fake.url},
    }
    values.update(overrides)
    return AgentSpec(**values)


def user(text: str) -> ChatTurn:
    return ChatTurn("user", [{"type": "text", "text": text}])


def make_tool(slug: str, call: Callable[[Any], Awaitable[ToolResult]], description: str = "",
              schema: dict[str, Any] | None = None) -> AgentTool:
    return AgentTool(slug, description or f"The {slug} action.", schema or LOOKUP_SCHEMA, call)


def echo_tool(slug: str = "lookup", credits: float = 0.0, seen: list[Any] | None = None) -> AgentTool:
    async def call(value: Any) -> ToolResult:
        if seen is not None:
            seen.append(value)
        return ToolResult({"name": f"Company of {value.get('domain')}"}, run_uuid=f"run-{slug}", credits=credits)
    return make_tool(slug, call)


def run(spec: AgentSpec, history: list[ChatTurn], tools: list[AgentTool] | None = None,
        **kwargs: Any) -> TurnResult:
    return asyncio.run(run_turn(spec, history, tools or [], **kwargs))


def fail(spec: AgentSpec, history: list[ChatTurn], tools: list[AgentTool] | None = None) -> TurnError:
    with pytest.raises(TurnError) as caught:
        run(spec, history, tools)
    return caught.value


def bodies(fake: FakeProvider) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests]


# ---------------------------------------------------------------------------------------------
# Text answers and tool calls


@pytest.mark.parametrize("wire", WIRES)
def test_plain_text_answer(wire: Wire) -> None:
    with fake_provider() as fake:
        fake.route("POST", wire.path, wire.text("Acme sells rockets.", inputs=900, outputs=300))
        result = run(make_spec(wire, fake), [user("What does Acme do?")])
    assert result.parts == [{"type": "text", "text": "Acme sells rockets."}]
    assert result.answer == "Acme sells rockets."
    assert (result.input_tokens, result.output_tokens, result.steps) == (900, 300, 1)
    assert result.credits == pytest.approx(2 * wire.rate)  # 1,200 tokens = 2 started packages
    [body] = bodies(fake)
    assert wire.system(body) == "You research companies."
    assert body["temperature"] == 0.2 and body["model"] == wire.model
    assert "tools" not in body
    assert body["messages"][-1]["role"] == "user"
    headers = fake.requests[0].headers
    assert "sk-test-secret-1234" in (headers.get("authorization", "") + headers.get("x-api-key", ""))


@pytest.mark.parametrize("wire", WIRES)
def test_one_tool_call_then_answer(wire: Wire) -> None:
    seen: list[Any] = []
    snapshots: list[list[dict[str, Any]]] = []

    async def sink(parts: list[dict[str, Any]]) -> None:
        snapshots.append(parts)

    with fake_provider() as fake:
        fake.route("POST", wire.path, [wire.calls(("call_1", "lookup", {"domain": "acme.com"})),
                                       wire.text("Acme is Acme Inc.", inputs=700, outputs=200)])
        tool = make_tool("lookup", echo_tool(credits=1.5, seen=seen).call, "Find a company by domain.")
        result = run(make_spec(wire, fake), [user("Who is acme.com?")], [tool], on_parts=sink)
    assert seen == [{"domain": "acme.com"}]
    assert result.parts == [
        {"type": "action-call", "callId": "call_1", "slug": "lookup", "input": {"domain": "acme.com"}},
        {"type": "action-result", "callId": "call_1", "slug": "lookup", "output": {"name": "Company of acme.com"},
         "isError": False, "runUuid": "run-lookup"},
        {"type": "text", "text": "Acme is Acme Inc."},
    ]
    assert result.steps == 3 and result.answer == "Acme is Acme Inc."
    assert (result.input_tokens, result.output_tokens) == (1300, 600)
    assert result.credits == pytest.approx(wire.rate + wire.rate + 1.5)
    # progress was reported at each growth, each snapshot a prefix of the final parts
    assert [len(s) for s in snapshots] == [1, 2, 3]
    assert all(s == result.parts[:len(s)] for s in snapshots)
    first, second = bodies(fake)
    assert wire.tool_names(first) == ["lookup"]
    assert wire.tool_schema(first, "lookup") == LOOKUP_SCHEMA
    assert wire.results(first) == {}
    content, is_error = wire.results(second)["call_1"]
    assert content == {"name": "Company of acme.com"} and is_error in (None, False)
    assistant = second["messages"][-2]
    assert assistant["role"] == "assistant"
    if wire is OPENAI:
        assert assistant["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"domain": "acme.com"}'}
    else:
        assert assistant["content"] == [{"type": "tool_use", "id": "call_1", "name": "lookup",
                                         "input": {"domain": "acme.com"}}]


@pytest.mark.parametrize("wire", WIRES)
def test_two_tool_calls_in_one_reply_run_concurrently_parts_in_call_order(wire: Wire) -> None:
    events: dict[str, asyncio.Event] = {}  # created inside the turn's event loop

    async def first(value: Any) -> ToolResult:
        # Waits for the second call to start: only possible when both run at the same time.
        await asyncio.wait_for(events["second"].wait(), timeout=5)
        return ToolResult("first done")

    async def second(value: Any) -> ToolResult:
        events["second"].set()
        return ToolResult("second done", credits=0.25)

    async def go(spec: AgentSpec, tools: list[AgentTool]) -> TurnResult:
        events["second"] = asyncio.Event()
        return await run_turn(spec, [user("Look up both.")], tools)

    with fake_provider() as fake:
        fake.route("POST", wire.path, [wire.calls(("c1", "first", {"domain": "a.com"}),
                                                  ("c2", "second", {"domain": "b.com"}), text="Looking both up."),
                                       wire.text("Both done.")])
        result = asyncio.run(go(make_spec(wire, fake), [make_tool("first", first), make_tool("second", second)]))
    assert [(p["type"], p.get("callId")) for p in result.parts] == [
        ("text", None), ("action-call", "c1"), ("action-call", "c2"),
        ("action-result", "c1"), ("action-result", "c2"), ("text", None)]
    assert result.parts[0]["text"] == "Looking both up."
    assert [p["output"] for p in result.parts if p["type"] == "action-result"] == ["first done", "second done"]
    assert result.steps == 4
    assert result.credits == pytest.approx(2 * wire.rate + 0.25)
    assert {k: v[0] for k, v in wire.results(bodies(fake)[1]).items()} == {"c1": "first done", "c2": "second done"}


@pytest.mark.parametrize("wire", WIRES)
def test_unknown_tool_and_raising_tool_become_error_results(wire: Wire) -> None:
    async def broken(value: Any) -> ToolResult:
        raise RuntimeError("the CRM is down")

    with fake_provider() as fake:
        fake.route("POST", wire.path, [wire.calls(("c1", "nope", {}), ("c2", "broken", {"domain": "x.com"})),
                                       wire.text("Sorry, both failed.")])
        result = run(make_spec(wire, fake), [user("Try.")], [make_tool("broken", broken), echo_tool()])
    results = [p for p in result.parts if p["type"] == "action-result"]
    assert results[0]["isError"] is True
    assert results[0]["output"] == {"errorMessage": "unknown action 'nope' (available: broken, lookup)"}
    assert results[1]["isError"] is True
    assert results[1]["output"] == {"errorMessage": "broken failed: the CRM is down"}
    assert result.answer == "Sorry, both failed."
    sent = wire.results(bodies(fake)[1])
    assert sent["c2"][0] == {"errorMessage": "broken failed: the CRM is down"}
    if wire is ANTHROPIC:
        assert sent["c1"][1] is True and sent["c2"][1] is True


def test_no_temperature_for_openai_reasoning_models() -> None:
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, OPENAI.text("Done."))
        run(make_spec(OPENAI, fake, language_model_slug="o4-mini"), [user("Go.")])
    assert "temperature" not in bodies(fake)[0]


def test_invalid_json_arguments_are_an_error_result() -> None:
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, [OPENAI.calls(("c1", "lookup", '{"domain": ')), OPENAI.text("Done.")])
        seen: list[Any] = []
        result = run(make_spec(OPENAI, fake), [user("Go.")], [echo_tool(seen=seen)])
    assert seen == []
    call, outcome = result.parts[0], result.parts[1]
    assert call["input"] == '{"domain": '
    assert outcome["isError"] is True and "not valid JSON" in outcome["output"]["errorMessage"]


@pytest.mark.parametrize("wire", WIRES)
def test_max_steps_exceeded_keeps_parts_and_credits(wire: Wire) -> None:
    with fake_provider() as fake:
        fake.route("POST", wire.path, [wire.calls(("c1", "lookup", {"domain": "a.com"})),
                                       wire.calls(("c2", "lookup", {"domain": "b.com"}))])
        error = fail(make_spec(wire, fake, max_steps=3), [user("Loop.")], [echo_tool(credits=1.0)])
    assert error.message == "maximum steps reached (3)"
    assert len(fake.requests) == 2  # model, action, model — the second action would be step 4
    assert [p["type"] for p in error.parts] == ["action-call", "action-result"]
    assert error.credits == pytest.approx(2 * wire.rate + 1.0)
    assert error.retryable is False


# ---------------------------------------------------------------------------------------------
# Structured output


def test_structured_answer_openai_uses_response_format() -> None:
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, OPENAI.text('{"industry": "Aerospace", "employees": 40}'))
        result = run(make_spec(OPENAI, fake, output=STRUCTURED), [user("Classify Acme.")])
    assert result.answer == {"industry": "Aerospace", "employees": 40}
    assert result.parts == [{"type": "text", "text": '{"industry": "Aerospace", "employees": 40}'},
                            {"type": "data", "data": {"industry": "Aerospace", "employees": 40}}]
    body = bodies(fake)[0]
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "output", "schema": SCHEMA, "strict": False}}


def test_structured_answer_anthropic_forces_the_output_tool_without_actions() -> None:
    with fake_provider() as fake:
        fake.route("POST", ANTHROPIC.path, ANTHROPIC.calls(("toolu_1", "output", {"industry": "Retail"})))
        result = run(make_spec(ANTHROPIC, fake, output=STRUCTURED), [user("Classify Acme.")])
    assert result.answer == {"industry": "Retail"}
    assert result.parts == [{"type": "text", "text": '{"industry": "Retail"}'},
                            {"type": "data", "data": {"industry": "Retail"}}]
    body = bodies(fake)[0]
    assert body["tool_choice"] == {"type": "tool", "name": "output"}
    assert ANTHROPIC.tool_schema(body, "output") == SCHEMA


def test_structured_answer_anthropic_with_actions_lets_the_model_call_them_first() -> None:
    with fake_provider() as fake:
        fake.route("POST", ANTHROPIC.path, [
            ANTHROPIC.calls(("toolu_1", "output", {"domain": "acme.com"})),  # an action named `output`
            ANTHROPIC.calls(("toolu_2", "output_", {"industry": "Retail", "employees": 3}))])
        result = run(make_spec(ANTHROPIC, fake, output=STRUCTURED), [user("Classify acme.com.")],
                     [echo_tool("output")])
    assert result.answer == {"industry": "Retail", "employees": 3}
    assert [p["type"] for p in result.parts] == ["action-call", "action-result", "text", "data"]
    first = bodies(fake)[0]
    assert "tool_choice" not in first
    assert ANTHROPIC.tool_names(first) == ["output", "output_"]
    assert "call the `output_` tool" in first["system"]


@pytest.mark.parametrize("wire", WIRES)
def test_structured_answer_repaired_once(wire: Wire) -> None:
    with fake_provider() as fake:
        if wire is OPENAI:
            replies = [OPENAI.text('{"employees": "many"}'), OPENAI.text('```json\n{"industry": "Software"}\n```')]
        else:
            replies = [ANTHROPIC.calls(("toolu_1", "output", {"employees": "many"})),
                       ANTHROPIC.calls(("toolu_2", "output", {"industry": "Software"}))]
        fake.route("POST", wire.path, replies)
        result = run(make_spec(wire, fake, output=STRUCTURED), [user("Classify.")])
    assert result.answer == {"industry": "Software"}
    assert result.steps == 2 and result.credits == pytest.approx(2 * wire.rate)
    repair = bodies(fake)[1]["messages"][-1]
    if wire is OPENAI:
        assert repair["role"] == "user" and "rejected" in repair["content"] and "industry" in repair["content"]
    else:
        [block] = repair["content"]
        assert block["type"] == "tool_result" and block["tool_use_id"] == "toolu_1" and block["is_error"] is True
        assert "'industry' is a required property" in block["content"]


@pytest.mark.parametrize("wire", WIRES)
def test_structured_answer_still_invalid_after_repair_fails(wire: Wire) -> None:
    with fake_provider() as fake:
        if wire is OPENAI:
            fake.route("POST", wire.path, OPENAI.text("not json at all"))
        else:
            fake.route("POST", wire.path, ANTHROPIC.calls(("toolu_1", "output", {"employees": 1})))
        error = fail(make_spec(wire, fake, output=STRUCTURED), [user("Classify.")])
    assert len(fake.requests) == 2
    expected = "not valid JSON" if wire is OPENAI else "does not match the output schema"
    assert expected in error.message
    assert error.credits == pytest.approx(2 * wire.rate)
    assert error.parts == []


# ---------------------------------------------------------------------------------------------
# Reasoning


@pytest.mark.parametrize("wire", WIRES)
def test_reasoning_parts_only_when_asked(wire: Wire) -> None:
    with fake_provider() as fake:
        fake.route("POST", wire.path, wire.text("42.", reasoning="Six times seven."))
        with_it = run(make_spec(wire, fake, with_reasoning=True), [user("Answer?")])
        without = run(make_spec(wire, fake), [user("Answer?")])
    assert with_it.parts == [{"type": "reasoning", "text": "Six times seven."}, {"type": "text", "text": "42."}]
    assert without.parts == [{"type": "text", "text": "42."}]
    asked, plain = bodies(fake)
    if wire is ANTHROPIC:
        assert asked["thinking"]["type"] == "enabled" and "temperature" not in asked
        assert asked["max_tokens"] > asked["thinking"]["budget_tokens"]
        assert "thinking" not in plain and plain["temperature"] == 0.2


def test_anthropic_thinking_blocks_are_replayed_during_the_tool_loop() -> None:
    thinking = {"type": "thinking", "thinking": "I need the lookup.", "signature": "sig-abc"}
    call = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"domain": "a.com"}}
    with fake_provider() as fake:
        fake.route("POST", ANTHROPIC.path, [_anthropic([thinking, call], 10, 10, "tool_use"),
                                            ANTHROPIC.text("Done.")])
        result = run(make_spec(ANTHROPIC, fake, with_reasoning=True), [user("Go.")], [echo_tool()])
    assert [p["type"] for p in result.parts] == ["reasoning", "action-call", "action-result", "text"]
    assert bodies(fake)[1]["messages"][1] == {"role": "assistant", "content": [thinking, call]}


# ---------------------------------------------------------------------------------------------
# Provider errors


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(("status", "retryable", "words"), [
    (429, True, "rate limited"), (500, True, "answered 500"), (401, False, "check the connector's credentials")])
def test_provider_errors_become_turn_errors(wire: Wire, status: int, retryable: bool, words: str) -> None:
    body = {"error": {"type": "api_error", "message": "upstream says no"}}
    with fake_provider() as fake:
        fake.route("POST", wire.path, Answer(status, body, headers={"Retry-After": "0"}))
        error = fail(make_spec(wire, fake), [user("Hi.")])
    assert words in error.message and "upstream says no" in error.message
    assert error.retryable is retryable
    assert "sk-test-secret-1234" not in error.message


def test_exhausted_quota_is_not_retryable() -> None:
    body = {"error": {"type": "insufficient_quota", "code": "insufficient_quota", "message": "You exceeded your quota"}}
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, Answer(429, body, headers={"Retry-After": "0"}))
        error = fail(make_spec(OPENAI, fake), [user("Hi.")])
    assert "insufficient_quota" in error.message and error.retryable is False


@pytest.mark.parametrize("wire", WIRES)
def test_error_mid_turn_keeps_parts_and_credits(wire: Wire) -> None:
    with fake_provider() as fake:
        fake.route("POST", wire.path, [wire.calls(("c1", "lookup", {"domain": "a.com"})),
                                       Answer(503, {"error": {"type": "overloaded_error", "message": "busy"}})])
        error = fail(make_spec(wire, fake), [user("Go.")], [echo_tool(credits=2.0)])
    assert "503" in error.message and error.retryable is True
    assert [p["type"] for p in error.parts] == ["action-call", "action-result"]
    assert error.credits == pytest.approx(wire.rate + 2.0)


def test_unknown_provider_and_bad_input_fail_clearly() -> None:
    with fake_provider() as fake:
        error = fail(make_spec(OPENAI, fake, integration_slug="slack"), [user("Hi.")])
        assert "'slack' is not a language-model provider" in error.message
        error = fail(make_spec(OPENAI, fake, output={"type": "jsonSchema", "jsonSchema": "{nope"}), [user("Hi.")])
        assert "invalid output.jsonSchema" in error.message
        error = fail(make_spec(OPENAI, fake), [])
        assert "does not end with a user message" in error.message
    assert fake.requests == []


# ---------------------------------------------------------------------------------------------
# History


HISTORY = [
    ChatTurn("user", [{"type": "text", "text": "Who is acme.com?"},
                      {"type": "file", "fileUuid": "f-1", "name": "accounts.csv", "contentType": "text/csv"}]),
    ChatTurn("assistant", [
        {"type": "reasoning", "text": "secret thoughts"},
        {"type": "text", "text": "Let me check."},
        {"type": "action-call", "callId": "call_9", "slug": "lookup", "input": {"domain": "acme.com"}},
        {"type": "action-result", "callId": "call_9", "slug": "lookup", "output": {"name": "Acme"},
         "isError": False, "runUuid": "r-1"},
        {"type": "text", "text": '{"industry": "Retail"}'},
        {"type": "data", "data": {"industry": "Retail"}},
    ]),
    ChatTurn("user", [{"type": "text", "text": "And its size?"}]),
]


def test_history_with_tool_calls_is_resent_openai() -> None:
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, OPENAI.text("About 40 people."))
        run(make_spec(OPENAI, fake), HISTORY, [echo_tool()])
    messages = bodies(fake)[0]["messages"]
    assert messages == [
        {"role": "system", "content": "You research companies."},
        {"role": "user", "content": "Who is acme.com?\n\n[attached file: accounts.csv (text/csv)]"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"id": "call_9", "type": "function",
             "function": {"name": "lookup", "arguments": '{"domain": "acme.com"}'}}]},
        {"role": "tool", "tool_call_id": "call_9", "content": '{"name": "Acme"}'},
        {"role": "assistant", "content": '{"industry": "Retail"}'},
        {"role": "user", "content": "And its size?"},
    ]


def test_history_with_tool_calls_is_resent_anthropic() -> None:
    with fake_provider() as fake:
        fake.route("POST", ANTHROPIC.path, ANTHROPIC.text("About 40 people."))
        run(make_spec(ANTHROPIC, fake), HISTORY, [echo_tool()])
        run(make_spec(ANTHROPIC, fake), HISTORY)  # no tools offered this time
    with_tools, without = bodies(fake)
    assert with_tools["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Who is acme.com?\n\n[attached file: accounts.csv "
                                                              "(text/csv)]"}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "call_9", "name": "lookup", "input": {"domain": "acme.com"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_9", "content": '{"name": "Acme"}', "is_error": False}]},
        {"role": "assistant", "content": [{"type": "text", "text": '{"industry": "Retail"}'}]},
        {"role": "user", "content": [{"type": "text", "text": "And its size?"}]},
    ]
    # Without tools in the request, Anthropic refuses tool blocks: earlier calls are told as text.
    flat = json.dumps(without["messages"])
    assert "tool_use" not in flat and "tool_result" not in flat
    assert "[called action `lookup` with {\\\"domain\\\": \\\"acme.com\\\"}]" in flat
    assert "secret thoughts" not in json.dumps(with_tools) and "secret thoughts" not in flat


def test_interrupted_call_in_history_gets_an_error_result() -> None:
    history = [user("Go."), ChatTurn("assistant", [{"type": "action-call", "callId": "c1", "slug": "lookup",
                                                     "input": {}}]), user("Again?")]
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, OPENAI.text("Ok."))
        run(make_spec(OPENAI, fake), history, [echo_tool()])
    messages = bodies(fake)[0]["messages"]
    assert messages[3] == {"role": "tool", "tool_call_id": "c1", "content": "no result was recorded for this call"}


def test_oldest_turns_dropped_beyond_the_context_budget() -> None:
    history = [user("old " + "x" * 500), ChatTurn("assistant", [{"type": "text", "text": "y" * 500}]),
               user("recent question"), ChatTurn("assistant", [{"type": "text", "text": "recent answer"}]),
               user("now?")]
    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, OPENAI.text("Now."))
        result = run(make_spec(OPENAI, fake), history, context_chars=200)
        tiny = run(make_spec(OPENAI, fake), history, context_chars=1)
    kept, newest_only = (b["messages"][1:] for b in bodies(fake))
    assert [m["content"] for m in kept] == ["recent question", "recent answer", "now?"]
    assert result.extra == {"droppedTurns": 2}
    assert [m["content"] for m in newest_only] == ["now?"]
    assert tiny.extra == {"droppedTurns": 4}


def test_openai_alias_and_base_url_from_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    def answer(rec: Recorded) -> Answer:
        return OPENAI.text(f"auth={rec.headers.get('authorization')}")

    with fake_provider() as fake:
        fake.route("POST", OPENAI.path, answer)
        spec = make_spec(OPENAI, fake, integration_slug="openai", credentials={"baseUrl": fake.url})
        result = run(spec, [user("Hi.")])
        monkeypatch.setenv("LADING_OPEN_AI_BASE_URL", fake.url)
        from_env = run(make_spec(OPENAI, fake, credentials={"apiKey": "k-1234"}), [user("Hi.")])
    assert result.answer == "auth=None"  # local servers need no key
    assert fake.requests[-1].headers["authorization"] == "Bearer k-1234"
    assert from_env.answer == "auth=********"  # a reply echoing the key never reaches the transcript
