"""What the AI tests share: OpenAI-style answers of the fake model server, an OpenAI connector
pointing at it, and agents and messages made through the CLI."""

from __future__ import annotations

import json
from typing import Any

from conftest import j, run_cli
from fakes import Answer

KEY = "sk-test-openai-chat-secret"


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def completion(content: str | None = None, tool_calls: list[dict[str, Any]] | None = None,
               model: str = "gpt-4o-2024-08-06", tokens: tuple[int, int] = (100, 20)) -> Answer:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return Answer(200, {"id": "chatcmpl-x", "object": "chat.completion", "model": model,
                        "choices": [{"index": 0, "message": message,
                                     "finish_reason": "tool_calls" if tool_calls else "stop"}],
                        "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1],
                                  "total_tokens": sum(tokens)}})


def tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def openai_connector(url: str) -> str:
    return ok("connection", "connector", "create", "--integration-slug", "openAi", "--slug", "llm", "--name", "LLM",
              "--config", j({"apiKey": KEY, "baseUrl": url}))["connector"]["uuid"]


def agent(name: str = "Researcher", **draft: Any) -> str:
    """An agent whose draft has a system prompt, a model and the given release fields."""
    uuid = ok("ai", "agent", "create", "--name", name)["agent"]["uuid"]
    flags = ["--system-prompt", draft.pop("system_prompt", "You research companies."),
             "--language-model-slug", draft.pop("model", "gpt-4o")]
    for key, value in draft.items():
        flags += [f"--{key.replace('_', '-')}", value if isinstance(value, str) else j(value)]
    ok("ai", "release", "update-draft", "--agent-uuid", uuid, *flags)
    return uuid


def send(chat_uuid: str, text: str, *extra: str) -> dict[str, Any]:
    return ok("ai", "message", "create", "--chat-uuid", chat_uuid, "--parts", j([{"type": "text", "text": text}]),
              "--wait-until-finished", *extra)
