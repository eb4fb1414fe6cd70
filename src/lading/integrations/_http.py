"""Outbound HTTP for integrations: one `httpx.AsyncClient` per event loop, per-integration rate
limits (requests per second and concurrency) shared by every run in the worker, `Retry-After`
honoured after a 429, and provider errors mapped to clear, secret-free messages."""

from __future__ import annotations

import asyncio
import ssl
import time
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx

from lading.integrations._sdk import ProviderError, RateLimit

USER_AGENT = "Lading (+self-hosted workflow orchestration)"


@dataclass
class _Gate:
    """Rate and concurrency gate of one integration in this process."""

    limit: RateLimit
    semaphore: asyncio.Semaphore
    next_slot: float = 0.0
    blocked_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def acquire(self) -> None:
        await self.semaphore.acquire()
        async with self.lock:
            now = time.monotonic()
            start = max(now, self.next_slot, self.blocked_until)
            interval = 1.0 / self.limit.requests_per_second if self.limit.requests_per_second > 0 else 0.0
            self.next_slot = start + interval
        delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)

    def release(self) -> None:
        self.semaphore.release()

    def block_for(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


# Keyed by the event loop itself (weakly): a dead loop's client and gates go with it, and a new
# loop never inherits another's semaphore state.
_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _ClientPool] = weakref.WeakKeyDictionary()
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Gate]] = weakref.WeakKeyDictionary()


class _ClientPool:
    """Many small clients instead of one big one: httpcore's pool rescans every connection on each
    request start and finish, which made one 1,000-connection client CPU-bound at a few hundred
    concurrent calls. Requests are spread round-robin over clients of a few connections each."""

    SIZE = 128
    CONNECTIONS_EACH = 4

    def __init__(self) -> None:
        self._clients: list[httpx.AsyncClient] = []
        self._next = 0
        self._ssl: ssl.SSLContext | None = None

    def pick(self) -> httpx.AsyncClient:
        if len(self._clients) < self.SIZE:
            if self._ssl is None:
                # One TLS context for all clients: loading the CA bundle takes ~20 ms each time.
                self._ssl = ssl.create_default_context(cafile=certifi.where())
            client = httpx.AsyncClient(
                verify=self._ssl,
                follow_redirects=True, headers={"User-Agent": USER_AGENT}, timeout=httpx.Timeout(30.0),
                limits=httpx.Limits(max_connections=self.CONNECTIONS_EACH,
                                    max_keepalive_connections=self.CONNECTIONS_EACH))
            self._clients.append(client)
            return client
        self._next = (self._next + 1) % len(self._clients)
        return self._clients[self._next]


def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    pool = _CLIENTS.get(loop)
    if pool is None:
        pool = _CLIENTS[loop] = _ClientPool()
    return pool.pick()


def gate_for(slug: str, limit: RateLimit) -> _Gate:
    gates = _GATES.setdefault(asyncio.get_running_loop(), {})
    gate = gates.get(slug)
    if gate is None:
        gate = _Gate(limit=limit, semaphore=asyncio.Semaphore(limit.max_concurrency))
        gates[slug] = gate
    return gate


def _retry_after_seconds(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return 1.0


class ProviderHttp:
    """What an action uses to call its provider. Never logs or returns credentials."""

    def __init__(self, integration_slug: str, provider_name: str, base_url: str, limit: RateLimit,
                 secrets: list[str] | None = None) -> None:
        self.integration_slug = integration_slug
        self.provider_name = provider_name
        self.base_url = base_url.rstrip("/")
        self._limit = limit
        self._secrets = [s for s in (secrets or []) if isinstance(s, str) and len(s) >= 4]

    def redact(self, text: str) -> str:
        """Remove every credential value from a message."""
        for value in self._secrets:
            text = text.replace(value, "********")
        return text

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        if not path_or_url.startswith("/"):
            path_or_url = "/" + path_or_url
        return self.base_url + path_or_url

    async def request(self, method: str, path_or_url: str, *, headers: dict[str, str] | None = None,
                      params: dict[str, Any] | None = None, json: Any = None, data: Any = None,
                      content: bytes | str | None = None, timeout: float | None = None,
                      raise_for_status: bool = True) -> httpx.Response:
        """One rate-limited request. Errors become `ProviderError` with a useful, redacted message."""
        url = self.url(path_or_url)
        gate = gate_for(self.integration_slug, self._limit)
        await gate.acquire()
        try:
            response = await _client().request(
                method.upper(), url, headers=headers, params=_clean(params), json=json, data=data,
                content=content, timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        except httpx.TimeoutException as exc:
            raise ProviderError(self.redact(f"{self.provider_name}: request timed out ({_host(url)})")) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(self.redact(f"{self.provider_name}: could not reach {_host(url)}: "
                                            f"{type(exc).__name__}")) from exc
        finally:
            gate.release()
        if response.status_code == 429:
            gate.block_for(_retry_after_seconds(response.headers.get("Retry-After")))
        if raise_for_status and response.status_code >= 400:
            raise self.error_for(response)
        return response

    def error_for(self, response: httpx.Response) -> ProviderError:
        detail = _error_detail(response)
        status = response.status_code
        text = f"{self.provider_name} answered {status}"
        if status == 401 or status == 403:
            text += " (check the connector's credentials)"
        elif status == 404:
            text += " (not found)"
        elif status == 429:
            text += f" (rate limited; retry after {response.headers.get('Retry-After', '?')}s)"
        if detail:
            text += f": {detail}"
        retryable = status >= 500 or status in (408, 429)
        return ProviderError(self.redact(text), status=status, retryable=retryable)


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict):
        for key in ("message", "error", "error_description", "detail", "errors"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value.get("type") or value
            if value:
                return str(value)[:300]
    return str(body)[:200]


def parse_body(response: httpx.Response) -> Any:
    """JSON when the response says so (or looks like it), else text."""
    ctype = response.headers.get("content-type", "")
    if "json" in ctype:
        try:
            return response.json()
        except ValueError:
            return response.text
    text = response.text
    if text[:1] in ("{", "["):
        try:
            return response.json()
        except ValueError:
            return text
    return text
