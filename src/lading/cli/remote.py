"""Remote mode of the CLI: the same commands, answered by a Lading server over HTTP (spec C §3.1).

Remote mode is on when `LADING_API_URL` and `LADING_TOKEN` are both set (the environment wins), or
when `lading login --token … --api-url …` stored credentials in `$LADING_HOME/credentials.json` (0600).
A command then sends the route of its verb (api.md) and prints the server's answer as it is: the
server answers with the same service function the embedded command calls, so the JSON is the same,
and a failure is the same error document with the same exit code (3 for `unauthorized`/`forbidden`,
4 when the server cannot be reached).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lading.domain.errors import LadingError

CREDENTIALS = "credentials.json"
TIMEOUT_SECONDS = 360.0


class RemoteError(LadingError):
    """The server's error document, printed as the server wrote it."""

    def __init__(self, status: int, document: dict[str, Any]) -> None:
        super().__init__(str(document.get("errorMessage") or "request failed"), reason=document.get("reason"),
                         status_code=status)
        self.document = document
        if document.get("reason") in ("unauthorized", "forbidden") or status in (401, 403):
            self.exit_code = 3

    def to_document(self) -> dict[str, Any]:
        # The embedded CLI leaves out empty `details`; the API always sends it (api.md §0.3).
        return {k: v for k, v in self.document.items() if not (k == "details" and v == {})}


class UnreachableError(LadingError):
    """No answer from the server (refused, timed out, bad address): exit code 4."""

    exit_code = 4
    status_code = 503
    default_reason = "networkError"


@dataclass(frozen=True)
class Target:
    """The server a remote CLI speaks to, and the token it presents."""

    api_url: str
    token: str
    source: str  # "environment" | "credentials"

    def call(self, method: str, path: str, *, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        """One request; the answer's JSON, or the server's error raised as `RemoteError`."""

        url = f"{self.api_url}/v1{request_path(path)}"
        if query:
            encoded = encode_query(query)
            if encoded:
                url = f"{url}?{encoded}"
        if method != "GET" and body is not None:
            refuse_non_finite(body)
        response = self._send(method, url, json=body if method != "GET" else None,
                              headers={"x-cargo-origin": "lading-cli"})
        return parse_answer(response)

    def raw(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request whose answer is not JSON (documentation) or whose headers count (a query's truncation),
        or whose body is a form or a file: the whole answer (`_http.Answer`)."""

        response = self._send(method, f"{self.api_url}/v1{request_path(path)}", **kwargs)
        if response.status_code >= 400:
            parse_answer(response)
        return response

    def _send(self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        """One request bearing the token; no answer at all (refused, timed out) is `UnreachableError`."""
        from lading.cli import _http

        try:
            return _http.request(method, url, headers={"authorization": f"Bearer {self.token}", **(headers or {})},
                                 timeout=TIMEOUT_SECONDS, **kwargs)
        except _http.TransportError as exc:
            raise unreachable(self.api_url, exc) from None


def unreachable(api_url: str, exc: Exception) -> UnreachableError:
    """The error of a request that got no answer from the server at `api_url`."""
    return UnreachableError(f"cannot reach the Lading server at {api_url}: {exc}", reason="serverUnreachable")


def camel_key(name: str) -> str:
    """A flag's keyword as the route's body key (`model_uuid` → `modelUuid`), Pydantic's alias rule
    written out: remote commands load no Pydantic (~40 ms of a start)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def refuse_non_finite(value: Any, path: str = "") -> None:
    """JSON carries no NaN or infinity (a flag typed `nan`, `-inf` or `1e400`): refused as bad input,
    naming the field, rather than failing to encode the request."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        from lading.domain.errors import ValidationError

        raise ValidationError(f"{path or 'the value'} must be a finite number", reason="invalidData")
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_non_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            refuse_non_finite(item, f"{path}[{index}]")


def request_path(path: str) -> str:
    """A route path with the ids a user typed in it, as it can travel in a URL.

    Each character a URL cannot carry as is (a space, `?`, `#`, `%`, a control character) is
    percent-encoded, so the route receives the id as typed and answers what the embedded command
    answers for it (`runNotFound` …) instead of the request failing. An id that is empty, `.` or `..`
    cannot be addressed at all (`/orchestration/runs/` is the collection, and a client resolves dot
    segments into another route): it names nothing, so the answer is the resource's not-found error,
    as the embedded command gives, without a request. (An id holding `/` still reaches no route of its
    resource: the server routes on the decoded path.)"""
    segments = path.split("/")
    for at, segment in enumerate(segments[1:], start=1):
        if segment in ("", ".", "..") and at > 1:
            raise _not_found(segments[at - 1], segment)
    return quote(path, safe="/")


def _not_found(collection: str, typed: str) -> LadingError:
    from lading.domain.errors import NotFoundError

    noun = collection[:-2] if collection.endswith("hes") else collection.removesuffix("s")
    return NotFoundError(f"{noun[:1].upper()}{noun[1:]} not found: {typed}", reason=f"{noun}NotFound")


def parse_answer(response: Any) -> Any:
    try:
        document = response.json()
    except ValueError:
        document = None
    if response.status_code >= 400:
        if not isinstance(document, dict) or "errorMessage" not in document:
            document = {"errorMessage": f"the server answered HTTP {response.status_code}", "reason": "unknown",
                        "status": response.status_code, "statusCode": response.status_code}
        raise RemoteError(response.status_code, document)
    if document is None:
        raise RemoteError(502, {"errorMessage": "the server's answer is not JSON", "reason": "unknown",
                                "status": 502, "statusCode": 502})
    return document


def _encode_pairs(prefix: str, value: Any, pairs: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        pairs.append((prefix, "true" if value else "false"))
    elif isinstance(value, dict):
        for key, item in value.items():
            _encode_pairs(f"{prefix}[{key}]", item, pairs)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _encode_pairs(f"{prefix}[{index}]" if isinstance(item, (dict, list)) else f"{prefix}[]", item, pairs)
    else:
        pairs.append((prefix, str(value)))


def encode_query(fields: Mapping[str, Any]) -> str:
    """Fields as the Cargo client (Axios) writes a query string: `k[]=v` arrays, `k[sub]=v` objects."""
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        _encode_pairs(key, value, pairs)
    return "&".join(f"{quote(k, safe='')}={quote(v, safe=':$,')}" for k, v in pairs)


def credentials_path(home: Path) -> Path:
    return home / CREDENTIALS


def target() -> Target | None:
    """The server this CLI speaks to, or None in embedded mode."""
    url = os.environ.get("LADING_API_URL") or ""
    token = os.environ.get("LADING_TOKEN") or ""
    if url and token:
        return Target(api_url=url.rstrip("/"), token=token, source="environment")
    from lading.settings import load_settings

    path = credentials_path(load_settings().home)
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(stored, dict) and stored.get("apiUrl") and stored.get("token"):
        return Target(api_url=str(stored["apiUrl"]).rstrip("/"), token=str(stored["token"]), source="credentials")
    return None


def store_credentials(home: Path, api_url: str, token: str, workspace_uuid: str) -> Path:
    """Write the credentials file readable by its owner only (0600), replacing any earlier one."""
    home.mkdir(parents=True, exist_ok=True)
    path = credentials_path(home)
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"apiUrl": api_url.rstrip("/"), "token": token, "workspaceUuid": workspace_uuid}, handle)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    return path
