"""The connector SDK runtime: rate limits across calls, Retry-After after a 429, unreachable hosts,
config validation and pricing — with a throwaway integration against a real local server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lading.integrations import Action, ActionCall, ActionResult, CreditCost, Integration, ProviderError, RateLimit
from lading.integrations._runtime import call_action, env_slug, resolve_base_url

from fakes import Answer, fake_provider


async def _ping(call: ActionCall) -> ActionResult:
    response = await call.http.request("GET", "/ping", params={"n": call.config.get("n")})
    return ActionResult(output=response.json(), units=call.config.get("n"))


def make(rate: float = 1000, concurrency: int = 8) -> Integration:
    ping = Action(slug="ping", name="Ping", description="", run=_ping,
                  config_schema={"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
                  credits=(CreditCost("unit", 0.5, unit="item", fixed_cost=1.0),))
    return Integration(slug="pingService", name="Ping", description="", category="custom",
                       connector_schema={"type": "object"}, default_base_url="http://127.0.0.1:9",
                       actions=(ping,), documentation="", rate_limit=RateLimit(rate, concurrency))


def test_requests_per_second_limit_spaces_calls() -> None:
    integration = make(rate=5)
    with fake_provider() as fake:
        fake.route("GET", "/ping", Answer(200, {"ok": True}))

        async def burst() -> float:
            start = time.monotonic()
            await asyncio.gather(*(call_action(integration, integration.actions[0], {"n": i},
                                               {"baseUrl": fake.url}, None) for i in range(6)))
            return time.monotonic() - start

        elapsed = asyncio.run(burst())
    assert elapsed >= 0.9  # 6 calls at 5/s need at least 5 intervals of 0.2 s
    assert len(fake.requests) == 6


def test_retry_after_pauses_the_integration() -> None:
    integration = make()
    with fake_provider() as fake:
        fake.route("GET", "/ping", [Answer(429, {"message": "slow down"}, headers={"Retry-After": "1"}),
                                    Answer(200, {"ok": True})])

        async def two() -> tuple[str, float]:
            with pytest.raises(ProviderError) as info:
                await call_action(integration, integration.actions[0], {"n": 1}, {"baseUrl": fake.url}, None)
            start = time.monotonic()
            await call_action(integration, integration.actions[0], {"n": 1}, {"baseUrl": fake.url}, None)
            return info.value.message, time.monotonic() - start

        message, waited = asyncio.run(two())
    assert "429" in message and "rate limited" in message
    assert waited >= 0.9


def test_unreachable_host_and_invalid_config_and_pricing() -> None:
    integration = make()
    with pytest.raises(ProviderError, match="could not reach"):
        asyncio.run(call_action(integration, integration.actions[0], {"n": 1}, {"baseUrl": "http://127.0.0.1:9"},
                                None))
    with pytest.raises(ProviderError, match="invalid config"):
        asyncio.run(call_action(integration, integration.actions[0], {"n": "x"}, {}, None))
    with fake_provider() as fake:
        fake.route("GET", "/ping", Answer(200, {"ok": True}))
        result, credits, base = asyncio.run(call_action(integration, integration.actions[0], {"n": 4},
                                                        {"baseUrl": fake.url}, None))
    assert credits == pytest.approx(3.0) and base == fake.url and result.output == {"ok": True}


def test_base_url_resolution_order(monkeypatch: Any) -> None:
    integration = make()
    assert env_slug("openAi") == "OPEN_AI" and env_slug("peopleDataLabs") == "PEOPLE_DATA_LABS"
    assert resolve_base_url(integration, {}) == "http://127.0.0.1:9"
    monkeypatch.setenv("LADING_PING_SERVICE_BASE_URL", "http://127.0.0.1:7")
    assert resolve_base_url(integration, {}) == "http://127.0.0.1:7"
    assert resolve_base_url(integration, {"baseUrl": "http://127.0.0.1:8"}) == "http://127.0.0.1:8"
