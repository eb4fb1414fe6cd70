"""Request fields the run, record and span routes share: the RunFilter / RecordFilter of api.md §2.4
and §2.6, turned into the keyword arguments of the services the CLI commands call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lading.api._http import Body
from lading.domain.errors import ValidationError

DATE_FIELDS = ("created_after", "created_before", "updated_after", "updated_before")


def parse_instant(field: str, raw: str | None) -> datetime | None:
    """A date or ISO 8601 date-time as the store's naive UTC (a date is 00:00 UTC); 400 otherwise."""
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"invalidPayload: {field} must be an ISO 8601 date or datetime",
                              reason="invalidPayload") from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def service_filters(body: Body, *, dates: tuple[str, ...] = DATE_FIELDS, leave: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the caller sent (snake_case), dates parsed, `leave` left out: the service's keywords."""
    from pydantic.alias_generators import to_camel

    given = {k: v for k, v in body.given().items() if k not in leave}
    for name in dates:
        if name in given:
            given[name] = parse_instant(to_camel(name), given[name])
    return given


class RunFilter(Body):
    """RunFilter (api.md §2.4): every field optional."""

    workflow_uuid: str | None = None
    batch_uuid: str | None = None
    release_uuid: str | None = None
    statuses: list[str] | None = None
    parent_batch_uuid: str | None = None
    parent_uuid: str | None = None
    parent_node_uuid: str | None = None
    is_group_parent: bool | None = None
    record_id: str | None = None
    record_title: str | None = None
    record_title_or_id: str | None = None
    is_finished: bool | None = None
    executions_filter: dict[str, Any] | None = None
    created_after: str | None = None
    created_before: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None


class RecordFilter(Body):
    """RecordFilter (api.md §2.6): every field optional."""

    workflow_uuid: str | None = None
    user_uuid: str | None = None
    ids: list[str] | None = None
    title: str | None = None
    title_or_id: str | None = None
    release_uuid: str | None = None
    batch_uuid: str | None = None
    statuses: list[str] | None = None
    parent_batch_uuid: str | None = None
    parent_run_uuid: str | None = None
    parent_node_uuid: str | None = None
    is_group_parent: bool | None = None
    executions_filter: dict[str, Any] | None = None
    created_after: str | None = None
    created_before: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None


def required(value: str | None, field: str) -> str:
    if not value:
        raise ValidationError(f"invalidPayload: {field}: required", reason="invalidPayload")
    return value
