"""What the orchestration commands need beyond `answer` to behave the same in remote mode: the
CLI's reason codes where the HTTP face renames a refusal, and waiting for a run or batch the server
executes by polling its documented route."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lading.cli.common import answer

if TYPE_CHECKING:
    from lading.cli.remote import Target
    from lading.services.session import Session

# The first poll comes soon (a small run finishes in milliseconds); the gap then doubles up to the
# command's `--polling-interval`.
_FIRST_POLL_SECONDS = 0.02


def answer_in_cli_words(method: str, path: str, *, local: Callable[[Session], Any], renames: Mapping[str, str],
                        body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
    """`answer`, with a remote refusal renamed back to the CLI's reason (see `http_reasons`)."""
    from lading.cli.remote import RemoteError
    from lading.services.orchestration.http_reasons import for_cli

    try:
        return answer(method, path, local=local, body=body, query=query)
    except RemoteError as exc:
        renamed = for_cli(exc.document, renames)
        if renamed is exc.document:
            raise
        raise RemoteError(exc.status_code, renamed) from None


def poll_until_terminal(target: Target, path: str, key: str, polling_interval_ms: int,
                        on_poll: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """GET `path` until its `key` object (a run or a batch) has a terminal status; the last answer."""
    from lading.domain.nodes import TERMINAL_STATUSES

    ceiling = max(polling_interval_ms, 1) / 1000
    pause = min(_FIRST_POLL_SECONDS, ceiling)
    while True:
        document = target.call("GET", path)
        if on_poll is not None:
            on_poll(document[key])
        if document[key]["status"] in TERMINAL_STATUSES:
            return dict(document)
        time.sleep(pause)
        pause = min(pause * 2, ceiling)
