"""`lading billing …`: usage metrics, credits and the subscription (admin only)."""

from __future__ import annotations

from lading.cli.billing.subscriptions import subscription_app
from lading.cli.billing.usage import usage_app
from lading.cli.common import command_group

billing_app = command_group("Usage metrics, credits and the subscription (admin only).", (usage_app, "usage"),
                            (subscription_app, "subscription"))

__all__ = ["billing_app"]
