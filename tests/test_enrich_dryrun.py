"""Cost before you spend (issue 18, item 2): `batch create --dry-run` and `action execute-batch --dry-run`
project a batch's credits, executions and node time from a sample of its source, per node and per
provider, leaving nothing in the store; a credit cap (the batch's, the workspace's) stops a batch
cleanly. The providers are fakes on 127.0.0.1 charging known prices: Clearbit 1 credit per call, Hunter
0.5 per email-finder call and 1 per verification (run only when the finder found an email: a price per
result)."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import REMOTE, j, run_cli
from fakes import Answer, FakeProvider, Recorded, fake_provider
from graphs import end, node, start

RECORDS = 300


def _found(domain: str) -> bool:
    return int(hashlib.md5(domain.encode()).hexdigest(), 16) % 2 == 0


def make_records(seed: int = 16, count: int = RECORDS) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        record: dict[str, Any] = {"_id": f"r{i}", "fullName": f"Person {i}"}
        if rng.random() < 0.7:
            record["domain"] = f"co{i}.com"
        out.append(record)
    return out


def cost_of(record: dict[str, Any]) -> float:
    """What the graph below spends on one record: nothing without a domain; Clearbit (1) and the finder
    (0.5) with one; the verifier (1) too when the finder found an email."""
    if "domain" not in record:
        return 0.0
    return 1.5 + (1.0 if _found(record["domain"]) else 0.0)


def spread(count: int, size: int) -> list[int]:
    if count <= size:
        return list(range(count))
    return sorted({int((i + 0.5) * count / size) for i in range(size)})


@pytest.fixture
def providers() -> Iterator[tuple[FakeProvider, FakeProvider]]:
    def finder(rec: Recorded) -> Answer:
        domain = rec.query["domain"][0]
        email = f"someone@{domain}" if _found(domain) else None
        return Answer(200, {"data": {"email": email, "score": 90 if email else None, "domain": domain}})

    def verifier(rec: Recorded) -> Answer:
        return Answer(200, {"data": {"email": rec.query["email"][0], "status": "valid", "result": "deliverable"}})

    def company(rec: Recorded) -> Answer:
        domain = rec.query["domain"][0]
        return Answer(200, {"name": domain.split(".")[0].title(), "domain": domain})

    with fake_provider() as hunter, fake_provider() as clearbit:
        hunter.route("GET", "/email-finder", finder)
        hunter.route("GET", "/email-verifier", verifier)
        clearbit.route("GET", "/v2/companies/find", company)
        yield hunter, clearbit


def connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    code, out = run_cli("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                        "--name", slug, "--config", j(config))
    assert code == 0, out
    return str(out["connector"]["uuid"])


def graph(hunter: FakeProvider, clearbit: FakeProvider) -> list[dict[str, Any]]:
    hunter_uuid = connector("hunter", "hunter", {"apiKey": "hunter-secret", "baseUrl": hunter.url})
    clearbit_uuid = connector("clearbit", "clearbit", {"apiKey": "sk_clearbit", "baseUrl": clearbit.url})
    done, skipped, missed = end(slug="end"), end(slug="no_domain"), end(slug="no_email")
    verify = node("verify", kind="connector", integrationSlug="hunter", actionSlug="verifyEmail",
                  connectorUuid=hunter_uuid, config={"email": "{{nodes.find.email}}"}, children=[done["uuid"]])
    found = node("found", "branch", {"condition": "{{nodes.find.email != null}}"}, [verify["uuid"], missed["uuid"]])
    find = node("find", kind="connector", integrationSlug="hunter", actionSlug="findEmail", connectorUuid=hunter_uuid,
                config={"domain": "{{nodes.start.domain}}", "fullName": "{{nodes.start.fullName}}"},
                children=[found["uuid"]])
    company = node("company", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                   connectorUuid=clearbit_uuid, config={"domain": "{{nodes.start.domain}}"}, children=[find["uuid"]])
    has_domain = node("has_domain", "branch", {"condition": "{{nodes.start.domain != null}}"},
                      [company["uuid"], skipped["uuid"]])
    return [start(children=[has_domain["uuid"]]), has_domain, company, find, found, verify, done, skipped, missed]


def deployed_tool(nodes: list[dict[str, Any]]) -> str:
    code, tool = run_cli("orchestration", "tool", "create", "--name", "Enrich leads")
    assert code == 0, tool
    wf = str(tool["tool"]["workflowUuid"])
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    assert code == 0, out
    return wf


@pytest.fixture
def store_counts(request: pytest.FixtureRequest) -> Callable[[], dict[str, int]]:
    """Rows of the tables a batch writes in this test's workspace, read from the store itself (the
    server's in remote mode). Scoped to the workspace: on the shared PostgreSQL pass, other tests' runs
    keep writing to the same tables meanwhile."""
    env = request.getfixturevalue("remote_server").env if REMOTE else None
    workspace_name = os.environ["LADING_WORKSPACE_NAME"]

    def count() -> dict[str, int]:
        from sqlalchemy import func, select

        from lading.settings import load_settings
        from lading.store.database import open_database
        from lading.store.schema import batches, executions, files, releases, runs, workspaces

        with pytest.MonkeyPatch.context() as patch:
            for key in ("LADING_HOME", "LADING_DATABASE_URL") if env is not None else ():
                if key in env:
                    patch.setenv(key, env[key])
                else:
                    patch.delenv(key, raising=False)
            db = open_database(load_settings())
        with db.read() as conn:
            workspace = select(workspaces.c.uuid).where(workspaces.c.name == workspace_name).scalar_subquery()
            return {t.name: int(conn.execute(select(func.count()).select_from(t)
                                             .where(t.c.workspace_uuid == workspace)).scalar_one())
                    for t in (batches, runs, executions, files, releases)}

    return count


def calls(hunter: FakeProvider, clearbit: FakeProvider) -> int:
    return len(hunter.requests) + len(clearbit.requests)


def test_dry_run_projects_the_batch_and_leaves_nothing(providers: tuple[FakeProvider, FakeProvider],
                                                      store_counts: Callable[[], dict[str, int]]) -> None:
    hunter, clearbit = providers
    wf = deployed_tool(graph(hunter, clearbit))
    records = make_records()
    data = j({"kind": "records", "records": records})
    before = store_counts()

    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--data", data, "--dry-run")
    assert code == 0, out
    dry = out["dryRun"]
    sample = [records[i] for i in spread(RECORDS, 10)]
    assert dry["sampleSize"] == 10 and dry["requestedSampleSize"] == 10 and dry["recordsCount"] == RECORDS
    expected = sum(cost_of(r) for r in sample) * RECORDS / 10
    assert dry["projected"]["credits"] == pytest.approx(expected)
    assert dry["projected"]["creditsLow"] <= expected <= dry["projected"]["creditsHigh"]
    assert dry["sample"]["runs"] == 10 and dry["sample"]["failed"] == 0
    assert dry["sample"]["credits"] == pytest.approx(sum(cost_of(r) for r in sample))

    # Only the sample reached the providers, and nothing of it stayed in the store.
    with_domain = [r for r in sample if "domain" in r]
    found = [r for r in with_domain if _found(r["domain"])]
    assert len(clearbit.requests) == len(with_domain)
    assert len(hunter.requests) == len(with_domain) + len(found)
    assert {r.query["domain"][0] for r in clearbit.requests} == {r["domain"] for r in with_domain}
    assert store_counts() == before
    code, listed = run_cli("orchestration", "batch", "list")
    assert code == 0 and listed["batches"] == []

    # Per node and per provider: the sample's numbers and their projection.
    per_node = {n["nodeSlug"]: n for n in dry["perNode"]}
    assert per_node["company"]["sample"]["executions"] == len(with_domain)
    assert per_node["company"]["integrationSlug"] == "clearbit" and per_node["company"]["actionSlug"] == "enrichCompany"
    assert per_node["find"]["sample"]["credits"] == pytest.approx(0.5 * len(with_domain))
    assert per_node["verify"]["sample"]["credits"] == pytest.approx(1.0 * len(found))
    assert per_node["verify"]["credits"] == pytest.approx(1.0 * len(found) * RECORDS / 10)
    assert per_node["start"]["executions"] == RECORDS and per_node["start"]["credits"] == 0
    assert sum(n["sample"]["executions"] for n in dry["perNode"]) == dry["sample"]["executions"]
    assert dry["projected"]["executions"] == dry["sample"]["executions"] * RECORDS // 10
    providers_ = {p["integrationSlug"]: p for p in dry["perProvider"]}
    assert set(providers_) == {"hunter", "clearbit"}
    assert providers_["clearbit"]["sample"] == {"calls": len(with_domain), "credits": len(with_domain), "failed": 0,
                                                "cached": 0}
    assert providers_["clearbit"]["creditsPerCall"] == 1.0
    assert providers_["hunter"]["calls"] == (len(with_domain) + len(found)) * RECORDS // 10
    assert dry["projected"]["durationSeconds"] >= dry["sample"]["durationSeconds"] > 0
    assert dry["creditCap"] is None

    # Under a cap, the dry run says where the cap would stop the batch (and is not stopped by it).
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--data", data, "--dry-run",
                        "--credit-cap", "100")
    assert code == 0, out
    capped = out["dryRun"]
    assert capped["creditCap"]["cap"] == 100 and capped["creditCap"]["reached"] is True
    per_record = capped["projected"]["credits"] / RECORDS
    assert capped["creditCap"]["recordsBeforeCap"] == int(100 / per_record)
    assert capped["sample"]["runs"] == 10 and capped["sample"]["failed"] == 0

    # The real batch: the projection is within 10 % of what it spends.
    seen = calls(hunter, clearbit)
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--data", data,
                        "--wait-until-finished")
    assert code == 0, out
    batch = out["batch"]
    real = sum(cost_of(r) for r in records)
    assert batch["status"] == "success" and batch["runsCount"] == RECORDS
    assert batch["failedRunsCount"] == 0, batch
    # Enrichment connectors cache answers: the sampled records' calls are not paid twice.
    assert dry["sample"]["cachedCalls"] == 0
    assert batch["creditsUsedCount"] == pytest.approx(real - dry["sample"]["credits"])
    assert abs(dry["projected"]["credits"] - batch["creditsUsedCount"]) <= 0.1 * batch["creditsUsedCount"]
    assert calls(hunter, clearbit) - seen == sum(
        (1 + 1 + _found(r["domain"])) for r in records if "domain" in r and r not in sample)


def test_a_larger_sample_and_a_sample_of_everything(providers: tuple[FakeProvider, FakeProvider]) -> None:
    hunter, clearbit = providers
    wf = deployed_tool(graph(hunter, clearbit))
    records = make_records(count=40)
    data = j({"kind": "records", "records": records})
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--data", data, "--dry-run",
                        "--sample-size", "100")
    assert code == 0, out
    dry = out["dryRun"]
    exact = sum(cost_of(r) for r in records)
    # The whole source fits in the sample: the projection is what the batch costs, with no spread.
    assert dry["sampleSize"] == 40 and dry["recordsCount"] == 40 and dry["requestedSampleSize"] == 100
    assert dry["projected"]["credits"] == pytest.approx(exact)
    assert dry["projected"]["creditsLow"] == dry["projected"]["creditsHigh"] == pytest.approx(exact)

    seen = calls(hunter, clearbit)
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--data", data, "--dry-run",
                        "--sample-size", "4")
    assert code == 0, out
    picked = [records[i] for i in spread(40, 4)]
    assert [i for i in spread(40, 4)] == [5, 15, 25, 35]  # spread over the source, not its first rows
    # The first dry run left every answer in the connectors' cache: this sample costs the providers
    # nothing, and is still priced as the records outside the sample would be (they may not be cached).
    again = out["dryRun"]
    assert again["projected"]["credits"] == pytest.approx(sum(cost_of(r) for r in picked) * 10)
    assert again["sample"]["cachedCalls"] == sum(2 + _found(r["domain"]) for r in picked if "domain" in r) > 0
    assert calls(hunter, clearbit) == seen
    code, listed = run_cli("orchestration", "batch", "list")
    assert listed["batches"] == []


def test_action_execute_batch_dry_run(providers: tuple[FakeProvider, FakeProvider],
                                     store_counts: Callable[[], dict[str, int]]) -> None:
    hunter, _ = providers
    connector("hunter", "hunter", {"apiKey": "hunter-secret", "baseUrl": hunter.url})
    rows = [{"domain": f"co{i}.com", "fullName": f"Person {i}"} for i in range(50)]
    action = j({"kind": "connector", "integrationSlug": "hunter", "actionSlug": "findEmail",
                "config": {"domain": "{{domain}}", "fullName": "{{fullName}}"}})
    before = store_counts()
    code, out = run_cli("orchestration", "action", "execute-batch", "--action", action, "--records", j(rows),
                        "--dry-run", "--sample-size", "5")
    assert code == 0, out
    dry = out["dryRun"]
    assert dry["sampleSize"] == 5 and dry["recordsCount"] == 50
    assert dry["projected"]["credits"] == pytest.approx(0.5 * 50)
    assert [p["integrationSlug"] for p in dry["perProvider"]] == ["hunter"]
    assert dry["perProvider"][0]["creditsPerCall"] == 0.5
    assert len(hunter.requests) == 5
    assert sorted(r.query["domain"][0] for r in hunter.requests) == sorted(
        rows[i]["domain"] for i in spread(50, 5))
    assert store_counts() == before


def test_a_credit_cap_stops_the_batch_cleanly(providers: tuple[FakeProvider, FakeProvider]) -> None:
    hunter, clearbit = providers
    wf = deployed_tool(graph(hunter, clearbit))
    records = make_records()
    cap = 40.0
    code, out = run_cli("workspaceManagement", "workspace", "set-credit-cap", "--credit-cap", "40")
    assert code == 0, out
    assert out == {"creditCap": cap}
    code, out = run_cli("workspaceManagement", "workspace", "get-credit-cap")
    assert out == {"creditCap": cap}
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "records", "records": records}), "--wait-until-finished")
    assert code == 0, out
    batch = out["batch"]
    assert batch["status"] == "cancelled", batch
    assert batch["data"]["creditCap"] == cap and batch["data"]["stopReason"] == "creditCapReached"
    assert batch["errorMessage"].startswith("creditCapReached")
    # Spent at most the cap plus one step's price (the dearest step is 1 credit).
    assert cap <= batch["creditsUsedCount"] <= cap + 1.0
    # What the providers served is what was charged: nothing spent unrecorded.
    served = len(clearbit.requests) * 1.0 + sum(
        0.5 if r.path == "/email-finder" else 1.0 for r in hunter.requests)
    assert served == pytest.approx(batch["creditsUsedCount"])

    # Nothing is lost: every record has its run; the stopped ones say why and can be re-run by record id.
    code, stopped = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", batch["uuid"],
                            "--statuses", "cancelled", "--limit", "1000")
    assert code == 0, stopped
    cancelled = stopped["runs"]
    assert cancelled and all(r["errorMessage"].startswith("creditCapReached") for r in cancelled)
    code, done = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", batch["uuid"],
                         "--statuses", "success", "--limit", "1000")
    assert len(cancelled) + len(done["runs"]) == RECORDS == batch["runsCount"]
    code, one = run_cli("orchestration", "run", "get", cancelled[0]["uuid"])
    assert code == 0 and one["run"]["status"] == "cancelled"
    assert one["run"]["errorMessage"].startswith("creditCapReached")

    # The rest re-runs by record id once the cap is lifted.
    code, out = run_cli("workspaceManagement", "workspace", "set-credit-cap", "--credit-cap", "none")
    assert code == 0 and out == {"creditCap": None}
    ids = [r["recordId"] for r in cancelled]
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "recordIds", "recordIds": ids}), "--wait-until-finished")
    assert code == 0, out
    assert out["batch"]["status"] == "success" and out["batch"]["runsCount"] == len(ids)
    assert out["batch"]["creditsUsedCount"] + batch["creditsUsedCount"] == pytest.approx(
        sum(cost_of(r) for r in records))


def test_a_batch_cap_lower_than_the_workspace_cap_wins(providers: tuple[FakeProvider, FakeProvider]) -> None:
    hunter, clearbit = providers
    wf = deployed_tool(graph(hunter, clearbit))
    run_cli("workspaceManagement", "workspace", "set-credit-cap", "--credit-cap", "500")
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--credit-cap", "10",
                        "--data", j({"kind": "records", "records": make_records(count=100)}), "--wait-until-finished")
    assert code == 0, out
    batch = out["batch"]
    assert batch["data"]["creditCap"] == 10 and batch["status"] == "cancelled"
    assert 10 <= batch["creditsUsedCount"] <= 11


def test_a_tool_cap_stops_its_batches(providers: tuple[FakeProvider, FakeProvider]) -> None:
    hunter, clearbit = providers
    wf = deployed_tool(graph(hunter, clearbit))
    code, tools = run_cli("orchestration", "tool", "list")
    tool = next(t for t in tools["tools"] if t["workflowUuid"] == wf)
    assert tool["creditCap"] is None
    code, out = run_cli("orchestration", "tool", "update", tool["uuid"], "--credit-cap", "15")
    assert code == 0 and out["tool"]["creditCap"] == 15, out
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "records", "records": make_records(count=100)}), "--wait-until-finished")
    assert code == 0, out
    batch = out["batch"]
    assert batch["status"] == "cancelled" and batch["data"]["creditCap"] == 15
    assert 15 <= batch["creditsUsedCount"] <= 16
    code, out = run_cli("orchestration", "tool", "update", tool["uuid"], "--credit-cap", "none")
    assert code == 0 and out["tool"]["creditCap"] is None
    code, out = run_cli("orchestration", "tool", "update", tool["uuid"], "--credit-cap", "-2")
    assert code != 0 and out["reason"] == "invalidCreditCap"
    code, out = run_cli("orchestration", "tool", "create", "--name", "Capped", "--credit-cap", "2.5")
    assert code == 0 and out["tool"]["creditCap"] == 2.5


@pytest.mark.parametrize(("args", "reason"), [
    (("--dry-run", "--sample-size", "0"), "invalidSampleSize"),
    (("--dry-run", "--sample-size", "1001"), "invalidSampleSize"),
    (("--sample-size", "5"), "invalidSampleSize"),
    (("--credit-cap", "-1"), "invalidCreditCap"),
    (("--credit-cap", "0"), "invalidCreditCap"),
])
def test_bad_values_are_refused(args: tuple[str, ...], reason: str) -> None:
    nodes = [start(children=[]), end()]
    nodes[0]["childrenUuids"] = [nodes[1]["uuid"]]
    code, out = run_cli("orchestration", "batch", "create", "--nodes", j(nodes),
                        "--data", j({"kind": "records", "records": [{"a": 1}]}), *args)
    assert code != 0 and out["reason"] == reason, out
    assert "Traceback" not in j(out)


def test_bad_dry_run_sources_and_caps() -> None:
    nodes = [start(children=[]), end()]
    nodes[0]["childrenUuids"] = [nodes[1]["uuid"]]
    code, out = run_cli("orchestration", "batch", "create", "--nodes", j(nodes), "--dry-run",
                        "--data", j({"kind": "records", "records": []}))
    assert code != 0 and out["reason"] == "noRecords"
    code, out = run_cli("orchestration", "batch", "create", "--nodes", j(nodes), "--dry-run",
                        "--data", j({"kind": "nope"}))
    assert code != 0 and out["reason"] == "invalidDataKind"
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", "00000000-0000-4000-8000-000000000000",
                        "--dry-run", "--data", j({"kind": "records", "records": [{"a": 1}]}))
    assert code != 0 and out["reason"].endswith("NotFound"), out
    code, out = run_cli("workspaceManagement", "workspace", "set-credit-cap", "--credit-cap", "lots")
    assert code != 0 and out["reason"] == "invalidCreditCap"
    code, out = run_cli("workspaceManagement", "workspace", "set-credit-cap", "--credit-cap", "-5")
    assert code != 0 and out["reason"] == "invalidCreditCap"
    code, out = run_cli("workspaceManagement", "workspace", "get-credit-cap")
    assert code == 0 and out == {"creditCap": None}
    code, out = run_cli("orchestration", "action", "execute-batch", "--dry-run", "--sample-size", "-3",
                        "--action", j({"kind": "native", "actionSlug": "variables", "config": {}}),
                        "--records", j([{"a": 1}]))
    assert code != 0 and out["reason"] == "invalidSampleSize"
    code, listed = run_cli("orchestration", "batch", "list")
    assert listed["batches"] == []


def test_help_says_what_a_dry_run_does() -> None:
    code, out = run_cli("orchestration", "batch", "create", "--help")
    text = out if isinstance(out, str) else j(out)
    assert "--dry-run" in text and "--sample-size" in text and "--credit-cap" in text
    assert "provider calls are made" in " ".join(text.split())
    code, out = run_cli("orchestration", "action", "execute-batch", "--help")
    assert "--dry-run" in (out if isinstance(out, str) else j(out))


def test_dry_run_of_a_file_and_of_a_play_source(tmp_path: Any, store_counts: Callable[[], dict[str, int]]) -> None:
    from graphs import chain, var

    # A CSV file: 25 rows, the sample spread over them.
    path = tmp_path / "leads.csv"
    path.write_text("name,size\n" + "".join(f"n{i},{i}\n" for i in range(25)))
    code, up = run_cli("workspaceManagement", "file", "upload", "--file-path", str(path))
    assert code == 0, up
    nodes = chain(start(), end([var("name", "{{nodes.start.name}}")]))
    before = store_counts()
    code, out = run_cli("orchestration", "batch", "create", "--nodes", j(nodes), "--dry-run", "--sample-size", "5",
                        "--data", j({"kind": "file", "s3Filename": up["s3Filename"]}))
    assert code == 0, out
    dry = out["dryRun"]
    assert (dry["sampleSize"], dry["recordsCount"]) == (5, 25)
    assert dry["projected"] == {"credits": 0, "creditsLow": 0, "creditsHigh": 0, "executions": 50,
                                "durationSeconds": dry["projected"]["durationSeconds"]}
    assert {n["nodeSlug"]: n["executions"] for n in dry["perNode"]} == {"start": 25, "end": 25}
    assert dry["perProvider"] == []
    assert store_counts() == before

    # A play over a model's rows (filter source).
    code, datasets = run_cli("storage", "dataset", "list")
    ds = datasets["datasets"][0]["uuid"]
    code, model = run_cli("storage", "model", "create", "--slug", "leads", "--name", "Leads", "--dataset-uuid", ds,
                          "--columns", j([{"slug": "name", "type": "string"}]), "--title-column-slug", "name")
    assert code == 0, model
    model_uuid = model["model"]["uuid"]
    run_cli("storage", "record", "upsert", "--model-uuid", model_uuid,
            "--records", j([{"_id": f"m{i}", "name": f"Lead {i}"} for i in range(30)]))
    code, play = run_cli("orchestration", "play", "create", "--name", "Greet", "--model-uuid", model_uuid)
    assert code == 0, play
    wf = play["play"]["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    assert code == 0, out
    before = store_counts()
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--dry-run", "--sample-size", "3",
                        "--data", j({"kind": "filter", "modelUuid": model_uuid,
                                     "filter": {"conjonction": "and", "groups": []}}))
    assert code == 0, out
    assert (out["dryRun"]["sampleSize"], out["dryRun"]["recordsCount"]) == (3, 30)
    assert out["dryRun"]["projected"]["executions"] == 60
    assert store_counts() == before
