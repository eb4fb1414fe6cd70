"""Billing over HTTP (api.md §8): usage metrics, the self-hosted subscription, the payment writes Lading
does not offer, admin-only on every route and face, two-workspace isolation, and the billing commands
in remote mode printing what they print embedded — all against a real `lading serve`."""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from api_server import refused
from graphs import chain, end, node, start, var

TODAY = datetime.now(UTC).date().isoformat()
NOT_SUPPORTED = [("POST", "/billing/subscriptions/setupIntent", None),
                 ("PUT", "/billing/subscriptions/paymentMethod", {"paymentMethodId": "pm_1"}),
                 ("POST", "/billing/subscriptions/portalSessions", None),
                 ("POST", "/billing/subscriptions/creditsCheckoutSessions", None),
                 ("PUT", "/billing/subscriptions/plan", {"creditsCount": 1000, "cadence": "monthly"}),
                 ("PUT", "/billing/subscriptions/topup", {"enabled": True, "creditsCount": 10, "threshold": 5}),
                 ("PUT", "/billing/subscriptions/creditsOverageBehaviors", {"creditsOverageBehaviors": []})]
READS = ["/billing/subscriptions", "/billing/subscriptions/invoices", "/billing/subscriptions/creditCard",
         f"/billing/usage/metrics?from={TODAY}&to={TODAY}"]
SUBSCRIPTION_KEYS = {"uuid", "workspaceUuid", "provider", "plan", "cadence", "subscriptionStatus",
                     "subscriptionAvailableCreditsCount", "subscriptionCreditsUsedCount",
                     "additionalAvailableCreditsCount", "fixedPrice", "conversionRate", "hasCredits", "startAt",
                     "resetAt", "endAt", "topup", "customerOrbId", "customerStripeId", "subscriptionStripeId",
                     "creditsOverageBehaviors", "creditsConsumptionBehaviors", "hasPendingChange", "futureChange",
                     "createdAt", "updatedAt"}




def store_engine(server: Any) -> Any:
    """An SQLAlchemy engine on the server's own store (the test plays the operator at the database)."""
    import sqlalchemy

    url = os.environ.get("LADING_TEST_DATABASE_URL")
    if url:
        return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return sqlalchemy.create_engine(f"sqlite:///{server.home / 'lading.db'}", connect_args={"timeout": 30})


def member_token(server: Any, workspace: str = "alpha") -> str:
    """A member user of the workspace with a token of their own, written straight into the store."""
    from lading.store.repositories.tokens import hash_token
    from lading.store.schema import api_tokens, users

    workspace_uuid = server.client(workspace).get("/whoami").json()["workspace"]["uuid"]
    value = "ldg_" + secrets.token_urlsafe(32)
    user_uuid = str(uuid.uuid4())
    now = datetime.now(UTC).replace(tzinfo=None)
    engine = store_engine(server)
    with engine.begin() as conn:
        conn.execute(users.insert().values(uuid=user_uuid, workspace_uuid=workspace_uuid,
                                           email=f"member-{user_uuid[:8]}@example.com", role="member",
                                           created_at=now, updated_at=now))
        conn.execute(api_tokens.insert().values(uuid=str(uuid.uuid4()), workspace_uuid=workspace_uuid,
                                                user_uuid=user_uuid, name="member", token_hash=hash_token(value),
                                                created_at=now, updated_at=now))
    engine.dispose()
    return value


@pytest.fixture(scope="module")
def activity(api_server: Any) -> dict[str, str]:
    """One finished run in alpha and one in beta (embedded on the server's store), so usage exists today."""
    graph = chain(start(), node("double", "script", {"script": "return 2 * 21;"}),
                  end([var("answer", "{{nodes.double.result}}")]))
    workflows = {}
    for workspace in ("alpha", "beta"):
        tool = api_server.lading("orchestration", "tool", "create", "--name", f"Billed {workspace}",
                                 workspace=workspace)["tool"]
        api_server.lading("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"],
                          "--nodes", _json(graph), workspace=workspace)
        run = api_server.lading("orchestration", "run", "create", "--workflow-uuid", tool["workflowUuid"],
                                "--data", "{}", "--wait-until-finished", workspace=workspace)["run"]
        assert run["status"] == "success", run
        workflows[workspace] = tool["workflowUuid"]
    return workflows


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def test_usage_metrics_over_http_match_the_cli(api_server: Any, activity: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    answer = alpha.get("/billing/usage/metrics", params={"from": TODAY, "to": TODAY})
    assert answer.status_code == 200, answer.text
    metrics = answer.json()
    assert list(metrics) == ["metrics"] and metrics["metrics"][0]["date"] == f"{TODAY}T00:00:00Z"
    success = [i for i in metrics["metrics"][0]["items"] if i["slug"] == "success"]
    assert success and success[0]["count"] >= 3 and success[0]["groupBy"] is None
    assert metrics == api_server.lading("billing", "usage", "get-metrics", "--from", TODAY, "--to", TODAY)
    grouped = alpha.get("/billing/usage/metrics", params={"from": TODAY, "to": TODAY, "groupBy": "workflow_uuid",
                                                          "unit": "orchestration.executions"}).json()
    groups = {i["groupBy"] for day in grouped["metrics"] for i in day["items"]}
    assert activity["alpha"] in groups and activity["beta"] not in groups
    only = alpha.get("/billing/usage/metrics", params={"from": TODAY, "to": TODAY, "slug": "success",
                                                       "workflowUuid": activity["alpha"]}).json()
    assert {i["slug"] for day in only["metrics"] for i in day["items"]} == {"success"}
    # Another workspace's workflow filters everything out: its usage is never counted here.
    foreign = alpha.get("/billing/usage/metrics", params={"from": TODAY, "to": TODAY,
                                                          "workflowUuid": activity["beta"]}).json()
    assert foreign == {"metrics": []}


@pytest.mark.parametrize(("params", "reason"), [
    ({"to": "2025-1-02"}, "invalidDate"),
    ({"from": "yesterday"}, "invalidDate"),
    ({"from": "2025-13-01", "to": "2025-12-31"}, "invalidDate"),
    ({"from": "2025-02-01", "to": "2025-01-01"}, "invalidDateRange"),
    ({"from": "2024-01-01", "to": "2025-06-01"}, "invalidDateRange"),
    ({"from": "2025-01-01", "to": "2025-01-02", "unit": "dollars"}, "invalidUnit"),
    ({"from": "2025-01-01", "to": "2025-01-02", "groupBy": "play_uuid"}, "invalidGroupBy"),
    ({"from": "2025-01-01", "to": "2025-01-02", "colour": "red"}, "invalidPayload"),
])
def test_usage_metrics_bad_queries(api_server: Any, params: dict[str, str], reason: str) -> None:
    body = refused(api_server.client("alpha").get("/billing/usage/metrics", params=params), 400, reason)
    assert "None" not in body["errorMessage"]


def test_subscription_invoices_and_card(api_server: Any, activity: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    workspace_uuid = alpha.get("/whoami").json()["workspace"]["uuid"]
    subscription = alpha.get("/billing/subscriptions").json()["subscription"]
    assert set(subscription) == SUBSCRIPTION_KEYS
    assert subscription["workspaceUuid"] == workspace_uuid
    assert subscription["plan"] == "self-hosted" and subscription["provider"] == "self-hosted"
    assert subscription["cadence"] == "monthly" and subscription["subscriptionStatus"] == "active"
    assert subscription["startAt"] == f"{TODAY[:8]}01T00:00:00.000Z" and subscription["resetAt"] > TODAY
    # No LADING_MONTHLY_CREDITS on this server: no budget, so credits never run out.
    assert subscription["subscriptionAvailableCreditsCount"] is None and subscription["hasCredits"] is True
    # At least the three executions of today's run, at 0.01 credit each (A §7.3).
    assert subscription["subscriptionCreditsUsedCount"] >= 0.03
    assert subscription["creditsConsumptionBehaviors"] == [] and subscription["hasPendingChange"] is False
    assert subscription["futureChange"] is None and subscription["subscriptionStripeId"] is None
    assert api_server.lading("billing", "subscription", "get") == {"subscription": subscription}
    assert alpha.get("/billing/subscriptions/invoices").json() == {"invoices": []}
    assert alpha.get("/billing/subscriptions/creditCard").json() == {"creditCard": None}
    beta = api_server.client("beta").get("/billing/subscriptions").json()["subscription"]
    assert beta["workspaceUuid"] != workspace_uuid and beta["uuid"] != subscription["uuid"]


@pytest.mark.parametrize(("method", "path", "body"), NOT_SUPPORTED)
def test_payment_writes_are_not_supported(api_server: Any, method: str, path: str, body: Any) -> None:
    response = api_server.client("alpha").request(method, path, json=body)
    assert refused(response, 501, "notSupported")["errorMessage"] == "notSupported"


def test_members_are_forbidden_every_billing_route(api_server: Any) -> None:
    member = api_server.client(token=member_token(api_server))
    assert member.get("/whoami").status_code == 200  # the token itself is good
    for path in READS:
        refused(member.get(path), 403, "forbidden")
    for method, path, body in NOT_SUPPORTED:
        refused(member.request(method, path, json=body), 403, "forbidden")


def test_openapi_lists_billing_routes(api_server: Any) -> None:
    paths = httpx.get(f"{api_server.url}/openapi.json").json()["paths"]
    metrics = paths["/v1/billing/usage/metrics"]["get"]
    required = {p["name"] for p in metrics["parameters"] if p["required"]}
    assert required == set()  # from/to default to the current UTC month
    assert {"/v1/billing/subscriptions", "/v1/billing/subscriptions/invoices", "/v1/billing/subscriptions/creditCard",
            "/v1/billing/subscriptions/topup"} <= set(paths)


def _without_details(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "details"}


def test_billing_commands_remote_print_what_they_print_embedded(api_server: Any, activity: dict[str, str], cli: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    for args in (("billing", "usage", "get-metrics", "--from", TODAY, "--to", TODAY),
                 ("billing", "usage", "get-metrics", "--from", TODAY, "--to", TODAY, "--group-by", "workflow_uuid",
                  "--unit", "orchestration.executions"),
                 ("billing", "subscription", "get"), ("billing", "subscription", "get-invoices"),
                 ("billing", "subscription", "get-credit-card")):
        code, out = cli(*args)
        assert code == 0, out
        assert out == api_server.lading(*args)
    for args in (("billing", "subscription", "update-payment-method"),
                 ("billing", "subscription", "create-portal-session"),
                 ("billing", "usage", "get-metrics", "--from", "2025-02-01", "--to", "2025-01-01")):
        code, out = cli(*args)
        embedded = api_server.lading(*args, check=False)
        assert code == 1 and _without_details(out) == _without_details(embedded), (out, embedded)
    monkeypatch.setenv("LADING_TOKEN", member_token(api_server))
    code, out = cli("billing", "subscription", "get")
    assert code == 3 and out["reason"] == "forbidden"
    code, out = cli("billing", "usage", "get-metrics", "--from", TODAY, "--to", TODAY)
    assert code == 3 and out["reason"] == "forbidden"


@pytest.mark.parametrize(("budget", "available", "has_credits"), [("250", 250, True), ("0", 0, False),
                                                                  ("lots", None, True)])
def test_monthly_budget_comes_from_configuration(cli: Any, monkeypatch: pytest.MonkeyPatch, budget: str,
                                                 available: Any, has_credits: bool) -> None:
    monkeypatch.setenv("LADING_MONTHLY_CREDITS", budget)
    code, out = cli("billing", "subscription", "get")
    assert code == 0, out
    subscription = out["subscription"]
    assert subscription["subscriptionAvailableCreditsCount"] == available
    assert subscription["hasCredits"] is has_credits and subscription["subscriptionCreditsUsedCount"] == 0
