"""`node diagram` rendering (spec: orchestration §3.10): Mermaid shapes/edges, ASCII layout, warnings."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lading.domain.errors import UsageError
from lading.engine.diagram import Diagram, raw_text, render_diagram
from lading.engine.diagram.ascii import width


def uid(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-000000000000"


def mid(n: int) -> str:
    """Mermaid id of node uid(n)."""
    return "n_" + uid(n).replace("-", "")


def node(n: int, slug: str, action: str | None = None, children: list[Any] = (), **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "uuid": uid(n), "slug": slug, "kind": kw.pop("kind", "native"), "config": kw.pop("config", {}),
        "childrenUuids": [uid(c) if isinstance(c, int) else c for c in children],
        "fallbackOnFailure": False, "position": {"x": 0, "y": 0},
    }
    if action:
        d["actionSlug"] = action
    d.update(kw)
    return d


def connector(n: int, slug: str, integration: str, action: str, children: list[Any], **kw: Any) -> dict:
    return node(n, slug, action, children, kind="connector", integrationSlug=integration,
                connectorUuid=uid(99), **kw)


BRANCH = [
    node(1, "start", "start", [2]),
    node(2, "vars", "variables", [3]),
    node(3, "is_big", "branch", [4, 5], config={"condition": "{{nodes.vars.n > 3}}"}),
    connector(4, "enrich", "clearbit", "enrichCompany", [6]),
    node(5, "score", "python", [6], config={"script": "result = 1"}),
    node(6, "end", "end"),
]

SWITCH = [
    node(1, "start", "start", [2]),
    node(2, "route", "switch", [3, 4, 5, 6],
         config={"routes": [{"name": "EU", "uuid": "r1"}, {"name": "US", "uuid": "r2"}, {"name": "APAC"}]}),
    node(3, "eu", "variables", [7]),
    node(4, "us", None, [7], kind="tool", toolUuid="e487d28e-1111-4222-8333-444455556666"),
    node(5, "apac", None, [7], kind="agent", agentUuid="1a2b3c4d-1111-4222-8333-444455556666"),
    node(6, "other", "end"),
    node(7, "end", "end"),
]

SPLIT = [
    node(1, "start", "start", [2]),
    node(2, "ab", "split", [3, 4], config={"percentage": 30}),
    node(3, "a", "delay", [5], config={"minutes": 5}),
    node(4, "b", "script", [5]),
    node(5, "end", "end"),
]

GROUP = [
    node(1, "start", "start", [2]),
    node(2, "loop", "group", [3], config={"items": "{{nodes.start.people}}", "_nodes": [
        node(11, "start", "start", [12]),
        connector(12, "find", "apollo", "findPerson", [13], fallbackChildUuid=uid(14)),
        connector(14, "find2", "hunter_io", "searchEmail", [13]),
        node(13, "end", "end"),
    ]}),
    node(3, "end", "end"),
]

TWO_ENDS = [
    node(1, "start", "start", [2]),
    node(2, "known", "branch", [3, 4]),
    node(3, "end", "end"),
    node(4, "skip", "end"),
]


# --- Mermaid ----------------------------------------------------------------------------------------


def test_mermaid_branch_graph_shapes_and_edges() -> None:
    d = render_diagram(BRANCH)
    assert isinstance(d, Diagram) and d.format == "mermaid" and d.warnings == []
    lines = d.text.splitlines()
    assert lines[0] == "flowchart TD"
    assert f'{mid(1)}(["Start"])' in d.text
    assert f'{mid(2)}("Variables<br/>vars")' in d.text
    assert f'{mid(3)}{{"Branch<br/>is_big"}}' in d.text
    assert f'{mid(4)}["Clearbit<br/>clearbit.enrichCompany"]' in d.text
    assert f'{mid(5)}[/"Python<br/>score"/]' in d.text
    assert f'{mid(6)}(["End"])' in d.text
    assert f'{mid(3)} -->|"yes"| {mid(4)}' in d.text
    assert f'{mid(3)} -->|"no"| {mid(5)}' in d.text
    assert f"{mid(1)} --> {mid(2)}" in d.text
    assert "is_big[" not in d.text and "vars(" not in d.text  # keyed by uuid, never slug


def test_mermaid_switch_tool_agent() -> None:
    d = render_diagram(SWITCH)
    assert f'{mid(4)}[["tool e487d28e"]]' in d.text
    assert f'{mid(5)}{{{{"agent 1a2b3c4d"}}}}' in d.text
    for i, label in ((3, "EU"), (4, "US"), (5, "APAC"), (6, "default")):
        assert f'{mid(2)} -->|"{label}"| {mid(i)}' in d.text
    assert f'{mid(6)}(["End<br/>other"])' in d.text


def test_mermaid_split_and_filter_labels() -> None:
    d = render_diagram(SPLIT)
    assert f'{mid(2)} -->|"A 30%"| {mid(3)}' in d.text
    assert f'{mid(2)} -->|"B 70%"| {mid(4)}' in d.text
    assert f'{mid(3)}("Delay<br/>a")' in d.text
    assert f'{mid(4)}[/"Script<br/>b"/]' in d.text
    graph = [node(1, "start", "start", [2]), node(2, "only", "filter", [3]), node(3, "end", "end")]
    assert f'{mid(2)} -->|"if true"| {mid(3)}' in render_diagram(graph).text


def test_mermaid_group_subgraph_and_dashed_fallback() -> None:
    d = render_diagram(GROUP)
    assert d.warnings == []
    assert f'{mid(2)}["Group<br/>loop"]' in d.text
    sg = "sg_" + uid(2).replace("-", "")
    assert f'subgraph {sg} ["loop · for each item"]' in d.text
    inside = d.text.split(f"subgraph {sg}")[1].split("\n    end")[0]
    assert f'{mid(11)}(["Start"])' in inside and f"{mid(12)} --> {mid(13)}" in inside
    assert f"{mid(12)} -. on failure .-> {mid(14)}" in inside
    assert f"{mid(2)} -. each item .-> {sg}" in d.text


def test_mermaid_fallback_to_next_step_is_a_mark_on_the_edge() -> None:
    on_flag = [node(1, "start", "start", [2]), connector(2, "x", "acme", "go", [3], fallbackOnFailure=True),
               node(3, "end", "end")]
    same_child = [node(1, "start", "start", [2]), connector(2, "x", "acme", "go", [3], fallbackChildUuid=uid(3)),
                  node(3, "end", "end")]
    for graph in (on_flag, same_child):
        d = render_diagram(graph)
        assert f'{mid(2)} -->|"↷"| {mid(3)}' in d.text
        assert "on failure" not in d.text
    branch = [node(1, "start", "start", [2]), node(2, "b", "branch", [3, 4], fallbackOnFailure=True),
              node(3, "end", "end"), node(4, "skip", "end")]
    assert f'{mid(2)} -->|"yes ↷"| {mid(3)}' in render_diagram(branch).text


def test_mermaid_paid_highlight_title_direction_and_escaping() -> None:
    graph = [node(1, "start", "start", [2]), connector(2, "enrich", "clearbit", "go", [3], name='Say "hi" <b>'),
             node(3, "end", "end")]
    d = render_diagram(graph, title="Lead flow", direction="LR", paid=["enrich"], highlight=[uid(3)],
                       connector_names={"clearbit": "Clearbit Inc"})
    assert d.text.startswith("---\ntitle: Lead flow\n---\nflowchart LR\n")
    assert f'{mid(2)}["💳 Say #quot;hi#quot; #lt;b#gt;<br/>clearbit.go"]' in d.text
    assert f"style {mid(3)} fill:#fdd,stroke:#d00" in d.text
    assert f"style {mid(2)} " not in d.text
    d2 = render_diagram([*graph[:1], connector(2, "e", "clearbit", "go", [3]), *graph[2:]],
                        connector_names={"clearbit": "Clearbit Inc"})
    assert '["Clearbit Inc<br/>clearbit.go"]' in d2.text
    assert render_diagram(BRANCH, paid=["nope"]).warnings == ["--paid 'nope' matches no node"]


def test_bad_format_or_direction_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        render_diagram(BRANCH, format="svg")
    with pytest.raises(UsageError):
        render_diagram(BRANCH, direction="XY")


# --- ASCII ------------------------------------------------------------------------------------------


def test_ascii_linear_steps_are_centred_lines_on_a_spine() -> None:
    graph = [node(1, "start", "start", [2]), node(2, "v", "variables", [3]),
             connector(3, "e", "google_sheets", "addRow", [4]), node(4, "end", "end")]
    d = render_diagram(graph, format="ascii", direction="LR")
    lines = d.text.splitlines()
    assert [s.strip() for s in lines] == [
        "Native", "Start", "│", "Native", "Variables", "v", "│", "Google Sheets", "addRow", "e", "│", "Native", "End",
    ]  # what the step does, then its slug (left out where it says the same as the action: start, end)
    spine = {line.index("│") for line in lines if "│" in line}
    assert len(spine) == 1
    assert d.warnings == []


def test_ascii_branch_that_rejoins() -> None:
    d = render_diagram(BRANCH, format="ascii")
    lines = d.text.splitlines()
    assert "◆ Branch" in d.text
    top = next(i for i, line in enumerate(lines) if "├" in line and "┐" in line)
    assert "yes" in lines[top + 1] and "no" in lines[top + 1]
    assert any("├" in line and "┘" in line for line in lines[top + 2:])
    assert "Clearbit" in d.text and "enrichCompany" in d.text and "Python" in d.text
    assert lines[-1].strip() == "End" and d.text.count("End") == 1
    # the spine is straight: ├ of the fork, ├ of the join and the end step line up
    assert lines[top].index("├") == next(line for line in lines if "├" in line and "┘" in line).index("├")


def test_ascii_branch_whose_arms_end_separately() -> None:
    d = render_diagram(TWO_ENDS, format="ascii")
    lines = d.text.splitlines()
    fork = next(line for line in lines if "┌" in line)
    assert "┴" in fork and "┐" in fork and "├" not in d.text
    assert d.text.count("End") == 2


def test_ascii_switch_three_routes_rejoin_default_ends() -> None:
    d = render_diagram(SWITCH, format="ascii")
    assert "◆ Switch" in d.text
    for label in ("│ EU", "│ US", "│ APAC", "│ default"):
        assert label in d.text
    assert "tool e487d28e" in d.text and "agent 1a2b3c4d" in d.text
    top = next(line for line in d.text.splitlines() if "├" in line and "┐" in line)
    assert top.count("┬") == 2
    bottom = next(line for line in d.text.splitlines() if "┘" in line)
    assert bottom.count("┴") == 1  # EU, US, APAC rejoin; default ends on its own


def test_ascii_group_is_boxed_with_fallback() -> None:
    d = render_diagram(GROUP, format="ascii")
    lines = d.text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    assert "┴" in lines[top] and "┬" in lines[bottom]
    inner = "\n".join(lines[top + 1:bottom])
    assert "for each item" in inner and "Apollo" in inner and "findPerson" in inner
    assert "┆ on failure" in inner and "Hunter Io" in inner
    assert all(line.lstrip().startswith("│") for line in lines[top + 1:bottom])
    assert lines[-1].strip() == "End"


def test_ascii_paid_highlight_and_fallback_mark() -> None:
    graph = [node(1, "start", "start", [2]), connector(2, "x", "acme", "go", [3], fallbackOnFailure=True),
             node(3, "end", "end")]
    d = render_diagram(graph, format="ascii", paid=["x"], highlight=[uid(2)])
    assert "💳 x  ◀━" in d.text  # the marks close the step: on its last line, the slug
    assert "│ ↷" in d.text


def test_ascii_back_reference_unconnected_and_missing() -> None:
    graph = [node(1, "start", "start", [2]), node(2, "a", "variables", [3]),
             node(3, "loop_back", "branch", [2, None]),
             node(4, "f", "filter", ["deadbeef-0000-4000-8000-000000000000"])]
    d = render_diagram(graph, format="ascii")
    assert "↑ a" in d.text and "∅ unconnected" in d.text
    assert "not reachable from start" in d.text and "? missing deadbeef" in d.text


def test_ascii_title_and_width_warning() -> None:
    d = render_diagram(BRANCH, format="ascii", title="My flow")
    assert d.text.splitlines()[:2] == ["My flow", ""]
    wide = [node(1, "start", "start", [2]),
            connector(2, "w", "acme", "x" * 130, [3]), node(3, "end", "end")]
    d = render_diagram(wide, format="ascii")
    assert "x" * 130 in d.text  # never truncated
    assert any("130 columns wide" in w and "120" in w for w in d.warnings)
    assert not render_diagram(BRANCH, format="ascii").warnings


def test_display_width_counts_wide_characters() -> None:
    assert width("💳 a") == 4 and width("e\u0301") == 1 and width("│─") == 2


# --- warnings, raw text, robustness --------------------------------------------------------------


def test_warnings_unreachable_null_dangling_and_referenced_duplicate_slugs() -> None:
    graph = [
        node(1, "start", "start", [2]),
        node(2, "chk", "branch", [3, None]),
        node(3, "f", "filter", ["deadbeef-0000-4000-8000-000000000000"]),
        node(4, "orphan", "variables", [5], config={"v": {"kind": "templateExpression",
                                                             "expression": "{{nodes.dup.answer}}"}}),
        node(5, "dup", "end"),
        node(6, "dup", "end"),
        node(7, "twin", "end"),
        node(8, "twin", "end"),
    ]
    for fmt in ("mermaid", "ascii"):
        w = render_diagram(graph, format=fmt).warnings
        assert any("'chk'" in x and "null" in x and "slot 1" in x for x in w)
        assert any("'f'" in x and "deadbeef-0000-4000-8000-000000000000" in x for x in w)
        unreachable = [x for x in w if "not reachable from start" in x]
        assert [x.split("'")[1] for x in unreachable] == ["orphan", "dup", "dup", "twin", "twin"]
        dup = [x for x in w if "used by" in x]
        assert dup == [dup[0]] and "slug 'dup' is used by 2 nodes and referenced in expressions" in dup[0]
    assert render_diagram(graph).warnings == render_diagram(graph).warnings  # deterministic


def test_group_warnings_are_prefixed_and_parent_refs_count() -> None:
    graph = [
        node(1, "start", "start", [2]),
        node(2, "same", "variables", [3]),
        node(3, "same", "group", [4], config={"_nodes": [
            node(11, "start", "start", [12]),
            node(12, "v", "variables", [None], config={"x": "{{parentNodes.same.a}}"}),
        ]}),
        node(4, "end", "end"),
    ]
    w = render_diagram(graph).warnings
    assert any(x.startswith("in group 'same': ") and "'v'" in x and "null" in x for x in w)
    assert any("slug 'same' is used by 2 nodes" in x for x in w)


def test_raw_text() -> None:
    m = render_diagram(BRANCH)
    assert raw_text(m) == f"```mermaid\n{m.text}\n```"
    a = render_diagram(BRANCH, format="ascii")
    assert raw_text(a) == a.text and "```" not in raw_text(a)


_uuid = st.sampled_from([uid(i) for i in range(6)])
_child = st.one_of(_uuid, st.none(), st.just("dangling"), st.integers(0, 3))
_node = st.fixed_dictionaries(
    {
        "uuid": st.one_of(_uuid, _uuid, st.none()),
        "slug": st.sampled_from(["start", "end", "a", "b"]),
        "kind": st.sampled_from(["native", "connector", "tool", "agent", "bogus"]),
        "actionSlug": st.sampled_from(["start", "end", "branch", "filter", "switch", "split", "group", "python",
                                       "variables", "zzz"]),
        "childrenUuids": st.one_of(st.lists(_child, max_size=4), st.none()),
        "config": st.one_of(st.just({}), st.just({"routes": [{"name": "r"}, 1]}),
                            st.just({"percentage": "x"}), st.just({"_nodes": [{"uuid": uid(0), "slug": "start",
                                                                               "actionSlug": "start",
                                                                               "childrenUuids": [uid(0)]}]})),
        "fallbackOnFailure": st.booleans(),
        "fallbackChildUuid": st.one_of(st.none(), _uuid, st.just("nope")),
        "name": st.one_of(st.none(), st.text(max_size=5)),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_node, max_size=7), st.sampled_from(["ascii", "mermaid"]))
def test_never_raises_on_garbage_graphs(nodes: list[dict[str, Any]], fmt: str) -> None:
    d = render_diagram(nodes, format=fmt, paid=["a"], highlight=["b", uid(1)])
    assert isinstance(d.text, str) and all(isinstance(w, str) for w in d.warnings)
    assert d == render_diagram(nodes, format=fmt, paid=["a"], highlight=["b", uid(1)])


def test_paid_and_highlight_accept_a_comma_separated_string() -> None:
    d = render_diagram(BRANCH, paid="enrich, score", highlight="vars")
    assert '"💳 Clearbit<br/>' in d.text and '"💳 Python<br/>score"' in d.text
    assert f"style {mid(2)} fill:#fdd" in d.text and d.warnings == []
