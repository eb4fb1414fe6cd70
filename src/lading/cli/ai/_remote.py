"""What the `lading ai …` commands share beyond `cli.common.answer`: commands that need no store
(templates, the language-model catalog, trying an MCP server) answer from the server's route in remote
mode and from the service alone otherwise, without opening the embedded store; and request bodies from
the flags that were given."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def answer_without_store(method: str, path: str, *, local: Callable[[], Any], body: Any = None,
                         query: Mapping[str, Any] | None = None,
                         wrap: Callable[[Any], Any] | None = None) -> Any:
    """The route's answer in remote mode (passed through `wrap` when the CLI prints more than the route
    answers), else `local()`."""
    from lading.cli.remote import target

    remote = target()
    if remote is None:
        return local()
    answered = remote.call(method, path, body=body, query=query)
    return wrap(answered) if wrap is not None else answered


def present(**fields: Any) -> dict[str, Any]:
    """The fields that were given (not None), for a request body or query string."""
    return {key: value for key, value in fields.items() if value is not None}
