"""The documented 200 bodies of the billing reads (api.md §8): the services' shapes
(`services/billing/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from typing import Any

from lading.api._schemas import envelope
from lading.domain.shapes import Shape
from lading.services.billing import shapes

SubscriptionAnswer = envelope("SubscriptionAnswer", subscription=shapes.Subscription)


class Invoices(Shape):
    """Always empty self-hosted: no payment provider issues invoices."""

    invoices: list[dict[str, Any]]


class CreditCard(Shape):
    """Always null self-hosted: no payment method is stored."""

    credit_card: dict[str, Any] | None


class UsageMetrics(Shape):
    """Usage per UTC day with usage, oldest first."""

    metrics: list[shapes.UsageDay]
