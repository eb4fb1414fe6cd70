"""Tool nodes: a tool's deployed workflow as a sub-run, three levels deep, and recursion refused."""

from __future__ import annotations

from typing import Any

from conftest import j, run_cli
from graphs import chain, end, node, start, var


def make_tool(name: str, nodes: list[dict[str, Any]], form_fields: list[dict[str, Any]] | None = None) -> dict:
    code, out = run_cli("orchestration", "tool", "create", "--name", name)
    assert code == 0
    tool = out["tool"]
    args = ["orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"], "--nodes", j(nodes)]
    if form_fields is not None:
        args += ["--form-fields", j(form_fields)]
    code, out = run_cli(*args)
    assert code == 0, out
    return tool


def test_three_levels_of_tools() -> None:
    inner = make_tool("Inner", chain(start(), end([var("shout", "{{nodes.start.word.toUpperCase()}}")])),
                      [{"slug": "word", "label": "Word", "type": "string", "required": True}])
    middle = make_tool("Middle", chain(
        start(), node("call_inner", kind="tool", toolUuid=inner["uuid"], config={"word": "{{nodes.start.word}}"}),
        end([var("shout", "{{nodes.call_inner.shout}}"), var("level", "middle")])))
    outer = make_tool("Outer", chain(
        start(), node("call_middle", kind="tool", toolUuid=middle["uuid"], config={"word": "{{nodes.start.word}}"}),
        end([var("result", "{{nodes.call_middle.shout}}!"), var("via", "{{nodes.call_middle.level}}")])))
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", outer["workflowUuid"],
                        "--data", j({"word": "hey"}), "--wait-until-finished")
    assert code == 0
    assert out["run"]["status"] == "success", out["run"]
    assert out["runContext"]["end"] == {"result": "HEY!", "via": "middle"}
    assert out["runContext"]["call_middle"] == {"shout": "HEY", "level": "middle"}
    tool_exec = out["run"]["executions"][1]
    assert tool_exec["nodeKind"] == "tool" and tool_exec["nodeActionSlug"] is None and tool_exec["status"] == "success"
    # the sub-runs are recorded under the tools' own workflows
    code, runs = run_cli("orchestration", "run", "list", "--workflow-uuid", inner["workflowUuid"])
    assert runs["runs"] == []  # child runs are not top-level runs of the inner tool


def test_missing_required_form_field_fails_the_tool_node() -> None:
    inner = make_tool("Inner", chain(start(), end()), [{"slug": "word", "label": "W", "type": "string",
                                                        "required": True}])
    code, out = run_cli("orchestration", "run", "create", "--nodes",
                        j(chain(start(), node("t", kind="tool", toolUuid=inner["uuid"], config={}), end())),
                        "--wait-until-finished")
    assert out["run"]["status"] == "error" and "word" in out["run"]["executions"][-1]["errorMessage"]


def test_recursion_is_refused_at_deploy_and_at_run_time() -> None:
    a = make_tool("A", chain(start(), end()))
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", a["workflowUuid"], "--nodes",
                        j(chain(start(), node("again", kind="tool", toolUuid=a["uuid"]), end())))
    assert code == 1 and out["reason"] == "toolInvalid" and "recursion" in out["errorMessage"]
    b = make_tool("B", chain(start(), node("call_a", kind="tool", toolUuid=a["uuid"]), end()))
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", a["workflowUuid"], "--nodes",
                        j(chain(start(), node("call_b", kind="tool", toolUuid=b["uuid"]), end())))
    assert code == 1 and out["reason"] == "toolInvalid"
    # A draft run bypasses the deploy check: the executor's call stack still refuses the loop.
    code, out = run_cli("orchestration", "release", "update-draft", "--workflow-uuid", a["workflowUuid"], "--nodes",
                        j(chain(start(), node("call_b", kind="tool", toolUuid=b["uuid"]), end())))
    draft = out["release"]["uuid"]
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", a["workflowUuid"], "--release-uuid",
                        draft, "--wait-until-finished")
    assert out["run"]["status"] == "error"
    assert "recursion" in out["run"]["errorMessage"]
