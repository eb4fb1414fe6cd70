"""What the `orchestration run|batch|record …` commands need beyond `answer` to work remotely (spec
C §3.1): request bodies from their parsed flags, and files streamed back through the export link of
their HTTP route (api.md §12), so each prints what the embedded command prints. Waiting is
`_waiting` (polling with `_remote_answers.poll_until_terminal`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lading.cli.remote import Target


def body_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Parsed flags (snake_case) as a request body: camelCase keys, dates as ISO 8601 UTC, unset
    flags left out."""
    from lading.cli.remote import camel_key

    body: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat(timespec="milliseconds") + "Z"
        body[camel_key(name)] = value
    return body


def export_chunks(remote: Target, path: str, body: Mapping[str, Any]) -> Iterator[bytes]:
    """The bytes of the export file the route `path` links to, streamed (never held whole)."""
    from lading.cli import _http
    from lading.cli.remote import TIMEOUT_SECONDS, parse_answer, unreachable

    link = remote.call("POST", path, body=dict(body))["url"]
    try:
        with _http.stream("GET", link, timeout=TIMEOUT_SECONDS) as response:
            if response.status_code >= 400:
                parse_answer(response.read())
            yield from response.iter_bytes()
    except _http.TransportError as exc:
        raise unreachable(remote.api_url, exc) from None


def copy_to_stdout(chunks: Iterator[bytes]) -> None:
    """Write an export's bytes to stdout as they arrive."""
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    for chunk in chunks:
        if out is not None:
            out.write(chunk)
        else:  # an in-memory stdout (tests): text
            sys.stdout.write(chunk.decode("utf-8"))
    sys.stdout.flush()


def lines_of(chunks: Iterator[bytes]) -> Iterator[str]:
    """Text lines (without their newline) of a UTF-8 byte stream."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        yield from complete
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending
