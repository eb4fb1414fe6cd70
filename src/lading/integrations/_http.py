"""Outbound HTTP for integrations: one `httpx.AsyncClient` per event loop, per-integration rate
limits (requests per second and concurrency) shared by every run in the worker, `Retry-After`
honoured after a 429, and provider errors mapped to clear, secret-free messages."""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lading.integrations._sdk import ProviderError, RateLimit

if TYPE_CHECKING:  # httpx and certifi load on the first call, not when an integration is imported
    import httpx

    from lading.integrations._transport import DirectSender

USER_AGENT = "Lading (+self-hosted workflow orchestration)"
CALL_TIMEOUT = 30.0  # seconds, for each phase of a call (connect, send, each read) unless the call says


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
    """The HTTP clients of one event loop.

    Normally ONE client on aiohttp's pool (`_transport.ProviderTransport`): it costs the same at 5
    or 500 connections, and each request costs a fraction of httpx's default stack. When the
    environment names a proxy (which httpx applies only to its own transports, and aiohttp only
    with `trust_env`, which would also send `~/.netrc` credentials), many small default clients
    instead: httpcore's pool rescans every connection on each request start and finish, which made
    one 1,000-connection client CPU-bound at a few hundred concurrent calls, so requests are spread
    round-robin over clients of a few connections each."""

    SIZE = 128
    CONNECTIONS_EACH = 4

    def __init__(self) -> None:
        from urllib.request import getproxies

        self._clients: list[httpx.AsyncClient] = []
        self.direct: DirectSender | None = None  # the lean client's short path (`_transport.DirectSender`)
        self._next = 0
        self._ssl: ssl.SSLContext | None = None
        proxies = getproxies()
        self._lean = not any(proxies.get(scheme) for scheme in ("http", "https", "all"))

    def pick(self) -> httpx.AsyncClient:
        import certifi
        import httpx
        if self._lean and self._clients:
            return self._clients[0]
        if len(self._clients) < self.SIZE:
            if self._ssl is None:
                # One TLS context for all clients: loading the CA bundle takes ~20 ms each time.
                self._ssl = ssl.create_default_context(cafile=certifi.where())
            common: dict[str, Any] = {"follow_redirects": False, "headers": {"User-Agent": USER_AGENT},
                                      "timeout": httpx.Timeout(CALL_TIMEOUT)}
            from lading.integrations._transport import (
                DirectSender,
                ProviderClient,
                ProviderTransport,
                provider_session,
            )

            if self._lean:
                session = provider_session(self._ssl)
                _close_at_loop_end(session)
                client = ProviderClient(transport=ProviderTransport(session), trust_env=False, **common)
                self.direct = DirectSender(session, client)
            else:
                client = ProviderClient(
                    verify=self._ssl, **common,
                    limits=httpx.Limits(max_connections=self.CONNECTIONS_EACH,
                                        max_keepalive_connections=self.CONNECTIONS_EACH))
            self._clients.append(client)
            return client
        self._next = (self._next + 1) % len(self._clients)
        return self._clients[self._next]


def _close_at_loop_end(session: Any) -> None:
    """Close `session` when its event loop shuts down (`asyncio.run` closes every async generator
    still open then): an aiohttp session left to the garbage collector logs an error."""

    async def holder() -> Any:
        try:
            yield
        finally:
            await session.close()

    keeper = holder()
    task = asyncio.ensure_future(keeper.__anext__())  # started: the loop now tracks it
    _KEEPERS[asyncio.get_running_loop()] = (keeper, task)


_KEEPERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def _pool() -> _ClientPool:
    loop = asyncio.get_running_loop()
    pool = _CLIENTS.get(loop)
    if pool is None:
        pool = _CLIENTS[loop] = _ClientPool()
    return pool


def gate_for(slug: str, limit: RateLimit) -> _Gate:
    gates = _GATES.setdefault(asyncio.get_running_loop(), {})
    gate = gates.get(slug)
    # A declared integration's limit may change while the process runs (its document was updated).
    if gate is None or gate.limit != limit:
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
    """What an action uses to call its provider. Never logs or returns credentials.

    Credentials go only to the hosts the call may authenticate with (`allowed_hosts`, by default
    the base URL's host and port): a request carrying one of the connector's secrets to any other
    host is refused (`credentialHostNotAllowed`), and redirects are followed here, hop by hop, so a
    redirect to another host is sent without credential headers (httpx itself would keep custom
    ones such as `x-api-key`)."""

    MAX_REDIRECTS = 10

    def __init__(self, integration_slug: str, provider_name: str, base_url: str, limit: RateLimit,
                 secrets: list[str] | None = None, *, allowed_hosts: Iterable[str] | None = None,
                 gate_key: str | None = None) -> None:
        from lading.integrations._secrets import Scrubber

        self.integration_slug = integration_slug
        self.gate_key = gate_key or integration_slug  # whose rate gate (`Integration.rate_gate_key`)
        self.provider_name = provider_name
        self.base_url = base_url.rstrip("/")
        self._limit = limit
        # The connector's own secrets (what may not leave for another host) and everything to mask
        # in what comes back (those plus every credential header value actually sent).
        self._credentials = Scrubber(secrets or [])
        self.scrubber = Scrubber(secrets or [])
        hosts = set(allowed_hosts or ())
        base = host_key(self.base_url)
        if base:
            hosts.add(base)
        self.allowed_hosts = frozenset(h.lower() for h in hosts)

    def redact(self, text: str) -> str:
        """Remove every credential value (in any of its forms) from a message."""
        return self.scrubber.text(text)

    def host_allowed(self, url: str) -> bool:
        return host_allowed(url, self.allowed_hosts)

    def carries_credentials(self, url: str, headers: Mapping[str, str] | None = None, params: Any = None,
                            body: Any = None) -> bool:
        """True when the request would send one of the connector's secrets (in any form)."""
        if not self._credentials:
            return False
        parts: list[str] = [url]
        parts.extend(f"{k}: {v}" for k, v in (headers or {}).items())
        if params:
            parts.append(str(params))
        if body is not None:
            parts.append(body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body))
        return any(self._credentials.contains(p) for p in parts)

    def refusal(self, url: str) -> ProviderError:
        allowed = ", ".join(sorted(self.allowed_hosts)) or "none (no baseUrl)"
        return ProviderError(
            f"credentialHostNotAllowed: {self.provider_name} credentials are only sent to {allowed}; "
            f"{host_key(url) or url} is not one of them (add it to the connector's allowedHosts when the "
            "integration offers it, or call it without a connector)", retryable=False)

    def _remember_sent(self, headers: Mapping[str, str] | None) -> None:
        from lading.integrations._secrets import SENSITIVE_HEADERS

        for name, value in (headers or {}).items():
            text = str(value)
            if name.lower() in SENSITIVE_HEADERS or self._credentials.contains(text):
                self.scrubber.add_sent(text)

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
        import httpx
        url = self.url(path_or_url)
        if not self.host_allowed(url) and self.carries_credentials(url, headers, params,
                                                                   json if json is not None else data or content):
            raise self.refusal(url)
        self._remember_sent(headers)
        gate = gate_for(self.gate_key, self._limit)
        await gate.acquire()
        try:
            pool = _pool()
            client = pool.pick()
            direct = pool.direct
            params = _clean(params)
            if direct is not None and direct.covers(url, headers, params, data):
                response = await direct.send(method.upper(), url, headers, json, content,
                                             timeout if timeout is not None else CALL_TIMEOUT)
            else:
                response = await client.request(
                    method.upper(), url, headers=headers, params=params, json=json, data=data,
                    content=content, timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    follow_redirects=False)
            hops = 0
            while response.next_request is not None and hops < self.MAX_REDIRECTS:
                hops += 1
                nxt = self._redirect(response.next_request)
                url = str(nxt.url)
                response = await client.send(nxt, follow_redirects=False)
        except httpx.TimeoutException:
            # `from None`: the httpx exception names the full URL (query keys included); its
            # traceback must not reach a log.
            raise ProviderError(self.redact(f"{self.provider_name}: request timed out ({_host(url)})")) from None
        except httpx.HTTPError as exc:
            raise ProviderError(self.redact(f"{self.provider_name}: could not reach {_host(url)}: "
                                            f"{type(exc).__name__}")) from None
        finally:
            gate.release()
        if response.next_request is not None:
            raise ProviderError(f"{self.provider_name}: too many redirects ({_host(url)})", retryable=False)
        response = self._masked(response)
        if response.status_code == 429:
            gate.block_for(_retry_after_seconds(response.headers.get("Retry-After")))
        if raise_for_status and response.status_code >= 400:
            raise self.error_for(response)
        return response

    def _masked(self, response: httpx.Response) -> httpx.Response:
        """The answer as integrations may read it: any of the call's secrets the provider echoed
        (in the body or a header) already masked. Masking here, before an integration parses,
        excerpts or truncates the text, is what keeps a secret cut in half by a length limit (which
        no later search would recognise) out of error messages and outputs."""
        import httpx

        from lading.integrations._secrets import MASK

        if not self.scrubber:
            return response
        headers = [(k, MASK if self.scrubber.contains(v) else v) for k, v in response.headers.items()]
        content = response.content
        try:
            text: str | None = content.decode(response.encoding or "utf-8")
        except (UnicodeDecodeError, LookupError):
            text = None  # binary: no text to echo a secret in
        body_leaks = text is not None and self.scrubber.contains(text)
        if not body_leaks and all(a[1] == b for a, b in zip(headers, response.headers.values(), strict=True)):
            return response
        if body_leaks and text is not None:
            content = self.scrubber.text(text).encode(response.encoding or "utf-8")
        # The content is decoded already: the new answer must not claim an encoding or a length.
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
        return httpx.Response(response.status_code, headers=headers, content=content, request=response.request,
                              extensions=response.extensions)

    def _redirect(self, request: httpx.Request) -> httpx.Request:
        """The next hop of a redirect: unchanged to an allowed host; to any other host without its
        credential headers, and refused when the URL or body itself still carries a secret."""
        import httpx

        from lading.integrations._secrets import SENSITIVE_HEADERS

        url = str(request.url)
        if self.host_allowed(url):
            return request
        for name in list(request.headers.keys()):
            if name.lower() in SENSITIVE_HEADERS or self.scrubber.contains(request.headers[name]):
                del request.headers[name]
        body = request.read() if isinstance(request.stream, httpx.ByteStream) else b""
        if self.scrubber.contains(url) or (body and self.scrubber.contains(body.decode("utf-8", "replace"))):
            raise self.refusal(url)
        return request

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


# The scheme and authority of a URL as httpx's own parser splits them (`_urlparse.URL_REGEX`): the
# host and port depend on nothing else, so `host_key` parses each distinct prefix once.
_SCHEME_AUTHORITY = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*")
_MAX_URL_LENGTH = 65_536  # httpx refuses longer URLs


def host_key(url: str) -> str:
    """`host:port` of an absolute URL (port made explicit, host lower-case), "" when not absolute.

    Called for every request (credential host checks), with URLs that differ by path and query: the
    answer is cached per scheme + authority, for URLs httpx would accept at all (printable, not too
    long); anything else is parsed whole, as before."""
    if isinstance(url, str) and "://" not in url:
        return ""  # relative, or empty (a connector without a base URL): nothing to parse
    if isinstance(url, str) and len(url) <= _MAX_URL_LENGTH and url.isprintable():
        prefix = _SCHEME_AUTHORITY.match(url)
        if prefix is not None:
            return _cached_host_key(prefix.group(0))
    return _parse_host_key(url)


def _parse_host_key(url: str) -> str:
    import httpx
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    host = parsed.host if ":" not in parsed.host else f"[{parsed.host}]"
    return f"{host.lower()}:{port}"


_cached_host_key = functools.lru_cache(maxsize=4096)(_parse_host_key)


def host_allowed(url: str, allowed: Iterable[str]) -> bool:
    """Whether `url` goes to one of `allowed`: `host:port` entries match exactly, a bare `host`
    matches its default ports (80, 443) and `*.example.com` any subdomain on those ports."""
    key = host_key(url)
    if not key:
        return False
    host, _, port = key.rpartition(":")
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.rsplit(":", 1)[-1].isdigit() and not entry.endswith("]"):
            name, _, want = entry.rpartition(":")
            if want != port:
                continue
        else:
            name = entry
            if port not in ("80", "443"):
                continue
        if name == host or (name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


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
