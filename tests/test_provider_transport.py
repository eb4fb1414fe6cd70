"""Provider HTTP on httpx-aiohttp (`integrations._transport`): what a provider sends back is
read as httpx would read it, connections are kept alive and reused, and what could go wrong on a
reused or hostile connection fails cleanly (a retry, or a ProviderError) — against a raw local
server whose answers each test scripts byte for byte."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from lading.integrations._http import ProviderHttp
from lading.integrations._sdk import ProviderError, RateLimit

Answer = Callable[[bytes], bytes | None]  # request head → raw answer bytes (None: close instead)


class RawServer:
    """An asyncio server answering each request head with `answer(head)`; records connections."""

    def __init__(self, answer: Answer, close_after: int | None = None) -> None:
        self.answer = answer
        self.close_after = close_after  # close each connection after this many answers
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []
        self.connections = 0
        self.url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                self.heads.append(head)
                self.bodies.append(await reader.readexactly(length) if length else b"")
                raw = self.answer(head)
                if raw is None:
                    break
                writer.write(raw)
                await writer.drain()
                answered += 1
                if self.close_after is not None and answered >= self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> Answer:
    return lambda _head: (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


def http(base_url: str = "") -> ProviderHttp:
    return ProviderHttp("http", "HTTP", base_url, RateLimit(requests_per_second=10_000, max_concurrency=100))


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(scenario())


def test_keep_alive_reuses_one_connection_and_sends_what_httpx_built() -> None:
    async def scenario() -> RawServer:
        async with RawServer(ok()) as server:
            client = http(server.url)
            for i in range(5):
                response = await client.request("POST", f"/items?page={i}", json={"n": i},
                                                headers={"X-Team": "growth"})
                assert response.status_code == 200 and response.json() == {"ok": True}
            return server

    server = run(scenario)
    assert server.connections == 1
    first = server.heads[0].decode()
    assert first.startswith("POST /items?page=0 HTTP/1.1\r\n")
    lowered = first.lower()  # header names are case-insensitive (aiohttp sends httpx's lower-case ones)
    assert "\r\nhost: 127.0.0.1:" in lowered and "\r\nx-team: growth\r\n" in lowered
    assert "\r\ncontent-type: application/json\r\n" in lowered
    assert server.bodies[4] == b'{"n":4}'


def test_concurrent_calls_open_connections_as_needed_then_reuse_them() -> None:
    async def scenario() -> RawServer:
        async with RawServer(ok()) as server:
            client = http(server.url)
            for _ in range(3):
                answers = await asyncio.gather(*(client.request("GET", "/x") for _ in range(20)))
                assert all(a.status_code == 200 for a in answers)
            return server

    server = run(scenario)
    assert len(server.heads) == 60
    assert server.connections <= 20


def test_chunked_gzip_answer_is_decoded() -> None:
    payload = gzip.compress(b'{"name":"Ada","items":[1,2,3]}')
    chunks = b"".join(f"{len(part):x};ext=1\r\n".encode() + part + b"\r\n"
                      for part in (payload[:7], payload[7:]))
    raw = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\nX-Trailer: t\r\n\r\n")

    async def scenario() -> tuple[Any, int]:
        async with RawServer(lambda _h: raw) as server:
            client = http(server.url)
            first = (await client.request("GET", "/a")).json()
            second = (await client.request("GET", "/b")).json()
            assert first == second
            return first, server.connections

    body, connections = run(scenario)
    assert body == {"name": "Ada", "items": [1, 2, 3]}
    assert connections == 1  # the chunked framing left the connection reusable


def test_head_204_and_informational_answers_carry_no_body() -> None:
    def answer(head: bytes) -> bytes:
        if head.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
        if b"/empty" in head.split(b"\r\n")[0]:
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        return (b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")

    async def scenario() -> tuple[list[Any], int]:
        async with RawServer(answer) as server:
            client = http(server.url)
            head = await client.request("HEAD", "/h")
            empty = await client.request("DELETE", "/empty")
            hinted = await client.request("GET", "/hinted")
            return [(head.status_code, head.content, head.headers["content-length"]),
                    (empty.status_code, empty.content), (hinted.status_code, hinted.text)], server.connections

    answers, connections = run(scenario)
    assert answers == [(200, b"", "1234"), (204, b""), (200, "hi")]
    assert connections == 1


def test_http10_answer_read_to_the_close() -> None:
    async def scenario() -> tuple[str, str, int]:
        raw = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
        async with RawServer(lambda _h: raw, close_after=1) as server:
            client = http(server.url)
            first = await client.request("GET", "/1")
            second = await client.request("GET", "/2")
            return first.text, second.text, server.connections

    assert run(scenario) == ("until the end", "until the end", 2)


def test_a_keep_alive_connection_the_server_closed_is_replaced() -> None:
    """The server closes after each answer although it did not say so: the next call must not fail."""
    async def scenario() -> tuple[list[int], int]:
        async with RawServer(ok(), close_after=1) as server:
            client = http(server.url)
            codes = []
            for _ in range(4):
                codes.append((await client.request("GET", "/x")).status_code)
                await asyncio.sleep(0.05)  # the close reaches the idle connection
            return codes, server.connections

    codes, connections = run(scenario)
    assert codes == [200] * 4 and connections == 4


def test_a_close_racing_the_request_is_retried_for_get_only() -> None:
    """The server reads the request, then closes without answering (a keep-alive timeout racing
    the request): an idempotent request is sent again on a fresh connection, a POST is not."""
    async def scenario() -> tuple[int, str, int]:
        state = {"n": 0}

        def answer(_head: bytes) -> bytes | None:
            state["n"] += 1
            return None if state["n"] in (2, 4) else ok()(_head)

        async with RawServer(answer) as server:
            client = http(server.url)
            assert (await client.request("GET", "/1")).status_code == 200
            retried = await client.request("GET", "/2")  # answer 2 dropped, 3 answers the retry
            with pytest.raises(ProviderError) as failed:
                await client.request("POST", "/3", json={})  # answer 4 dropped: not sent twice
            return retried.status_code, failed.value.message, len(server.heads)

    status, message, requests = run(scenario)
    assert status == 200
    assert "could not reach" in message and "RemoteProtocolError" in message
    assert requests == 4


def test_header_injection_is_refused_before_anything_is_sent() -> None:
    async def scenario() -> tuple[str, int]:
        async with RawServer(ok()) as server:
            client = http(server.url)
            with pytest.raises(ProviderError) as refused:
                await client.request("GET", "/x", headers={"X-Note": "a\r\nX-Injected: 1"})
            return refused.value.message, len(server.heads)

    message, requests = run(scenario)
    assert "could not reach" in message and requests == 0


def test_read_timeout_is_a_provider_error_naming_the_host_only() -> None:
    async def scenario() -> str:
        server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(ProviderError) as timed_out:
                await http().request("GET", f"http://127.0.0.1:{port}/slow?key=secret", timeout=0.2)
        finally:
            server.close()
        return timed_out.value.message

    message = run(scenario)
    assert "timed out" in message and "secret" not in message


def test_connection_refused_is_a_provider_error() -> None:
    async def scenario() -> str:
        server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        with pytest.raises(ProviderError) as refused:
            await http().request("GET", f"http://127.0.0.1:{port}/")
        return refused.value.message

    assert "could not reach http://127.0.0.1" in run(scenario)


def test_redirects_are_followed_by_provider_http_and_cookies_are_not_kept() -> None:
    def answer(head: bytes) -> bytes:
        if b" /old " in head.split(b"\r\n")[0]:
            return (b"HTTP/1.1 302 Found\r\nLocation: /new\r\nSet-Cookie: sid=abc; Path=/\r\n"
                    b"Content-Length: 0\r\n\r\n")
        return ok(b'{"moved":true}')(head)

    async def scenario() -> tuple[Any, list[bytes]]:
        async with RawServer(answer) as server:
            client = http(server.url)
            moved = await client.request("GET", "/old")
            again = await client.request("GET", "/new")
            assert again.json() == {"moved": True}
            return moved.json(), server.heads

    body, heads = run(scenario)
    assert body == {"moved": True}
    assert [h.split(b"\r\n")[0] for h in heads] == [b"GET /old HTTP/1.1", b"GET /new HTTP/1.1", b"GET /new HTTP/1.1"]
    assert not any(b"cookie:" in h.lower() for h in heads)


def test_malformed_answers_fail_cleanly() -> None:
    answers = [b"NOT HTTP\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
               b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]

    async def scenario(raw: bytes) -> str:
        async with RawServer(lambda _h: raw, close_after=1) as server:
            with pytest.raises(ProviderError) as failed:
                await http(server.url).request("GET", "/x")
            return failed.value.message

    for raw in answers:  # an httpx failure, named without a stack trace
        assert asyncio.run(scenario(raw)).endswith((": RemoteProtocolError", ": ReadError"))



# -- the short path (`DirectSender`): the same request and the same answer as httpx's own ----------


def _sent_both_ways(method: str, path: str, **options: Any) -> tuple[bytes, bytes, Any, Any]:
    """The raw request head and body a call puts on the wire through the short path, then through
    httpx's client (the pool's own), and the two answers."""
    from lading.integrations import _http

    async def scenario() -> tuple[bytes, bytes, Any, Any, bytes, bytes]:
        answer = ok(b'{"ok":true}', b"Set-Cookie: sid=1\r\nX-Echo: e\r\n")
        async with RawServer(answer) as server:
            url = server.url + path
            pool = _http._pool()
            client = pool.pick()
            assert pool.direct is not None and pool.direct.covers(url, options.get("headers"), None, None)
            direct = await pool.direct.send(method, url, options.get("headers"), options.get("json"),
                                            options.get("content"), 30.0)
            full = await client.request(method, url, **options)
            return (server.heads[0], server.bodies[0], direct, full, server.heads[1], server.bodies[1])

    head, body, direct, full, full_head, full_body = run(scenario)
    assert sorted(head.lower().split(b"\r\n")) == sorted(full_head.lower().split(b"\r\n"))
    assert body == full_body
    return head, body, direct, full


@pytest.mark.parametrize("method,path,options", [
    ("GET", "/items?page=2&q=a,b", {"headers": {"Authorization": "Bearer k", "Accept": "text/csv"}}),
    ("POST", "/items", {"json": {"name": "Zoë", "tags": ["a"], "n": 1.5}}),
    ("POST", "/raw", {"content": "plain text", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/empty", {}),
    ("PUT", "/items/7", {"content": b"\x00\x01", "headers": {"user-agent": "custom"}}),
    ("DELETE", "/items/7", {}),
])
def test_the_short_path_sends_and_reads_what_httpx_does(method: str, path: str, options: dict[str, Any]) -> None:
    _head, _body, direct, full = _sent_both_ways(method, path, **options)
    assert (direct.status_code, direct.json(), list(direct.headers.multi_items())) == \
        (full.status_code, full.json(), list(full.headers.multi_items()))
    assert str(direct.request.url) == str(full.request.url) and direct.request.method == full.request.method


def test_the_short_path_leaves_a_redirect_as_httpx_would_build_it() -> None:
    def answer(head: bytes) -> bytes:
        return b"HTTP/1.1 303 See Other\r\nLocation: /done?x=1\r\nContent-Length: 0\r\n\r\n"

    async def scenario() -> tuple[str, Any, Any]:
        from lading.integrations import _http

        async with RawServer(answer) as server:
            pool = _http._pool()
            client = pool.pick()
            assert pool.direct is not None
            url = server.url + "/form"
            moved = await pool.direct.send("POST", url, {"X-Team": "a"}, {"a": 1}, None, 30.0)
            full = await client.request("POST", url, headers={"X-Team": "a"}, json={"a": 1})
            return server.url, moved, full

    base, moved, full = run(scenario)
    assert moved.status_code == 303 and moved.next_request is not None and full.next_request is not None
    assert (moved.next_request.method, str(moved.next_request.url)) == ("GET", base + "/done?x=1")
    assert list(moved.next_request.headers.multi_items()) == list(full.next_request.headers.multi_items())
    assert moved.next_request.read() == full.next_request.read() == b""


URL_TEXT = st.lists(st.sampled_from(["a", "Z", "09", "-", ".", "..", "_~", "!$&'()*+,;=", ":", "@", "/", "?",
                                     "%2F", "%2f", "%", "%zz", "#", "[", "]", " ", "é", "\\", "\"", "<", "{", "|",
                                     "^", "`"] + ["b", "x/y", "q=1&r=2", "?page=3", "/v1/items", "Ab-9"] * 8),
                    max_size=10).map("".join)


@given(host=st.sampled_from(["example.com", "127.0.0.1", "api.example.com", "api.Example.com", "a..b", "x.",
                             "-x", "h"]),
       port=st.sampled_from(["", ":80", ":443", ":8080", ":0"]),
       scheme=st.sampled_from(["http", "https", "HTTP"]), rest=URL_TEXT)
@settings(max_examples=1000, deadline=None)
def test_a_url_on_the_short_path_is_one_httpx_would_send_as_written(host: str, port: str, scheme: str,
                                                                   rest: str) -> None:
    """What the short path hands to aiohttp unparsed must be exactly what httpx would have sent."""
    import httpx

    from lading.integrations._transport import _NOT_AS_WRITTEN, _PLAIN_URL

    url = f"{scheme}://{host}{port}/{rest}"
    event("short path" if _PLAIN_URL.fullmatch(url) and not _NOT_AS_WRITTEN.search(url) else "full path")
    if _PLAIN_URL.fullmatch(url) is None or _NOT_AS_WRITTEN.search(url):
        return
    assert str(httpx.URL(url)) == url
