"""The JSON shapes `billing …` answers, defined once for the CLI, the MCP tools and the HTTP API (spec §7)."""

from __future__ import annotations

from typing import Any

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


class Subscription(Shape):
    """The workspace's subscription (A §7.4 plus the keys the Cargo client reads, api.md §8). Self-hosted,
    it comes from configuration: the plan is `self-hosted`, the period is the current UTC month, the
    budget is `LADING_MONTHLY_CREDITS` (null = no budget) and the payment-provider ids are null."""

    uuid: str
    workspace_uuid: str
    provider: str
    plan: str
    cadence: str
    subscription_status: str
    subscription_available_credits_count: int | float | None
    subscription_credits_used_count: int | float
    additional_available_credits_count: int | float
    fixed_price: int | float
    conversion_rate: int | float
    has_credits: bool
    start_at: str
    reset_at: str
    end_at: str | None
    topup: dict[str, Any] | None
    customer_orb_id: str | None
    customer_stripe_id: str | None
    subscription_stripe_id: str | None
    credits_overage_behaviors: list[Any]
    credits_consumption_behaviors: list[Any]
    has_pending_change: bool
    future_change: dict[str, Any] | None
    created_at: str | None
    updated_at: str | None
