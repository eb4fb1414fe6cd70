"""Language-model providers for the agent loop, one module per wire format.

`open_provider` resolves the spec's integration (`openAi`, spelling `openai` accepted, or
`anthropic`) and opens the same `ActionCall` the integration's own actions use: connector
`baseUrl` / `LADING_<SLUG>_BASE_URL` / default, the integration's rate limit, secret redaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lading.ai.providers.anthropic_messages import AnthropicMessages
from lading.ai.providers.base import Provider, Reply, Request, ToolSpec
from lading.ai.providers.openai_chat import OpenAiChat
from lading.ai.transcript import Entry
from lading.ai.turn import AgentSpec
from lading.domain.errors import shown
from lading.integrations import get_integration
from lading.integrations._runtime import open_call
from lading.integrations._sdk import ActionCall, ProviderError
from lading.integrations._secrets import Scrubber

_WIRE_FORMATS: dict[str, Callable[[ActionCall], Provider]] = {"openAi": OpenAiChat, "anthropic": AnthropicMessages}


def open_provider(spec: AgentSpec) -> Provider:
    """The provider that answers `spec`, or `ProviderError` when its integration is not a model provider."""
    integration = get_integration(spec.integration_slug)
    wire = _WIRE_FORMATS.get(integration.slug) if integration else None
    if integration is None or wire is None:
        raise ProviderError(f"{shown(spec.integration_slug)} is not a language-model provider "
                            f"(expected one of: {', '.join(_WIRE_FORMATS)})", retryable=False)
    call = open_call(integration, {}, dict(spec.credentials), spec.connector_uuid)
    return _Scrubbed(wire(call), call.http.scrubber)


class _Scrubbed:
    """A provider whose replies and errors are scrubbed of the connector's secrets: a model (or a
    fake, or a proxy) that echoes the request must not put the API key into a transcript, an
    agent's output or a run context. Same boundary as `call_action` for connector nodes."""

    def __init__(self, inner: Provider, scrubber: Scrubber) -> None:
        self._inner = inner
        self._scrubber = scrubber
        self.name, self.slug, self.pricing = inner.name, inner.slug, inner.pricing

    async def complete(self, transcript: list[Entry], request: Request) -> Reply:
        scrub = self._scrubber
        try:
            reply = await self._inner.complete(transcript, request)
        except ProviderError as exc:
            exc.message = scrub.text(exc.message)
            exc.args = (exc.message,)
            raise exc from None
        calls = [replace(c, input=scrub.value(c.input), problem=scrub.text(c.problem) if c.problem else None)
                 for c in reply.tool_calls]
        answer = reply.answer and replace(reply.answer, input=scrub.value(reply.answer.input))
        return replace(reply, text=scrub.text(reply.text) if reply.text else reply.text, tool_calls=calls,
                       reasoning=[scrub.text(r) for r in reply.reasoning], answer=answer,
                       native=scrub.value(reply.native))


__all__ = ["Provider", "Reply", "Request", "ToolSpec", "open_provider"]
