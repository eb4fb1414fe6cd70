"""Issue 15 §2: a graph that validates runs as validated — expressions parse, references name nodes
that can have run before, native configs match their JSON Schema; deploys refuse the same findings;
the schemas are served and documented. Through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import j, run_cli
from graphs import chain, end, new_uuid, node, start, var

ROOT = Path(__file__).resolve().parents[1]


def validate(graph: list[dict[str, Any]]) -> dict[str, Any]:
    code, out = run_cli("orchestration", "node", "validate", "--nodes", j(graph))
    assert code == 0, out
    return out


def findings(graph: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """(node slug, reason, path) of each entry, nested group entries flattened."""
    out = validate(graph)
    assert out["outcome"] == "notValid", out
    return list(_flat(out["invalidNodes"]))


def _flat(entries: list[dict[str, Any]]) -> Any:
    for entry in entries:
        yield ((entry["node"] or {}).get("slug"), entry["reason"], entry.get("path"))
        yield from _flat(entry.get("invalidNodes") or [])


def only_entry(graph: list[dict[str, Any]]) -> dict[str, Any]:
    out = validate(graph)
    assert out["outcome"] == "notValid" and len(out["invalidNodes"]) == 1, out
    entry: dict[str, Any] = out["invalidNodes"][0]
    assert "None" not in entry["message"] and "{'" not in entry["message"], entry  # JSON words only
    return entry


def variables(slug: str, value: Any) -> dict[str, Any]:
    return node(slug, "variables", {"variables": [var("x", value)]})


# -- (a) expressions that do not parse -----------------------------------------------------------

def test_expression_that_does_not_parse_is_reported_with_its_path() -> None:
    graph = chain(start(), variables("v", "Hi {{ nodes.start.name. }}"), end())
    entry = only_entry(graph)
    assert entry["reason"] == "expressionInvalid" and entry["node"]["slug"] == "v"
    assert entry["path"] == "config.variables[0].value"
    assert "{{ nodes.start.name. }}" in entry["message"] and "SyntaxError" in entry["message"]


def test_every_expression_form_is_checked() -> None:
    bad = [
        {"kind": "jsExpression", "expression": "nodes.start.a +", "instructTo": "none"},
        {"kind": "templateExpression", "expression": "{{ (nodes.start.a }}", "instructTo": "none"},
        "{{ 'unterminated }}",
        "{{}}",
    ]
    graph = chain(start(), node("v", "variables", {"variables": [var(f"x{i}", b) for i, b in enumerate(bad)]}),
                  end())
    got = findings(graph)
    assert [reason for _, reason, _ in got] == ["expressionInvalid"] * 4
    assert [path for _, _, path in got] == ["config.variables[0].value.expression",
                                            "config.variables[1].value.expression",
                                            "config.variables[2].value", "config.variables[3].value"]


def test_scripts_are_not_templates() -> None:
    graph = chain(start(), node("js", "script", {"script": "return `{{ not js ${1} }}`.length; {{"}), end())
    assert validate(graph) == {"outcome": "valid"}


# -- (b) references --------------------------------------------------------------------------------

def test_reference_to_a_missing_node() -> None:
    entry = only_entry(chain(start(), variables("v", "{{nodes.enrich.domain}}"), end()))
    assert entry["reason"] == "referenceNotFound" and entry["path"] == "config.variables[0].value"
    assert "nodes.enrich" in entry["message"] and "'enrich'" in entry["message"]
    entry = only_entry(chain(start(), variables("v", '{{ nodes["enrich"].domain }}'), end()))
    assert entry["reason"] == "referenceNotFound"


def test_reference_to_a_node_that_runs_later_or_on_another_branch() -> None:
    later = chain(start(), variables("first", "{{nodes.second.x}}"), variables("second", 1), end())
    entry = only_entry(later)
    assert (entry["node"]["slug"], entry["reason"]) == ("first", "referenceNotUpstream")
    done, skip = end(), end(slug="skip")
    yes = node("yes_step", "variables", {"variables": [var("x", 1)]}, [done["uuid"]])
    no = node("no_step", "variables", {"variables": [var("x", "{{nodes.yes_step.x}}")]}, [skip["uuid"]])
    branch = node("b", "branch", {"condition": "{{nodes.start.ok}}"}, [yes["uuid"], no["uuid"]])
    graph = [*chain(start(), branch), yes, no, done, skip]
    assert findings(graph) == [("no_step", "referenceNotUpstream", "config.variables[0].value")]
    itself = chain(start(), variables("loop", "{{nodes.loop.x}}"), end())
    assert only_entry(itself)["reason"] == "referenceNotUpstream"


def group_graph(inner: str, *, after: bool = False) -> list[dict[str, Any]]:
    """start → prep → loop (its end reads `inner`) [→ after] → end."""
    sub_end = end([var("v", inner)])
    sub_start = start(childrenUuids=[sub_end["uuid"]])
    group = node("loop", "group", {"items": "{{nodes.prep.items}}", "_nodes": [sub_start, sub_end]})
    tail = [variables("after", 1)] if after else []
    return chain(start(), variables("prep", [1, 2]), group, *tail, end([var("out", "{{nodes.loop}}")]))


def test_references_inside_a_group_use_the_groups_scopes() -> None:
    assert validate(group_graph("{{nodes.start.value}} {{parentNodes.prep.x}}")) == {"outcome": "valid"}
    # Inside the group, `nodes` is the iteration's own context: the parent's nodes are `parentNodes`.
    out = validate(group_graph("{{nodes.prep.x}}"))
    assert list(_flat(out["invalidNodes"])) == [("loop", "subNodesInvalid", None),
                                                ("end", "referenceNotFound", "config.variables[0].value")]
    assert "parentNodes.prep" in out["invalidNodes"][0]["invalidNodes"][0]["message"]
    # parentNodes names the nodes upstream of the group node only; at the top level there is none.
    assert findings(group_graph("{{parentNodes.after.x}}", after=True)) == [
        ("loop", "subNodesInvalid", None), ("end", "referenceNotFound", "config.variables[0].value")]
    top = chain(start(), variables("v", "{{parentNodes.prep.x}}"), end())
    assert only_entry(top)["reason"] == "referenceNotFound"


def test_valid_graphs_reading_their_ancestors_pass() -> None:
    # Fallback edges count: the waterfall's next step may read the failed one's error.
    done = end([var("domain", "{{nodes.second.d ?? nodes.first.error}}")])
    second = node("second", "variables", {"variables": [var("d", "{{nodes.first.error}}")]}, [done["uuid"]])
    first = node("first", "script", {"script": "throw new Error('x')"}, [second["uuid"]],
                 fallbackChildUuid=second["uuid"])
    graph = [*chain(start(), first), second, done]
    assert validate(graph) == {"outcome": "valid"}
    # A node reached from two branches may read either (the untaken one reads as undefined).
    merge = end([var("x", "{{nodes.a.x ?? nodes.b.x}}"), var("all", "{{Object.keys(nodes).length}}")])
    a = node("a", "variables", {"variables": [var("x", 1)]}, [merge["uuid"]])
    b = node("b", "variables", {"variables": [var("x", 2)]}, [merge["uuid"]])
    branch = node("pick", "branch", {"condition": "{{nodes.start.n > 1 && [1, 2].map(v => v * 2).length}}"},
                  [a["uuid"], b["uuid"]])
    assert validate([*chain(start(), branch), a, b, merge]) == {"outcome": "valid"}
    code, out = run_cli("orchestration", "run", "create", "--nodes", j([*chain(start(), branch), a, b, merge]),
                        "--data", j({"n": 5}), "--wait-until-finished", "--polling-interval", "100")
    assert code == 0 and out["run"]["status"] == "success", out


# -- (c) native configs against their schema -------------------------------------------------------

def test_agent_without_prompt_and_model_upsert_without_model() -> None:
    agent = node("ask", "agent", {"advancedSettings": {"connectorUuid": new_uuid(), "temperature": "warm"}})
    write = node("save", "modelUpsert", {"data": {"id": "{{nodes.start.id}}"}})
    graph = chain(start(), agent, write, end())
    out = validate(graph)
    by_path = {e["path"]: e for e in out["invalidNodes"]}
    assert set(by_path) == {"config.prompt", "config.advancedSettings.temperature", "config.modelUuid"}
    assert all(e["reason"] == "nodeInvalid" for e in by_path.values())
    assert by_path["config.prompt"]["node"]["slug"] == "ask"
    assert by_path["config.prompt"]["message"] == \
        "'config.prompt' is required: expected a non-empty string, got nothing"
    assert by_path["config.advancedSettings.temperature"]["message"] == \
        "'config.advancedSettings.temperature' must be a number from 0 to 1 (or an expression), got 'warm'"
    assert by_path["config.modelUuid"]["node"]["slug"] == "save"


def test_expressions_stand_for_any_typed_value() -> None:
    graph = chain(start(), node("wait", "delay", {"minutes": "{{nodes.start.minutes}}"}),
                  node("ab", "split", {"percentage": {"kind": "jsExpression", "expression": "nodes.start.p"}},
                       children=[None, None]), end())
    graph[2]["childrenUuids"] = [graph[3]["uuid"], graph[3]["uuid"]]
    assert validate(graph) == {"outcome": "valid"}
    graph[1]["config"]["minutes"] = -1
    entry = only_entry(graph)
    assert entry["path"] == "config.minutes" and "got -1" in entry["message"]
    graph[1]["config"]["minutes"] = None
    assert "got null" in only_entry(graph)["message"]


# -- deploys refuse the same findings --------------------------------------------------------------

def test_deploy_refuses_with_the_same_findings() -> None:
    code, tool = run_cli("orchestration", "tool", "create", "--name", "Checked")
    assert code == 0, tool
    wf = tool["tool"]["workflowUuid"]
    graph = chain(start(), node("ask", "agent", {"advancedSettings": {"connectorUuid": new_uuid()}}),
                  variables("v", "{{nodes.nope.x}} {{ ) }}"), end())
    expected = validate(graph)["invalidNodes"]
    assert [e["reason"] for e in expected] == ["nodeInvalid", "referenceNotFound", "expressionInvalid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(graph))
    assert code == 1 and out["reason"] == "nodesInvalid" and out["invalidNodes"] == expected, out
    code, out = run_cli("orchestration", "release", "get-deployed", "--workflow-uuid", wf)
    assert code == 1  # nothing was deployed
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(graph))
    assert code == 1 and out["invalidNodes"] == expected


# -- the schemas are served and documented ---------------------------------------------------------

def test_native_integration_get_serves_each_config_schema() -> None:
    code, out = run_cli("connection", "native-integration", "get")
    assert code == 0
    actions = out["nativeIntegration"]["actions"]
    agent = actions["agent"]["config"]["schema"]
    assert agent["required"] == ["prompt", "advancedSettings"] and agent == actions["agent"]["config"]["jsonSchema"]
    assert actions["modelUpsert"]["config"]["schema"]["required"] == ["modelUuid", "data"]
    assert actions["delay"]["config"]["schema"]["properties"]["minutes"]["type"] == "number"
    assert all(a["config"]["schema"]["type"] == "object" for a in actions.values())


def test_every_example_config_matches_its_schema() -> None:
    from lading.engine._validation_schema import config_schema_findings
    from lading.engine.natives.catalog import NATIVE_ACTIONS

    for slug, action in NATIVE_ACTIONS.items():
        assert config_schema_findings(slug, action.example_config) == [], slug


def test_docs_natives_md_is_generated_from_the_catalog() -> None:
    from lading.engine.natives.docs import render

    committed = (ROOT / "docs" / "natives.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/natives.md is stale: run python -m lading.engine.natives.docs"
    for slug in ("agent", "modelUpsert", "group", "switch"):
        assert f"\n## {slug}\n" in committed


def test_node_validate_help_points_to_the_schemas() -> None:
    code, out = run_cli("orchestration", "node", "validate", "--help")
    text = out if isinstance(out, str) else str(out)
    assert "docs/natives.md" in text and "native-integration get" in text


# -- the HTTP face answers the same documents -------------------------------------------------------

def test_api_validate_and_native_integration_answer_the_same(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    graph = chain(start(), node("save", "modelUpsert", {"data": {}}), variables("v", "{{nodes.later.x}}"), end())
    response = alpha.post("/orchestration/nodes/validate", json={"nodes": graph})
    assert response.status_code == 200, response.text
    assert response.json() == validate(graph)
    assert [(e["node"]["slug"], e["reason"], e["path"]) for e in response.json()["invalidNodes"]] == [
        ("save", "nodeInvalid", "config.modelUuid"), ("v", "referenceNotFound", "config.variables[0].value")]
    served = alpha.get("/connection/nativeIntegrations").json()["nativeIntegration"]["actions"]
    assert served["modelUpsert"]["config"]["schema"]["required"] == ["modelUuid", "data"]
    assert served == run_cli("connection", "native-integration", "get")[1]["nativeIntegration"]["actions"]


def test_every_documented_example_validates_as_a_node() -> None:
    from lading.engine.natives.catalog import NATIVE_ACTIONS

    for slug, action in NATIVE_ACTIONS.items():
        if slug in ("start", "end", "agent", "modelUpsert", "modelInsert"):
            continue  # start/end are the frame; the others name workspace objects that do not exist here
        one = node(slug, slug, action.example_config)
        if slug in ("branch", "split"):
            graph = [*chain(start(), one), done := end()]
            one["childrenUuids"] = [done["uuid"], done["uuid"]]
        elif slug == "switch":
            graph = [*chain(start(), one), done := end()]
            one["childrenUuids"] = [done["uuid"]] * 2
        else:
            graph = chain(start(), one, end())
        assert validate(graph) == {"outcome": "valid"}, slug
