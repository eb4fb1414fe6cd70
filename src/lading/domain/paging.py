"""`--limit` / `--offset` of list commands (spec: pagination, maximum 1,000)."""

from __future__ import annotations

from lading.domain.errors import ValidationError

MAX_LIMIT = 1000


def check_page(limit: int, offset: int, *, maximum: int = MAX_LIMIT) -> None:
    """Refuse a page the stores would read differently: SQLite takes a negative LIMIT as "no limit"
    and PostgreSQL refuses it, so both get this answer first."""
    if not 1 <= limit <= maximum:
        raise ValidationError(f"--limit must be between 1 and {maximum:,}", reason="invalidLimit")
    if offset < 0:
        raise ValidationError("--offset cannot be negative", reason="invalidOffset")
