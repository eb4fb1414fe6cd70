"""Language-model providers for the agent loop, one module per wire format.

`open_provider` resolves the spec's integration (`openAi`, spelling `openai` accepted, or
`anthropic`) and opens the same `ActionCall` the integration's own actions use: connector
`baseUrl` / `LADING_<SLUG>_BASE_URL` / default, the integration's rate limit, secret redaction.
"""

from __future__ import annotations

from lading.ai.providers.anthropic_messages import AnthropicMessages
from lading.ai.providers.base import Provider, Reply, Request, ToolSpec
from lading.ai.providers.openai_chat import OpenAiChat
from lading.ai.turn import AgentSpec
from lading.domain.errors import shown
from lading.integrations import get_integration
from lading.integrations._runtime import open_call
from lading.integrations._sdk import ProviderError

_WIRE_FORMATS = {"openAi": OpenAiChat, "anthropic": AnthropicMessages}


def open_provider(spec: AgentSpec) -> Provider:
    """The provider that answers `spec`, or `ProviderError` when its integration is not a model provider."""
    integration = get_integration(spec.integration_slug)
    wire = _WIRE_FORMATS.get(integration.slug) if integration else None
    if integration is None or wire is None:
        raise ProviderError(f"{shown(spec.integration_slug)} is not a language-model provider "
                            f"(expected one of: {', '.join(_WIRE_FORMATS)})", retryable=False)
    return wire(open_call(integration, {}, dict(spec.credentials), spec.connector_uuid))


__all__ = ["Provider", "Reply", "Request", "ToolSpec", "open_provider"]
