"""The HTTP client of provider calls: httpx on aiohttp's connection pool (`httpx-aiohttp`).

Why: a worker keeps hundreds of provider calls in flight on one event loop, and with httpx's default
stack (httpcore's pool, h11, anyio streams) each call cost ~0.6 ms of event-loop CPU: at 500 calls in
flight that CPU, not the providers' latency, set the pace (`bench/io.py`). aiohttp's pool and C
HTTP parser do the same work for a fraction of it, and `httpx_aiohttp.AiohttpTransport` (the
transport the OpenAI and Anthropic SDKs use) puts them under httpx, so integrations keep httpx's API:
`httpx.Response`s (httpx decodes `Content-Encoding` and reports redirects) and httpx's exceptions.

What this module adds to the library is policy, not protocol: one aiohttp session per event loop
with a pool sized for the worker's concurrency and no cookie jar, and the few aiohttp failures the
library leaves unmapped turned into httpx ones (callers catch `httpx.HTTPError`)."""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept (httpx's default)
MAX_CONNECTIONS = 2048  # connections at once on one session (each request in flight holds one)


def provider_session(ssl_context: ssl.SSLContext) -> aiohttp.ClientSession:
    """The aiohttp session under one event loop's provider client (create it on that loop).

    No cookie jar (`DummyCookieJar`): the session serves every workspace (see `ProviderClient`).
    `trust_env=False`: with it aiohttp would also send `~/.netrc` credentials to provider hosts;
    proxies named by the environment are handled by `_http._ClientPool` instead."""
    connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS, limit_per_host=0, ssl=ssl_context,
                                     keepalive_timeout=KEEPALIVE_EXPIRY)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False,
                                 auto_decompress=False)


class ProviderTransport(AiohttpTransport):
    """`AiohttpTransport` on a given session, whose every failure is an httpx exception."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        super().__init__(client=session)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(request.stream, httpx.ByteStream):
            request.read()  # a body in memory (a redirect's too) is sent as such, not chunked
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            # The library maps every `ClientConnectionError` (refused, reset, closed) to a timeout.
            cause = exc.__cause__
            if cause is None or isinstance(cause, TimeoutError):
                raise
            raise _unmapped(cause, request) from None
        except httpx.HTTPError:
            raise
        except (aiohttp.ClientError, ValueError) as exc:
            raise _unmapped(exc, request) from None

    async def aclose(self) -> None:
        return None  # the session belongs to `_http._ClientPool`, which closes it with its loop


def _unmapped(exc: BaseException, request: httpx.Request) -> httpx.HTTPError:
    """The httpx exception for an aiohttp failure the library does not map (or maps wrongly)."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, unreachable, DNS
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        # closed before answering, or an answer aiohttp's parser refused
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, ValueError):  # e.g. CR or LF in a header: aiohttp refuses to write it
        return httpx.LocalProtocolError(message, request=request)
    return httpx.NetworkError(message, request=request)


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing a provider sets."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class ProviderClient(httpx.AsyncClient):
    """The `httpx.AsyncClient` of provider calls: keeps no cookies between requests.

    Why: one client serves every run, connector and workspace of a worker, so a cookie one provider
    answer sets would ride along on another tenant's call to the same host (and reading each answer
    into a cookie jar cost ~6 % of a call's CPU). Integrations authenticate with their connector's
    credentials, never with a session cookie."""

    def __init__(self, **options: Any) -> None:
        self._no_cookies = _NoCookies()
        super().__init__(**options)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, _value: Any) -> None:
        return None


__all__ = ["ProviderClient", "ProviderTransport", "provider_session"]
