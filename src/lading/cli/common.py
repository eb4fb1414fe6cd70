"""Helpers shared by command modules: opening the session lazily, help flags, option parsing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lading.services.session import Session

# Sessions this command opened: once it is done, work their services announced is handed over.
_opened: list[Session] = []


def session() -> Session:
    from lading.services.wiring import open_session

    opened = open_session()
    _opened.append(opened)
    return opened


def settle_opened_sessions() -> None:
    """Hand over the work this command's services left behind (a play's batch, a new schedule).

    Called once the command has answered; imports the worker role only when there is work."""
    announced = [s for s in _opened if s.work.announced]
    _opened.clear()
    if announced:
        from lading.worker import settle

        for opened in announced:
            settle(opened)


def help_settings() -> dict[str, Any]:
    return {"help_option_names": ["-h", "--help"]}


def parse_date_option(flag: str, raw: str | None) -> datetime | None:
    """A date option (`--created-after`, `--created-before`) as the store's naive UTC, None when absent.

    Accepted: `YYYY-MM-DD` (00:00 UTC) or an ISO 8601 date-time; a `Z` or an offset is converted to UTC,
    a date-time without one is taken as UTC. Anything else is a usage error (exit 2) naming the flag."""
    from datetime import UTC

    from lading.domain.errors import UsageError

    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"error: option '{flag}' must be an ISO 8601 date or datetime") from exc
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
