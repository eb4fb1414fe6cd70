"""The remote CLI's HTTP exchanges (`lading.cli._http`, on the standard library): what a user relies on
when the server, or the network before it, is not a well-behaved `lading serve` — a server closing
kept-alive connections, an answer cut half-way, a proxy the environment names, a multipart upload."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import run_cli


@dataclass
class RawServer:
    """A one-thread HTTP server on 127.0.0.1 that answers each request with `respond(request bytes)`,
    then closes the connection without saying so (no `Connection: close`) when `close_after` is set."""

    respond: Callable[[bytes], bytes]
    close_after: bool = True
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while True:
                    request = _read_request(conn)
                    if not request:
                        break
                    self.requests.append(request)
                    conn.sendall(self.respond(request))
                    if self.close_after:
                        break

    def close(self) -> None:
        self.listener.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def json_answer(document: object, status: str = "200 OK") -> bytes:
    body = json.dumps(document).encode()
    return f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    made: list[RawServer] = []

    def make(respond: Callable[[bytes], bytes], *, close_after: bool = True) -> RawServer:
        server = RawServer(respond, close_after=close_after)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


def point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LADING_API_URL", url)
    monkeypatch.setenv("LADING_TOKEN", "ldg_transport")
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_a_server_closing_kept_alive_connections_still_answers_every_call(
        raw_server: Callable[..., RawServer], monkeypatch: pytest.MonkeyPatch) -> None:
    """Servers close idle kept-alive connections (their keep-alive timeout); the next call of the same
    process goes on a new connection instead of failing as unreachable."""
    server = raw_server(lambda request: json_answer({"tools": []}))
    point_at(monkeypatch, server.url)
    for _ in range(3):
        assert run_cli("orchestration", "tool", "list") == (0, {"tools": []})
    assert server.connections == 3
    line = server.requests[0].split(b"\r\n")[0]
    assert line == b"GET /v1/orchestration/tools/list HTTP/1.1"
    assert b"\r\nauthorization: Bearer ldg_transport\r\n" in server.requests[0]


def test_kept_alive_calls_share_one_connection(raw_server: Callable[..., RawServer],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    server = raw_server(lambda request: json_answer({"tools": []}), close_after=False)
    point_at(monkeypatch, server.url)
    from lading.cli.remote import target

    remote = target()
    assert remote is not None
    for _ in range(3):
        assert remote.call("GET", "/orchestration/tools/list") == {"tools": []}
    assert server.connections == 1 and len(server.requests) == 3


def test_an_answer_cut_half_way_is_unreachable_not_a_crash(raw_server: Callable[..., RawServer],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"tools\": ["
    server = raw_server(lambda request: cut)
    point_at(monkeypatch, server.url)
    code, out = run_cli("orchestration", "tool", "list")
    assert code == 4 and out["reason"] == "serverUnreachable", out
    assert f"cannot reach the Lading server at {server.url}: IncompleteRead" in out["errorMessage"]
    assert "Traceback" not in out["errorMessage"] and "None" not in out["errorMessage"]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:1", "http://127.0.0.1:notaport", "nonsense"])
def test_a_bad_server_address_is_unreachable(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    point_at(monkeypatch, url)
    code, out = run_cli("orchestration", "tool", "list")
    assert code == 4 and out["reason"] == "serverUnreachable", out
    assert "bad address" in out["errorMessage"]


def test_the_proxy_the_environment_names_carries_the_call(raw_server: Callable[..., RawServer],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`HTTP_PROXY` sends the call through the proxy (absolute URL in the request line); `NO_PROXY`
    naming the server's host sends it straight there."""
    proxy = raw_server(lambda request: json_answer({"tools": [], "via": "proxy"}))
    point_at(monkeypatch, "http://lading.invalid:8900")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert run_cli("orchestration", "tool", "list") == (0, {"tools": [], "via": "proxy"})
    assert proxy.requests[0].split(b"\r\n")[0] == b"GET http://lading.invalid:8900/v1/orchestration/tools/list HTTP/1.1"

    direct = raw_server(lambda request: json_answer({"tools": [], "via": "direct"}))
    point_at(monkeypatch, direct.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert run_cli("orchestration", "tool", "list") == (0, {"tools": [], "via": "direct"})
    assert len(proxy.requests) == 1


def test_a_file_upload_is_one_multipart_body_of_the_declared_length(raw_server: Callable[..., RawServer],
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    """The file travels in chunks with its exact length up front; fields and file arrive as a form
    parser reads them, whatever bytes the file holds."""
    from lading.cli import _http

    payload = bytes(range(256)) * 1000 + b'\r\n--not-a-boundary\r\n"quoted"'
    source = tmp_path / 'odd "name".bin'
    source.write_bytes(payload)
    server = raw_server(lambda request: json_answer({"ok": True}))
    with source.open("rb") as stream:
        answer = _http.request("POST", f"{server.url}/v1/upload", data={"folderUuid": "f-1", "flag": True},
                               files={"file": (source.name, stream, "application/octet-stream")}, timeout=30)
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    assert int(headers["Content-Length"]) == len(body)
    kind, _, boundary = headers["Content-Type"].partition("; boundary=")
    assert kind == "multipart/form-data"
    chunks = body.split(b"--" + boundary.encode())
    assert chunks[0] == b"" and chunks[-1] == b"--\r\n"
    parts = {}
    for chunk in chunks[1:-1]:
        part_head, _, content = chunk[2:-2].partition(b"\r\n\r\n")  # each part: CRLF head CRLFCRLF body CRLF
        parts[part_head.split(b'name="', 1)[1].split(b'"', 1)[0]] = (part_head, content)
    assert parts[b"folderUuid"][1] == b"f-1" and parts[b"flag"][1] == b"true"
    assert parts[b"file"][1] == payload
    assert b'filename="odd %22name%22.bin"' in parts[b"file"][0]
    assert b"Content-Type: application/octet-stream" in parts[b"file"][0]
