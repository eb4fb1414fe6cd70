"""`lading billing …`: usage metrics, credits and the subscription (admin only)."""

from __future__ import annotations

from lading.cli.common import command_group

billing_app = command_group(
    "Usage metrics, credits and the subscription (admin only).",
    __name__,
    (".usage:usage_app", "usage"),
    (".subscriptions:subscription_app", "subscription"))

__all__ = ["billing_app"]
