"""Unit tests of structural graph validation (spec: orchestration §2.1–§2.4, §2.10)."""

from __future__ import annotations

import copy
import itertools
import uuid as uuidlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lading.engine.validation import NoReferences, validate_nodes, validation_document

CONNECTOR = "7a1c9a56-3f0e-4c59-9d8e-0a3b1f2c4d5e"
TOOL = "0b8f6a3e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"
AGENT = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"


class FakeRefs:
    """A workspace with one connector, one tool, one agent and a few integration actions."""

    def __init__(self) -> None:
        self.connectors = {CONNECTOR}
        self.tools = {TOOL}
        self.agents = {AGENT}
        self.actions = {("clearbit", "enrich_company"): 1, ("hubspot", "find_or_create"): 2}

    def connector_exists(self, connector_uuid: str) -> bool:
        return connector_uuid in self.connectors

    def connector_action_children(self, integration_slug: str, action_slug: str) -> int | None:
        return self.actions.get((integration_slug, action_slug))

    def connector_optional(self, integration_slug: str) -> bool:
        return integration_slug == "http"

    def tool_exists(self, tool_uuid: str) -> bool:
        return tool_uuid in self.tools

    def agent_exists(self, agent_uuid: str) -> bool:
        return agent_uuid in self.agents


REFS = FakeRefs()


def uid() -> str:
    return str(uuidlib.uuid4())


def node(slug: str, action: str | None = None, children: list[str | None] | None = None, *,
         kind: str = "native", config: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    n: dict[str, Any] = {
        "uuid": uid(), "slug": slug, "kind": kind, "config": config if config is not None else {},
        "childrenUuids": children if children is not None else [], "fallbackOnFailure": False,
        "position": {"x": 0, "y": 0},
    }
    if action is not None:
        n["actionSlug"] = action
    n.update(extra)
    return n


def end(slug: str = "end") -> dict[str, Any]:
    return node(slug, "end", [], config={"variables": [{"name": "ok", "type": "boolean", "value": True}]})


def chain(*nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """Link single-child nodes in order (each node's only child is the next)."""
    for a, b in itertools.pairwise(nodes):
        a["childrenUuids"] = [b["uuid"]]
    return list(nodes)


def simple_graph() -> list[dict[str, Any]]:
    return chain(node("start", "start"), end())


def reasons(entries: list[dict[str, Any]]) -> list[str]:
    return [e["reason"] for e in entries]


def only(entries: list[dict[str, Any]], reason: str) -> dict[str, Any]:
    assert reasons(entries) == [reason], entries
    return entries[0]


def spec_example() -> list[dict[str, Any]]:
    """start → variables → branch → yes: enrich → group(_nodes) → tool → agent → end; no: switch…"""
    sub_end = end()
    sub_vars = node("item_vars", "variables", [sub_end["uuid"]],
                    config={"variables": [{"name": "d", "type": "string", "value": "{{nodes.start.value}}"}]})
    sub_start = node("start", "start", [sub_vars["uuid"]])
    main_end = end()
    skip = end("skip")
    agent = node("summarise", None, [main_end["uuid"]], kind="agent", agentUuid=AGENT,
                 config={"prompt": "Summarise {{nodes.start.domain}}"})
    tool = node("score", None, [agent["uuid"]], kind="tool", toolUuid=TOOL, config={"domain": "x"},
                retry={"maximumAttempts": 3, "initialInterval": 1000, "backoffCoefficient": 2})
    group = node("loop", "group", [tool["uuid"]], config={
        "items": "{{nodes.start.contacts}}", "failOnItemFailure": False,
        "_nodes": [sub_start, sub_vars, sub_end],
    })
    enrich = node("enrich_company", "enrich_company", [group["uuid"]], kind="connector",
                  integrationSlug="clearbit", connectorUuid=CONNECTOR,
                  config={"domain": "{{nodes.start.domain}}"}, fallbackChildUuid=group["uuid"])
    script = node("js", "script", [skip["uuid"]], config={"script": "return 1"})
    python = node("py", "python", [skip["uuid"]], config={"script": "result = 1"})
    delay = node("wait", "delay", [python["uuid"]], config={"minutes": 5})
    split = node("ab", "split", [delay["uuid"], script["uuid"]], config={"percentage": 50})
    filt = node("only_big", "filter", [split["uuid"]], config={"filter": "{{nodes.start.count > 100}}"})
    switch = node("route", "switch", [filt["uuid"], skip["uuid"]], config={"routes": [
        {"name": "big", "uuid": uid(), "value": "{{nodes.start.count > 10}}"},
        {"name": "small", "uuid": uid(), "value": True},
    ]})
    branch = node("is_known", "branch", [enrich["uuid"], switch["uuid"]],
                  config={"condition": {"kind": "templateExpression", "expression": "{{nodes.vars.known}}",
                                        "instructTo": "none", "fromRecipe": False}})
    variables = node("vars", "variables", [branch["uuid"]],
                     config={"variables": [{"name": "known", "type": "boolean", "value": True}]})
    start = node("start", "start", [variables["uuid"]])
    return [start, variables, branch, enrich, group, tool, agent, main_end, switch, filt, split, delay,
            python, script, skip]


def find(graph: list[dict[str, Any]], slug: str) -> dict[str, Any]:
    return next(n for n in graph if n["slug"] == slug)


# -- valid graphs ------------------------------------------------------------------------------------


def test_spec_example_graph_is_valid() -> None:
    graph = spec_example()
    assert validate_nodes(graph, REFS) == []
    assert validation_document(graph, REFS) == {"outcome": "valid"}


def test_missing_position_is_accepted_but_a_malformed_one_is_not() -> None:
    graph = simple_graph()
    del graph[0]["position"]
    assert validate_nodes(graph, REFS) == []
    graph[1]["position"] = {"x": "left", "y": 0}
    entry = only(validate_nodes(graph, REFS), "nodeInvalid")
    assert entry["node"] == {"uuid": graph[1]["uuid"], "slug": "end"}
    assert "position" in entry["message"]


def test_null_children_slots_are_allowed() -> None:
    graph = simple_graph()
    graph[0]["childrenUuids"] = [None]
    assert validate_nodes(graph, REFS) == []


# -- graph-level shape ---------------------------------------------------------------------------------


def test_nodes_not_a_list_is_a_graph_level_node_invalid() -> None:
    doc = validation_document({"nodes": []}, REFS)
    assert doc["outcome"] == "notValid"
    entry = only(doc["invalidNodes"], "nodeInvalid")
    assert entry["node"] is None
    assert entry["message"]


def test_item_not_an_object() -> None:
    graph: list[Any] = [*simple_graph(), "oops"]
    entry = only(validate_nodes(graph, REFS), "nodeInvalid")
    assert entry["node"] is None
    assert "nodes[2]" in entry["message"]


def test_every_entry_has_node_reason_and_message() -> None:
    graph = spec_example()
    find(graph, "vars")["slug"] = "bad slug"
    find(graph, "score")["toolUuid"] = uid()
    for entry in validate_nodes(graph, REFS):
        assert set(entry) >= {"node", "reason", "message"}
        assert isinstance(entry["message"], str) and entry["message"]


# -- nodeInvalid ----------------------------------------------------------------------------------------


def test_missing_and_ill_typed_required_fields() -> None:
    cases: list[tuple[str, Any]] = [
        ("uuid", None), ("slug", None), ("kind", None), ("config", None), ("childrenUuids", None),
        ("fallbackOnFailure", None), ("config", []), ("childrenUuids", "x"), ("childrenUuids", [1]),
        ("fallbackOnFailure", "no"), ("kind", 3), ("slug", 5), ("uuid", 7),
    ]
    for field, value in cases:
        graph = chain(node("start", "start"), node("v", "variables"), end())
        target = graph[1]
        if value is None:
            del target[field]
        else:
            target[field] = value
        entries = validate_nodes(graph, REFS)
        assert "nodeInvalid" in reasons(entries), (field, value, entries)
        assert any(field in e["message"] for e in entries if e["reason"] == "nodeInvalid"), (field, entries)


def test_bad_uuid_format() -> None:
    graph = simple_graph()
    graph[1]["uuid"] = "not-a-uuid"
    graph[0]["childrenUuids"] = ["not-a-uuid"]
    entry = only(validate_nodes(graph, REFS), "nodeInvalid")
    assert entry["node"] == {"uuid": "not-a-uuid", "slug": "end"}


def test_uuid_with_trailing_newline_is_rejected() -> None:
    graph = simple_graph()
    graph[1]["uuid"] += "\n"
    graph[0]["childrenUuids"] = [graph[1]["uuid"]]
    only(validate_nodes(graph, REFS), "nodeInvalid")


def test_duplicate_uuid_reports_the_second_occurrence() -> None:
    graph = chain(node("start", "start"), node("a", "variables"), end())
    graph.insert(2, node("b", "variables", [graph[2]["uuid"]], uuid=graph[1]["uuid"]))
    entry = only(validate_nodes(graph, REFS), "nodeInvalid")
    assert entry["node"] == {"uuid": graph[1]["uuid"], "slug": "b"}
    assert "duplicate" in entry["message"]


def test_duplicate_uuid_inside_group_nodes_is_nested() -> None:
    graph = spec_example()
    group = find(graph, "loop")
    sub = group["config"]["_nodes"]
    sub[1]["uuid"] = find(graph, "vars")["uuid"]  # reuses a top-level uuid
    sub[0]["childrenUuids"] = [sub[1]["uuid"]]
    entry = only(validate_nodes(graph, REFS), "subNodesInvalid")
    assert entry["node"] == {"uuid": group["uuid"], "slug": "loop"}
    nested = only(entry["invalidNodes"], "nodeInvalid")
    assert nested["node"] == {"uuid": sub[1]["uuid"], "slug": "item_vars"}
    assert "duplicate" in nested["message"]


def test_unknown_kind() -> None:
    graph = simple_graph()
    graph[1]["kind"] = "webhook"
    assert "webhook" in only(validate_nodes(graph, REFS), "nodeInvalid")["message"]
    graph[0]["kind"] = None  # reported once, not also as a misused 'start' slug or a missing start
    assert reasons(validate_nodes(graph, REFS)) == ["nodeInvalid", "nodeInvalid"]


def test_native_node_missing_action_slug() -> None:
    graph = chain(node("start", "start"), node("v", None), end())
    entry = only(validate_nodes(graph, REFS), "nodeInvalid")
    assert "actionSlug" in entry["message"]


def test_connector_node_missing_fields() -> None:
    for field in ("integrationSlug", "actionSlug", "connectorUuid"):
        graph = spec_example()
        del find(graph, "enrich_company")[field]
        entry = only(validate_nodes(graph, REFS), "nodeInvalid")
        assert field in entry["message"]


def test_unknown_connector_action() -> None:
    graph = spec_example()
    find(graph, "enrich_company")["actionSlug"] = "teleport"
    entry = only(validate_nodes(graph, REFS), "nodeInvalid")
    assert "clearbit.teleport" in entry["message"]


def test_tool_and_agent_nodes_need_a_target() -> None:
    for slug, key in (("score", "toolUuid"), ("summarise", "agentUuid")):
        graph = spec_example()
        del find(graph, slug)[key]
        entry = only(validate_nodes(graph, REFS), "nodeInvalid")
        assert "templateSlug" in entry["message"]
        find(graph, slug)["templateSlug"] = "company-enrichment"
        assert validate_nodes(graph, REFS) == []


def test_retry_rules() -> None:
    bad = [
        "three", {}, {"maximumAttempts": 0}, {"maximumAttempts": 2.5}, {"maximumAttempts": True},
        {"maximumAttempts": 3, "initialInterval": -1}, {"maximumAttempts": 3, "backoffCoefficient": 0.5},
    ]
    for retry in bad:
        graph = spec_example()
        find(graph, "score")["retry"] = retry
        entry = only(validate_nodes(graph, REFS), "nodeInvalid")
        assert "retry" in entry["message"], retry
    graph = spec_example()
    find(graph, "score")["retry"] = {"maximumAttempts": 1}
    assert validate_nodes(graph, REFS) == []


def test_variables_config_rules() -> None:
    bad: list[Any] = [
        "x", ["x"], [{"name": "a", "type": "text", "value": 1}], [{"type": "string", "value": 1}],
        [{"name": "a", "type": "string"}],
    ]
    for variables in bad:
        for slug in ("vars", "end"):
            graph = spec_example()
            find(graph, slug)["config"]["variables"] = variables
            entry = only(validate_nodes(graph, REFS), "nodeInvalid")
            assert "variables" in entry["message"], (slug, variables)


def test_switch_routes_rules() -> None:
    for routes in ("x", [1], [{"uuid": uid(), "value": True}], [{"name": "a", "uuid": uid()}]):
        graph = spec_example()
        switch = find(graph, "route")
        switch["config"]["routes"] = routes
        if isinstance(routes, list):
            switch["childrenUuids"] = switch["childrenUuids"][:1]
        entry = only(validate_nodes(graph, REFS), "nodeInvalid")
        assert "routes" in entry["message"], routes


def test_split_and_delay_numbers() -> None:
    for slug, key, value in (("ab", "percentage", 101), ("ab", "percentage", -1), ("ab", "percentage", "50"),
                             ("wait", "minutes", -5), ("wait", "minutes", None), ("wait", "minutes", True)):
        graph = spec_example()
        find(graph, slug)["config"][key] = value
        entry = only(validate_nodes(graph, REFS), "nodeInvalid")
        assert key in entry["message"]
    for value in ("{{nodes.start.wait}}", {"kind": "jsExpression", "expression": "nodes.start.wait"}, 0, 2.5):
        graph = spec_example()
        find(graph, "wait")["config"]["minutes"] = value
        assert validate_nodes(graph, REFS) == [], value


def test_group_config_rules() -> None:
    graph = spec_example()
    del find(graph, "loop")["config"]["items"]
    assert "items" in only(validate_nodes(graph, REFS), "nodeInvalid")["message"]
    graph = spec_example()
    find(graph, "loop")["config"]["_nodes"] = {"start": {}}
    assert "_nodes" in only(validate_nodes(graph, REFS), "nodeInvalid")["message"]


# -- startNodeNotFound -----------------------------------------------------------------------------------


def test_start_node_not_found() -> None:
    graph = chain(node("begin", "variables"), end())
    entry = only(validate_nodes(graph, REFS), "startNodeNotFound")
    assert entry["node"] is None
    only(validate_nodes([], REFS), "startNodeNotFound")


def test_start_node_not_found_inside_group() -> None:
    graph = spec_example()
    group = find(graph, "loop")
    group["config"]["_nodes"] = group["config"]["_nodes"][1:]  # drop the sub-graph's start
    entry = only(validate_nodes(graph, REFS), "subNodesInvalid")
    assert only(entry["invalidNodes"], "startNodeNotFound")["node"] is None


# -- slugInvalid ------------------------------------------------------------------------------------------


def test_slug_outside_charset() -> None:
    for bad in ("enrich-company", "a b", "", "é", "ok\n"):
        graph = chain(node("start", "start"), node(bad, "variables"), end())
        entry = only(validate_nodes(graph, REFS), "slugInvalid")
        assert entry["node"]["slug"] == bad


def test_slug_start_on_a_non_start_node() -> None:
    graph = chain(node("start", "start"), node("start", "variables"), end())
    entry = only(validate_nodes(graph, REFS), "slugInvalid")
    assert entry["node"]["uuid"] == graph[1]["uuid"]


def test_start_action_with_another_slug() -> None:
    graph = chain(node("begin", "start"), end())
    assert reasons(validate_nodes(graph, REFS)) == ["slugInvalid", "startNodeNotFound"]


def test_more_than_one_start_node() -> None:
    graph = simple_graph()
    second = node("start", "start", [graph[1]["uuid"]])
    graph.append(second)
    entry = only(validate_nodes(graph, REFS), "slugInvalid")
    assert entry["node"]["uuid"] == second["uuid"]


def test_slug_end_on_a_non_end_node() -> None:
    graph = chain(node("start", "start"), node("end", "variables"), end("done"))
    entry = only(validate_nodes(graph, REFS), "slugInvalid")
    assert entry["node"]["uuid"] == graph[1]["uuid"]


def test_only_one_node_may_use_slug_end() -> None:
    graph = spec_example()
    find(graph, "skip")["slug"] = "end"
    entry = only(validate_nodes(graph, REFS), "slugInvalid")
    assert entry["node"]["uuid"] == graph[-1]["uuid"]


# -- nodesNotFound ----------------------------------------------------------------------------------------


def test_child_not_in_graph() -> None:
    graph = simple_graph()
    missing = uid()
    graph[0]["childrenUuids"] = [missing]
    entry = only(validate_nodes(graph, REFS), "nodesNotFound")
    assert entry["node"]["slug"] == "start"
    assert missing in entry["message"]


def test_fallback_child_not_in_graph() -> None:
    graph = spec_example()
    find(graph, "enrich_company")["fallbackChildUuid"] = uid()
    assert only(validate_nodes(graph, REFS), "nodesNotFound")["node"]["slug"] == "enrich_company"


def test_child_in_another_level_is_not_found() -> None:
    graph = spec_example()
    sub_start = find(graph, "loop")["config"]["_nodes"][0]
    sub_start["childrenUuids"] = [find(graph, "vars")["uuid"]]  # points out of the sub-graph
    entry = only(validate_nodes(graph, REFS), "subNodesInvalid")
    assert "nodesNotFound" in reasons(entry["invalidNodes"])


# -- childrenUuidsInvalid -------------------------------------------------------------------------------


def test_children_count_per_action() -> None:
    cases = [("is_known", 1), ("vars", 2), ("ab", 1), ("enrich_company", 2), ("score", 0), ("summarise", 2)]
    for slug, count in cases:
        graph = spec_example()
        target = find(graph, slug)
        target["childrenUuids"] = [None] * count
        target.pop("fallbackChildUuid", None)
        entry = only(validate_nodes(graph, REFS), "childrenUuidsInvalid")
        assert entry["node"]["slug"] == slug


def test_last_sub_node_other_than_end_with_no_children() -> None:
    graph = spec_example()
    sub = find(graph, "loop")["config"]["_nodes"]
    sub[1]["childrenUuids"] = []
    entry = only(validate_nodes(graph, REFS), "subNodesInvalid")
    assert only(entry["invalidNodes"], "childrenUuidsInvalid")["node"]["slug"] == "item_vars"


def test_end_node_with_children() -> None:
    graph = simple_graph()
    graph[1]["childrenUuids"] = [graph[0]["uuid"]]
    assert "childrenUuidsInvalid" in reasons(validate_nodes(graph, REFS))


def test_connector_children_from_the_integration_action() -> None:
    graph = spec_example()
    enrich = find(graph, "enrich_company")
    enrich["actionSlug"], enrich["integrationSlug"] = "find_or_create", "hubspot"
    assert reasons(validate_nodes(graph, REFS)) == ["childrenUuidsInvalid"]
    enrich["childrenUuids"] = [*enrich["childrenUuids"], None]
    assert validate_nodes(graph, REFS) == []


def test_switch_takes_routes_or_routes_plus_one_children() -> None:
    graph = spec_example()
    switch = find(graph, "route")
    skip = find(graph, "skip")["uuid"]
    filt = find(graph, "only_big")["uuid"]
    switch["childrenUuids"] = [filt, skip]  # 2 routes, no default
    assert validate_nodes(graph, REFS) == []
    switch["childrenUuids"] = [filt, skip, skip]  # plus the default
    assert validate_nodes(graph, REFS) == []
    switch["childrenUuids"] = [filt, skip, skip, None]
    entry = only(validate_nodes(graph, REFS), "childrenUuidsInvalid")
    assert entry["node"]["slug"] == "route"
    switch["childrenUuids"] = [filt]
    only(validate_nodes(graph, REFS), "childrenUuidsInvalid")


# -- subNodesInvalid ----------------------------------------------------------------------------------------


def test_nested_sub_nodes_invalid() -> None:
    inner_end = end()
    inner_start = node("start", "start", [inner_end["uuid"]])
    inner_start["slug"] = "bad-slug"
    inner_group = node("inner", "group", [], config={"items": [1], "_nodes": [inner_start, inner_end]})
    sub_end = end()
    inner_group["childrenUuids"] = [sub_end["uuid"]]
    sub_start = node("start", "start", [inner_group["uuid"]])
    graph = spec_example()
    find(graph, "loop")["config"]["_nodes"] = [sub_start, inner_group, sub_end]
    outer = only(validate_nodes(graph, REFS), "subNodesInvalid")
    middle = only(outer["invalidNodes"], "subNodesInvalid")
    assert middle["node"] == {"uuid": inner_group["uuid"], "slug": "inner"}
    assert reasons(middle["invalidNodes"]) == ["slugInvalid", "slugInvalid", "startNodeNotFound"]
    doc = validation_document(graph, REFS)
    assert doc["invalidNodes"][0]["invalidNodes"][0]["invalidNodes"] == middle["invalidNodes"]


def test_empty_group_nodes() -> None:
    graph = spec_example()
    find(graph, "loop")["config"]["_nodes"] = []
    entry = only(validate_nodes(graph, REFS), "subNodesInvalid")
    assert reasons(entry["invalidNodes"]) == ["startNodeNotFound"]


# -- references ------------------------------------------------------------------------------------------


def test_connector_not_found() -> None:
    for value in (uid(), "__REPLACE_WITH_CONNECTOR_UUID__"):
        graph = spec_example()
        find(graph, "enrich_company")["connectorUuid"] = value
        entry = only(validate_nodes(graph, REFS), "connectorNotFound")
        assert entry["node"]["slug"] == "enrich_company"


def test_native_invalid() -> None:
    graph = chain(node("start", "start"), node("x", "teleport"), end())
    entry = only(validate_nodes(graph, REFS), "nativeInvalid")
    assert "teleport" in entry["message"]


def test_tool_invalid() -> None:
    for value in (uid(), "__REPLACE_WITH_TOOL_UUID__"):
        graph = spec_example()
        find(graph, "score")["toolUuid"] = value
        assert only(validate_nodes(graph, REFS), "toolInvalid")["node"]["slug"] == "score"


def test_agent_invalid() -> None:
    for value in (uid(), "__REPLACE_WITH_AGENT_UUID__"):
        graph = spec_example()
        find(graph, "summarise")["agentUuid"] = value
        assert only(validate_nodes(graph, REFS), "agentInvalid")["node"]["slug"] == "summarise"


def test_no_references_knows_nothing() -> None:
    got = reasons(validate_nodes(spec_example(), NoReferences()))
    assert sorted(got) == ["agentInvalid", "connectorNotFound", "nodeInvalid", "toolInvalid"]


# -- cycleDetected ---------------------------------------------------------------------------------------


def test_cycle_through_children() -> None:
    a, b = node("a", "variables"), node("b", "variables")
    graph = chain(node("start", "start"), a, b)
    b["childrenUuids"] = [a["uuid"]]
    graph.append(end())
    entry = only(validate_nodes(graph, REFS), "cycleDetected")
    assert entry["node"]["slug"] == "a"
    assert "a → b → a" in entry["message"]


def test_cycle_through_a_fallback_edge() -> None:
    graph = spec_example()
    find(graph, "score")["fallbackChildUuid"] = find(graph, "enrich_company")["uuid"]
    entry = only(validate_nodes(graph, REFS), "cycleDetected")
    assert "enrich_company" in entry["message"] and "score" in entry["message"]


def test_self_loop_and_one_report_per_graph() -> None:
    graph = simple_graph()
    graph[0]["fallbackChildUuid"] = graph[0]["uuid"]
    extra = node("x", "variables")
    extra["childrenUuids"] = [extra["uuid"]]
    graph.append(extra)
    entry = only(validate_nodes(graph, REFS), "cycleDetected")
    assert entry["node"]["slug"] == "start"


def test_long_chain_does_not_exhaust_the_stack() -> None:
    middle = [node(f"v{i}", "variables") for i in range(5000)]
    graph = chain(node("start", "start"), *middle, end())
    assert validate_nodes(graph, REFS) == []
    middle[-1]["childrenUuids"] = [middle[0]["uuid"]]
    assert reasons(validate_nodes(graph, REFS)) == ["cycleDetected"]


# -- order and robustness ------------------------------------------------------------------------------


def test_entries_follow_graph_order_then_graph_level() -> None:
    graph = chain(node("begin", "variables"), node("x", "teleport"), node("bad-slug", "variables"), end())
    got = validate_nodes(graph, REFS)
    assert reasons(got) == ["nativeInvalid", "slugInvalid", "startNodeNotFound"]
    assert validate_nodes(copy.deepcopy(graph), REFS) == got


def test_input_is_not_mutated() -> None:
    graph = spec_example()
    find(graph, "score")["toolUuid"] = uid()
    before = copy.deepcopy(graph)
    validate_nodes(graph, REFS)
    assert graph == before


def test_deeply_nested_groups_are_refused_not_crashing() -> None:
    inner: list[dict[str, Any]] = simple_graph()
    for _ in range(60):
        e = end()
        g = node("g", "group", [e["uuid"]], config={"items": [], "_nodes": inner})
        inner = [node("start", "start", [g["uuid"]]), g, e]
    entries = validate_nodes(inner, REFS)
    depth = 0
    while entries and entries[0]["reason"] == "subNodesInvalid":
        entries, depth = entries[0]["invalidNodes"], depth + 1
    assert reasons(entries) == ["nodeInvalid"] and "nested" in entries[0]["message"]
    assert depth == 32


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)
POOL_UUIDS = [uid() for _ in range(4)]
node_fields = {
    "uuid": st.sampled_from([*POOL_UUIDS, "bad"]) | json_values,
    "slug": st.sampled_from(["start", "end", "a", "bad-slug"]) | json_values,
    "kind": st.sampled_from(["native", "connector", "tool", "agent", "x"]) | json_values,
    "actionSlug": st.sampled_from(["start", "end", "switch", "group", "variables", "enrich_company", "nope"]),
    "childrenUuids": st.lists(st.sampled_from([*POOL_UUIDS, None]) | json_values, max_size=3) | json_values,
    "fallbackChildUuid": st.sampled_from(POOL_UUIDS) | json_values,
    "fallbackOnFailure": st.booleans() | json_values,
    "integrationSlug": st.sampled_from(["clearbit", "hubspot"]) | json_values,
    "connectorUuid": st.sampled_from([CONNECTOR, "__REPLACE_WITH_CONNECTOR_UUID__"]) | json_values,
    "toolUuid": st.sampled_from([TOOL]) | json_values,
    "agentUuid": st.sampled_from([AGENT]) | json_values,
    "templateSlug": json_values,
    "retry": st.fixed_dictionaries({}, optional={"maximumAttempts": json_values,
                                                 "initialInterval": json_values,
                                                 "backoffCoefficient": json_values}) | json_values,
    "position": json_values,
}


def node_like(sub_graphs: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    config = st.fixed_dictionaries({}, optional={
        "_nodes": sub_graphs, "items": json_values, "variables": json_values, "routes": json_values,
        "percentage": json_values, "minutes": json_values, "failOnItemFailure": json_values,
    }) | json_values
    return st.fixed_dictionaries({}, optional={**node_fields, "config": config})


graphs = st.recursive(st.lists(node_like(st.nothing()), max_size=4),
                      lambda sub: st.lists(node_like(sub), max_size=4), max_leaves=8)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, graphs))
def test_never_raises_on_any_json(nodes: Any) -> None:
    for refs in (REFS, NoReferences()):
        got = validate_nodes(nodes, refs)
        assert isinstance(got, list)
        assert all(isinstance(e["reason"], str) and isinstance(e["message"], str) for e in got)
        doc = validation_document(nodes, refs)
        assert doc["outcome"] == ("valid" if not got else "notValid")


def test_connector_uuid_optional_only_where_the_integration_needs_none() -> None:
    refs = FakeRefs()
    refs.actions[("http", "request")] = 1
    start_uuid, call_uuid, end_uuid = uid(), uid(), uid()
    def graph(integration: str, action: str) -> list[dict]:
        return [
            {"uuid": start_uuid, "slug": "start", "kind": "native", "actionSlug": "start", "config": {},
             "childrenUuids": [call_uuid], "fallbackOnFailure": False},
            {"uuid": call_uuid, "slug": "call", "kind": "connector", "integrationSlug": integration,
             "actionSlug": action, "connectorUuid": None, "config": {}, "childrenUuids": [end_uuid],
             "fallbackOnFailure": False},
            {"uuid": end_uuid, "slug": "end", "kind": "native", "actionSlug": "end", "config": {"variables": []},
             "childrenUuids": [], "fallbackOnFailure": False},
        ]
    assert validate_nodes(graph("http", "request"), refs) == []
    assert [e["reason"] for e in validate_nodes(graph("clearbit", "enrich_company"), refs)] == ["nodeInvalid"]
