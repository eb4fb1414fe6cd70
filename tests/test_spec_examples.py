"""The spec's examples (orchestration §2.8 expressions, §4 `run get`, §5 known failure modes) and the
seed documents' orchestration commands, run through the real CLI."""

from __future__ import annotations

import time
from typing import Any

from conftest import j, run_cli
from graphs import chain, end, node, start, var


def run_nodes(nodes: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "create", "--data", j(data), "--nodes", j(nodes),
                        "--wait-until-finished")
    assert code == 0, out
    return out


def test_expression_examples_of_section_2_8() -> None:
    data = {"email": "ada@acme.com", "count": 250,
            "enrich": {"metrics": {"employeesRange": "251-1K"}},
            "contacts": [{"email": "a@x.io"}, {"email": None}, {"email": "b@x.io"}]}
    ex = node("ex", "variables", {"variables": [
        var("domain", "{{nodes.start.email.split('@')[1]}}", "string"),
        var("big", "{{nodes.start.count > 100}}", "boolean"),
        var("emails", '{{nodes.start.contacts.map(c => c.email).filter(Boolean).join(", ")}}', "string"),
        var("range", "{{nodes.start.enrich.metrics.employeesRange}}", "string"),
        var("typed", "{{nodes.start.count === 250}}"),
        var("text", "Hi {{nodes.start.email}} from {{nodes.start.nope.x}}!", "string"),
        var("js", {"kind": "jsExpression", "expression": "nodes.start.count * 2", "instructTo": "none",
                   "fromRecipe": False}),
        var("tpl", {"kind": "templateExpression", "expression": "{{nodes.start.count}} seats", "instructTo": "none",
                    "fromRecipe": False}),
        var("iife", "{{(() => { const d = nodes.start.email.split('@')[1]; return d.toUpperCase(); })()}}"),
        var("unclosed", "{{nodes.start.email", "string"),
    ]})
    out = run_nodes(chain(start(), ex, end()), data)
    got = out["runContext"]["ex"]
    assert got == {"domain": "acme.com", "big": True, "emails": "a@x.io, b@x.io", "range": "251-1K",
                   "typed": True, "text": "Hi ada@acme.com from !", "js": 500, "tpl": "250 seats",
                   "iife": "ACME.COM", "unclosed": "{{nodes.start.email"}


def test_run_get_example_shape_of_section_4() -> None:
    # The spec's qualify → is_qualified → post → end example, with native steps standing in for the
    # agent and Slack connector (their capabilities arrive later).
    qualify = node("qualify", "script", {"script": "return {qualified: nodes.start.domain.endsWith('.com'), score: 8,"
                                                   " reasoning: 'b2b'};"})
    post = node("post_slack", "variables", {"variables": [var("ok", True), var("channel", "C123")]})
    skip = end(slug="skip")
    done = end([var("qualified", "{{nodes.qualify.result.qualified}}", "boolean"),
                var("score", "{{nodes.qualify.result.score}}", "number")])
    check = node("is_qualified", "branch", {"condition": "{{nodes.qualify.result.qualified}}"},
                 [post["uuid"], skip["uuid"]])
    nodes = [*chain(start(), qualify, check), post, done, skip]
    post["childrenUuids"] = [done["uuid"]]
    out = run_nodes(nodes, {"_id": "rec-1", "domain": "acme.com"})
    run = out["run"]
    assert set(run) >= {"uuid", "workflowUuid", "status", "batchUuid", "releaseUuid", "recordId", "recordTitle",
                        "contextS3Filename", "computedConfigsS3Filename", "executions", "createdAt", "finishedAt"}
    assert run["recordId"] == "rec-1" and run["batchUuid"] is None
    for e in run["executions"]:
        assert set(e) >= {"nodeUuid", "nodeSlug", "nodeKind", "nodeActionSlug", "nodeChildIndex", "nextNodeUuid",
                          "status", "title", "creditsUsedCount", "startedAt", "updatedAt", "finishedAt"}
    ctx = out["runContext"]
    assert ctx["start"] == {"_id": "rec-1", "domain": "acme.com"}
    assert ctx["qualify"] == {"result": {"qualified": True, "score": 8, "reasoning": "b2b"}}
    assert ctx["is_qualified"] == {"condition": True}
    assert ctx["end"] == {"qualified": True, "score": 8}
    assert "skip" not in ctx
    assert out["runComputedConfigs"]["is_qualified"] == {"condition": True}


def test_known_failure_modes_of_section_5() -> None:
    # 5.1 missing paths resolve silently, the run still reports success; 5.4 slugs are case-sensitive,
    # so validation refuses `nodes.qualify` when the node is `Qualify` (issue 15: it would read nothing).
    v = node("Qualify", "variables", {"variables": [var("x", "{{nodes.start.answer.score}}")]})
    out = run_nodes(chain(start(), v, end([var("y", "{{nodes.Qualify.x}}")])), {})
    assert out["run"]["status"] == "success" and out["runContext"]["Qualify"] == {"x": None}
    w = node("Qualify", "variables", {"variables": [var("x", "{{nodes.start.answer.score}}")]})
    code, checked = run_cli("orchestration", "node", "validate", "--nodes",
                            j(chain(start(), w, end([var("y", "{{nodes.qualify.x}}")]))))
    assert [e["reason"] for e in checked["invalidNodes"]] == ["referenceNotFound"]
    # 5.3 a false filter ends the run success with no further executions.
    f = node("gate", "filter", {"filter": "{{nodes.start.ok}}"})
    out = run_nodes(chain(start(), f, end()), {"ok": False})
    assert out["run"]["status"] == "success" and len(out["run"]["executions"]) == 2
    # 5.4 node compute resolves branch conditions exactly as runs do.
    b = node("b", "branch", {"condition": "{{nodes.start.n > 1}}"})
    code, computed = run_cli("orchestration", "node", "compute", "--node", j(b), "--context",
                             j({"nodes": {"start": {"n": 2}}}))
    assert code == 0 and computed == {"condition": True}


def test_seed_orchestration_commands() -> None:
    """The seed's tool/workflow/template/run/node commands, with `lading` for `cargo-ai`."""
    for args in (("whoami",), ("orchestration", "tool", "list"), ("orchestration", "workflow", "list"),
                 ("orchestration", "template", "list")):
        code, out = run_cli(*args)
        assert code == 0, (args, out)
    code, out = run_cli("orchestration", "template", "get", "company-enrichment")
    assert out["template"]["kind"] == "tool"
    assert "__REPLACE_WITH_CONNECTOR_UUID__" in j(out["template"]["nodes"])
    code, out = run_cli("orchestration", "template", "get", "nope")
    assert code == 1 and out["reason"] == "templateNotFound"
    code, tool = run_cli("orchestration", "tool", "create", "--name", "Seed tool")
    wf = tool["tool"]["workflowUuid"]
    graph = chain(start(), end([var("company", "{{nodes.start.company}}"), var("domain", "{{nodes.start.domain}}")]))
    code, out = run_cli("orchestration", "node", "validate", "--nodes", j(graph))
    assert out == {"outcome": "valid"}
    run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(graph))
    code, created = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data",
                            '{"company":"Acme","domain":"acme.com"}')
    assert code == 0 and created["run"]["status"] == "pending"
    for _ in range(100):  # poll with run get, as the seed says
        code, got = run_cli("orchestration", "run", "get", created["run"]["uuid"])
        if got["run"]["status"] in ("success", "error", "cancelled"):
            break
        time.sleep(0.1)
    assert got["run"]["status"] == "success"
    assert got["runContext"]["end"] == {"company": "Acme", "domain": "acme.com"}
    code, waited = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data",
                           '{"company":"Acme","domain":"acme.com"}', "--wait-until-finished")
    assert waited["run"]["status"] == "success" and "runContext" in waited
    code, adhoc = run_cli("orchestration", "run", "create", "--data", '{"domain":"acme.com"}', "--nodes", j(graph),
                          "--wait-until-finished")
    assert adhoc["runContext"]["end"]["domain"] == "acme.com"
    code, out = run_cli("orchestration", "run", "cancel", "--workflow-uuid", wf, "--uuids",
                        f"{created['run']['uuid']},{waited['run']['uuid']}")
    assert code == 0 and [r["status"] for r in out["runs"]] == ["success", "success"]
    code, out = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--is-finished",
                        "--created-after", "2020-01-01", "--created-before", "2999-01-01")
    assert out == {"count": 2}
