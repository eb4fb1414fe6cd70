"""`billing subscription …` (`/billing/subscriptions…`): the self-hosted subscription (A §7.4, api.md §8).

A self-hosted installation has no payment provider, so the subscription comes from configuration: plan
`self-hosted`, the current UTC month as the credit period, `LADING_MONTHLY_CREDITS` as the budget (unset =
no budget), and the credits debited since the period started, counted the way billing counts them
(A §7.3: provider credits plus 0.01 per execution ending `success` or `error`). Invoices and the card on
file are empty; every payment, plan or top-up write is `notSupported`. All of it is admin only.
"""

from __future__ import annotations

import os
import uuid as uuidlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from lading.domain.errors import LadingError
from lading.domain.nodes import EXECUTION_CHARGE
from lading.services.access import require_admin
from lading.services.billing import shapes
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.schema import workspaces

MONTHLY_CREDITS_VARIABLE = "LADING_MONTHLY_CREDITS"
PROVIDER = "self-hosted"
# The subscription's uuid is derived from the workspace's, so it is stable without being stored.
_SUBSCRIPTION_NAMESPACE = uuidlib.UUID("6c1f7f0e-52a4-4c55-9a57-1e2b7d0f3a10")


def monthly_credits() -> int | float | None:
    """The monthly budget from the server's environment; unset, empty or not a non-negative number =
    no budget (a misconfigured value never blocks billing reads)."""
    raw = (os.environ.get(MONTHLY_CREDITS_VARIABLE) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    if value < 0 or value != value or value == float("inf"):
        return None
    return int(value) if value.is_integer() else value


def _period(today: date) -> tuple[date, date]:
    """The current credit period: the first day of this UTC month to the first day of the next."""
    start = today.replace(day=1)
    following = date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1)
    return start, following


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def credits_used_since(session: Session, start: date, end: date) -> float:
    """Credits debited over the UTC days `start`..`end`: provider credits plus the execution charge."""
    from lading.analytics.usage import CHARGED_STATUSES, UsageFilter, usage_metrics

    with session.db.read() as conn:
        days = usage_metrics(conn, session.workspace_uuid, UsageFilter(start=start, end=end))
    total = 0.0
    for day in days:
        for item in day["items"]:
            if item["slug"] in CHARGED_STATUSES:
                total += item["count"] * EXECUTION_CHARGE
            elif item["slug"] != "insert":  # storage records are counted, not charged
                total += item["count"]
    return total


def _number(value: float) -> int | float:
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() else rounded


def get_subscription(session: Session) -> dict[str, Any]:
    """`{"subscription": Subscription}` for the caller's workspace."""
    require_admin(session.access)
    now = utcnow()
    start, reset = _period(now.date())
    used = _number(credits_used_since(session, start, now.date()))
    budget = monthly_credits()
    with session.db.read() as conn:
        row = conn.execute(select(workspaces.c.created_at, workspaces.c.updated_at)
                           .where(workspaces.c.uuid == session.workspace_uuid)).first()
    created: datetime | None = row.created_at if row is not None else None
    updated: datetime | None = (row.updated_at or row.created_at) if row is not None else None
    subscription = shapes.Subscription(
        uuid=str(uuidlib.uuid5(_SUBSCRIPTION_NAMESPACE, session.workspace_uuid)),
        workspace_uuid=session.workspace_uuid, provider=PROVIDER, plan=PROVIDER, cadence="monthly",
        subscription_status="active", subscription_available_credits_count=budget,
        subscription_credits_used_count=used, additional_available_credits_count=0, fixed_price=0,
        conversion_rate=1, has_credits=budget is None or budget - used > 0, start_at=_midnight(start),
        reset_at=_midnight(reset), end_at=None, topup=None, customer_orb_id=None, customer_stripe_id=None,
        subscription_stripe_id=None, credits_overage_behaviors=[], credits_consumption_behaviors=[],
        has_pending_change=False, future_change=None, created_at=iso(created), updated_at=iso(updated))
    return {"subscription": subscription.dump()}


def get_invoices(session: Session) -> dict[str, Any]:
    """No payment provider, so no invoices: `{"invoices": []}`."""
    require_admin(session.access)
    return {"invoices": []}


def get_credit_card(session: Session) -> dict[str, Any]:
    """No card is ever on file self-hosted: `{"creditCard": null}`."""
    require_admin(session.access)
    return {"creditCard": None}


def refuse_payment_change(session: Session) -> dict[str, Any]:
    """Every payment, plan or top-up write (update-payment-method, portal and checkout sessions, setup
    intents, plan, top-up, overage behaviours): 501 `notSupported`, after the admin check, so a member
    learns only that they may not."""
    require_admin(session.access)
    raise LadingError("notSupported", reason="notSupported", status_code=501)
