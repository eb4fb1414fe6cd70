"""The JSON shapes `billing …` answers, defined once for the CLI, the MCP tools and the HTTP API (spec §7)."""

from __future__ import annotations

from lading.domain.shapes import Shape


class UsageItem(Shape):
    """Usage of one slug (e.g. `success`, `integration.hunter.action.findEmail`) on one day, per group
    when `--group-by` is given; whole counts are integers."""

    slug: str
    count: int | float
    group_by: str | None


class UsageDay(Shape):
    """One UTC day with usage (`date` is the day at midnight UTC)."""

    date: str
    items: list[UsageItem]
