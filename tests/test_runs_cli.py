"""Runs through the real CLI: every native action, routing index, retry/fallback path, groups."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, new_uuid, node, start, var


def run_nodes(nodes: list[dict[str, Any]], data: dict[str, Any] | None = None) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j(data or {}),
                        "--wait-until-finished")
    assert code == 0, out
    return out


def test_linear_variables_and_end_output() -> None:
    nodes = chain(
        start(),
        node("vars", "variables", {"variables": [var("domain", "{{nodes.start.email.split('@')[1]}}", "string"),
                                                 var("n", "42", "number"), var("flag", "true", "boolean"),
                                                 var("obj", "{{nodes.start}}", "string"),
                                                 var("missing", "{{nodes.start.nope.x}}")]}),
        end([var("domain", "{{nodes.vars.domain}}"), var("n", "{{nodes.vars.n + 1}}")]),
    )
    out = run_nodes(nodes, {"email": "ada@acme.com"})
    run, ctx = out["run"], out["runContext"]
    assert run["status"] == "success"
    assert run["workflowUuid"] is None
    assert ctx["start"] == {"email": "ada@acme.com"}
    assert ctx["vars"] == {"domain": "acme.com", "n": 42, "flag": True, "obj": '{"email":"ada@acme.com"}',
                           "missing": None}
    assert ctx["end"] == {"domain": "acme.com", "n": 43}
    assert [e["nodeSlug"] for e in run["executions"]] == ["start", "vars", "end"]
    first = run["executions"][0]
    assert first["nodeKind"] == "native" and first["nodeActionSlug"] == "start"
    assert first["nodeChildIndex"] == 0 and first["nextNodeUuid"] == nodes[1]["uuid"]
    assert run["executions"][-1]["nodeChildIndex"] is None and run["executions"][-1]["nextNodeUuid"] is None
    assert all(e["creditsUsedCount"] == 0 for e in run["executions"])
    assert out["runComputedConfigs"]["vars"]["variables"][0]["value"] == "acme.com"
    assert run["contextS3Filename"] == f"runs/{run['uuid']}/context.json"


@pytest.mark.parametrize(("count", "expected_index", "expected_slug"), [(500, 0, "yes"), (5, 1, "no")])
def test_branch_routes_yes_and_no(count: int, expected_index: int, expected_slug: str) -> None:
    yes, no = end([var("arm", "yes")], slug="yes"), end([var("arm", "no")], slug="no")
    br = node("big", "branch", {"condition": "{{nodes.start.count > 100}}"}, [yes["uuid"], no["uuid"]])
    out = run_nodes(chain(start(), br) + [yes, no], {"count": count})
    ctx = out["runContext"]
    assert ctx["big"] == {"condition": expected_index == 0}
    assert expected_slug in ctx and ({"yes", "no"} - {expected_slug}).isdisjoint(ctx)
    branch_exec = out["run"]["executions"][1]
    assert branch_exec["nodeChildIndex"] == expected_index
    assert branch_exec["title"] == ("✅ Condition is matched" if expected_index == 0 else "❌ Condition is not matched")


def test_filter_false_stops_run_with_success() -> None:
    nodes = chain(start(), node("only_big", "filter", {"filter": "{{nodes.start.count > 100}}"}), end())
    out = run_nodes(nodes, {"count": 3})
    assert out["run"]["status"] == "success"
    assert [e["nodeSlug"] for e in out["run"]["executions"]] == ["start", "only_big"]
    assert out["runContext"]["only_big"] == {"filter": False}
    assert out["run"]["executions"][1]["nodeChildIndex"] is None
    out = run_nodes(nodes, {"count": 300})
    assert out["runContext"]["only_big"] == {"filter": True} and "end" in out["runContext"]


@pytest.mark.parametrize(("tier", "index"), [("gold", 0), ("silver", 1), ("bronze", 2), ("none", 3)])
def test_switch_every_route_and_default(tier: str, index: int) -> None:
    ends = [end([var("picked", n)], slug=f"e_{n}") for n in ("gold", "silver", "bronze", "default")]
    routes = [{"name": n, "uuid": new_uuid(), "value": f"{{{{nodes.start.tier === '{n}'}}}}"}
              for n in ("gold", "silver", "bronze")]
    sw = node("route", "switch", {"routes": routes}, [e["uuid"] for e in ends])
    out = run_nodes(chain(start(), sw) + ends, {"tier": tier})
    assert out["runContext"]["route"]["index"] == index
    assert out["run"]["executions"][1]["nodeChildIndex"] == index
    assert out["runContext"][f"e_{['gold', 'silver', 'bronze', 'default'][index]}"]["picked"]


def test_switch_without_default_stops_when_nothing_matches() -> None:
    only = end(slug="only")
    routes = [{"name": "gold", "uuid": new_uuid(), "value": "{{nodes.start.tier === 'gold'}}"}]
    out = run_nodes(chain(start(), node("route", "switch", {"routes": routes}, [only["uuid"]])) + [only],
                    {"tier": "lead"})
    assert out["run"]["status"] == "success" and "only" not in out["runContext"]


@pytest.mark.parametrize(("percentage", "variant", "index"), [(100, "A", 0), (0, "B", 1)])
def test_split_routes_by_percentage(percentage: int, variant: str, index: int) -> None:
    a, b = end(slug="arm_a"), end(slug="arm_b")
    sp = node("ab", "split", {"percentage": percentage}, [a["uuid"], b["uuid"]])
    out = run_nodes(chain(start(), sp) + [a, b])
    assert out["runContext"]["ab"] == {"variant": variant}
    assert out["run"]["executions"][1]["nodeChildIndex"] == index


def test_script_node_result_and_nodes_access() -> None:
    nodes = chain(start(), node("calc", "script", {"script": "return nodes.start.a * 2 + 1;"}),
                  end([var("value", "{{nodes.calc.result}}")]))
    out = run_nodes(nodes, {"a": 20})
    assert out["runContext"]["calc"] == {"result": 41}
    assert out["runContext"]["end"] == {"value": 41}


def test_throwing_script_fails_run_with_message() -> None:
    nodes = chain(start(), node("boom", "script", {"script": "throw new Error('kaput')"}), end())
    out = run_nodes(nodes)
    assert out["run"]["status"] == "error"
    failed = out["run"]["executions"][-1]
    assert failed["status"] == "error" and "kaput" in failed["errorMessage"]
    assert out["runContext"]["boom"]["error"].endswith("kaput")
    assert "kaput" in out["run"]["errorMessage"]


def test_expression_error_fails_node() -> None:
    nodes = chain(start(), node("v", "variables", {"variables": [var("x", "{{nodes.start.a.b.c()}}")]}), end())
    out = run_nodes(nodes, {"a": {"b": {"c": 1}}})
    assert out["run"]["status"] == "error"
    assert "not a function" in out["run"]["executions"][-1]["errorMessage"]


def test_retry_then_fail_records_attempts() -> None:
    flaky = node("flaky", "script", {"script": "throw new Error('down')"},
                 retry={"maximumAttempts": 3, "initialInterval": 10, "backoffCoefficient": 2})
    out = run_nodes(chain(start(), flaky, end()))
    assert out["run"]["status"] == "error"
    ex = out["run"]["executions"][-1]
    assert ex["nodeSlug"] == "flaky" and ex["attempts"] == 3 and ex["status"] == "error"
    assert len([e for e in out["run"]["executions"] if e["nodeSlug"] == "flaky"]) == 1


def test_fallback_on_failure_continues_at_first_child() -> None:
    after = end([var("saw", "{{nodes.bad.error}}")])
    bad = node("bad", "script", {"script": "throw new Error('nope')"}, [after["uuid"]], fallbackOnFailure=True)
    out = run_nodes(chain(start(), bad) + [after])
    assert out["run"]["status"] == "success"
    assert "nope" in out["runContext"]["end"]["saw"]
    assert out["run"]["executions"][1]["status"] == "error"


def test_fallback_child_uuid_waterfall() -> None:
    primary_end = end(slug="end")
    backup = node("backup", "variables", {"variables": [var("source", "backup")]}, [primary_end["uuid"]])
    primary = node("primary", "script", {"script": "throw new Error('404 not found')"}, [primary_end["uuid"]],
                   fallbackChildUuid=backup["uuid"])
    out = run_nodes(chain(start(), primary) + [backup, primary_end])
    assert out["run"]["status"] == "success"
    assert [e["nodeSlug"] for e in out["run"]["executions"]] == ["start", "primary", "backup", "end"]
    assert out["run"]["executions"][1]["nextNodeUuid"] == backup["uuid"]


def test_delay_zero_minutes_and_context_survives() -> None:
    nodes = chain(start(), node("wait", "delay", {"minutes": 0}), end([var("email", "{{nodes.start.email}}")]))
    out = run_nodes(nodes, {"email": "x@y.z"})
    assert out["run"]["status"] == "success"
    assert out["runContext"]["wait"] == {}
    assert out["runContext"]["end"] == {"email": "x@y.z"}


def test_null_child_slot_ends_run_success() -> None:
    v = node("v", "variables", {"variables": []}, [None])
    out = run_nodes([start(children=[v["uuid"]]), v])
    assert out["run"]["status"] == "success"
    assert out["run"]["executions"][-1]["nextNodeUuid"] is None


def _group_graph(fail_on_item: bool, script: str = "return nodes.start.name.toUpperCase();") -> list[dict[str, Any]]:
    sub_end = end([var("name", "{{nodes.up.result}}"), var("company", "{{parentNodes.start.company}}")])
    sub_up = node("up", "script", {"script": script}, [sub_end["uuid"]])
    sub_start = start(children=[sub_up["uuid"]])
    final = end([var("first", "{{nodes.loop[0].name}}"), var("count", "{{nodes.loop.length}}")])
    group = node("loop", "group", {"items": "{{nodes.start.people}}", "failOnItemFailure": fail_on_item,
                                   "_nodes": [sub_start, sub_up, sub_end]}, [final["uuid"]])
    return chain(start(), group) + [final]


def test_group_iterates_with_parent_nodes() -> None:
    out = run_nodes(_group_graph(False), {"company": "Acme", "people": [{"name": "ada"}, {"name": "bob"}]})
    assert out["run"]["status"] == "success"
    assert out["runContext"]["loop"] == [{"name": "ADA", "company": "Acme"}, {"name": "BOB", "company": "Acme"}]
    assert out["runContext"]["end"] == {"first": "ADA", "count": 2}


def test_group_scalar_items_and_empty() -> None:
    out = run_nodes(_group_graph(False, "return String(nodes.start.value).toUpperCase();"),
                    {"company": "A", "people": ["x", "y", "z"]})
    assert [i["name"] for i in out["runContext"]["loop"]] == ["X", "Y", "Z"]
    out = run_nodes(_group_graph(False), {"company": "A", "people": []})
    assert out["runContext"]["loop"] == [] and out["run"]["status"] == "success"


def test_group_failed_item_without_fail_on_item_leaves_null() -> None:
    out = run_nodes(_group_graph(False), {"company": "A", "people": [{"name": "ok"}, {"nom": "broken"}]})
    assert out["run"]["status"] == "success"
    assert out["runContext"]["loop"][0]["name"] == "OK" and out["runContext"]["loop"][1] is None


def test_group_fail_on_item_failure_fails_node() -> None:
    out = run_nodes(_group_graph(True), {"company": "A", "people": [{"nom": "broken"}, {"name": "ok"}]})
    assert out["run"]["status"] == "error"
    assert out["run"]["executions"][-1]["nodeSlug"] == "loop"


def test_group_items_not_array_fails() -> None:
    out = run_nodes(_group_graph(False), {"company": "A", "people": "nope"})
    assert out["run"]["status"] == "error"
    assert "array" in out["run"]["executions"][-1]["errorMessage"]


def test_unknown_tool_node_is_refused_before_running() -> None:
    tool_node = node("sub", kind="tool", toolUuid=new_uuid())
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(chain(start(), tool_node, end())))
    assert code == 1 and out["reason"] == "toolInvalid" and out["invalidNodes"][0]["node"]["slug"] == "sub"


def test_tool_node_of_an_undeployed_tool_fails_clearly_at_run_time() -> None:
    code, tool = run_cli("orchestration", "tool", "create", "--name", "Inner")
    assert code == 0
    tool_node = node("sub", kind="tool", toolUuid=tool["tool"]["uuid"])
    out = run_nodes(chain(start(), tool_node, end()))
    assert out["run"]["status"] == "error"
    assert "noDeployedRelease" in out["run"]["executions"][-1]["errorMessage"]
