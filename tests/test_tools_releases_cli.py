"""Tools, workflows, releases and drafts through the real CLI."""

from __future__ import annotations

from typing import Any

from conftest import j, run_cli
from graphs import chain, end, node, start, var


def make_tool(name: str = "Enrich") -> dict[str, Any]:
    code, out = run_cli("orchestration", "tool", "create", "--name", name, "--description", "d")
    assert code == 0, out
    return out["tool"]


def graph(label: str = "v1") -> list[dict[str, Any]]:
    return chain(start(), node("v", "variables", {"variables": [var("label", label)]}),
                 end([var("label", "{{nodes.v.label}}"), var("domain", "{{nodes.start.domain}}")]))


def test_tool_lifecycle_and_shapes() -> None:
    tool = make_tool()
    assert set(tool) >= {"uuid", "name", "workflowUuid", "description", "creditsCost", "triggers", "isReadOnly",
                         "folderUuid", "createdAt", "updatedAt"}
    assert tool["creditsCost"] == {"kind": "minMax", "min": 0.0, "max": 0.0}
    code, out = run_cli("orchestration", "tool", "list")
    assert code == 0 and [t["uuid"] for t in out["tools"]] == [tool["uuid"]]
    code, out = run_cli("orchestration", "tool", "update", tool["uuid"], "--name", "Renamed",
                        "--triggers", j([{"name": "Weekly", "type": "cron", "cron": "0 9 * * 1", "data": {}}]))
    assert code == 0 and out["tool"]["name"] == "Renamed" and out["tool"]["triggers"][0]["cron"] == "0 9 * * 1"
    code, out = run_cli("orchestration", "tool", "update", "--uuid", tool["uuid"],
                        "--triggers", j([{"type": "cron", "cron": "not a cron"}]))
    assert code == 1 and out["reason"] == "invalidData"
    code, out = run_cli("orchestration", "tool", "get", tool["uuid"])
    assert out["tool"]["name"] == "Renamed" and len(out["tool"]["triggers"]) == 1
    code, out = run_cli("orchestration", "tool", "remove", tool["uuid"])
    assert code == 0 and out == {"uuid": tool["uuid"], "removed": True}
    code, out = run_cli("orchestration", "tool", "get", tool["uuid"])
    assert code == 1 and out["reason"] == "toolNotFound"
    code, out = run_cli("orchestration", "workflow", "get", tool["workflowUuid"])
    assert code == 1 and out["reason"] == "workflowNotFound"


def test_new_tool_has_start_end_draft_and_no_deployed_release() -> None:
    tool = make_tool()
    wf = tool["workflowUuid"]
    code, out = run_cli("orchestration", "release", "get-draft", "--workflow-uuid", wf)
    assert code == 0 and out["release"]["status"] == "draft" and out["release"]["version"] is None
    assert [n["slug"] for n in out["release"]["nodes"]] == ["start", "end"]
    code, out = run_cli("orchestration", "release", "get-deployed", "--workflow-uuid", wf)
    assert code == 1 and out["reason"] == "noDeployedRelease"
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", "{}")
    assert code == 1 and out["reason"] == "noDeployedRelease"


def test_deploy_versions_archive_and_runs_use_deployed_release() -> None:
    tool = make_tool()
    wf = tool["workflowUuid"]
    code, r1 = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(graph("v1")),
                       "--description", "first")
    assert code == 0 and r1["release"]["version"] == "1.0.0" and r1["release"]["status"] == "deployed"
    code, r2 = run_cli("orchestration", "draft-release", "deploy", "--workflow-uuid", wf, "--nodes", j(graph("v2")))
    assert code == 0 and r2["release"]["version"] == "1.0.1"
    code, out = run_cli("orchestration", "release", "list", "--workflow-uuid", wf)
    assert [(r["version"], r["status"]) for r in out["releases"]] == [("1.0.1", "deployed"), ("1.0.0", "archived")]
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j({"domain": "acme.com"}),
                        "--wait-until-finished")
    assert code == 0 and out["run"]["releaseUuid"] == r2["release"]["uuid"]
    assert out["runContext"]["end"] == {"label": "v2", "domain": "acme.com"}
    assert out["run"]["workflowUuid"] == wf
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--release-uuid",
                        r1["release"]["uuid"], "--wait-until-finished")
    assert out["runContext"]["end"]["label"] == "v1"
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--nodes", j(graph("adhoc")),
                        "--wait-until-finished")
    assert out["runContext"]["end"]["label"] == "adhoc" and out["run"]["workflowUuid"] == wf
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--nodes", j(graph()),
                        "--release-uuid", r1["release"]["uuid"])
    assert code == 1 and out["reason"] == "invalidReleaseOrCustomNodes"
    code, out = run_cli("orchestration", "workflow", "get", wf)
    assert out["workflow"]["deployedRelease"]["version"] == "1.0.1"
    assert [n["slug"] for n in out["workflow"]["nodes"]] == ["start", "v", "end"]
    code, out = run_cli("orchestration", "workflow", "list")
    assert out["workflows"][0]["nodes"] == [] and out["workflows"][0]["toolUuid"] == tool["uuid"]
    code, out = run_cli("orchestration", "tool", "get", tool["uuid"])
    assert out["tool"]["creditsCost"] == {"kind": "minMax", "min": 0.03, "max": 0.03}


def test_explicit_version_must_be_above_existing() -> None:
    wf = make_tool()["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(graph()),
                        "--version", "2.0.0")
    assert code == 0 and out["release"]["version"] == "2.0.0"
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--version", "1.5.0")
    assert code == 1 and out["reason"] == "invalidData"
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf)
    assert out["release"]["version"] == "2.0.1"


def test_invalid_draft_saved_but_not_deployed() -> None:
    wf = make_tool()["workflowUuid"]
    broken = [node("start", "start", {}, [])]
    code, out = run_cli("orchestration", "release", "update-draft", "--workflow-uuid", wf, "--nodes", j(broken))
    assert code == 0 and out["release"]["nodes"] == broken
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf)
    assert code == 1 and out["reason"] == "nodesInvalid" and out["invalidNodes"]
    code, out = run_cli("orchestration", "release", "get-deployed", "--workflow-uuid", wf)
    assert out["reason"] == "noDeployedRelease"


def test_draft_run_pins_a_snapshot_and_form_fields_required() -> None:
    wf = make_tool()["workflowUuid"]
    fields = [{"slug": "domain", "label": "Domain", "type": "string", "required": True}]
    code, out = run_cli("orchestration", "release", "update-draft", "--workflow-uuid", wf, "--nodes", j(graph("d")),
                        "--form-fields", j(fields))
    draft_uuid = out["release"]["uuid"]
    # Stored and shown in both spellings: the CLI's (O §1) and the HTTP client's (api.md §2.3).
    assert out["release"]["formFields"] == [{**fields[0], "name": "Domain", "kind": "string", "isRequired": True,
                                             "description": None, "placeholder": None}]
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--release-uuid", draft_uuid)
    assert code == 1 and out["reason"] == "invalidData" and "domain" in out["errorMessage"]
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--release-uuid", draft_uuid,
                        "--data", j({"domain": "a.io"}), "--wait-until-finished")
    assert code == 0 and out["runContext"]["end"]["label"] == "d"
    code, out = run_cli("orchestration", "release", "update-draft", "--workflow-uuid", wf, "--form-fields", "null")
    assert out["release"]["formFields"] is None


def test_release_get_unknown() -> None:
    code, out = run_cli("orchestration", "release", "get", "00000000-0000-4000-8000-000000000000")
    assert code == 1 and out["reason"] == "releaseNotFound"


def test_run_list_count_cancel_and_filters() -> None:
    wf = make_tool()["workflowUuid"]
    run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(graph()))
    uuids = []
    for i in range(3):
        code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf,
                            "--data", j({"_id": f"rec-{i}", "name": f"Acme {i}"}), "--wait-until-finished")
        uuids.append(out["run"]["uuid"])
    code, out = run_cli("orchestration", "run", "list", "--workflow-uuid", wf)
    assert [r["uuid"] for r in out["runs"]] == uuids[::-1]
    assert out["runs"][0]["recordId"] == "rec-2" and "Acme 2" in out["runs"][0]["recordTitle"]
    code, out = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--record-title", "acme 1")
    assert [r["recordId"] for r in out["runs"]] == ["rec-1"]
    code, out = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--statuses", "success,error")
    assert out == {"count": 3}
    code, out = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--statuses", "error")
    assert out == {"count": 0}
    code, out = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--limit", "1", "--offset", "1")
    assert [r["uuid"] for r in out["runs"]] == [uuids[1]]
    code, out = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--created-after", "2999-01-01")
    assert out["runs"] == []
    code, out = run_cli("orchestration", "run", "cancel", "--workflow-uuid", wf, "--uuids", uuids[0])
    assert code == 0 and out["runs"][0]["status"] == "success"
    code, out = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--statuses", "bogus")
    assert code == 1 and out["reason"] == "invalidData"


def test_background_worker_runs_async_create_and_cancel_of_delayed_run() -> None:
    import time

    wf = make_tool()["workflowUuid"]
    nodes = chain(start(), node("wait", "delay", {"minutes": 60}), end())
    run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    code, created = run_cli("orchestration", "run", "create", "--workflow-uuid", wf)
    assert code == 0 and created["run"]["status"] == "pending"
    run_uuid = created["run"]["uuid"]
    out: dict[str, Any] = {}
    for _ in range(150):  # the on-demand background worker picks the run up
        code, out = run_cli("orchestration", "run", "get", run_uuid)
        if any(e["status"] == "idle" for e in out["run"]["executions"]):
            break
        time.sleep(0.1)
    assert out["run"]["status"] == "running"
    assert out["run"]["executions"][-1]["nodeSlug"] == "wait" and out["run"]["executions"][-1]["status"] == "idle"
    code, out = run_cli("orchestration", "run", "cancel", "--workflow-uuid", wf, "--uuids", run_uuid)
    assert code == 0 and out["runs"][0]["status"] == "cancelled"
    code, out = run_cli("orchestration", "run", "get", run_uuid)
    assert out["run"]["status"] == "cancelled" and out["run"]["executions"][-1]["status"] == "cancelled"
    assert "end" not in out["runContext"]
