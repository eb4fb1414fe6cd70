"""`lading billing …`: usage metrics and credits."""

from __future__ import annotations

import typer

from lading.cli.billing.usage import usage_app
from lading.cli.common import help_settings

billing_app = typer.Typer(help="Usage metrics and credits.", no_args_is_help=True, context_settings=help_settings())
billing_app.add_typer(usage_app, name="usage")

__all__ = ["billing_app"]
