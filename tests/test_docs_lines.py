"""Issue 19, "Shown by": the command lines of Cargo's agent-skill documentation (orchestration,
analytics, storage, connection, AI, billing, workspace), typed verbatim with `lading`.

Each line is written here as the documents (the spec's command tables and examples, and the two
seeds) print it, `cargo-ai` or `lading`, backslash continuations and `# comments` included; `doc()`
substitutes only the ids a test created for the `<placeholders>` and runs it through the real CLI
(embedded, or over HTTP in the remote pass). The documented response keys and exit codes are checked.
The error-document tests at the end check that every failure, CLI and API, carries both `status`
and `statusCode`.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from test_docs_mcp import RemoteMcp, remote_mcp  # noqa: F401  (the SDK's MCP server on 127.0.0.1, a fixture)

from ai_helpers import completion, openai_connector
from conftest import REMOTE, Result, j, read_export, run_cli
from fakes import Answer, fake_provider
from graphs import chain, end, node, start, var


def doc(line: str, subs: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    """Run one documented command line: `cargo-ai`/`lading`, then the words as a shell splits them
    (continuations joined, a trailing `# comment` dropped), with `<placeholder>`s replaced."""
    text = line.replace("\\\n", " ")
    for placeholder, value in (subs or {}).items():
        text = text.replace(placeholder, value)
    words = shlex.split(text, comments=True)
    assert words[0] in ("cargo-ai", "lading"), line
    return run_cli(*words[1:], stdin=stdin)


def ok(line: str, subs: dict[str, str] | None = None) -> Any:
    code, out = doc(line, subs)
    assert code == 0, (line, out)
    return out


def keys(document: dict[str, Any], *expected: str) -> None:
    missing = set(expected) - set(document)
    assert not missing, (missing, sorted(document))


def error_document(out: Any, status: int) -> None:
    """The documented failure shape (connections-ai-workspace §3.8): `status` as the documents read it,
    `statusCode` as Cargo's API client reads it."""
    assert isinstance(out, dict), out
    keys(out, "errorMessage", "reason", "status", "statusCode")
    assert out["status"] == out["statusCode"] == status, out


# --- fixtures: what the lines need to exist -----------------------------------------------------

def echo_graph() -> list[dict[str, Any]]:
    return chain(start(), end([var("company", "{{nodes.start.company}}"), var("domain", "{{nodes.start.domain}}")]))


def make_tool(name: str = "Docs tool") -> dict[str, Any]:
    tool = ok(f"lading orchestration tool create --name {shlex.quote(name)}")["tool"]
    ok("lading orchestration release deploy-draft --workflow-uuid <uuid> --nodes " + shlex.quote(j(echo_graph())),
       {"<uuid>": tool["workflowUuid"]})
    return tool


def make_companies() -> dict[str, Any]:
    """A `companies` model with three records, as the storage documents build one."""
    dataset = ok("lading storage dataset list")["datasets"][0]["uuid"]
    model = ok("lading storage model create --slug companies --name Companies --dataset-uuid <uuid> "
               "--extractor-slug native --config '{}'", {"<uuid>": dataset})["model"]
    for column in ({"slug": "domain", "type": "string", "label": "Domain"},
                   {"slug": "name", "type": "string", "label": "Company Name"},
                   {"slug": "country", "type": "string", "label": "Country"},
                   {"slug": "employee_count", "type": "number", "label": "Employees"},
                   {"slug": "created_at", "type": "date", "label": "Created at"}):
        ok("lading storage column create --model-uuid <uuid> --column '<json>'",
           {"<uuid>": model["uuid"], "<json>": j({**column, "kind": "custom"})})
    ok("lading storage record upsert --model-uuid <uuid> --records '<json>'", {"<uuid>": model["uuid"], "<json>": j([
        {"_id": "rec-1", "domain": "acme.com", "name": "Acme Corp", "country": "US", "employee_count": 500,
         "created_at": "2025-01-15"},
        {"_id": "rec-2", "domain": "globex.com", "name": "Globex Tech", "country": "FR", "employee_count": 120,
         "created_at": "2025-02-15"},
        {"_id": "rec-3", "domain": "initech.com", "name": "Initech", "country": "US", "employee_count": 40,
         "created_at": "2025-06-01"}])})
    return model


def wait_batch(uuid: str) -> dict[str, Any]:
    for _ in range(300):
        batch = ok("cargo-ai orchestration batch get <batch-uuid>", {"<batch-uuid>": uuid})["batch"]
        if batch["status"] in ("success", "error", "cancelled"):
            return batch
        time.sleep(0.1)
    raise AssertionError(f"batch {uuid} did not finish")


# === Orchestration (seed "Cargo Orchestration", orchestration.md §3) ============================

DISCOVERY = [
    ("cargo-ai whoami", ("user", "workspace")),
    ("cargo-ai orchestration play list            # all plays (name, workflowUuid, modelUuid, segmentUuid)",
     ("plays",)),
    ("cargo-ai orchestration tool list            # all tools (name, workflowUuid, description)", ("tools",)),
    ("cargo-ai orchestration workflow list        # all workflows (uuid only — no name)", ("workflows",)),
    ("cargo-ai orchestration template list       # all workflow templates (slug, name, kind)", ("templates",)),
    ("cargo-ai ai agent list                     # all agents (uuid, name)", ("agents",)),
    ("cargo-ai ai template list                  # all AI agent templates (slug, name, languageModelSlug)",
     ("templates",)),
    ("cargo-ai storage model list                # all models (uuid, name, slug, columns)", ("models",)),
    ("cargo-ai storage dataset list              # all datasets", ("datasets",)),
    ("cargo-ai segmentation segment list         # all segments (uuid, name, modelUuid)", ("segments",)),
    ("cargo-ai connection connector list         # all connectors", ("connectors",)),
    ("cargo-ai orchestration template list              # list available templates", ("templates",)),
]


@pytest.mark.parametrize(("line", "expected"), DISCOVERY, ids=[d[0].split("#")[0].strip() for d in DISCOVERY])
def test_discover_resources_first(line: str, expected: tuple[str, ...]) -> None:
    keys(ok(line), *expected)


HELP = [
    "cargo-ai orchestration run create --help",
    "cargo-ai orchestration template list --help",
    "cargo-ai orchestration node validate --help",
    "cargo-ai ai message create --help",
    "cargo-ai orchestration query execute --help",
    "cargo-ai billing usage get-metrics --help",
    "cargo-ai orchestration run download --help",
    "cargo-ai segmentation segment download --help",
]


@pytest.mark.parametrize("line", HELP)
def test_every_command_supports_help(line: str) -> None:
    code, out = doc(line)
    assert code == 0 and isinstance(out, str) and "Usage" in out and "--" in out, out


def test_ai_template_list_shape_and_template_get() -> None:
    for template in ok("cargo-ai ai template list")["templates"]:
        keys(template, "slug", "name", "languageModelSlug")
    templates = ok("cargo-ai orchestration template list")["templates"]
    for template in templates:
        keys(template, "slug", "name", "description", "kind")
    got = ok("cargo-ai orchestration template get <slug>        # get template nodes + config",
             {"<slug>": templates[0]["slug"]})
    keys(got["template"], "nodes", "kind", "slug")


def test_tool_create_deploy_run_and_read_the_run() -> None:
    tool = ok("lading orchestration tool create --name 'Enrich accounts' --description 'Docs tool'")["tool"]
    keys(tool, "uuid", "name", "workflowUuid", "description")
    wf = {"<uuid>": tool["workflowUuid"], "<tool.workflowUuid>": tool["workflowUuid"]}
    graph = shlex.quote(j(echo_graph()))
    assert ok(f"cargo-ai orchestration node validate --nodes {graph}") == {"outcome": "valid"}
    draft = ok(f"lading orchestration release update-draft --workflow-uuid <uuid> --nodes {graph}", wf)["release"]
    assert draft["status"] == "draft"
    assert ok("lading orchestration release get-draft --workflow-uuid <uuid>", wf)["release"]["status"] == "draft"
    deployed = ok(f"lading orchestration release deploy-draft --workflow-uuid <uuid> --nodes {graph} "
                  "--description 'first' --version 1.0.0", wf)["release"]
    assert deployed["status"] == "deployed"
    assert ok("lading orchestration release get-deployed --workflow-uuid <uuid>", wf)["release"]["uuid"] == \
        deployed["uuid"]
    assert [n["slug"] for n in ok("cargo-ai orchestration release get <release-uuid>",
                                  {"<release-uuid>": deployed["uuid"]})["release"]["nodes"]] == ["start", "end"]
    keys(ok("lading orchestration release list --workflow-uuid <uuid> --limit 10 --offset 0", wf), "releases")
    keys(ok("lading orchestration workflow get <uuid>", wf)["workflow"], "uuid", "nodes")
    assert ok("lading orchestration tool get <uuid>", {"<uuid>": tool["uuid"]})["tool"]["uuid"] == tool["uuid"]
    updated = ok("lading orchestration tool update <uuid> --name 'Enrich companies'", {"<uuid>": tool["uuid"]})
    assert updated["tool"]["name"] == "Enrich companies"

    created = ok("""cargo-ai orchestration run create \\
  --workflow-uuid <tool.workflowUuid> \\
  --data '{"company":"Acme","domain":"acme.com"}'""", wf)["run"]
    assert created["status"] in ("pending", "running", "success")
    for _ in range(200):  # "→ Poll with: cargo-ai orchestration run get <run-uuid>"
        got = ok("cargo-ai orchestration run get <run-uuid>", {"<run-uuid>": created["uuid"]})
        if got["run"]["status"] in ("success", "error", "cancelled"):
            break
        time.sleep(0.1)
    keys(got, "run", "runContext", "runComputedConfigs")
    assert got["run"]["status"] == "success" and got["runContext"]["end"] == {"company": "Acme", "domain": "acme.com"}
    keys(got["run"], "uuid", "workflowUuid", "status", "batchUuid", "releaseUuid", "recordId", "recordTitle",
         "executions", "createdAt", "finishedAt")
    waited = ok("""cargo-ai orchestration run create \\
  --workflow-uuid <tool.workflowUuid> \\
  --data '{"company":"Acme","domain":"acme.com"}' \\
  --wait-until-finished""", wf)
    assert waited["run"]["status"] == "success" and "runContext" in waited
    pinned = ok("cargo-ai orchestration run create --workflow-uuid <uuid> --data '{\"company\":\"Acme\",\"domain\":"
                "\"acme.com\"}' --release-uuid <release> --wait-until-finished", {**wf, "<release>": deployed["uuid"]})
    assert pinned["run"]["releaseUuid"] == deployed["uuid"]
    adhoc = ok(f"cargo-ai orchestration run create --data '{{\"domain\":\"acme.com\"}}' --nodes {graph} "
               "--wait-until-finished")
    assert adhoc["runContext"]["end"]["domain"] == "acme.com"
    cancelled = ok("cargo-ai orchestration run cancel --workflow-uuid <uuid> --uuids run-uuid-1,run-uuid-2",
                   {**wf, "run-uuid-1": created["uuid"], "run-uuid-2": waited["run"]["uuid"]})
    keys(cancelled, "runs")
    runs = ok("lading orchestration run list --workflow-uuid <uuid> --statuses success --limit 50 --offset 0", wf)
    assert len(runs["runs"]) == 3
    assert ok("lading orchestration run list --workflow-uuid <uuid> --record-title Acme --is-finished", wf)["runs"] \
        is not None
    code, out = doc("lading orchestration tool remove <uuid>", {"<uuid>": tool["uuid"]})
    assert code == 0 and out == {"uuid": tool["uuid"], "removed": True}


def test_action_execute_and_execute_batch_with_a_tool() -> None:
    tool = make_tool()
    subs = {"<uuid>": tool["uuid"], "<tool-uuid>": tool["uuid"]}
    run = ok("""cargo-ai orchestration action execute --action '{"kind":"tool","toolUuid":"<uuid>","config":{}}' \
--data '{"domain":"acme.com"}' --wait-until-finished""", subs)["run"]
    assert run["status"] == "success"
    batch = ok("""cargo-ai orchestration action execute-batch \\
  --action '{"kind":"tool","toolUuid":"<tool-uuid>","config":{}}' \\
  --records '[{"domain":"acme.com"},{"domain":"globex.com"}]' \\
  --wait-until-finished""", subs)["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 2
    pending = ok("""cargo-ai orchestration action execute --action '{"kind":"tool","toolUuid":"<uuid>","config":{}}' \
--data '{"domain":"acme.com"}'""", subs)["run"]
    assert pending["status"] in ("pending", "running", "success")
    schema = ok("""lading orchestration action get-output-schema --action '{"kind":"tool","toolUuid":"<uuid>",\
"config":{}}'""", subs)
    keys(schema, "schema")
    found = ok("lading orchestration action list enrich --kind native --limit 20")
    keys(found, "query", "totalMatches", "results")


def test_native_action_execute() -> None:
    # The inputs of an action come from --data (orchestration §3.2).
    out = ok("""lading orchestration action execute --action '{"kind":"native","actionSlug":"script","config":{}}' \
--data '{"script":"return 6 * 7;"}' --wait-until-finished""")
    assert out["run"]["status"] == "success"


def test_tool_batches_records_and_file(tmp_path: Path) -> None:
    tool = make_tool()
    wf = {"<uuid>": tool["workflowUuid"], "<tool.workflowUuid>": tool["workflowUuid"]}
    batch = ok("""cargo-ai orchestration batch create --workflow-uuid <uuid> \
--data '{"kind":"records","records":[{"company":"Acme","domain":"acme.com"},{"company":"Globex",\
"domain":"globex.com"}]}' --wait-until-finished""", wf)["batch"]
    keys(batch, "uuid", "status", "workflowUuid", "releaseUuid", "runsCount", "executedRunsCount", "failedRunsCount")
    assert batch["status"] == "success" and batch["runsCount"] == 2 and batch["failedRunsCount"] == 0
    sub = {**wf, "<batch-uuid>": batch["uuid"], "<release-uuid>": batch["releaseUuid"]}
    slugs = [n["slug"] for n in ok("cargo-ai orchestration release get <release-uuid>", sub)["release"]["nodes"]]
    code, text = doc("cargo-ai orchestration batch download --uuid <batch-uuid> --output-node-slug <slug>",
                     {**sub, "<slug>": slugs[-1]})
    assert code == 0 and "acme.com" in str(text)
    listed = ok("lading orchestration batch list --workflow-uuids <uuid> --statuses success --limit 10", wf)
    assert [b["uuid"] for b in listed["batches"]] == [batch["uuid"]]
    pending = ok("lading orchestration batch create --workflow-uuid <uuid> --data '<data>'",
                 {**wf, "<data>": j({"kind": "records", "records": [{"domain": "acme.com"}]})})["batch"]
    cancelled = doc("cargo-ai orchestration batch cancel <batch-uuid>", {"<batch-uuid>": pending["uuid"]})
    assert (cancelled[0] == 0 and "batch" in cancelled[1]) or cancelled[1]["reason"] == "batchAlreadyFinished"

    uploaded = tmp_path / "accounts.csv"
    uploaded.write_text("company,domain\nAcme,acme.com\nInitech,initech.com\n", encoding="utf-8")
    file = ok("lading workspaceManagement file upload --file-path <path>", {"<path>": str(uploaded)})
    keys(file, "s3Filename")
    cols = ok("lading workspaceManagement file list-columns --s3-filename <k>", {"<k>": file["s3Filename"]})
    assert cols == {"columns": [{"type": "string", "name": "company"}, {"type": "string", "name": "domain"}]}
    sub["..."] = file["s3Filename"]
    from_file = ok("""cargo-ai orchestration batch create \\
  --workflow-uuid <tool.workflowUuid> \\
  --data '{"kind":"file","s3Filename":"..."}'""", sub)["batch"]
    assert wait_batch(from_file["uuid"])["runsCount"] == 2


def play_on(model: dict[str, Any]) -> dict[str, Any]:
    play = ok("lading orchestration play create --name 'US accounts' --model-uuid <uuid> --change-kinds added "
              "--run-creation-rule always", {"<uuid>": model["uuid"]})["play"]
    keys(play, "uuid", "name", "workflowUuid", "modelUuid", "segmentUuid")
    ok("lading orchestration release deploy-draft --workflow-uuid <uuid> --nodes " + shlex.quote(j(chain(
        start(), end([var("domain", "{{nodes.start.domain}}")])))), {"<uuid>": play["workflowUuid"]})
    return play


def test_play_batches_on_a_segment_filter_and_record_ids() -> None:
    model = make_companies()
    play = play_on(model)
    seg = ok("""lading segmentation segment create --name 'US companies' --model-uuid <uuid> \
--filter '{"conjonction":"and","groups":[{"conjonction":"or","conditions":[{"kind":"string","columnSlug":"country",\
"operator":"is","values":["US"]}]}]}'""", {"<uuid>": model["uuid"]})["segment"]
    sub = {"<play.workflowUuid>": play["workflowUuid"], "<uuid>": play["workflowUuid"], "...": seg["uuid"]}
    batch = ok("""cargo-ai orchestration batch create \\
  --workflow-uuid <play.workflowUuid> \\
  --data '{"kind":"segment","segmentUuid":"..."}' \\
  --wait-until-finished""", sub)["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 2
    filtered = ok("""lading orchestration batch create --workflow-uuid <uuid> --data '{"kind":"filter","modelUuid":\
"<model>","filter":{"conjonction":"and","groups":[]},"limit":15}' --wait-until-finished""",
                  {**sub, "<model>": model["uuid"]})["batch"]
    assert filtered["runsCount"] == 3
    by_ids = ok("""lading orchestration batch create --workflow-uuid <uuid> --data '{"kind":"recordIds",\
"modelUuid":"<model>","ids":["rec-1"]}' --wait-until-finished""", {**sub, "<model>": model["uuid"]})["batch"]
    assert by_ids["runsCount"] == 1
    keys(ok("lading orchestration play get <uuid>", {"<uuid>": play["uuid"]}), "play")
    assert ok("lading orchestration play update <uuid> --name 'US accounts v2'",
              {"<uuid>": play["uuid"]})["play"]["name"] == "US accounts v2"


def test_batch_re_run_failed_records_by_record_ids_as_documented() -> None:
    """Analytics "Step 4 — Re-run only the failed records": `{"kind":"recordIds","recordIds":[…]}`."""
    model = make_companies()
    play = play_on(model)
    out = ok("""cargo-ai orchestration batch create \\
--workflow-uuid <uuid> \\
--data '{"kind":"recordIds","recordIds":["id1","id2","id3"]}'""",
             {"<uuid>": play["workflowUuid"], "id1": "rec-1", "id2": "rec-2", "id3": "rec-3"})
    assert wait_batch(out["batch"]["uuid"])["runsCount"] == 3


def test_play_batch_over_its_own_segment() -> None:
    model = make_companies()
    play = play_on(model)
    batch = ok("""cargo-ai orchestration batch create \\
  --workflow-uuid <play.workflowUuid> \\
  --data '{"kind":"segment","segmentUuid":"..."}' \\
  --wait-until-finished""", {"<play.workflowUuid>": play["workflowUuid"], "...": play["segmentUuid"]})["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 3


def test_batch_filter_source_with_the_simple_condition_form() -> None:
    model = make_companies()
    play = play_on(model)
    batch = ok("""lading orchestration batch create --workflow-uuid <uuid> --data '{"kind":"filter","modelUuid":\
"<model>","filter":{"field":"country","operator":"is","value":"US"}}' --wait-until-finished""",
               {"<uuid>": play["workflowUuid"], "<model>": model["uuid"]})["batch"]
    assert batch["runsCount"] == 2


def test_play_update_enable_list_and_remove() -> None:
    model = make_companies()
    play = ok("lading orchestration play create --name Scored --model-uuid <uuid> --change-kinds added,updated "
              "--run-creation-rule once --description 'Score new accounts' --health-threshold 90 "
              "--tracking-column-slugs name,country", {"<uuid>": model["uuid"]})["play"]
    p = {"<uuid>": play["uuid"]}
    code, out = doc("lading orchestration play update <uuid> --is-enabled true", p)
    assert code == 1 and out["reason"] == "noDeployedRelease"
    ok("lading orchestration release deploy-draft --workflow-uuid <uuid> --nodes '<nodes>'",
       {"<uuid>": play["workflowUuid"], "<nodes>": j(echo_graph())})
    assert ok("lading orchestration play update <uuid> --is-enabled true", p)["play"]["isEnabled"] is True
    updated = ok("""lading orchestration play update --uuid <uuid> --schedule '{"type":"cron","cron":"0 * * * *"}' \
--change-kinds added --run-creation-rule always""", p)["play"]
    assert updated["schedule"] == {"type": "cron", "cron": "0 * * * *"}
    assert [x["uuid"] for x in ok("lading orchestration play list")["plays"]] == [play["uuid"]]
    keys(ok("lading orchestration workflow list --limit 10 --offset 0"), "workflows")
    assert ok("lading orchestration play remove <uuid>", p) == {"uuid": play["uuid"], "removed": True}


def test_run_create_on_a_play_workflow_is_play_not_compatible() -> None:
    play = play_on(make_companies())
    code, out = doc("""cargo-ai orchestration run create --workflow-uuid <uuid> --data '{"domain":"acme.com"}'""",
                    {"<uuid>": play["workflowUuid"]})
    assert code == 1 and out["reason"] == "playNotCompatible"
    error_document(out, 400)


NODE_LINES = [
    # (documented line, expected)
    ("""lading orchestration node compute --node '{"uuid":"5b0c8c1e-1f7e-4c57-9b1a-2f1f0f0f0f01","slug":"b",\
"kind":"native","actionSlug":"branch","config":{"condition":"{{nodes.start.n > 1}}"},"childrenUuids":[null,null],\
"fallbackOnFailure":false,"position":{"x":0,"y":0}}' --context '{"nodes":{"start":{"n":2}}}'""", {"condition": True}),
    ("""lading orchestration node compute --node '{"uuid":"5b0c8c1e-1f7e-4c57-9b1a-2f1f0f0f0f02","slug":"v",\
"kind":"native","actionSlug":"variables","config":{"variables":[{"name":"domain","type":"string",\
"value":"{{nodes.start.email.split('"'"'@'"'"')[1]}}"}]},"childrenUuids":[null],"fallbackOnFailure":false,\
"position":{"x":0,"y":0}}' --context '{"nodes":{"start":{"email":"ada@acme.com"}}}'""",
     {"variables": [{"name": "domain", "type": "string", "value": "acme.com"}]}),
]


@pytest.mark.parametrize(("line", "expected"), NODE_LINES, ids=["branch", "variables"])
def test_node_compute(line: str, expected: Any) -> None:
    assert ok(line) == expected


def test_node_validate_not_valid_and_diagram() -> None:
    bad = shlex.quote(j(chain(node("go", "start"), end())))
    out = ok(f"cargo-ai orchestration node validate --nodes {bad}")
    assert out["outcome"] == "notValid" and out["invalidNodes"]
    keys(out["invalidNodes"][0], "reason")
    drawing = ok("lading orchestration node diagram --nodes " + shlex.quote(j(echo_graph())) + " --format mermaid")
    keys(drawing, "diagram", "format", "warnings")


def test_node_execute_with_a_release() -> None:
    tool = ok("lading orchestration tool create --name Exec")["tool"]
    script = node("s", "script", {"script": "return 2 * 21;"})
    release = ok("lading orchestration release deploy-draft --workflow-uuid <uuid> --nodes '<nodes>'",
                 {"<uuid>": tool["workflowUuid"], "<nodes>": j(chain(start(), script, end()))})["release"]
    out = ok("lading orchestration node execute --workflow-uuid <wf> --release-uuid <rel> --node '<node>' "
             "--computed-config '<cfg>' --context '{}'", {"<wf>": tool["workflowUuid"], "<rel>": release["uuid"],
                                                          "<node>": j(script), "<cfg>": j(script["config"])})
    keys(out, "execution", "output")
    assert out["output"] == {"result": 42}


def test_node_execute_without_a_release() -> None:
    script = node("s", "script", {"script": "return 2 * 21;"})
    out = ok("lading orchestration node execute --node '<node>' --computed-config '<cfg>' --context '{}'",
             {"<node>": j(script), "<cfg>": j(script["config"])})
    assert out["output"] == {"result": 42}


# --- records (seed "Inspect records") -----------------------------------------------------------

def test_inspect_records_of_a_workflow() -> None:
    tool = make_tool()
    wf = tool["workflowUuid"]
    batch = ok("lading orchestration batch create --workflow-uuid <uuid> --data '<data>' --wait-until-finished",
               {"<uuid>": wf, "<data>": j({"kind": "records", "records": [{"domain": "acme.com"},
                                                                        {"domain": "globex.com"}]})})["batch"]
    sub = {"<uuid>": wf}
    listed = ok("""# List records for a workflow
cargo-ai orchestration record list --workflow-uuid <uuid> --limit 50""", sub)
    keys(listed, "records", "count")
    assert listed["count"] == 2
    keys(listed["records"][0], "id", "title", "workflowUuid", "runUuid", "releaseUuid", "batchUuid", "status",
         "errorMessage", "createdAt", "updatedAt")
    # "--batch-uuid <uuid>": the seed writes both placeholders alike; the second is the batch.
    line = "cargo-ai orchestration record list --workflow-uuid <uuid> --batch-uuid <uuid> --statuses error"
    words = line.replace("--batch-uuid <uuid>", "--batch-uuid " + batch["uuid"])
    assert ok(words, sub)["records"] == []
    assert ok("cargo-ai orchestration record count --workflow-uuid <uuid>", sub) == {"count": 2}
    keys(ok("cargo-ai orchestration record download --workflow-uuid <uuid>", sub), "url")
    keys(ok("cargo-ai orchestration record get-metrics --workflow-uuid <uuid>", sub), "recordMetrics")
    ids = ",".join(r["id"] for r in listed["records"])
    keys(ok("cargo-ai orchestration record cancel --workflow-uuid <uuid> --ids record-id-1,record-id-2",
            {**sub, "record-id-1,record-id-2": ids}), "records")
    keys(ok("lading orchestration record download-outputs --workflow-uuid <uuid> --output-node-slug end "
            "--format json", sub), "url")


# === Analytics (seed "Cargo Analytics", analytics.md) ============================================

@pytest.fixture
def finished_tool() -> Iterator[dict[str, str]]:
    """A tool with one finished batch of two runs (one failing), and the placeholders the analytics
    lines use for them."""
    tool = ok("lading orchestration tool create --name Analytics")["tool"]
    graph = chain(start(), node("check", "script", {"script": 'if (nodes.start.domain === "bad.io") '
                                                             'throw new Error("bad"); return 1;'}),
                  end([var("domain", "{{nodes.start.domain}}")], slug="output"))
    ok("lading orchestration release deploy-draft --workflow-uuid <uuid> --nodes '<nodes>'",
       {"<uuid>": tool["workflowUuid"], "<nodes>": j(graph)})
    batch = ok("lading orchestration batch create --workflow-uuid <uuid> --data '<data>' --wait-until-finished",
               {"<uuid>": tool["workflowUuid"], "<data>": j({"kind": "records", "records": [
                   {"domain": "acme.com"}, {"domain": "bad.io"}]})})["batch"]
    yield {"<uuid>": tool["workflowUuid"], "<batch-uuid>": batch["uuid"], "<release-uuid>": batch["releaseUuid"],
           "<start-date>": "2020-01-01", "<end-date>": "2999-01-01", "<slug>": "output", "<node-slug>": "output"}


RUN_ANALYTICS = [
    ("cargo-ai orchestration run get-metrics --workflow-uuid <uuid>", "runMetrics"),
    ("cargo-ai orchestration run get-metrics --workflow-uuid <uuid> --release-uuid <release-uuid>", "runMetrics"),
    ("cargo-ai orchestration run get-metrics --workflow-uuid <uuid> --batch-uuid <batch-uuid>", "runMetrics"),
    ("cargo-ai orchestration run get-metrics --workflow-uuid <uuid> \\\n--created-after <start-date> "
     "--created-before <end-date>", "runMetrics"),
    ("cargo-ai orchestration run count --workflow-uuid <uuid> --statuses error", "count"),
    ("cargo-ai orchestration run count --workflow-uuid <uuid> --is-finished \\\n--created-after <start-date> "
     "--created-before <end-date>", "count"),
    ("cargo-ai orchestration run count --workflow-uuid <uuid> --batch-uuid <batch-uuid>", "count"),
    ("cargo-ai orchestration run count \\\n--workflow-uuid <uuid> \\\n--batch-uuid <batch-uuid> \\\n--statuses error",
     "count"),
    ("lading orchestration run count --workflow-uuid <uuid> --release-uuid <release-uuid> --record-id nope "
     "--record-title nope", "count"),
    ("""cargo-ai orchestration run download-outputs \\
--workflow-uuid <uuid> \\
--output-node-slug <slug> \\
--format json \\
--is-finished""", "url"),
    ("""cargo-ai orchestration run download-outputs \\
--workflow-uuid <uuid> \\
--output-node-slug <slug> \\
--batch-uuid <batch-uuid> \\
--statuses finished""", "url"),
    ("lading orchestration record get-metrics --workflow-uuid <uuid> --release-uuid <release-uuid> "
     "--batch-uuid <batch-uuid> --created-after <start-date> --created-before <end-date>", "recordMetrics"),
    ("lading orchestration record download --workflow-uuid <uuid> --batch-uuid <batch-uuid> --release-uuid "
     "<release-uuid> --statuses failed", "url"),
]


@pytest.mark.parametrize(("line", "key"), RUN_ANALYTICS, ids=[f"{i}-{r[1]}" for i, r in enumerate(RUN_ANALYTICS)])
def test_run_metrics_counts_and_output_urls(finished_tool: dict[str, str], line: str, key: str) -> None:
    out = ok(line, finished_tool)
    keys(out, key)
    if "--statuses error" in line:
        assert out["count"] == 1
    if key == "url":
        assert ("bad.io" if "failed" in line else "acme.com") in read_export(out["url"])


RUN_DOWNLOADS = [
    "cargo-ai orchestration run download --workflow-uuid <uuid> --is-finished",
    "cargo-ai orchestration run download --workflow-uuid <uuid> \\\n--created-after <start-date> "
    "--created-before <end-date>",
    "cargo-ai orchestration run download --workflow-uuid <uuid> --statuses success,error",
    "cargo-ai orchestration run download --workflow-uuid <uuid> --batch-uuid <batch-uuid>",
    "cargo-ai orchestration run download \\\n--workflow-uuid <uuid> \\\n--batch-uuid <batch-uuid> \\\n--statuses error",
]


@pytest.mark.parametrize("line", RUN_DOWNLOADS)
def test_run_download_full_records(finished_tool: dict[str, str], line: str) -> None:
    import json

    text = ok(line, finished_tool)  # newline-delimited JSON, one run a line (analytics §4.2)
    runs = [json.loads(row) for row in text.splitlines()] if isinstance(text, str) else [text]
    assert runs
    for run in runs:
        keys(run, "status", "executions", "runContext")
    if "--statuses error" in line:
        assert [r["status"] for r in runs] == ["error"]


def test_partial_batch_failures_steps(finished_tool: dict[str, str]) -> None:
    batch = ok("cargo-ai orchestration batch get <batch-uuid>", finished_tool)["batch"]
    assert (batch["runsCount"], batch["executedRunsCount"], batch["failedRunsCount"]) == (2, 2, 1)
    release = ok("cargo-ai orchestration release get <release-uuid>", finished_tool)["release"]
    assert "output" in [n["slug"] for n in release["nodes"]]
    code, text = doc("""cargo-ai orchestration batch download \\
--uuid <batch-uuid> \\
--output-node-slug <node-slug>""", finished_tool)
    assert code == 0 and "acme.com" in str(text)


QUERIES = [
    """cargo-ai orchestration query execute "SELECT count() FROM runs WHERE status='error'" # ClickHouse: spans, runs, \
batches, records""",
    """cargo-ai orchestration query execute "SELECT count() FROM runs WHERE status = 'error'\"""",
    """cargo-ai orchestration query execute "SELECT status, count() FROM batches GROUP BY status\"""",
    """cargo-ai orchestration query execute "SELECT * FROM spans ORDER BY execution_started_at DESC LIMIT 10\"""",
    """cargo-ai orchestration query execute "SELECT status, count() FROM runs GROUP BY status\"""",
    """cargo-ai orchestration query execute \\
"SELECT countIf(status='error') / count() AS error_rate FROM runs WHERE created_at > now() - INTERVAL 1 DAY\"""",
    """cargo-ai orchestration query execute \\
"SELECT workflow_uuid, count() AS errors FROM runs WHERE status='error' AND created_at > now() - INTERVAL 7 DAY \
GROUP BY workflow_uuid ORDER BY errors DESC\"""",
    """cargo-ai orchestration query execute \\
"SELECT node_slug, count() AS failures FROM spans WHERE execution_status='error' AND execution_started_at > now() - \
INTERVAL 1 DAY GROUP BY node_slug ORDER BY failures DESC\"""",
    """cargo-ai orchestration query execute \\
"SELECT workflow_uuid, sum(credits_used_count) AS credits FROM batches WHERE created_at >= toStartOfMonth(now()) \
GROUP BY workflow_uuid ORDER BY credits DESC\"""",
    """cargo-ai orchestration query execute "SELECT * FROM records LIMIT 5\"""",
]


@pytest.mark.parametrize("line", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_query_runs_with_sql(finished_tool: dict[str, str], line: str) -> None:
    out = ok(line, finished_tool)
    keys(out, "rows")
    assert isinstance(out["rows"], list)
    if "count() FROM runs WHERE status" in line:
        assert list(out["rows"][0].values()) == [1]


# === Storage (data.md §1–§6) =====================================================================

def test_create_dataset_model_columns_insert_records_and_read_them() -> None:
    dataset = ok("lading storage dataset create --slug crm --name CRM")["dataset"]
    keys(dataset, "uuid", "slug", "workspaceUuid", "kind", "connectorUuid", "config", "createdAt")
    assert ok("lading storage dataset get <dataset-uuid>", {"<dataset-uuid>": dataset["uuid"]}) == {"dataset": dataset}
    model = ok("lading storage model create --slug deals --name Deals --dataset-uuid <uuid> --extractor-slug native "
               "--config '{}'", {"<uuid>": dataset["uuid"]})["model"]
    keys(model, "uuid", "workspaceUuid", "slug", "name", "datasetUuid", "kind", "connectorUuid", "extractorSlug",
         "config", "idColumnSlug", "titleColumnSlug", "timeColumnSlug", "columns", "additionalColumns", "playsCount",
         "segmentsCount", "isPaused", "schedule", "lastRun", "createdAt", "updatedAt")
    m = {"<uuid>": model["uuid"], "<model-uuid>": model["uuid"]}
    assert [x["uuid"] for x in ok("lading storage model list --dataset-uuid <uuid>",
                                  {"<uuid>": dataset["uuid"]})["models"]] == [model["uuid"]]
    ok("""lading storage column create --model-uuid <uuid> --column '{"slug":"amount","type":"number","label":"Amount",\
"kind":"custom"}'""", m)
    ok("""lading storage column create --model-uuid <uuid> --column '{"slug":"stage","type":"string","label":"Stage",\
"kind":"custom"}'""", m)
    ok("""lading storage column update --model-uuid <uuid> --column '{"slug":"stage","type":"string",\
"label":"Deal stage","kind":"custom"}'""", m)
    ok("lading storage column reorder --model-uuid <uuid> --column-slug stage --to-index 0", m)
    columns = ok("lading storage column list --model-uuid <uuid>", m)["columns"]
    custom = [c["slug"] for c in columns if c.get("kind") == "custom"]
    assert custom == ["stage", "amount"] and [c["label"] for c in columns if c["slug"] == "stage"] == ["Deal stage"]
    written = ok("""lading storage record upsert --model-uuid <uuid> --records '[{"_id":"d-1","amount":100,\
"stage":"won"},{"_id":"d-2","amount":50,"stage":"lost"}]'""", m)
    assert written["insertedRecordsCount"] == 2
    rows = ok("lading storage record list --model-uuid <uuid> --limit 10 --offset 0", m)["records"]
    assert {r["_id"]: r["amount"] for r in rows} == {"d-1": 100, "d-2": 50}
    fetched = ok("lading segmentation record fetch --model-uuid <uuid> --ids d-1,nope", m)["records"]
    assert [r["_id"] for r in fetched] == ["d-1"]
    ddl = ok("lading storage model get-ddl <model-uuid>", m)
    keys(ddl, "ddl", "language")
    rows = ok('lading storage query execute "SELECT stage, sum(amount) AS total FROM crm.deals GROUP BY stage '
              'ORDER BY stage"')["rows"]
    assert rows == [{"stage": "lost", "total": 50}, {"stage": "won", "total": 100}]
    keys(ok('lading storage query download --query "SELECT * FROM crm.deals" --format csv'), "url")
    assert ok("lading storage record remove --model-uuid <uuid> --ids d-2", m) == {"removedRecordsCount": 1}
    ok("lading storage column remove --model-uuid <uuid> --column-slug amount", m)
    updated = ok("lading storage model update --uuid <uuid> --name 'Open deals' --is-paused true", m)["model"]
    assert updated["name"] == "Open deals" and updated["isPaused"] is True
    assert ok("lading storage model get <model-uuid>", m)["model"]["name"] == "Open deals"
    assert ok("lading storage model remove <model-uuid>", m) == {"uuid": model["uuid"], "removed": True}


def test_storage_record_import_from_a_file(tmp_path: Path) -> None:
    model = make_companies()
    path = tmp_path / "more.csv"
    path.write_text("domain,name,country,employee_count\numbrella.com,Umbrella,DE,9000\n", encoding="utf-8")
    out = ok("lading storage record import --model-uuid <uuid> --file <path> --format csv --mode upsert",
             {"<uuid>": model["uuid"], "<path>": str(path)})
    keys(out["import"], "modelUuid", "status", "insertedRecordsCount", "updatedRecordsCount", "unchangedRecordsCount",
         "removedRecordsCount", "skippedRecordsCount", "createdColumns", "errors")
    assert out["import"]["insertedRecordsCount"] == 1


def test_storage_relationships() -> None:
    companies = make_companies()
    dataset = companies["datasetUuid"]
    contacts = ok("lading storage model create --slug contacts --name Contacts --dataset-uuid <uuid> "
                  "--extractor-slug native --config '{}'", {"<uuid>": dataset})["model"]
    ok("""lading storage column create --model-uuid <uuid> --column '{"slug":"company_id","type":"string",\
"label":"Company","kind":"custom"}'""", {"<uuid>": contacts["uuid"]})
    out = ok("lading storage relationship set --from-model-uuid <from> --to-model-uuid <to> --from-column-slug "
             "company_id --to-column-slug _id --relation manyToOne",
             {"<from>": contacts["uuid"], "<to>": companies["uuid"]})
    listed = ok("lading storage relationship list --model-uuid <uuid>", {"<uuid>": contacts["uuid"]})
    for rel in listed["relationships"]:
        keys(rel, "uuid", "fromModelUuid", "toModelUuid", "fromColumnSlug", "toColumnSlug", "relation")
    assert out and listed["relationships"]


def test_storage_relationship_set_without_column_slugs() -> None:
    companies = make_companies()
    contacts = ok("lading storage model create --slug contacts --name Contacts --dataset-uuid <uuid> "
                  "--extractor-slug native --config '{}'", {"<uuid>": companies["datasetUuid"]})["model"]
    ok("""lading storage column create --model-uuid <uuid> --column '{"slug":"company_id","type":"string",\
"label":"Company","kind":"custom"}'""", {"<uuid>": contacts["uuid"]})
    ok("lading storage relationship set --from-model-uuid <from> --to-model-uuid <to>",
       {"<from>": contacts["uuid"], "<to>": companies["uuid"]})


# === Segmentation (seed "Fetch segment data", data.md §7–§10) ===================================

SEGMENT_FETCHES = [
    ("""cargo-ai segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[]}' \
--fetching-limit 100""", 3),
    ("""cargo-ai segmentation segment fetch \\
  --model-uuid <uuid> \\
  --filter '{"conjonction":"and","groups":[]}' \\
  --fetching-limit 100 --fetching-offset 0""", 3),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[{"conjonction":\
"and","conditions":[{"kind":"string","columnSlug":"country","operator":"is","values":["US"]}]}]}'""", 2),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[{"conjonction":\
"and","conditions":[{"kind":"string","columnSlug":"name","operator":"contains","values":"tech"}]}]}'""", 2),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[{"conjonction":\
"and","conditions":[{"kind":"number","columnSlug":"employee_count","operator":"between","firstValue":50,\
"lastValue":200}]}]}'""", 1),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[{"conjonction":\
"and","conditions":[{"kind":"string","columnSlug":"domain","operator":"isNotNull"}]}]}'""", 3),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[{"conjonction":\
"and","conditions":[{"kind":"date","columnSlug":"created_at","operator":"between","firstValue":"2025-01-01",\
"lastValue":"2025-03-31"}]}]}'""", 2),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"or","groups":[{"conjonction":\
"and","conditions":[{"kind":"string","columnSlug":"country","operator":"is","values":["US"]}]},{"conjonction":"and",\
"conditions":[{"kind":"number","columnSlug":"employee_count","operator":"greaterThan","value":500}]}]}'""", 2),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[]}' \
--sort '[{"columnSlug":"country","kind":"asc"},{"columnSlug":"employee_count","kind":"desc"}]' --fetching-limit 1 \
--enrich""", 3),
    ("""lading segmentation segment fetch --model-uuid <uuid> --filter '{"conjonction":"and","groups":[]}' --limit 2 \
--sync""", 2),
]


@pytest.mark.parametrize(("line", "count"), SEGMENT_FETCHES, ids=[f"fetch{i}" for i in range(len(SEGMENT_FETCHES))])
def test_segment_fetch(line: str, count: int) -> None:
    model = make_companies()
    out = ok(line, {"<uuid>": model["uuid"]})
    keys(out, "records", "count", "columns")
    assert out["count"] == count
    assert all("_id" in r for r in out["records"])
    for column in out["columns"]:
        keys(column, "slug", "type", "label", "modelUuid")


def test_segment_lifecycle_and_downloads() -> None:
    model = make_companies()
    m = {"<uuid>": model["uuid"]}
    segment = ok("""lading segmentation segment create --name 'US companies' --model-uuid <uuid> --filter \
'{"conjonction":"and","groups":[]}' --sort '[{"columnSlug":"name","kind":"asc"}]' --limit 100 \
--tracking-column-slugs name,country""", m)["segment"]
    keys(segment, "uuid", "name", "modelUuid")
    s = {"<segment-uuid>": segment["uuid"], "<uuid>": model["uuid"]}
    assert ok("lading segmentation segment get <segment-uuid>", s)["segment"]["uuid"] == segment["uuid"]
    renamed = ok('cargo-ai segmentation segment update --uuid <segment-uuid> --name "Updated Name"', s)["segment"]
    assert renamed["name"] == "Updated Name"
    refiltered = ok("""cargo-ai segmentation segment update --uuid <segment-uuid> --filter '{"conjonction":"and",\
"groups":[{"conjonction":"and","conditions":[{"kind":"string","columnSlug":"country","operator":"is","values":["US"]}]}]}'""",
                    s)["segment"]
    assert refiltered["filter"]["groups"]
    changes = ok("lading segmentation change list --segment-uuid <segment-uuid> --limit 10 --offset 0", s)
    keys(changes, "changes")
    if changes["changes"]:
        keys(ok("lading segmentation change fetch --uuid <change> --kinds added,updated,removed --limit 10",
                {"<change>": changes["changes"][0]["uuid"]}), "records")
    for line in ("""cargo-ai segmentation segment download --model-uuid <uuid> --filter '{"conjonction":"and",\
"groups":[]}'""", """cargo-ai segmentation segment download \\
--model-uuid <uuid> \\
--filter '{"conjonction":"and","groups":[]}' \\
--sort '[{"columnSlug":"created_at","kind":"desc"}]' \\
--limit 1000""", """lading segmentation segment download --model-uuid <uuid> --filter '{"conjonction":"and",\
"groups":[]}' --format json"""):
        out = ok(line, s)
        keys(out, "url")
        assert "acme.com" in read_export(out["url"])
    assert ok("cargo-ai segmentation segment remove <segment-uuid>", s) == {"uuid": segment["uuid"], "removed": True}
    # "Filter JSON uses conjonction (not conjunction)": the misspelling is a 400 naming the right key.
    code, out = doc("""lading segmentation segment fetch --model-uuid <uuid> \
--filter '{"conjunction":"and","groups":[]}'""", s)
    assert code == 1 and "conjonction" in out["errorMessage"]
    error_document(out, 400)


# === Connection (connections-ai-workspace.md §1) =================================================

CONNECTION_LINES = [
    ("lading connection integration list", "integrations"),
    ("lading connection integration list --search clear --has-actions true", "integrations"),
    ("lading connection integration list --slugs clearbit,slack", "integrations"),
    ("lading connection integration list --slug clearbit", "integrations"),
    ("lading connection integration list --has-extractors false", "integrations"),
    ("lading connection integration list --category enrichment", "integrations"),
    ("lading connection integration get clearbit", "integration"),
    ("lading connection native-integration get", "nativeIntegration"),
    ("lading connection action search enrich company --limit 20", "actions"),
    ("lading connection action search company --integration clearbit", "actions"),
    ("lading connection action search message --credits-only", "actions"),
]


@pytest.mark.parametrize(("line", "key"), CONNECTION_LINES, ids=[c[0][19:] for c in CONNECTION_LINES])
def test_connection_catalog_lines(line: str, key: str) -> None:
    keys(ok(line), key)


def test_integration_documentation_is_markdown() -> None:
    code, text = doc("lading connection integration get-documentation clearbit")
    assert code == 0 and isinstance(text, str) and "Clearbit" in text


def test_connector_create_and_action_execute() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/v2/companies/find", Answer(200, {"name": "Acme", "domain": "acme.com",
                                                             "metrics": {"employees": 500}}))
        created = ok("""lading connection connector create --integration-slug clearbit --slug clearbit_main \
--name 'Clearbit' --config '{"apiKey":"sk_test_clearbit","baseUrl":"<url>"}'""", {"<url>": fake.url})["connector"]
        keys(created, "uuid", "slug", "name", "integrationSlug")
        c = {"<uuid>": created["uuid"]}
        assert ok("lading connection connector exists-by-slug --slug clearbit_main") == {"exists": True}
        assert ok("lading connection connector get <uuid>", c)["connector"]["uuid"] == created["uuid"]
        assert ok("lading connection connector update --uuid <uuid> --name 'Clearbit prod'",
                  c)["connector"]["name"] == "Clearbit prod"
        assert [x["uuid"] for x in ok("lading connection connector list --integration-slug clearbit")["connectors"]] \
            == [created["uuid"]]
        run = ok("""cargo-ai orchestration action execute --action '{"kind":"connector","integrationSlug":"clearbit",\
"actionSlug":"enrichCompany","config":{}}' --data '{"domain":"acme.com"}' --wait-until-finished""")["run"]
        assert run["status"] == "success"
        batch = ok("""lading orchestration action execute-batch --action '{"kind":"connector","integrationSlug":\
"clearbit","actionSlug":"enrichCompany","connectorUuid":"<uuid>","config":{}}' --records '[{"domain":"acme.com"},\
{"domain":"globex.com"}]' --wait-until-finished""", c)["batch"]
        assert batch["runsCount"] == 2
        schema = ok("""lading orchestration action get-output-schema --action '{"kind":"connector","integrationSlug":\
"clearbit","actionSlug":"enrichCompany"}'""")
        keys(schema, "schema")
        assert ok("lading connection connector remove <uuid>", c) == {"uuid": created["uuid"], "removed": True}


def test_seed_connector_action_slug_company_enrich() -> None:
    with fake_provider() as fake:
        fake.route("GET", "/v2/companies/find", Answer(200, {"name": "Acme", "domain": "acme.com"}))
        ok("""lading connection connector create --integration-slug clearbit --slug cb --name cb \
--config '{"apiKey":"sk_test_clearbit","baseUrl":"<url>"}'""", {"<url>": fake.url})
        out = ok("""cargo-ai orchestration action execute \\
  --action '{"kind":"connector","integrationSlug":"clearbit","actionSlug":"company_enrich","config":{}}' \\
  --data '{"domain":"acme.com"}' \\
  --wait-until-finished""")
        assert out["run"]["status"] == "success"
        batch = ok("""cargo-ai orchestration action execute-batch --action '{"kind":"connector","integrationSlug":\
"clearbit","actionSlug":"company_enrich","config":{}}' --records '[{...},{...}]'""".replace(
            "[{...},{...}]", j([{"domain": "acme.com"}, {"domain": "globex.com"}])))
        keys(batch, "batch")


# === AI (seed "Send a message to an AI agent", connections-ai-workspace.md §2) ==================

def test_agent_create_chat_and_message() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", [completion("The VP of Sales at Acme is Dana Smith."),
                                                 completion("Noted.")])
        openai_connector(fake.url)
        agent = ok("lading ai agent create --name Researcher --description 'Finds people' --icon-color blue "
                   "--icon-face 🤖")["agent"]
        keys(agent, "uuid", "name")
        a = {"<agent-uuid>": agent["uuid"], "<uuid>": agent["uuid"]}
        assert ok("lading ai agent get <uuid>", a)["agent"]["name"] == "Researcher"
        assert ok("lading ai agent update --uuid <uuid> --name 'Sales researcher'", a)["agent"]["name"] == \
            "Sales researcher"
        draft = ok("lading ai release get-draft --agent-uuid <agent-uuid>", a)["release"]
        keys(draft, "uuid", "status")
        ok("lading ai release update-draft --agent-uuid <agent-uuid> --system-prompt 'You research companies.' "
           "--language-model-slug gpt-4o --temperature 0.3 --max-steps 5", a)
        deployed = ok("lading ai release deploy-draft --agent-uuid <agent-uuid> --description v1", a)["release"]
        assert ok("lading ai release get <uuid>", {"<uuid>": deployed["uuid"]})["release"]["uuid"] == deployed["uuid"]
        keys(ok("lading ai release list --agent-uuid <agent-uuid> --limit 10 --offset 0", a), "releases")
        assert [x["uuid"] for x in ok("cargo-ai ai agent list                                    # 1. Find the agent"
                                      )["agents"]] == [agent["uuid"]]
        chat = ok("""cargo-ai ai chat create \\
  --trigger '{"type":"draft"}' \\
  --agent-uuid <agent-uuid> --name "Research session\"""", a)["chat"]
        keys(chat, "uuid", "agentUuid", "name", "trigger")
        c = {"<chat-uuid>": chat["uuid"], "<uuid>": chat["uuid"]}
        sent = ok("""cargo-ai ai message create \\
  --chat-uuid <chat-uuid> \\
  --parts '[{"type":"text","text":"Find the VP of Sales at Acme Corp"}]'""", c)
        keys(sent, "userMessage", "assistantMessage")
        for _ in range(200):  # "→ Extract assistantMessage.uuid, poll with: cargo-ai ai message get <uuid>"
            message = ok("cargo-ai ai message get <uuid>", {"<uuid>": sent["assistantMessage"]["uuid"]})["message"]
            if message["status"] in ("success", "error"):
                break
            time.sleep(0.1)
        assert message["status"] == "success"
        assert message["parts"] == [{"type": "text", "text": "The VP of Sales at Acme is Dana Smith."}]
        waited = ok("""cargo-ai ai message create --chat-uuid <uuid> --parts '[{"type":"text","text":"..."}]' \
--language-model-slug gpt-4o --temperature 0.5 --max-steps 3 --wait-until-finished""", c)
        assert waited["assistantMessage"]["status"] == "success"
        assert len(ok("lading ai message list --chat-uuid <chat-uuid> --limit 10", c)["messages"]) == 4
        assert ok("lading ai chat get <uuid>", c)["chat"]["uuid"] == chat["uuid"]
        assert [x["uuid"] for x in ok("lading ai chat list --agent-uuid <agent-uuid>", a)["chats"]] == [chat["uuid"]]
        assert ok("lading ai agent remove <uuid>", a) == {"uuid": agent["uuid"], "removed": True}


def test_ai_templates_mcp_servers_and_memories() -> None:
    templates = ok("lading ai template list")["templates"]
    if templates:
        keys(ok("lading ai template get <slug>", {"<slug>": templates[0]["slug"]}), "template")
    code, out = doc("lading ai template get nope")
    assert code == 1 and out["reason"] == "templateNotFound"
    keys(ok("lading ai mcp-server list"), "mcpServers")
    server = ok("lading ai mcp-server create --name Research --actions '[]' --resources '[]'")["mcpServer"]
    assert ok("lading ai mcp-server update --uuid <uuid> --name Research2",
              {"<uuid>": server["uuid"]})["mcpServer"]["name"] == "Research2"
    assert ok("lading ai mcp-server remove <uuid>", {"<uuid>": server["uuid"]})["removed"] is True
    keys(ok("lading ai memory list --scope workspace"), "memories")


def test_ai_memory_list_without_scope() -> None:
    keys(ok("lading ai memory list"), "memories")


def test_ai_agent_create_with_release_settings() -> None:
    ok("lading ai agent create --name Researcher --language-model-slug gpt-4o --temperature 0.2")


def test_ai_mcp_server_create_with_url(remote_mcp: RemoteMcp) -> None:  # noqa: F811  (the imported fixture)
    out = ok("lading ai mcp-server create --name Remote --url <url>", {"<url>": remote_mcp.url})
    assert out["mcpServer"]["url"] == remote_mcp.url and out["mcpServer"]["kind"] == "remote"
    assert {t["slug"] for t in out["mcpServer"]["tools"]} == {"search_crm", "create_note"}


def test_content_files_and_libraries(tmp_path: Path) -> None:
    path = tmp_path / "playbook.md"
    path.write_text("# Sales playbook\nCall first.\n", encoding="utf-8")
    file = ok("lading content file upload --file-path <path>", {"<path>": str(path)})["file"]
    keys(file, "uuid", "name")
    f = {"<uuid>": file["uuid"]}
    assert [x["uuid"] for x in ok("lading ai file list")["files"]] == [file["uuid"]]
    assert ok("lading content file get <uuid>", f)["file"]["name"] == "playbook.md"
    assert ok("lading content file update --uuid <uuid> --name Playbook", f)["file"]["name"] == "Playbook"
    library = ok("lading content library create --name Docs --file-uuids <uuid>", f)["library"]
    keys(library, "uuid", "name")
    lib = {"<uuid>": library["uuid"]}
    assert ok("lading content library get <uuid>", lib)["library"]["uuid"] == library["uuid"]
    keys(ok("lading content library list --kind native"), "libraries")
    assert ok("lading content library update --uuid <uuid> --name Handbook --file-uuids ''",
              lib)["library"]["name"] == "Handbook"
    assert ok("lading content library remove <uuid>", lib)["removed"] is True
    assert ok("lading content file remove <uuid>", f)["removed"] is True


def test_ai_agent_update_with_release_settings() -> None:
    agent = ok("lading ai agent create --name Researcher")["agent"]
    ok("lading ai agent update --uuid <uuid> --language-model-slug gpt-4o --temperature 0.2",
       {"<uuid>": agent["uuid"]})


def test_action_execute_an_agent_without_a_prompt() -> None:
    """Seed: an action can "invoke an AI agent (kind: "agent")"; with no prompt in the config the
    agent's instructions apply and the data is the user message."""
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("Acme builds rockets."))
        openai_connector(fake.url)
        agent = ok("lading ai agent create --name Researcher")["agent"]
        a = {"<uuid>": agent["uuid"]}
        ok("lading ai release update-draft --agent-uuid <uuid> --system-prompt 'Describe the company.' "
           "--language-model-slug gpt-4o", a)
        ok("lading ai release deploy-draft --agent-uuid <uuid>", a)
        out = ok("""cargo-ai orchestration action execute --action '{"kind":"agent","agentUuid":"<uuid>","config":{}}' \
--data '{"domain":"acme.com"}' --wait-until-finished""", a)
        assert out["run"]["status"] == "success"


# === Billing (analytics.md §7) ===================================================================

BILLING_LINES = [
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31",
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --unit billing.credits",
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --unit orchestration.executions",
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --unit storage.records",
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --group-by workflow_uuid",
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --unit orchestration.executions --slug success",
    "lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --group-by integration_slug "
    "--integration-slug clearbit",
]


@pytest.mark.parametrize("line", BILLING_LINES, ids=[f"usage{i}" for i in range(len(BILLING_LINES))])
def test_billing_usage_get_metrics(line: str) -> None:
    assert ok(line) == {"metrics": []}


def test_billing_usage_counts_todays_executions() -> None:
    tool = make_tool()
    ok("lading orchestration run create --workflow-uuid <uuid> --data '{}' --wait-until-finished",
       {"<uuid>": tool["workflowUuid"]})
    today = time.strftime("%Y-%m-%d", time.gmtime())
    out = ok("lading billing usage get-metrics --from <d> --to <d> --unit orchestration.executions "
             "--workflow-uuid <uuid>", {"<d>": today, "<uuid>": tool["workflowUuid"]})
    assert [i["slug"] for i in out["metrics"][0]["items"]] == ["success"]
    keys(out["metrics"][0], "date", "items")
    keys(out["metrics"][0]["items"][0], "slug", "count", "groupBy")


@pytest.mark.parametrize("unit", ["credits", "executions", "records"])
def test_billing_usage_unit_aliases(unit: str) -> None:
    ok(f"lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --unit {unit}")


def test_billing_unknown_unit_names_the_three() -> None:
    code, out = doc("lading billing usage get-metrics --from 2020-01-01 --to 2020-12-31 --unit bogus")
    assert code == 1 and "billing.credits" in out["errorMessage"]
    error_document(out, 400)


# === Workspace (connections-ai-workspace.md §3) ==================================================

def test_whoami_tokens_users_roles_folders_reports_sessions() -> None:
    me = ok("lading whoami")
    keys(me["user"], "uuid", "email", "firstName", "lastName")
    keys(me["workspace"], "uuid", "name")
    token = ok("lading workspaceManagement token create --name ci")["token"]
    keys(token, "uuid", "name", "permissions", "workspaceUuid", "userUuid", "createdAt", "deletedAt", "token")
    listed = ok("lading workspaceManagement token list")["tokens"]
    assert token["uuid"] in [t["uuid"] for t in listed] and all(t["token"] != token["token"] for t in listed)
    assert ok("lading workspace token remove <uuid>", {"<uuid>": token["uuid"]}) == \
        {"uuid": token["uuid"], "removed": True}
    code, out = doc("lading workspaceManagement token create --from-user x --name y")
    assert code == 2 and out["errorMessage"] == "error: unknown option '--from-user'"
    code, out = doc("lading workspaceManagement token create")
    assert code == 2 and out["errorMessage"] == "error: required option '--name <name>' not specified"

    roles = ok("lading workspaceManagement role list")["roles"]
    assert sorted(r["slug"] for r in roles) == ["admin", "member"]
    keys(ok("lading workspaceManagement user get-current")["user"], "uuid", "email", "role")
    user = ok("lading workspaceManagement user create --user-email dana@acme.com --role-slug member")["user"]
    keys(user, "uuid", "email", "firstName", "lastName", "role", "createdAt")
    u = {"<uuid>": user["uuid"]}
    assert ok("lading workspaceManagement user update --user-uuid <uuid> --role-slug admin",
              u)["user"]["role"]["slug"] == "admin"
    assert len(ok("lading workspaceManagement user list")["users"]) == 2
    assert ok("lading workspaceManagement user remove --user-uuid <uuid>", u)["removed"] is True

    folder = ok("lading workspaceManagement folder create --name Sales --emoji-slug rocket --kind tool")["folder"]
    keys(folder, "uuid", "workspaceUuid", "parentUuid", "kind", "name", "emojiSlug", "isReadOnly", "createdAt",
         "updatedAt", "deletedAt")
    f = {"<uuid>": folder["uuid"]}
    child = ok("lading workspaceManagement folder create --name EMEA --emoji-slug globe --kind tool "
               "--parent-uuid <uuid>", f)["folder"]
    assert child["parentUuid"] == folder["uuid"]
    assert ok("lading workspaceManagement folder update --uuid <uuid> --parent-uuid null",
              {"<uuid>": child["uuid"]})["folder"]["parentUuid"] is None
    assert ok("lading workspaceManagement folder get <uuid>", f)["folder"]["name"] == "Sales"
    assert len(ok("lading workspaceManagement folder list --kind tool")["folders"]) == 2
    tool = ok("lading orchestration tool create --name Foldered --folder-uuid <uuid>", f)["tool"]
    assert [t["uuid"] for t in ok("cargo-ai orchestration tool list --folder-uuid <uuid>", f)["tools"]] == \
        [tool["uuid"]]
    code, out = doc("lading workspaceManagement folder remove <uuid>", f)
    assert code == 1 and out["reason"] == "folderNotEmpty"
    ok("lading orchestration tool remove <uuid>", {"<uuid>": tool["uuid"]})
    assert ok("lading workspaceManagement folder remove <uuid>", f) == {"uuid": folder["uuid"], "removed": True}

    report = ok("lading workspaceManagement report create --title 'Broken run' --description 'It failed'")["report"]
    keys(report, "uuid", "title", "description", "userUuid", "createdAt")
    assert ok("lading workspaceManagement report list")["reports"]
    session = ok("lading workspaceManagement session upsert --session-id s-1 --title Work --summary Done "
                 "--finished")
    keys(session, "session")


def test_doctor_and_subscription() -> None:
    code, out = doc("lading doctor")
    assert code in (0, 1)
    keys(out, "version", "mode", "home", "database", "credentials", "apiReachable", "checks")
    keys(ok("lading billing subscription get")["subscription"], "uuid", "workspaceUuid", "plan", "cadence",
         "subscriptionStatus", "subscriptionAvailableCreditsCount", "subscriptionCreditsUsedCount")
    keys(ok("lading billing subscription get-invoices"), "invoices")


def test_version() -> None:
    code, out = doc("lading --version")
    assert code == 0 and str(out).strip()[0].isdigit()


# === Error documents: `status` and `statusCode` on every failure ================================

CLI_ERRORS = [
    # (line, exit code, status)
    ("lading orchestration run bogus", 2, 400),                                    # unknown command
    ("lading orchestration run get", 2, 400),                                      # missing argument
    ("lading orchestration tool create --nope x", 2, 400),                         # unknown option
    ("lading orchestration node validate --nodes '[not json'", 2, 400),            # unparsable JSON flag
    ("lading orchestration run get 00000000-0000-4000-8000-000000000000", 1, 404),  # not found
    ("lading orchestration tool get 00000000-0000-4000-8000-000000000000", 1, 404),
    ("lading ai agent get 00000000-0000-4000-8000-000000000000", 1, 404),
    ("lading storage model get 00000000-0000-4000-8000-000000000000", 1, 404),
    ("lading orchestration template get nope", 1, 404),
    ("lading orchestration batch create --data '{\"kind\":\"nope\"}'", 1, 400),     # validation
    ("lading storage dataset create --slug bad-slug", 1, 400),
    ("lading storage query execute \"DELETE FROM default.companies\"", 1, 400),   # refused SQL
    ("lading orchestration query execute \"DROP TABLE runs\"", 1, 400),
    ("lading billing usage get-metrics --from 2020-02-01 --to 2020-01-01", 1, 400),
    ("lading segmentation segment fetch --model-uuid 00000000-0000-4000-8000-000000000000 "
     "--filter '{\"conjonction\":\"and\",\"groups\":[]}'", 1, 404),
    ("lading storage query download", 2, 400),
]


@pytest.mark.parametrize(("line", "exit_code", "status"), CLI_ERRORS, ids=[c[0][7:50] for c in CLI_ERRORS])
def test_cli_error_documents_carry_status_and_status_code(line: str, exit_code: int, status: int) -> None:
    code, out = doc(line)
    assert code == exit_code, out
    error_document(out, status)


def test_conflict_and_service_errors_carry_both() -> None:
    ok("lading storage dataset create --slug crm")
    code, out = doc("lading storage dataset create --slug crm")
    assert code == 1
    assert out["status"] == out["statusCode"] and out["status"] in (400, 409)
    tool = make_tool()
    batch = ok("lading orchestration batch create --workflow-uuid <uuid> --data '<data>' --wait-until-finished",
               {"<uuid>": tool["workflowUuid"], "<data>": j({"kind": "records", "records": [{"a": 1}]})})["batch"]
    code, out = doc("cargo-ai orchestration batch cancel <batch-uuid>", {"<batch-uuid>": batch["uuid"]})
    assert code == 1
    error_document(out, 409)


@pytest.mark.embedded_only
def test_remote_mode_errors_carry_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unreachable server (exit 4) and a refused token (exit 3) in remote mode."""
    monkeypatch.setenv("LADING_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LADING_TOKEN", "ldg_" + "x" * 43)
    code, out = doc("lading orchestration tool list")
    assert code == 4 and out["status"] == out["statusCode"], out


@pytest.mark.embedded_only
def test_unexpected_failure_carries_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's last line of defence (an exception no service expected): 500, nothing of the cause."""
    import lading.cli.main as cli_main

    def boom(*_args: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(cli_main, "_run_and_settle", boom)
    code, out = doc("lading orchestration tool list")
    assert code == 1 and "secret detail" not in str(out)
    error_document(out, 500)


@pytest.fixture
def server_client(api_server: Any) -> Iterator[httpx.Client]:
    with api_server.client("alpha") as client:
        yield client


def test_remote_cli_relays_server_errors_with_both(api_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    code, out = doc("lading orchestration run get 00000000-0000-4000-8000-000000000000")
    assert code == 1
    error_document(out, 404)
    code, out = doc("lading orchestration batch create --data '{\"kind\":\"nope\"}'")
    assert code == 1
    error_document(out, 400)
    monkeypatch.setenv("LADING_TOKEN", "ldg_" + "x" * 43)
    code, out = doc("lading orchestration tool list")
    assert code == 3
    error_document(out, 401)


def test_api_error_documents_carry_status_and_status_code(api_server: Any, server_client: httpx.Client) -> None:
    def check(response: httpx.Response, status: int) -> None:
        assert response.status_code == status, response.text
        body = response.json()
        keys(body, "errorMessage", "reason", "status", "statusCode")
        assert body["status"] == body["statusCode"] == status, body

    check(server_client.get("/no/such/route"), 404)
    check(server_client.delete("/orchestration/tools"), 405)
    check(server_client.get("/orchestration/runs/00000000-0000-4000-8000-000000000000"), 404)
    check(server_client.post("/orchestration/tools", json={"name": "x", "bogus": 1}), 400)
    check(server_client.post("/orchestration/tools", content=b"{not json",
                             headers={"Content-Type": "application/json"}), 400)
    check(server_client.post("/orchestration/tools", json={"name": 5}), 400)
    check(server_client.get("/ai/agents/list", params={"limit": "5000"}), 400)
    check(httpx.get(f"{api_server.url}/v1/ai/agents/list"), 401)
    check(httpx.get(f"{api_server.url}/v1/ai/agents/list", headers={"Authorization": "Bearer nope"}), 401)
    beta_tool = api_server.lading("orchestration", "tool", "create", "--name", "beta", workspace="beta")["tool"]
    check(server_client.get(f"/orchestration/tools/{beta_tool['uuid']}"), 404)


def test_api_forbidden_carries_both(api_server: Any) -> None:
    with api_server.client("alpha") as admin:
        made = admin.post("/workspaceManagement/tokens", json={"name": "reader", "permissions": [
            {"effect": "allow", "resources": None, "actions": ["orchestration:workflow:read"]}]})
        assert made.status_code == 200, made.text
        value = made.json()["token"]["token"]
    response = httpx.post(f"{api_server.url}/v1/orchestration/tools", json={"name": "x"},
                          headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["status"] == body["statusCode"] == 403 and body["reason"] == "forbidden"


@pytest.mark.skipif(REMOTE, reason="runs its own server")
def test_api_5xx_carries_both() -> None:
    """An unexpected exception in a handler answers the error document with 500 (no trace)."""
    from fastapi.testclient import TestClient

    from lading.api._errors import install

    app = __import__("fastapi").FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == body["statusCode"] == 500 and "secret detail" not in response.text
