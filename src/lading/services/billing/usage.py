"""`billing usage get-metrics` (`GET /billing/usage/metrics`): executions, credits and storage records
per UTC day (spec §7), for workspace admins only."""

from __future__ import annotations

from datetime import date
from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.services.access import require_admin
from lading.services.billing import shapes
from lading.services.session import Session

MAX_DAYS = 366
# The short unit names Cargo's documents use (A §7.1), read as the canonical unit; answers name the
# canonical unit only (its slugs), so an alias changes nothing but what may be typed.
UNIT_ALIASES = {"credits": "billing.credits", "executions": "orchestration.executions", "records": "storage.records"}


def canonical_unit(unit: str | None) -> str | None:
    """`--unit` as one of the three units (an alias read as its unit); anything else is `invalidUnit`."""
    from lading.analytics.usage import UNITS

    if unit is None:
        return None
    chosen = UNIT_ALIASES.get(unit.strip().lower(), unit) if isinstance(unit, str) else unit
    if chosen not in UNITS:
        aliases = ", ".join(UNIT_ALIASES)
        raise ValidationError(f"unknown unit {shown(unit)}; use one of {', '.join(UNITS)} (or {aliases})",
                              reason="invalidUnit")
    return chosen


def _day(flag: str, value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{flag} must be a date as YYYY-MM-DD, got {shown(value)}",
                              reason="invalidDate") from None


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def period(date_from: str | None, date_to: str | None, today: date | None = None) -> tuple[date, date]:
    """The days asked for; a bound left out is the current UTC month's.

    Without either bound the answer is this month so far and to come (`YYYY-MM-01` to its last day). A lone
    `--to` starts on the first day of its own month; a lone `--from` ends with the current month, or with
    its own month when it lies further ahead, so one bound alone never makes an empty or reversed range.
    """
    from datetime import UTC, datetime

    now = today or datetime.now(UTC).date()
    start = _day("--from", date_from) if date_from else None
    end = _day("--to", date_to) if date_to else None
    if end is None:
        end = _month_end(max(now, start) if start is not None else now)
    if start is None:
        start = end.replace(day=1)
    return start, end


def get_metrics(session: Session, *, date_from: str | None, date_to: str | None, unit: str | None = None,
                group_by: str | None = None, workflow_uuid: str | None = None, model_uuid: str | None = None,
                connector_uuid: str | None = None, integration_slug: str | None = None, slug: str | None = None,
                agent_uuid: str | None = None) -> dict[str, Any]:
    from lading.analytics.usage import GROUP_BY, UsageFilter
    from lading.analytics.usage import usage_metrics as usage_per_day

    # Billing is for workspace admins only (spec §7), on every face: a member's token is `forbidden`;
    # direct store access (embedded mode) is the administrator.
    require_admin(session.access)
    start, end = period(date_from, date_to)
    if start > end:
        raise ValidationError("--from must not be later than --to", reason="invalidDateRange")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError(f"the range may cover at most {MAX_DAYS} days", reason="invalidDateRange")
    unit = canonical_unit(unit)
    if group_by is not None and group_by not in GROUP_BY:
        raise ValidationError(f"unknown --group-by {shown(group_by)}; use one of {', '.join(GROUP_BY)}",
                              reason="invalidGroupBy")
    flt = UsageFilter(start=start, end=end, unit=unit, group_by=group_by, workflow_uuid=workflow_uuid,
                      model_uuid=model_uuid, connector_uuid=connector_uuid, integration_slug=integration_slug,
                      slug=slug, agent_uuid=agent_uuid)
    with session.db.read() as conn:
        days = usage_per_day(conn, session.workspace_uuid, flt)
    return {"metrics": [shapes.UsageDay.model_validate(day).dump() for day in days]}
