"""`orchestration node …` and bad-input handling through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import j, run_cli
from graphs import chain, end, new_uuid, node, start, var


def sample() -> list[dict]:
    yes, no = end([var("arm", "yes")], slug="end"), end([var("arm", "no")], slug="skip")
    br = node("check", "branch", {"condition": "{{nodes.start.n > 1}}"}, [yes["uuid"], no["uuid"]])
    return chain(start(), br) + [yes, no]


def test_validate_valid_and_each_cli_reason() -> None:
    code, out = run_cli("orchestration", "node", "validate", "--nodes", j(sample()))
    assert (code, out) == (0, {"outcome": "valid"})
    cases = {
        "startNodeNotFound": [end()],
        "nodesNotFound": chain(start(children=[new_uuid()])),
        "childrenUuidsInvalid": [start(children=[])],
        "nativeInvalid": chain(start(), node("x", "teleport"), end()),
        "slugInvalid": chain(start(), node("bad-slug", "variables", {"variables": []}), end()),
        "toolInvalid": chain(start(), node("t", kind="tool", toolUuid=new_uuid()), end()),
        "connectorNotFound": chain(start(), node("c", kind="connector", integrationSlug="clearbit",
                                                 actionSlug="enrichCompany",
                                                 connectorUuid="__REPLACE_WITH_CONNECTOR_UUID__"), end()),
    }
    for reason, nodes in cases.items():
        code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
        assert code == 0, out  # notValid is an outcome, not a failure
        assert out["outcome"] == "notValid"
        assert reason in [e["reason"] for e in out["invalidNodes"]], (reason, out)


def test_validate_cycle_duplicates_and_subnodes() -> None:
    a = node("a", "variables", {"variables": []})
    b = node("b", "variables", {"variables": []}, [a["uuid"]])
    a["childrenUuids"] = [b["uuid"]]
    _code, out = run_cli("orchestration", "node", "validate", "--nodes", j([start(children=[a["uuid"]]), a, b]))
    assert "cycleDetected" in [e["reason"] for e in out["invalidNodes"]]
    s = start()
    dup = chain(s, end())
    dup.append(dict(dup[1], slug="again"))
    _code, out = run_cli("orchestration", "node", "validate", "--nodes", j(dup))
    assert "nodeInvalid" in [e["reason"] for e in out["invalidNodes"]]
    group = node("loop", "group", {"items": [], "_nodes": [node("v", "variables", {"variables": []})]})
    _code, out = run_cli("orchestration", "node", "validate", "--nodes", j(chain(start(), group, end())))
    sub = [e for e in out["invalidNodes"] if e["reason"] == "subNodesInvalid"]
    assert sub and sub[0]["node"]["slug"] == "loop" and sub[0]["invalidNodes"]


def test_compute_resolves_like_runtime() -> None:
    n = node("check", "branch", {"condition": "{{nodes.start.n > 1}}", "label": "{{nodes.Start.n}}"})
    code, out = run_cli("orchestration", "node", "compute", "--node", j(n), "--context",
                        j({"nodes": {"start": {"n": 5}}}))
    assert code == 0 and out == {"condition": True, "label": None}  # slugs are case-sensitive
    n = node("v", "variables", {"variables": [var("d", "{{parentNodes.start.domain}}")]})
    code, out = run_cli("orchestration", "node", "compute", "--node", j(n), "--context",
                        j({"nodes": {}, "groupContext": {"start": {"domain": "acme.com"}}}))
    assert out["variables"][0]["value"] == "acme.com"


def test_execute_one_node_of_a_release() -> None:
    code, tool = run_cli("orchestration", "tool", "create", "--name", "T")
    wf = tool["tool"]["workflowUuid"]
    nodes = sample()
    code, rel = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    code, out = run_cli("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid",
                        rel["release"]["uuid"], "--node", j(nodes[1]), "--computed-config", j({"condition": False}),
                        "--context", j({"nodes": {}}))
    assert code == 0
    assert out["output"] == {"condition": False}
    assert out["execution"]["nodeChildIndex"] == 1 and out["execution"]["status"] == "success"
    # Without --computed-config the node's own config is computed against the context (issue 19).
    code, out = run_cli("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid",
                        rel["release"]["uuid"], "--node", j(nodes[1]))
    assert code == 0 and out["execution"]["nodeSlug"] == nodes[1]["slug"], out
    code, out = run_cli("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid",
                        rel["release"]["uuid"])
    assert code == 2 and "required option" in out["errorMessage"]


def test_diagram_formats_and_sources(tmp_path: Path) -> None:
    nodes = sample()
    code, out = run_cli("orchestration", "node", "diagram", "--nodes", j(nodes))
    assert code == 0 and out["format"] == "mermaid" and out["diagram"].startswith(("flowchart", "---"))
    code, out = run_cli("orchestration", "node", "diagram", "--nodes", j(nodes), "--format", "ascii")
    assert code == 0 and out["format"] == "ascii" and "│" in out["diagram"]
    f = tmp_path / "g.json"
    f.write_text(json.dumps(nodes))
    code, text = run_cli("orchestration", "node", "diagram", "--file", str(f), "--raw")
    assert code == 0 and isinstance(text, str) and text.startswith("```mermaid")
    code, out = run_cli("orchestration", "node", "diagram", "--nodes", "-", stdin=json.dumps(nodes))
    assert code == 0 and "diagram" in out
    code, out = run_cli("orchestration", "node", "diagram")
    assert code == 2
    code, tool = run_cli("orchestration", "tool", "create", "--name", "T")
    wf = tool["tool"]["workflowUuid"]
    code, out = run_cli("orchestration", "node", "diagram", "--workflow-uuid", wf)
    assert code == 1 and out["reason"] == "noDeployedRelease"
    code, out = run_cli("orchestration", "node", "diagram", "--workflow-uuid", wf, "--draft")
    assert code == 0 and out["diagram"]
    code, run = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"n": 3}),
                        "--wait-until-finished")
    code, out = run_cli("orchestration", "node", "diagram", "--run-uuid", run["run"]["uuid"], "--format", "ascii")
    assert code == 0 and out["diagram"]


@pytest.mark.parametrize("args", [
    ("orchestration", "run", "create", "--nodes", "[{not json"),
    ("orchestration", "run", "create", "--data", "{'a':1}"),
    ("orchestration", "node", "validate", "--nodes", "@/nonexistent/file.json"),
    ("orchestration", "tool", "create"),
    ("orchestration", "tool", "list", "--from-user"),
    ("orchestration", "nope"),
])
def test_usage_errors_exit_2_with_error_document(args: tuple[str, ...]) -> None:
    code, out = run_cli(*args)
    assert code == 2
    assert isinstance(out, dict) and out["errorMessage"].startswith("error:")


def test_unknown_uuids_are_not_found() -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for args, reason in [
        (("orchestration", "run", "get", missing), "runNotFound"),
        (("orchestration", "tool", "get", missing), "toolNotFound"),
        (("orchestration", "workflow", "get", missing), "workflowNotFound"),
        (("orchestration", "run", "create", "--workflow-uuid", missing), "workflowNotFound"),
        (("orchestration", "run", "list", "--workflow-uuid", missing), "workflowNotFound"),
    ]:
        code, out = run_cli(*args)
        assert code == 1 and out["reason"] == reason, (args, out)
        assert out["errorMessage"]


def test_invalid_graph_on_run_create_stores_nothing() -> None:
    bad = [start(children=[new_uuid()])]
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(bad))
    assert code == 1 and out["reason"] == "nodesNotFound" and out["invalidNodes"]
    from lading.services.wiring import open_session
    from lading.store.schema import releases, runs

    sess = open_session()
    with sess.db.read() as conn:
        assert conn.execute(runs.select().where(runs.c.workspace_uuid == sess.workspace_uuid)).first() is None
        assert conn.execute(releases.select().where(releases.c.workspace_uuid == sess.workspace_uuid)).first() is None


def test_help_everywhere_and_version() -> None:
    for args in [(), ("orchestration",), ("orchestration", "run"), ("orchestration", "run", "create"),
                 ("orchestration", "node", "diagram"), ("orchestration", "release", "deploy-draft"),
                 ("orchestration", "draft-release", "deploy"), ("whoami",), ("worker",)]:
        code, text = run_cli(*args, "--help")
        assert code == 0 and "Usage" in text, args
    code, text = run_cli("--version")
    assert code == 0 and text.strip() == "0.1.0"


def test_whoami_shape() -> None:
    code, out = run_cli("whoami")
    assert code == 0
    assert out["user"]["email"] == "local@localhost" and out["workspace"]["name"].startswith("test-")
