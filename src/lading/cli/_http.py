"""The remote CLI's HTTP exchanges, on the standard library's `http.client`.

Why not httpx (the client of the server's tests, the connectors and the engine): a remote read is one
JSON request, and importing httpx costs ~60 ms of every command's start (it loads its own command line
with rich, and anyio) against a 250 ms budget for the whole command (issue 16, decision 171). The CLI
needs little of a client: JSON and form bodies, one multipart file upload, a streamed download,
keep-alive across the calls of one command, HTTPS, and the `*_proxy` environment variables.

Every failure to get an answer at all (refused, reset, timed out, an address naming no server, a
malformed answer) is a `TransportError`; an answer with any status is an `Answer`.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urlsplit

CHUNK_BYTES = 64 * 1024


class TransportError(Exception):
    """No answer at all; the text names what happened (`ConnectionRefusedError`, `TimeoutError` …)."""


@dataclass(frozen=True)
class Answer:
    """A whole answer: status, headers (case-insensitive `get`) and body."""

    status_code: int
    headers: http.client.HTTPMessage
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; `ValueError` when it is not."""
        return jsonlib.loads(self.content)


class StreamedAnswer:
    """An answer whose body is read as it arrives (`iter_bytes`), or whole (`read`)."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.headers = response.headers

    def read(self) -> Answer:
        return Answer(self.status_code, self.headers, _guarded(self._response.read))

    def iter_bytes(self) -> Iterator[bytes]:
        while chunk := _guarded(self._response.read, CHUNK_BYTES):
            yield chunk


FileField = tuple[str, IO[bytes], str]  # (file name, open binary stream, content type)


def request(method: str, url: str, *, headers: Mapping[str, str] | None = None, json: Any = None,
            data: Mapping[str, Any] | None = None, files: Mapping[str, FileField] | None = None,
            content: bytes | None = None, timeout: float) -> Answer:
    """One exchange on this thread's kept-alive connection to the URL's server (made on first use)."""
    body, sent_headers = _body(json=json, data=data, files=files, content=content)
    sent_headers.update(headers or {})
    origin, target = _split(url)
    connection, reused = _pooled(origin, timeout)
    try:
        response = _exchange(connection, method, target, body, sent_headers)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        # The server closed a kept-alive connection between two calls (its idle timeout): the request
        # never reached it, so it goes once more on a new connection. A new connection failing is final.
        _drop(origin)
        if not reused or not _rewinds(body):
            raise TransportError(type(exc).__name__) from None
        connection, _ = _pooled(origin, timeout)
        response = _exchange(connection, method, target, body, sent_headers, may_resend=False)
    answer = Answer(response.status, response.headers, _guarded(response.read))
    if response.will_close:
        _drop(origin)
    return answer


@contextmanager
def stream(method: str, url: str, *, timeout: float) -> Iterator[StreamedAnswer]:
    """An exchange whose body is read as it arrives, on a connection of its own closed afterwards."""
    origin, target = _split(url)
    connection = _connect(origin, timeout)
    try:
        yield StreamedAnswer(_exchange(connection, method, target, None, {}, may_resend=False))
    finally:
        connection.close()


Origin = tuple[str, str, int]  # scheme, host, port


class _Pool(threading.local):
    """Each thread's kept-alive connections (an upload sends its parts from several threads; an
    `http.client` connection carries one exchange at a time)."""

    def __init__(self) -> None:
        self.connections: dict[Origin, http.client.HTTPConnection] = {}


_POOL = _Pool()


def _split(url: str) -> tuple[Origin, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port that is not a number, a bracket left open
        raise TransportError(f"bad address ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("bad address (an http:// or https:// URL is needed)")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)), target


def _pooled(origin: Origin, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """The kept-alive connection to the origin, unless the server has closed it since; else a new one."""
    connection = _POOL.connections.get(origin)
    if connection is not None and not _dropped(connection):
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection, True
    _drop(origin)
    connection = _POOL.connections[origin] = _connect(origin, timeout)
    return connection, False


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """A kept-alive socket the server closed (or wrote to unasked) reads as ready: it cannot be reused."""
    import select

    sock = connection.sock
    if sock is None:
        return False  # never opened: it connects on the request
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _drop(origin: Origin) -> None:
    connection = _POOL.connections.pop(origin, None)
    if connection is not None:
        connection.close()


def _connect(origin: Origin, timeout: float) -> http.client.HTTPConnection:
    scheme, host, port = origin
    proxy = _proxy_for(scheme, host)
    if scheme == "https":
        import ssl

        context = ssl.create_default_context()  # the system's roots, or SSL_CERT_FILE / SSL_CERT_DIR
        if proxy is None:
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        tunnelled = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=timeout, context=context)
        tunnelled.set_tunnel(host, port)
        return tunnelled
    if proxy is None:
        return http.client.HTTPConnection(host, port, timeout=timeout)
    return _ForwardingConnection(proxy[0], proxy[1], timeout=timeout, origin=f"http://{host}:{port}")


class _ForwardingConnection(http.client.HTTPConnection):
    """A plain-HTTP connection to a proxy, which takes each request's absolute URL."""

    def __init__(self, host: str, port: int, *, timeout: float, origin: str) -> None:
        super().__init__(host, port, timeout=timeout)
        self._origin = origin

    def putrequest(self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False) -> None:
        super().putrequest(method, self._origin + url, skip_host, skip_accept_encoding)


def _proxy_for(scheme: str, host: str) -> tuple[str, int] | None:
    """The proxy `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` name for this scheme, unless `NO_PROXY` exempts
    the host (what curl and httpx honour); None when none is set, without loading `urllib.request`."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    from urllib.request import getproxies_environment, proxy_bypass

    proxies = getproxies_environment()
    address = proxies.get(scheme) or proxies.get("all")
    if not address or proxy_bypass(host):  # `NO_PROXY` (on macOS and Windows also the system's list)
        return None
    parts = urlsplit(address if "://" in address else f"http://{address}")
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or 80


def _exchange(connection: http.client.HTTPConnection, method: str, target: str, body: Any,
              headers: Mapping[str, str], *, may_resend: bool = True) -> http.client.HTTPResponse:
    """The answer's head; a connection the server closed is left to the caller when it `may_resend`
    (a kept-alive connection), any other failure is a `TransportError`."""
    try:
        connection.request(method, target, body=_rewound(body), headers=dict(headers))
        return connection.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        if may_resend:
            raise
        connection.close()
        raise TransportError(type(exc).__name__) from None
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        raise TransportError(type(exc).__name__) from None


def _guarded(read: Any, *args: Any) -> bytes:
    """A body read, with a connection lost half-way a `TransportError` like any other."""
    try:
        return bytes(read(*args))
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(type(exc).__name__) from None


class _Multipart:
    """A `multipart/form-data` body sent as it is read: the fields, then each file in chunks, so a large
    upload never sits in memory whole. Its length is known up front (no chunked encoding)."""

    def __init__(self, data: Mapping[str, Any], files: Mapping[str, FileField]) -> None:
        self.boundary = secrets.token_hex(16)
        self._data = data
        self._files = files
        self._starts = {name: stream.tell() for name, (_, stream, _) in files.items()}

    def _field_head(self, name: str) -> bytes:
        return f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()

    def _file_head(self, name: str, filename: str, content_type: str) -> bytes:
        return (f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"; '
                f'filename="{_quoted(filename)}"\r\nContent-Type: {content_type}\r\n\r\n').encode()

    def __len__(self) -> int:
        size = len(f"--{self.boundary}--\r\n")
        for name, value in self._data.items():
            size += len(self._field_head(name)) + len(_form_text(value).encode()) + 2
        for name, (filename, stream, content_type) in self._files.items():
            size += len(self._file_head(name, filename, content_type)) + _remaining(stream, self._starts[name]) + 2
        return size

    def rewind(self) -> None:
        for name, (_, stream, _) in self._files.items():
            stream.seek(self._starts[name])

    def __iter__(self) -> Iterator[bytes]:
        for name, value in self._data.items():
            yield self._field_head(name) + _form_text(value).encode() + b"\r\n"
        for name, (filename, stream, content_type) in self._files.items():
            yield self._file_head(name, filename, content_type)
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk
            yield b"\r\n"
        yield f"--{self.boundary}--\r\n".encode()


def _body(*, json: Any, data: Mapping[str, Any] | None, files: Mapping[str, FileField] | None,
          content: bytes | None) -> tuple[Any, dict[str, str]]:
    """The body to send and the headers that describe it."""
    if files:
        multipart = _Multipart(data or {}, files)
        return multipart, {"Content-Type": f"multipart/form-data; boundary={multipart.boundary}",
                           "Content-Length": str(len(multipart))}
    if data is not None:
        encoded = "&".join(f"{quote(str(k), safe='')}={quote(_form_text(v), safe='')}" for k, v in data.items())
        return encoded.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    if json is not None:
        return (jsonlib.dumps(json, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(),
                {"Content-Type": "application/json"})
    if content is not None:
        return content, {"Content-Length": str(len(content))}
    return None, {}


def _rewound(body: Any) -> Any:
    if isinstance(body, _Multipart):
        body.rewind()
        return iter(body)
    return body


def _rewinds(body: Any) -> bool:
    """Whether the body can be sent a second time (a multipart body rewinds its files)."""
    return body is None or isinstance(body, (bytes, _Multipart))


def _remaining(stream: IO[bytes], start: int) -> int:
    return os.fstat(stream.fileno()).st_size - start


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _quoted(text: str) -> str:
    """A name or file name inside a quoted header parameter (the HTML form encoding)."""
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
