"""The vocabulary of one agent turn, shared by every surface that runs an agent.

Chat messages, `agent` nodes (saved agents), native `agent` steps and agent actions all end in the
same thing: a language model answering a conversation, calling the actions it was given (each one
a tool the model may call), until it gives a final answer or runs out of steps. The service layer
resolves *what* to run (release, connector credentials, actions) into an `AgentSpec`, the history
into `ChatTurn`s and the actions into `AgentTool`s; `ai.loop.run_turn` does the talking.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AgentSpec:
    """Everything the model call needs, already resolved (release + per-message overrides)."""

    integration_slug: str  # "openAi" | "anthropic"
    language_model_slug: str
    system_prompt: str
    temperature: float
    max_steps: int  # model turns plus action calls, per assistant message
    with_reasoning: bool
    # {"type": "text"} or {"type": "jsonSchema", "jsonSchema": {...}} (spec §2.10)
    output: dict[str, Any]
    # The provider connector's decrypted credentials (apiKey, baseUrl, ...) and its uuid (rate limits).
    credentials: dict[str, Any]
    connector_uuid: str | None = None


@dataclass(frozen=True)
class ChatTurn:
    """One earlier message of the conversation: `role` user|assistant and its parts (spec §2.6)."""

    role: str
    parts: list[dict[str, Any]]


@dataclass(frozen=True)
class ToolResult:
    output: Any
    is_error: bool = False
    run_uuid: str | None = None
    credits: float = 0.0


@dataclass(frozen=True)
class AgentTool:
    """One action offered to the model as a tool named `slug` ([a-zA-Z0-9_], unique per turn)."""

    slug: str
    description: str
    input_schema: dict[str, Any]
    call: Callable[[Any], Awaitable[ToolResult]]


# Called with the whole list of parts produced so far, each time it grows (to persist progress).
PartsSink = Callable[[list[dict[str, Any]]], Awaitable[None]]


@dataclass
class TurnResult:
    """What the turn produced: the assistant parts, the final answer (text or the validated object),
    the provider credits (model calls + action calls) and the token usage."""

    parts: list[dict[str, Any]]
    answer: Any
    credits: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    steps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class TurnError(Exception):
    """The turn failed (step cap reached, provider error, invalid structured answer after repair).

    `parts` keeps what was produced before the failure, so a chat shows it beside `errorMessage`."""

    def __init__(self, message: str, *, parts: list[dict[str, Any]] | None = None, retryable: bool = False,
                 credits: float = 0.0) -> None:
        super().__init__(message)
        self.message = message
        self.parts = parts or []
        self.retryable = retryable
        self.credits = credits
