"""`lading billing …`: usage metrics and credits."""

from __future__ import annotations

from lading.cli.billing.usage import usage_app
from lading.cli.common import command_group

billing_app = command_group("Usage metrics and credits.", (usage_app, "usage"))

__all__ = ["billing_app"]
