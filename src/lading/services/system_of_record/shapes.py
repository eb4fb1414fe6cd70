"""The JSON shapes `system-of-record …` answers (data spec §6.3), for the CLI and the API alike."""

from __future__ import annotations

from typing import Any, Literal

from lading.domain.shapes import Shape


class SystemOfRecord(Shape):
    """The one system of record of a workspace: its own storage, queried in `language`."""

    uuid: str
    workspace_uuid: str
    slug: str
    name: str
    kind: str
    language: str


class Queried(Shape):
    """A query that ran: its rows (`client query|fetch`)."""

    outcome: Literal["queried"] = "queried"
    rows: list[dict[str, Any]]


class Downloaded(Shape):
    """A query that ran into a file (`client download`): the file's link in place of the rows."""

    outcome: Literal["queried"] = "queried"
    url: str


class NotQueried(Shape):
    """A query refused by the guard or failed in the engine: an outcome, not a command failure."""

    outcome: Literal["notQueried"] = "notQueried"
    error_message: str
