"""Cron arithmetic of the scheduler: which tick of a cron expression is due, in which timezone.

Times go in and out as the store keeps them (naive UTC); a trigger's IANA `timezone` only decides
where the expression's fields are read (`0 9 * * *` in `Europe/Paris` is 08:00 UTC in winter,
07:00 UTC in summer). Missed ticks collapse: `latest_due` returns only the most recent tick, so a
scheduler that was down for many periods fires once, not once per period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _zone(timezone: str | None) -> ZoneInfo:
    return ZoneInfo(timezone or "UTC")


def _local(moment: datetime, timezone: str | None) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(_zone(timezone))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def latest_due(cron: str, timezone: str | None, after: datetime, now: datetime) -> datetime | None:
    """The latest tick `t` with `after < t <= now`, or None when no tick fell in that window."""
    from croniter import croniter

    if now <= after:
        return None
    # croniter's get_prev excludes its start; one microsecond past `now` makes a tick at `now` count.
    tick = _naive_utc(croniter(cron, _local(now + timedelta(microseconds=1), timezone)).get_prev(datetime))
    return tick if after < tick <= now else None
