"""`billing subscription …`: the self-hosted subscription (A §7.4); payment changes are `notSupported`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.billing import subscriptions
else:  # imported when a command answers locally: remote mode never loads the store
    subscriptions = lazy_module("lading.services.billing.subscriptions")

subscription_app = typer.Typer(help="The workspace's subscription: plan, credit period, credits used.",
                               no_args_is_help=True, context_settings=help_settings())


@subscription_app.command("get")
def get() -> None:
    """The subscription: {"subscription": {plan, cadence, subscriptionCreditsUsedCount, resetAt, …}}."""
    emit(answer("GET", "/billing/subscriptions", local=lambda s: subscriptions.get_subscription(s)))


@subscription_app.command("get-invoices")
def get_invoices() -> None:
    """Invoices ({"invoices": []}: a self-hosted installation is never invoiced)."""
    emit(answer("GET", "/billing/subscriptions/invoices", local=lambda s: subscriptions.get_invoices(s)))


@subscription_app.command("get-credit-card")
def get_credit_card() -> None:
    """The card on file ({"creditCard": null} self-hosted)."""
    emit(answer("GET", "/billing/subscriptions/creditCard", local=lambda s: subscriptions.get_credit_card(s)))


@subscription_app.command("update-payment-method")
def update_payment_method(
    card_number: str = typer.Option(None, "--card-number", help="Card number."),
    card_exp: str = typer.Option(None, "--card-exp", help="Expiry, MM/YYYY."),
    card_cvc: str = typer.Option(None, "--card-cvc", help="Security code."),
    card_stdin: bool = typer.Option(False, "--card-stdin", help="Read the card from standard input."),
    timeout: float = typer.Option(None, "--timeout", help="Seconds to wait for confirmation."),
    poll_interval: float = typer.Option(None, "--poll-interval", help="Seconds between confirmation checks."),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open the confirmation page."),
) -> None:
    """Set the workspace's card: not supported self-hosted (no payment provider); exits non-zero."""
    # The card never leaves this process: the answer is `notSupported` whatever was given.
    emit(answer("PUT", "/billing/subscriptions/paymentMethod", body={},
                local=lambda s: subscriptions.refuse_payment_change(s)))


@subscription_app.command("create-portal-session")
def create_portal_session() -> None:
    """A billing portal link: not supported self-hosted; exits non-zero."""
    emit(answer("POST", "/billing/subscriptions/portalSessions", body={},
                local=lambda s: subscriptions.refuse_payment_change(s)))
