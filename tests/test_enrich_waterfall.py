"""The native `waterfall` action against fake providers on 127.0.0.1: providers tried in order until the
wanted fields are filled, each attempt a span of its own (status, credits, hit/miss, provider), the run
context saying which provider filled which field, `query execute` and `billing usage get-metrics`
reporting hit rate and cost per provider; conditions, a validator, both stop rules, validation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from conftest import j, run_cli
from fakes import Answer, FakeProvider, Recorded, fake_provider
from graphs import chain, end, node, start, var

RECORDS = 1000


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    return str(ok("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                  "--name", slug, "--config", j(config))["connector"]["uuid"])


def deployed(nodes: list[dict[str, Any]]) -> str:
    tool = ok("orchestration", "tool", "create", "--name", "Waterfall")
    wf = tool["tool"]["workflowUuid"]
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    return str(wf)


def rows(sql: str) -> list[dict[str, Any]]:
    out = ok("orchestration", "query", "execute", sql)
    return list(out["rows"])


@dataclass
class Providers:
    """Three fakes with known coverage: `finder` (generic http, free) fills `email` for records whose
    number is not a multiple of 5, Hunter (0.5 credit a call) for multiples of 10, Clearbit's company
    answer (1 credit) for every domain it is asked about; Hunter's verifier (1 credit) rejects `bad…`."""

    finder: FakeProvider
    hunter: FakeProvider
    clearbit: FakeProvider
    hunter_uuid: str
    clearbit_uuid: str


def _number(value: str) -> int:
    return int(value.split(".")[0].lstrip("dr"))


@pytest.fixture
def providers() -> Iterator[Providers]:
    def finder(rec: Recorded) -> Answer:
        n = int(rec.query["id"][0].lstrip("r"))
        phone = rec.query.get("phone", ["no"])[0] == "yes"
        if n % 5 == 0:
            return Answer(200, {"match": None})
        email = f"bad{n}@d{n}.example.com" if rec.query.get("bad") else f"a{n}@d{n}.example.com"
        return Answer(200, {"match": {"email": email, "phone": None if not phone else ""}})

    def hunter(rec: Recorded) -> Answer:
        n = _number(rec.query["domain"][0])
        email = f"h{n}@d{n}.example.com" if n % 10 == 0 else None
        return Answer(200, {"data": {"email": email, "score": 90 if email else None,
                                     "phone_number": f"+33 1 00 00 {n:04d}"}, "meta": {}})

    def verifier(rec: Recorded) -> Answer:
        email = rec.query["email"][0]
        return Answer(200, {"data": {"email": email, "status": "invalid" if email.startswith("bad") else "valid"}})

    def clearbit(rec: Recorded) -> Answer:
        domain = rec.query["domain"][0]
        return Answer(200, {"name": domain, "domain": domain, "site": {"emailAddresses": [f"c@{domain}"]}})

    with ExitStack() as stack:
        fakes = [stack.enter_context(fake_provider()) for _ in range(3)]
        fakes[0].route("GET", "/find", finder)
        fakes[1].route("GET", "/email-finder", hunter)
        fakes[1].route("GET", "/email-verifier", verifier)
        fakes[2].route("GET", "/v2/companies/find", clearbit)
        hunter_uuid = connector("hunter", "hunter_fake", {"apiKey": "hunter-secret-key", "baseUrl": fakes[1].url})
        clearbit_uuid = connector("clearbit", "clearbit_fake", {"apiKey": "sk_clearbit_key", "baseUrl": fakes[2].url})
        yield Providers(fakes[0], fakes[1], fakes[2], hunter_uuid, clearbit_uuid)


def finder_step(p: Providers, **extra: Any) -> dict[str, Any]:
    query = extra.pop("query", "")
    return {"slug": "finder", "integrationSlug": "http", "actionSlug": "request",
            "config": {"method": "GET", "url": p.finder.url + "/find?id={{nodes.start._id}}" + query},
            "mapping": {"email": "{{result.body.match.email}}"}, **extra}


def hunter_step(p: Providers, **extra: Any) -> dict[str, Any]:
    return {"integrationSlug": "hunter", "actionSlug": "findEmail", "connectorUuid": p.hunter_uuid,
            "config": {"domain": "{{nodes.start.domain}}", "fullName": "{{nodes.start.name}}"},
            "mapping": {"email": "email"}, **extra}


def clearbit_step(p: Providers, **extra: Any) -> dict[str, Any]:
    return {"integrationSlug": "clearbit", "actionSlug": "enrichCompany", "connectorUuid": p.clearbit_uuid,
            "config": {"domain": "{{nodes.start.domain}}"}, "mapping": {"email": "site.emailAddresses[0]"},
            **extra}


def waterfall_graph(config: dict[str, Any]) -> list[dict[str, Any]]:
    enrich = node("enrich", "waterfall", config)
    return chain(start(), enrich, end([var("email", "{{nodes.enrich.fields.email}}"),
                                       var("by", "{{nodes.enrich.filledBy}}")]))


def record(n: int, **extra: Any) -> dict[str, Any]:
    return {"_id": f"r{n}", "domain": f"d{n}.example.com", "name": f"Person {n}", **extra}


def run_once(nodes: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    out = ok("orchestration", "run", "create", "--nodes", j(nodes), "--data", j(data), "--wait-until-finished")
    assert out["run"]["status"] == "success", out["run"]
    return dict(out)


def calls_per_record(fake: FakeProvider, path: str, key: str) -> Counter[int]:
    return Counter(_number(r.query[key][0]) for r in fake.requests if r.path == path)


def test_batch_stops_at_the_first_provider_and_reports_hit_rate_and_cost(providers: Providers) -> None:
    p = providers
    wf = deployed(waterfall_graph({"fields": ["email"], "steps": [finder_step(p), hunter_step(p),
                                                                  clearbit_step(p)]}))
    records = [record(n) for n in range(RECORDS)]
    out = ok("orchestration", "batch", "create", "--workflow-uuid", wf,
             "--data", j({"kind": "records", "records": records}), "--wait-until-finished")
    batch = out["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == RECORDS and batch["failedRunsCount"] == 0

    # Every record stops at the first provider that fills it: no call after the hit.
    finder = calls_per_record(p.finder, "/find", "id")
    hunter = calls_per_record(p.hunter, "/email-finder", "domain")
    clearbit = calls_per_record(p.clearbit, "/v2/companies/find", "domain")
    assert finder == Counter(range(RECORDS))
    assert hunter == Counter(n for n in range(RECORDS) if n % 5 == 0)
    assert clearbit == Counter(n for n in range(RECORDS) if n % 10 == 5)
    assert batch["creditsUsedCount"] == 0.5 * len(hunter) + 1.0 * len(clearbit)

    # Hit rate and cost per provider, from the spans.
    per_provider = rows(
        "SELECT node_integration_slug AS provider, count() AS calls, countIf(node_child_index = 0) AS hits, "
        "sum(execution_credits_used_count) AS credits, any(node_slug) AS slug FROM spans "
        f"WHERE workflow_uuid = '{wf}' AND node_kind = 'connector' AND execution_status = 'success' "
        "GROUP BY provider ORDER BY provider")
    assert per_provider == [
        {"provider": "clearbit", "calls": 100, "hits": 100, "credits": 100.0, "slug": "enrich.clearbit"},
        {"provider": "http", "calls": 1000, "hits": 800, "credits": 0.0, "slug": "enrich.finder"},
        {"provider": "hunter", "calls": 200, "hits": 100, "credits": 100.0, "slug": "enrich.hunter"},
    ]
    # The waterfall's own spans carry no provider credits; runs add their attempts' credits up.
    own = rows(f"SELECT count() AS n, sum(execution_credits_used_count) AS credits FROM spans "
               f"WHERE workflow_uuid = '{wf}' AND node_slug = 'enrich'")
    assert own == [{"n": RECORDS, "credits": 0.0}]
    totals = rows(f"SELECT sum(credits_used_count) AS credits, sum(executions_count) AS executions FROM runs "
                  f"WHERE workflow_uuid = '{wf}'")
    # start + enrich + end per run, plus one execution per provider call.
    assert totals == [{"credits": 200.0, "executions": 3 * RECORDS + 1300}]

    # The run context says which provider filled which field.
    listed = ok("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", batch["uuid"],
                "--limit", "20")
    assert listed["runs"]
    for run in listed["runs"]:
        got = ok("orchestration", "run", "get", run["uuid"])
        n = int(run["recordId"].lstrip("r"))
        provider = "finder" if n % 5 else ("hunter" if n % 10 == 0 else "clearbit")
        enrich = got["runContext"]["enrich"]
        assert enrich["filledBy"] == {"email": provider}
        assert enrich["fields"]["email"] and [a["status"] for a in enrich["attempts"]][-1] == "hit"
        assert got["runContext"]["end"]["by"] == {"email": provider}
        attempts = [e for e in got["run"]["executions"] if e["nodeKind"] == "connector"]
        assert [e["nodeIntegrationSlug"] for e in attempts] == \
            ["http", "hunter", "clearbit"][:len(enrich["attempts"])]
        assert all(e["nodeUuid"] == got["run"]["executions"][1]["nodeUuid"] for e in attempts)

    # Billing agrees, per integration.
    today = datetime.utcnow().date()
    metrics = ok("billing", "usage", "get-metrics", "--from", (today - timedelta(days=1)).isoformat(),
                 "--to", (today + timedelta(days=1)).isoformat(), "--unit", "billing.credits",
                 "--group-by", "integration_slug", "--workflow-uuid", wf)["metrics"]
    credits: Counter[str] = Counter()
    for day in metrics:
        for item in day["items"]:
            credits[f"{item['groupBy']}:{item['slug']}"] += item["count"]
    assert credits == {"hunter:integration.hunter.action.findEmail": 100,
                       "clearbit:integration.clearbit.action.enrichCompany": 100}
    executions = ok("billing", "usage", "get-metrics", "--from", (today - timedelta(days=1)).isoformat(),
                    "--to", (today + timedelta(days=1)).isoformat(), "--unit", "orchestration.executions",
                    "--group-by", "integration_slug", "--workflow-uuid", wf)["metrics"]
    counted: Counter[str | None] = Counter()
    for day in executions:
        for item in day["items"]:
            counted[item["groupBy"]] += item["count"]
    assert counted == {None: 3 * RECORDS, "http": 1000, "hunter": 200, "clearbit": 100}


def test_condition_skips_a_step(providers: Providers) -> None:
    p = providers
    nodes = waterfall_graph({"fields": ["email"], "steps": [
        finder_step(p), hunter_step(p, condition="{{nodes.start.country === 'FR'}}"), clearbit_step(p)]})
    out = run_once(nodes, record(20, country="US"))
    enrich = out["runContext"]["enrich"]
    assert enrich["filledBy"] == {"email": "clearbit"} and enrich["fields"] == {"email": "c@d20.example.com"}
    assert [a["status"] for a in enrich["attempts"]] == ["miss", "skipped", "hit"]
    assert enrich["attempts"][1]["reason"] == "its condition is false"
    assert not [r for r in p.hunter.requests if r.path == "/email-finder"]
    spans = [(e["nodeSlug"], e["status"], e["nodeChildIndex"]) for e in out["run"]["executions"]
             if e["nodeKind"] == "connector"]
    assert spans == [("enrich.finder", "success", 1), ("enrich.hunter", "skipped", None),
                     ("enrich.clearbit", "success", 0)]
    assert out["run"]["creditsUsedCount"] == 1

    out = run_once(nodes, record(20, country="FR"))
    assert out["runContext"]["enrich"]["filledBy"] == {"email": "hunter"}
    # A condition reading what earlier steps filled: the second step only runs when the first missed.
    nodes = waterfall_graph({"fields": ["email"], "stopRule": "firstHit", "steps": [
        finder_step(p), clearbit_step(p, condition="{{fields.email == null && missing.length > 0}}")]})
    assert run_once(nodes, record(7))["runContext"]["enrich"]["filledBy"] == {"email": "finder"}


def test_validator_rejects_a_value_and_the_next_provider_is_tried(providers: Providers) -> None:
    p = providers
    validator = {"integrationSlug": "hunter", "actionSlug": "verifyEmail", "connectorUuid": p.hunter_uuid,
                 "config": {"email": "{{value}}"}, "accept": "{{result.status === 'valid'}}"}
    nodes = waterfall_graph({"fields": ["email"], "validator": validator, "steps": [
        finder_step(p, query="&bad=1"), clearbit_step(p)]})
    out = run_once(nodes, record(3))
    enrich = out["runContext"]["enrich"]
    assert enrich["fields"] == {"email": "c@d3.example.com"} and enrich["filledBy"] == {"email": "clearbit"}
    first = enrich["attempts"][0]
    assert first["status"] == "miss" and first["rejected"] == {"email": "rejected by the validator"}
    verified = [r.query["email"][0] for r in p.hunter.requests if r.path == "/email-verifier"]
    assert verified == ["bad3@d3.example.com", "c@d3.example.com"]
    spans = [(e["nodeSlug"], e["nodeIntegrationSlug"], e["nodeChildIndex"], e["creditsUsedCount"])
             for e in out["run"]["executions"] if e["nodeKind"] == "connector"]
    assert spans == [("enrich.finder", "http", 1, 0), ("enrich.validator", "hunter", 1, 1),
                     ("enrich.clearbit", "clearbit", 0, 1), ("enrich.validator", "hunter", 0, 1)]
    assert out["run"]["creditsUsedCount"] == 3 and enrich["creditsUsedCount"] == 3


def test_all_filled_versus_first_hit(providers: Providers) -> None:
    p = providers
    steps = [finder_step(p, mapping={"email": "body.match.email", "phone": "body.match.phone"}),
             hunter_step(p, mapping={"email": "email", "phone": "{{result.phone_number}}"})]
    out = run_once(waterfall_graph({"fields": ["email", "phone"], "steps": steps}), record(11))
    enrich = out["runContext"]["enrich"]
    # The finder fills the email (its empty phone is no value); Hunter fills only what is still missing.
    assert enrich["fields"] == {"email": "a11@d11.example.com", "phone": "+33 1 00 00 0011"}
    assert enrich["filledBy"] == {"email": "finder", "phone": "hunter"}
    assert [(a["status"], a.get("filled")) for a in enrich["attempts"]] == [("hit", ["email"]),
                                                                            ("hit", ["phone"])]

    out = run_once(waterfall_graph({"fields": ["email", "phone"], "stopRule": "firstHit", "steps": steps}),
                   record(12))
    enrich = out["runContext"]["enrich"]
    assert enrich["fields"] == {"email": "a12@d12.example.com", "phone": None}
    assert enrich["filledBy"] == {"email": "finder"} and len(enrich["attempts"]) == 1
    assert calls_per_record(p.hunter, "/email-finder", "domain") == Counter([11])

    # Nobody fills it: every provider tried, the node still succeeds with the field empty.
    out = run_once(waterfall_graph({"fields": ["email"], "steps": [finder_step(p), hunter_step(p)]}), record(15))
    enrich = out["runContext"]["enrich"]
    assert enrich["fields"] == {"email": None} and enrich["filledBy"] == {}
    assert [a["status"] for a in enrich["attempts"]] == ["miss", "miss"]


def test_provider_errors_are_attempts_and_the_next_provider_is_tried(providers: Providers) -> None:
    p = providers
    down = connector("hunter", "hunter_down", {"apiKey": "k", "baseUrl": "http://127.0.0.1:9"})
    out = run_once(waterfall_graph({"fields": ["email"], "steps": [
        hunter_step(p, connectorUuid=down), clearbit_step(p)]}), record(30))
    enrich = out["runContext"]["enrich"]
    assert enrich["filledBy"] == {"email": "clearbit"}
    assert enrich["attempts"][0]["status"] == "error" and "could not reach" in enrich["attempts"][0]["errorMessage"]
    statuses = [(e["nodeSlug"], e["status"]) for e in out["run"]["executions"] if e["nodeKind"] == "connector"]
    assert statuses == [("enrich.hunter", "error"), ("enrich.clearbit", "success")]


def test_a_waterfall_whose_every_provider_fails_fails_instead_of_answering_empty(providers: Providers) -> None:
    p = providers
    down = connector("hunter", "hunter_down2", {"apiKey": "k", "baseUrl": "http://127.0.0.1:9"})
    also_down = connector("clearbit", "clearbit_down", {"apiKey": "k", "baseUrl": "http://127.0.0.1:9"})
    nodes = waterfall_graph({"fields": ["email"], "steps": [
        hunter_step(p, connectorUuid=down), clearbit_step(p, connectorUuid=also_down)]})
    out = ok("orchestration", "run", "create", "--nodes", j(nodes), "--data", j(record(31)), "--wait-until-finished")
    assert out["run"]["status"] == "error", out["run"]
    failed = [e for e in out["run"]["executions"] if e["nodeSlug"] == "enrich"][-1]
    assert failed["status"] == "error"
    message = failed["errorMessage"]
    assert message.startswith("waterfallFailed: every provider tried failed") and "hunter" in message \
        and "clearbit" in message and "could not reach" in message, message
    # A provider that answers with a miss is an answer: the waterfall then succeeds with the field empty.
    out = run_once(waterfall_graph({"fields": ["email"], "steps": [
        hunter_step(p, connectorUuid=down), finder_step(p)]}), record(15))
    assert out["run"]["status"] == "success" and out["runContext"]["enrich"]["fields"] == {"email": None}


def test_a_tools_credits_cost_prices_its_waterfall_providers(providers: Providers) -> None:
    """`creditsCost` of a tool holding a waterfall: at least its first provider (always tried), at most
    every provider (hunter 0.5, clearbit 1.0, the http finder free), each attempt also charged 0.01."""
    p = providers
    _, tool = run_cli("orchestration", "tool", "create", "--name", "Waterfall pricing")
    nodes = waterfall_graph({"fields": ["email"], "steps": [hunter_step(p), finder_step(p), clearbit_step(p)]})
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["tool"]["workflowUuid"],
       "--nodes", j(nodes))
    cost = ok("orchestration", "tool", "get", tool["tool"]["uuid"])["tool"]["creditsCost"]
    # start, waterfall, end: 3 × 0.01; plus 0.5 + 0.01 at least, 0.5 + 0 + 1.0 + 3 × 0.01 at most.
    assert cost == {"kind": "minMax", "min": pytest.approx(0.54), "max": pytest.approx(1.56)}, cost
    # A first step behind a condition may be skipped: nothing is certain to be spent on providers.
    nodes = waterfall_graph({"fields": ["email"], "steps": [hunter_step(p, condition="{{false}}"), clearbit_step(p)]})
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["tool"]["workflowUuid"],
       "--nodes", j(nodes))
    cost = ok("orchestration", "tool", "get", tool["tool"]["uuid"])["tool"]["creditsCost"]
    assert cost == {"kind": "minMax", "min": pytest.approx(0.03), "max": pytest.approx(1.55)}, cost


def invalid(nodes: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
    assert out["outcome"] == "notValid", out
    return sorted((e["reason"], e.get("path")) for e in out["invalidNodes"])


def test_bad_config_is_refused_with_reason_codes(providers: Providers) -> None:
    p = providers
    good = {"fields": ["email"], "steps": [finder_step(p), hunter_step(p)]}
    code, out = run_cli("orchestration", "node", "validate", "--nodes", j(waterfall_graph(good)))
    assert out == {"outcome": "valid"}

    assert invalid(waterfall_graph({"fields": ["email"], "stopRule": "lastHit", "steps": []})) == [
        ("nodeInvalid", "config.steps"), ("nodeInvalid", "config.stopRule"),
        ("waterfallMappingInvalid", "config.fields")]
    assert invalid(waterfall_graph({"steps": [finder_step(p)]})) == [("nodeInvalid", "config.fields")]
    bad_steps = {"fields": ["email"], "steps": [
        {**finder_step(p), "mapping": {"email": "body.email", "phone": "body.phone"}},
        hunter_step(p, actionSlug="findEverything"),
        hunter_step(p, connectorUuid="00000000-0000-4000-8000-000000000001"),
        {k: v for k, v in clearbit_step(p, slug="finder").items() if k != "connectorUuid"},
        {"integrationSlug": "http", "actionSlug": "request", "config": {"url": "{{nodes.nowhere.url}}"},
         "mapping": {"email": "{{result.body.}}"}, "slug": "broken"},
    ]}
    assert invalid(waterfall_graph(bad_steps)) == [
        ("connectorNotFound", "config.steps[2].connectorUuid"),
        ("expressionInvalid", "config.steps[4].mapping.email"),
        ("referenceNotFound", "config.steps[4].config.url"),
        ("waterfallMappingInvalid", "config.steps[0].mapping.phone"),
        ("waterfallStepInvalid", "config.steps[1]"),
        ("waterfallStepInvalid", "config.steps[3].connectorUuid"),
        ("waterfallStepInvalid", "config.steps[3].slug"),
    ]
    validator = {"integrationSlug": "hunter", "actionSlug": "verifyAll", "accept": True, "fields": ["phone"]}
    assert invalid(waterfall_graph({**good, "validator": validator})) == [
        ("waterfallValidatorInvalid", "config.validator"),
        ("waterfallValidatorInvalid", "config.validator.fields")]
    # Creating a run with a bad waterfall is refused the same way.
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(waterfall_graph(bad_steps)))
    assert code != 0 and out["reason"] == "waterfallMappingInvalid"
