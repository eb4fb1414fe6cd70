"""A real HTTP server on 127.0.0.1 standing in for a third-party API in tests.

Routes map (METHOD, path) to a fixed answer or a function of the recorded request; every request
is recorded so tests can check exactly what the provider would receive (path, auth, body).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    # The request target as sent (path and raw, still URL-encoded query string).
    target: str = ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Recorded], Answer]


class FakeProvider:
    """Start with `with fake_provider() as fake:`; `fake.url` is its base URL."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], Handler | Answer | list[Answer]] = {}
        self._lock = threading.Lock()
        self.url = ""
        # Answers every request no route matches (e.g. an echo of the request), when set.
        self.fallback: Handler | None = None

    def route(self, method: str, path: str, answer: Handler | Answer | list[Answer]) -> None:
        """A list of answers is served in order (the last one repeats)."""
        self._routes[(method.upper(), path)] = answer

    def _answer(self, rec: Recorded) -> Answer:
        with self._lock:
            self.requests.append(rec)
            target = self._routes.get((rec.method, rec.path))
            if target is None and self.fallback is not None:
                target = self.fallback
            if target is None:
                return Answer(404, {"error": f"no fake route for {rec.method} {rec.path}"})
            if isinstance(target, list):
                return target.pop(0) if len(target) > 1 else target[0]
        if isinstance(target, Answer):
            return target
        return target(rec)


def _handler_class(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class _H(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rec = Recorded(self.command, parts.path, parse_qs(parts.query),
                           {k.lower(): v for k, v in self.headers.items()}, body, self.path)
            answer = fake._answer(rec)
            payload = answer.body
            if isinstance(payload, (dict, list)) or payload is None:
                data = json.dumps(payload).encode() if payload is not None else b""
                ctype = "application/json"
            else:
                data = payload.encode() if isinstance(payload, str) else payload
                ctype = "text/plain"
            self.send_response(answer.status)
            headers = {"Content-Type": ctype, **answer.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, *args: Any) -> None:
            pass

    return _H


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
