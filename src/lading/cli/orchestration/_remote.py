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
    from pydantic.alias_generators import to_camel

    body: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat(timespec="milliseconds") + "Z"
        body[to_camel(name)] = value
    return body


def export_chunks(remote: Target, path: str, body: Mapping[str, Any]) -> Iterator[bytes]:
    """The bytes of the export file the route `path` links to, streamed (never held whole)."""
    import httpx

    from lading.cli.remote import UnreachableError, parse_answer

    link = remote.call("POST", path, body=dict(body))["url"]
    try:
        with httpx.stream("GET", link, timeout=360.0) as response:
            if response.status_code >= 400:
                response.read()
                parse_answer(response)
            yield from response.iter_bytes()
    except httpx.HTTPError as exc:
        raise UnreachableError(f"cannot reach the Lading server at {remote.api_url}: {type(exc).__name__}",
                               reason="serverUnreachable") from None


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
