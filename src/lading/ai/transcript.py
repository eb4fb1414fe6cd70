"""The conversation as the agent loop sees it, independent of any provider's wire format.

Chat history is stored as message parts (spec §2.6); providers want their own message shapes. In
between sits this small transcript: user text, assistant replies (text plus tool calls) and tool
results. History parts are converted into it once, the loop appends to it as the turn goes on, and
each provider module renders the whole transcript into its wire format on every model call. So the
history conversion and the context budget live in one place, whichever provider answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lading.ai.turn import ChatTurn

# The chat history re-sent with each model call is capped by characters (a cheap, provider-free
# stand-in for tokens: ~4 characters per token in English), oldest turns dropped first.
CONTEXT_BUDGET_CHARS = 120_000
# A tool output longer than this is cut before it goes to the model (the part keeps it whole).
TOOL_OUTPUT_CHARS = 20_000
_MISSING_RESULT = "no result was recorded for this call"


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for. `problem` is set when its arguments could not be parsed."""

    call_id: str
    name: str
    input: Any
    problem: str | None = None


@dataclass(frozen=True)
class ToolOutcome:
    """What goes back to the model for one call: the output as text, and whether it failed."""

    call_id: str
    name: str
    content: str
    is_error: bool = False


@dataclass
class Entry:
    """One transcript entry: `user` (text), `assistant` (text, tool calls) or `tool` (outcomes).

    `native` holds an assistant reply exactly as its provider sent it, for providers that must get
    parts of it back verbatim (Anthropic's signed thinking blocks during a tool loop)."""

    role: str
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    outcomes: list[ToolOutcome] = field(default_factory=list)
    native: Any = None
    native_provider: str | None = None

    def size(self) -> int:
        """Characters this entry adds to the context (the budget's unit)."""
        total = len(self.text)
        total += sum(len(c.name) + len(as_text(c.input)) for c in self.tool_calls)
        total += sum(len(o.content) for o in self.outcomes)
        return total


def as_text(value: Any, limit: int | None = None) -> str:
    """A value as the model reads it: strings as they are, anything else as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if limit is not None and len(text) > limit:
        return text[:limit] + f"… [cut: {len(text) - limit} more characters]"
    return text


def from_history(history: list[ChatTurn], budget: int = CONTEXT_BUDGET_CHARS) -> tuple[list[Entry], int]:
    """The history as transcript entries, oldest whole turns dropped beyond `budget` characters.

    The newest turn is always kept, and the transcript starts with a user entry (providers expect
    the user to speak first). Returns (entries, number of turns dropped)."""
    converted = [_turn_entries(turn) for turn in history]
    sizes = [sum(e.size() for e in entries) for entries in converted]
    start = 0
    total = sum(sizes)
    while start < len(converted) - 1 and total > budget:
        total -= sizes[start]
        start += 1
    while start < len(converted) - 1 and (not converted[start] or converted[start][0].role != "user"):
        start += 1
    entries = [entry for entries in converted[start:] for entry in entries]
    return entries, start


def _turn_entries(turn: ChatTurn) -> list[Entry]:
    if turn.role == "user":
        text = "\n\n".join(t for t in (_user_text(p) for p in turn.parts) if t)
        return [Entry("user", text)] if text else []
    if turn.role == "assistant":
        return _assistant_entries(turn.parts)
    return []


def _user_text(part: dict[str, Any]) -> str:
    kind = part.get("type")
    if kind == "text":
        return str(part.get("text") or "")
    if kind == "file":
        content_type = part.get("contentType")
        suffix = f" ({content_type})" if content_type else ""
        mention = f"[attached file: {part.get('name') or part.get('fileUuid') or 'unnamed'}{suffix}]"
        text = part.get("text")
        return f"{mention}\n{text}" if isinstance(text, str) and text else mention
    return ""


def _assistant_entries(parts: list[dict[str, Any]]) -> list[Entry]:
    """Assistant parts in order → assistant / tool entries.

    Text and calls accumulate into one assistant entry until results arrive; results accumulate
    into one tool entry until the next text or call. Reasoning and data parts are not re-sent (the
    data part duplicates the JSON text part). A call whose result is missing (an interrupted turn)
    gets an error outcome so every provider accepts the history."""
    entries: list[Entry] = []
    current: Entry | None = None
    results: Entry | None = None

    def close() -> None:
        nonlocal current, results
        if current is not None:
            answered = {o.call_id for o in results.outcomes} if results else set()
            missing = [ToolOutcome(c.call_id, c.name, _MISSING_RESULT, True)
                       for c in current.tool_calls if c.call_id not in answered]
            if missing:
                results = results or Entry("tool")
                results.outcomes.extend(missing)
            if current.text or current.tool_calls:
                entries.append(current)
        if results is not None and results.outcomes and current is not None and current.tool_calls:
            entries.append(results)
        current = results = None

    for part in parts:
        kind = part.get("type")
        if kind in ("text", "action-call") and results is not None:
            close()
        if kind == "text":
            current = current or Entry("assistant")
            text = str(part.get("text") or "")
            current.text = f"{current.text}\n\n{text}" if current.text else text
        elif kind == "action-call":
            current = current or Entry("assistant")
            current.tool_calls.append(ToolCall(str(part.get("callId") or f"call_{len(current.tool_calls)}"),
                                               str(part.get("slug") or "unknown"), part.get("input")))
        elif kind == "action-result":
            if current is None or not any(c.call_id == part.get("callId") for c in current.tool_calls):
                continue  # a result without its call cannot be placed
            results = results or Entry("tool")
            results.outcomes.append(ToolOutcome(str(part.get("callId")), str(part.get("slug") or "unknown"),
                                                as_text(part.get("output"), TOOL_OUTPUT_CHARS),
                                                bool(part.get("isError"))))
    close()
    return entries
