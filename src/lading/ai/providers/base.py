"""The one small interface between the agent loop and a provider's wire format.

The loop asks `complete(transcript, request)` and gets a `Reply` (text, reasoning, tool calls,
usage); everything provider-specific — message shapes, how tools and tool results are spelled, how
a structured answer is requested, where reasoning comes back — stays in the provider's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from lading.ai.transcript import Entry, ToolCall
from lading.integrations._llm import TokenPricing
from lading.integrations._sdk import ActionCall


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: name, description and a JSON Schema (object) of its input."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Request:
    """What stays the same for every model call of one turn."""

    model: str
    system: str
    temperature: float | None
    tools: list[ToolSpec]
    # The schema the final answer must match (object at the root), or None for a text answer.
    answer_schema: dict[str, Any] | None = None
    with_reasoning: bool = False


@dataclass
class Reply:
    """One model reply. `answer` is set when the provider returned the structured answer as a call
    of its answer tool (Anthropic); `native` is the reply as sent, for verbatim replay."""

    text: str
    tool_calls: list[ToolCall]
    model: str
    input_tokens: int
    output_tokens: int
    reasoning: list[str] = field(default_factory=list)
    answer: ToolCall | None = None
    native: Any = None


class Provider(Protocol):
    name: str  # the provider's name in messages ("OpenAI", "Anthropic")
    slug: str  # the integration slug, recorded on replies it can replay verbatim
    pricing: TokenPricing

    async def complete(self, transcript: list[Entry], request: Request) -> Reply: ...


class WireFormat:
    """A wire format speaks to its provider through one connector call (base URL, credentials, the
    rate-limited HTTP client), opened by `open_provider`; both wire formats keep it the same way."""

    def __init__(self, call: ActionCall) -> None:
        self._call = call


def object_parameters(schema: dict[str, Any] | None) -> dict[str, Any]:
    """Providers want an object schema for tool parameters; an empty schema means no inputs."""
    return dict(schema) if schema else {"type": "object", "properties": {}}
