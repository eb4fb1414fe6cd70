"""A lean HTTP/1.1 transport for httpx, on plain asyncio protocols.

Why: a worker keeps hundreds of provider calls in flight on one event loop, and with httpx's default
stack (httpcore's pool, h11, anyio streams) each call cost ~0.6 ms of event-loop CPU: at 500 calls in
flight that CPU, not the providers' latency, set the pace (`bench/io.py`). This transport does the
same work for the common request (a body already in memory, HTTP/1.1, keep-alive) in a fraction of
that: one protocol object per connection, keep-alive connections reused per origin (most recent
first, expired after `KEEPALIVE_EXPIRY`), response heads parsed with `bytes` methods.

What it does not do is handed, unchanged, to httpx's own transport (`fallback`): streaming or
multipart bodies, `Expect`/`Upgrade` requests, any scheme but http(s). Clients never use it when
the environment names a proxy (httpx applies proxies only to its own transports). Everything else
keeps httpx's behaviour: it answers `httpx.Response`s (httpx decodes `Content-Encoding`, follows or
reports redirects, stores cookies) and fails with httpx's exceptions (`ConnectTimeout`, `ReadError`,
`RemoteProtocolError`…), so callers see no difference but the CPU.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import deque
from typing import Any

import httpx

KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept (httpx's default)
MAX_IDLE_PER_ORIGIN = 512
MAX_IN_FLIGHT = 2048  # requests at once on one transport (each holds one connection)
MAX_HEAD_BYTES = 256 * 1024

_HEADER_NAME = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00\r\n]")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_Origin = tuple[str, str, int]


class _StaleConnectionError(Exception):
    """A reused keep-alive connection closed before any byte of the answer: safe to retry once."""


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection: bytes received are buffered; a reader waits on `_waiter`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.idle_since = 0.0
        self.reused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    def pause_writing(self) -> None:
        if self._drain is None or self._drain.done():
            self._drain = self._loop.create_future()

    def resume_writing(self) -> None:
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by the transport ----------------------------------------------------------------

    @property
    def usable(self) -> bool:
        """Idle and still open: nothing arrived while idle (a close, or bytes nobody asked for)."""
        return not self.eof and not self.buffer and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.eof = True

    async def write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        assert self.transport is not None
        if self.eof or self.transport.is_closing():
            raise _StaleConnectionError() if self.reused else httpx.WriteError("connection closed", request=request)
        self.transport.write(data)
        drain = self._drain
        if drain is not None and not drain.done() and not await _wait(self._loop, drain, timeout):
            raise httpx.WriteTimeout("timed out writing the request", request=request)

    async def more(self, timeout: float | None, request: httpx.Request) -> None:
        """Wait until more bytes (or the end) arrive."""
        self._waiter = self._loop.create_future()
        try:
            if not await _wait(self._loop, self._waiter, timeout):
                raise httpx.ReadTimeout("timed out reading the response", request=request)
        finally:
            self._waiter = None


async def _wait(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None], timeout: float | None) -> bool:
    """Await `future`; False when `timeout` seconds passed first (a timer, not a task per wait)."""
    if timeout is None:
        await future
        return True
    timer = loop.call_later(timeout, _expire, future)
    try:
        await future
    finally:
        timer.cancel()
    return not getattr(future, "_lading_expired", False)


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future._lading_expired = True  # type: ignore[attr-defined]  # read back by `_wait`
        future.set_result(None)


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive over asyncio (see the module docstring); one per event loop."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._ssl = ssl_context
        self._idle: dict[_Origin, deque[_Connection]] = {}
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._fallback: httpx.AsyncHTTPTransport | None = None
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._handles(request):
            if self._fallback is None:
                self._fallback = httpx.AsyncHTTPTransport(verify=self._ssl)
            return await self._fallback.handle_async_request(request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        head = _request_head(request)
        body = request.read()  # a `ByteStream` (checked above): its bytes, at no cost
        payload = head + body if body else head
        pool_timeout = timeouts.get("pool")
        try:
            if pool_timeout is None or not self._slots.locked():
                await self._slots.acquire()
            else:
                await asyncio.wait_for(self._slots.acquire(), pool_timeout)
        except TimeoutError:
            raise httpx.PoolTimeout("no connection available in time", request=request) from None
        try:
            try:
                return await self._exchange(request, payload, timeouts, fresh=False)
            except _StaleConnectionError:
                if request.method not in _IDEMPOTENT:
                    raise httpx.RemoteProtocolError("server disconnected without sending a response",
                                                    request=request) from None
                return await self._exchange(request, payload, timeouts, fresh=True)
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        if self._fallback is not None:
            await self._fallback.aclose()

    # -- internals ------------------------------------------------------------------------------

    @staticmethod
    def _handles(request: httpx.Request) -> bool:
        if request.url.scheme not in ("http", "https") or not isinstance(request.stream, httpx.ByteStream):
            return False
        headers = request.headers
        return "expect" not in headers and "upgrade" not in headers

    async def _exchange(self, request: httpx.Request, payload: bytes, timeouts: dict[str, float | None],
                        fresh: bool) -> httpx.Response:
        origin = _origin(request.url)
        conn = None if fresh else self._take_idle(origin)
        if conn is None:
            conn = await self._connect(origin, timeouts.get("connect"), request)
        try:
            await conn.write(payload, timeouts.get("write"), request)
            response, reusable = await _read_response(conn, request, timeouts.get("read"))
        except BaseException:
            conn.close()
            raise
        if reusable and not self._closed:
            self._put_idle(origin, conn)
        else:
            conn.close()
        return response

    def _take_idle(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = time.monotonic()
        while idle:
            conn = idle.pop()  # most recent first: the likeliest still open
            if conn.usable and now - conn.idle_since < KEEPALIVE_EXPIRY:
                conn.reused = True
                return conn
            conn.close()
        return None

    def _put_idle(self, origin: _Origin, conn: _Connection) -> None:
        idle = self._idle.setdefault(origin, deque())
        now = time.monotonic()
        while idle and (now - idle[0].idle_since >= KEEPALIVE_EXPIRY or len(idle) >= MAX_IDLE_PER_ORIGIN):
            idle.popleft().close()  # the oldest ones: expired, or over the cap
        conn.idle_since = now
        idle.append(conn)

    async def _connect(self, origin: _Origin, timeout: float | None, request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self._ssl if scheme == "https" else None
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(loop), host, port, ssl=tls,
                                       server_hostname=host if tls is not None else None), timeout)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        return conn


def _origin(url: httpx.URL) -> _Origin:
    scheme = url.scheme
    return scheme, url.host, url.port or (443 if scheme == "https" else 80)


def _request_head(request: httpx.Request) -> bytes:
    """`METHOD target HTTP/1.1` and the headers httpx built (Host, Content-Length…), validated
    as h11 would: a CR or LF in a header could otherwise smuggle a second request."""
    target = request.url.raw_path
    method = request.method.encode("ascii")
    if not _HEADER_NAME.fullmatch(method) or b" " in target or _BAD_VALUE.search(target):
        raise httpx.LocalProtocolError("invalid request line", request=request)
    lines = [method + b" " + target + b" HTTP/1.1"]
    for name, value in request.headers.raw:
        if not _HEADER_NAME.fullmatch(name) or _BAD_VALUE.search(value):
            raise httpx.LocalProtocolError("illegal header name or value", request=request)
        lines.append(name + b": " + value)
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


async def _read_response(conn: _Connection, request: httpx.Request,
                         timeout: float | None) -> tuple[httpx.Response, bool]:
    """Read one answer (skipping 1xx ones); returns it and whether the connection can be reused."""
    first = True
    while True:
        version, status, reason, headers = await _read_head(conn, request, timeout, first)
        first = False
        if status >= 200 or status == 101:
            break
    if status == 101:
        raise httpx.RemoteProtocolError("unexpected protocol switch", request=request)
    connection = b",".join(v for n, v in headers if n.lower() == b"connection").lower()
    reusable = version == b"HTTP/1.1" and b"close" not in connection
    if reusable and "close" in request.headers.get("connection", "").lower():
        reusable = False  # the caller asked the server to close after this answer
    if version == b"HTTP/1.0":
        reusable = b"keep-alive" in connection
    transfer = b",".join(v for n, v in headers if n.lower() == b"transfer-encoding").lower()
    lengths = {v.strip() for n, v in headers if n.lower() == b"content-length"}
    if request.method == "HEAD" or status in (204, 304):
        body = b""
    elif transfer:
        if not transfer.rstrip().endswith(b"chunked"):
            raise httpx.RemoteProtocolError("unsupported transfer encoding", request=request)
        body = await _read_chunked(conn, request, timeout)
    elif lengths:
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise httpx.RemoteProtocolError("invalid Content-Length", request=request)
        body = await _read_exactly(conn, int(next(iter(lengths))), request, timeout)
    else:
        while not conn.eof:
            await conn.more(timeout, request)
        body = bytes(conn.buffer)
        conn.buffer.clear()
        reusable = False
    if conn.buffer:  # bytes beyond the answer: the connection's framing cannot be trusted
        reusable = False
    response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request,
                              extensions={"http_version": version, "reason_phrase": reason})
    return response, reusable


async def _read_head(conn: _Connection, request: httpx.Request, timeout: float | None,
                     first: bool) -> tuple[bytes, int, bytes, list[tuple[bytes, bytes]]]:
    searched = 0
    while True:
        end = _HEAD_END.search(conn.buffer, max(0, searched - 3))
        if end is not None:
            break
        if len(conn.buffer) > MAX_HEAD_BYTES:
            raise httpx.RemoteProtocolError("response head too large", request=request)
        if conn.eof:
            if first and not conn.buffer and conn.reused:
                raise _StaleConnectionError()
            raise httpx.RemoteProtocolError("server disconnected without sending a complete response",
                                            request=request)
        searched = len(conn.buffer)
        await conn.more(timeout, request)
    raw = bytes(conn.buffer[:end.start()])
    del conn.buffer[:end.end()]
    lines = raw.split(b"\n")
    status_line = lines[0].rstrip(b"\r")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not (len(parts[1]) == 3 and parts[1].isdigit()):
        raise httpx.RemoteProtocolError("malformed status line", request=request)
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip())
            continue
        name, sep, value = line.partition(b":")
        if not sep or not _HEADER_NAME.fullmatch(name):
            raise httpx.RemoteProtocolError("malformed response header", request=request)
        headers.append((name, value.strip(b" \t")))
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else b"", headers


async def _read_exactly(conn: _Connection, size: int, request: httpx.Request, timeout: float | None) -> bytes:
    while len(conn.buffer) < size:
        if conn.eof:
            raise httpx.RemoteProtocolError("server disconnected before the end of the body", request=request)
        await conn.more(timeout, request)
    data = bytes(conn.buffer[:size])
    del conn.buffer[:size]
    return data


async def _read_line(conn: _Connection, request: httpx.Request, timeout: float | None) -> bytes:
    while True:
        end = conn.buffer.find(b"\n")
        if end >= 0:
            line = bytes(conn.buffer[:end]).rstrip(b"\r")
            del conn.buffer[:end + 1]
            return line
        if conn.eof:
            raise httpx.RemoteProtocolError("server disconnected inside a chunked body", request=request)
        if len(conn.buffer) > MAX_HEAD_BYTES:
            raise httpx.RemoteProtocolError("chunk header too large", request=request)
        await conn.more(timeout, request)


async def _read_chunked(conn: _Connection, request: httpx.Request, timeout: float | None) -> bytes:
    parts: list[bytes] = []
    while True:
        size_text = (await _read_line(conn, request, timeout)).split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):
            raise httpx.RemoteProtocolError("malformed chunk size", request=request)
        size = int(size_text, 16)
        if size == 0:
            while await _read_line(conn, request, timeout):  # trailers, up to the empty line
                pass
            return b"".join(parts)
        parts.append(await _read_exactly(conn, size, request, timeout))
        if await _read_line(conn, request, timeout):
            raise httpx.RemoteProtocolError("malformed chunk end", request=request)


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


__all__ = ["LeanTransport", "ProviderClient"]
