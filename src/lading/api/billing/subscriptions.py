"""`/billing/subscriptions…`: the self-hosted subscription (`billing subscription …`), admin only.

The three reads answer from configuration (A §7.4); every payment, plan or top-up write answers 501
`notSupported` once the caller is known to be an admin (api.md §8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers, never_answers
from lading.api.billing import _schemas as schemas
from lading.services.billing import subscriptions
from lading.services.session import Session

router = Router(prefix="/billing/subscriptions", tags=["billing"])
Caller = Annotated[Session, Depends(caller)]


class PaymentMethod(Body):
    payment_method_id: str | None = None


class Plan(Body):
    credits_count: float | None = None
    cadence: str | None = None


class Topup(Body):
    enabled: bool | None = None
    credits_count: float | None = None
    threshold: float | None = None


class OverageBehaviors(Body):
    credits_overage_behaviors: list[Any] | None = None


class Nothing(Body):
    """The writes without fields: an empty (or absent) body."""


@router.get("", summary="subscription.get", **answers(schemas.SubscriptionAnswer))
def get_subscription(session: Caller) -> dict[str, Any]:
    return subscriptions.get_subscription(session)


@router.get("/invoices", summary="subscription.getInvoices", **answers(schemas.Invoices))
def get_invoices(session: Caller) -> dict[str, Any]:
    return subscriptions.get_invoices(session)


@router.get("/creditCard", summary="subscription.getCreditCard", **answers(schemas.CreditCard))
def get_credit_card(session: Caller) -> dict[str, Any]:
    return subscriptions.get_credit_card(session)


_NOT_SUPPORTED = never_answers("notSupported: no payment provider on a self-hosted installation")


@router.post("/setupIntent", summary="subscription.createSetupIntent (501 notSupported)", **_NOT_SUPPORTED)
def create_setup_intent(session: Caller, body: Nothing | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)


@router.put("/paymentMethod", summary="subscription.updatePaymentMethod (501 notSupported)",
            **_NOT_SUPPORTED)
def update_payment_method(session: Caller, body: PaymentMethod | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)


@router.post("/portalSessions", summary="subscription.createPortalSession (501 notSupported)",
             **_NOT_SUPPORTED)
def create_portal_session(session: Caller, body: Nothing | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)


@router.post("/creditsCheckoutSessions", summary="subscription.createStripeCreditsCheckoutSession "
             "(501 notSupported)", **_NOT_SUPPORTED)
def create_credits_checkout_session(session: Caller, body: Nothing | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)


@router.put("/plan", summary="subscription.updatePlan (501 notSupported)", **_NOT_SUPPORTED)
def update_plan(session: Caller, body: Plan | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)


@router.put("/topup", summary="subscription.updateTopup (501 notSupported)", **_NOT_SUPPORTED)
def update_topup(session: Caller, body: Topup | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)


@router.put("/creditsOverageBehaviors", summary="subscription.updateCreditsOverageBehaviors (501 notSupported)",
            **_NOT_SUPPORTED)
def update_credits_overage_behaviors(session: Caller, body: OverageBehaviors | None = None) -> dict[str, Any]:
    return subscriptions.refuse_payment_change(session)
