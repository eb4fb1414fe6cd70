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

import json as jsonlib
import re
import ssl
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import map_aiohttp_exceptions
from multidict import CIMultiDict
from yarl import URL

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
        except (httpx.HTTPError, aiohttp.ClientError, ValueError) as exc:
            raise _as_httpx_error(exc, request) from None

    async def aclose(self) -> None:
        return None  # the session belongs to `_http._ClientPool`, which closes it with its loop


def _as_httpx_error(exc: BaseException, request: httpx.Request | None) -> BaseException:
    """The httpx exception that stands for a failure of the aiohttp session, given either the
    library's own mapping (`map_aiohttp_exceptions`) or the aiohttp exception itself."""
    if isinstance(exc, httpx.ConnectTimeout):
        # The library maps every `ClientConnectionError` (refused, reset, closed) to a timeout.
        cause = exc.__cause__
        if cause is None or isinstance(cause, TimeoutError):
            return exc
        return _unmapped(cause, request)
    if isinstance(exc, httpx.HTTPError):
        return exc
    return _unmapped(exc, request)


def _unmapped(exc: BaseException, request: httpx.Request | None) -> httpx.HTTPError:
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


# A URL that httpx's parser would leave exactly as written: lower-case scheme and host, no default
# port, a path, and only characters httpx does not quote (its path and query safe sets). Such a URL
# goes to aiohttp as it is; any other is normalised by httpx first, as on the full path.
_PLAIN_URL = re.compile(r"(?:http://[a-z0-9.-]+(?::(?!80/)\d{1,5})?|https://[a-z0-9.-]+(?::(?!443/)\d{1,5})?)"
                        r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)?")
_NOT_AS_WRITTEN = re.compile(r"%(?![0-9A-Fa-f]{2})|/\.|\.\.|//[^/]*\.[:/]|//[.-]")  # bad escapes, dots
_TIMEOUTS: dict[float, aiohttp.ClientTimeout] = {}


class DirectResponse(httpx.Response):
    """An answer read by `DirectSender`: an `httpx.Response` like any other, whose `request` (which
    no integration reads on a successful call) is built only when something asks for it."""

    _sent: tuple[str, str, CIMultiDict[str], bytes | None] | None = None

    @property
    def request(self) -> httpx.Request:
        if self._request is None and self._sent is not None:
            method, url, headers, body = self._sent
            self._request = httpx.Request(method, url, headers=list(headers.items()), content=body)
        return super().request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value


class DirectSender:
    """Sends a plain request (no query parameters or form to encode) straight on the aiohttp
    session, and returns what httpx's client would have: the same headers sent, the same
    `httpx.Response` (decoded by httpx), the same httpx exceptions, the redirect left for
    `ProviderHttp` to follow hop by hop.

    Why: on the full path each request is parsed, built and read twice, once as httpx models and
    once as aiohttp's; at hundreds of calls in flight that double bookkeeping was a third of a
    provider call's CPU (`bench/io.py`). Anything this path does not cover (query parameters, form
    bodies, a URL httpx would rewrite, header values that are not text) takes the full path."""

    def __init__(self, session: aiohttp.ClientSession, client: httpx.AsyncClient) -> None:
        self._session = session
        self._client = client
        self._defaults: CIMultiDict[str] = CIMultiDict(client.headers.multi_items())

    def covers(self, url: str, headers: Mapping[str, Any] | None, params: Any, data: Any) -> bool:
        if params or data is not None or _PLAIN_URL.fullmatch(url) is None or _NOT_AS_WRITTEN.search(url):
            return False
        return headers is None or all(type(k) is str and type(v) is str for k, v in headers.items())

    async def send(self, method: str, url: str, headers: Mapping[str, str] | None, json: Any,
                   content: bytes | str | None, timeout: float) -> httpx.Response:
        sent = self._defaults.copy()
        if headers:
            for name, value in headers.items():
                sent[name] = value
        body: bytes | None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            sent.setdefault("Content-Type", "application/json")
        else:
            body = content.encode() if isinstance(content, str) else content
        limits = _TIMEOUTS.get(timeout)
        if limits is None:
            if len(_TIMEOUTS) >= 256:  # each node may set its own timeout: keep the few in use
                _TIMEOUTS.clear()
            limits = _TIMEOUTS[timeout] = aiohttp.ClientTimeout(sock_connect=timeout, sock_read=timeout,
                                                                connect=timeout)
        try:
            with map_aiohttp_exceptions():
                answer = await self._session.request(
                    method, URL(url, encoded=True), headers=sent, data=body or None, allow_redirects=False,
                    auto_decompress=False, compress=False, timeout=limits)
                try:
                    raw = await answer.read()
                finally:
                    answer.release()
        except (httpx.HTTPError, aiohttp.ClientError, ValueError) as exc:
            raise _as_httpx_error(exc, None) from None
        except TimeoutError:  # a timer aiohttp did not name (its own are mapped above)
            raise httpx.ReadTimeout("timed out") from None
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode()
        response = DirectResponse(answer.status, headers=answer.raw_headers, stream=httpx.ByteStream(raw),
                                  extensions=extensions)
        response._sent = (method, url, sent, body)
        response.read()  # decodes any Content-Encoding, as httpx's client does before returning
        if response.has_redirect_location:
            # Exactly the next hop httpx's client would build (method, URL, headers, body rules).
            response.next_request = self._client._build_redirect_request(response.request, response)
        return response


__all__ = ["DirectResponse", "DirectSender", "ProviderClient", "ProviderTransport", "provider_session"]
