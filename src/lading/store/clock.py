"""Time as the store keeps it: naive UTC datetimes, printed as ISO 8601 with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, naive UTC (the store's representation on both backends)."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    """`2025-01-15T10:00:00.123Z`, or None."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite may hand back text from raw SQL
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"
