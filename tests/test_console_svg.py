"""The console's inline SVG: workflow diagrams (from the `node diagram` model) and time-series charts.

Each drawing is parsed as XML, as a browser or a screen reader would read it: every node of a graph
is a box with its title, every edge is there with its branch label, user text stays text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from lading.api.console.svg import chartable, diagram_svg, timeseries_svg

NS = {"s": "http://www.w3.org/2000/svg"}
GRAPH = json.loads((Path(__file__).resolve().parent.parent / "bench" / "five_node_graph.json").read_text())


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.find("s:title", NS) is not None and (root.find("s:title", NS).text or "").strip()
    return root


def nodes_of(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-key", ""): g for g in root.iter("{http://www.w3.org/2000/svg}g")
            if "node" in (g.get("class") or "").split()}


def edges_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "edge" in (g.get("class") or "").split()]


def title_text(node: ET.Element) -> str:
    text = node.find("s:text[@class='node-title']", NS)
    assert text is not None
    return text.text or ""


def node(uuid: str, slug: str, action: str, children: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"uuid": uuid, "slug": slug, "kind": "native", "actionSlug": action, "config": {},
            "childrenUuids": children or [], **extra}


def test_every_node_is_a_box_with_its_title_and_every_edge_is_drawn() -> None:
    root = parse(diagram_svg(GRAPH, title="Five nodes"))
    assert root.find("s:title", NS).text == "Five nodes"  # type: ignore[union-attr]
    boxes = nodes_of(root)
    assert set(boxes) == {n["uuid"] for n in GRAPH}
    for n in GRAPH:
        box = boxes[n["uuid"]]
        assert box.find("s:rect", NS) is not None
        assert box.get("data-slug") == n["slug"] and box.get("data-kind") == "native"
    titles = {k: title_text(b) for k, b in boxes.items()}
    assert titles["11111111-1111-4111-8111-111111111111"] == "Start"
    assert titles["33333333-3333-4333-8333-333333333333"] == "◆ Branch"  # a routing step is marked
    kinds = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "node-kind"]
    assert "native · branch" in kinds and "native · variables" in kinds
    wanted = {(n["uuid"], c) for n in GRAPH for c in n["childrenUuids"]}
    drawn = {(e.get("data-from"), e.get("data-to")) for e in edges_of(root)}
    assert drawn == wanted
    for edge in edges_of(root):
        assert edge.find("s:path", NS) is not None and edge.find("s:polygon", NS) is not None  # line + arrow


def test_branch_labels_and_layers_go_top_down() -> None:
    root = parse(diagram_svg(GRAPH))
    labels = {(e.get("data-from"), e.get("data-to")): e.get("data-label") for e in edges_of(root)}
    branch = "33333333-3333-4333-8333-333333333333"
    assert labels[(branch, "44444444-4444-4444-8444-444444444444")] == "yes"
    assert labels[(branch, "55555555-5555-4555-8555-555555555555")] == "no"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "edge-label"]
    assert sorted(texts) == ["no", "yes"]  # type: ignore[type-var]
    ys = {k: float(b.find("s:rect", NS).get("y")) for k, b in nodes_of(root).items()}  # type: ignore[union-attr,arg-type]
    order = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", branch,
             "44444444-4444-4444-8444-444444444444", "66666666-6666-4666-8666-666666666666"]
    assert [ys[k] for k in order] == sorted(ys[k] for k in order)
    assert ys["44444444-4444-4444-8444-444444444444"] == ys["55555555-5555-4555-8555-555555555555"]


def test_switch_split_and_fallback_edges_carry_the_model_labels() -> None:
    graph = [
        node("a", "start", "start", ["b"]),
        node("b", "route", "switch", ["c", "d", "e"], config={"routes": [{"name": "EU"}, {}]}),
        node("c", "one", "split", ["d", "e"], config={"percentage": 30}, fallbackChildUuid="e"),
        node("d", "two", "variables"),
        node("e", "end", "end"),
    ]
    root = parse(diagram_svg(graph))
    labels = {(e.get("data-from"), e.get("data-to"), e.get("data-label")) for e in edges_of(root)}
    assert {("b", "c", "EU"), ("b", "d", "route 2"), ("b", "e", "default"), ("c", "d", "A 30%"),
            ("c", "e", "B 70%"), ("c", "e", "on failure")} <= labels
    fallback = [e for e in edges_of(root) if "edge-fallback" in (e.get("class") or "")]
    assert len(fallback) == 1 and fallback[0].find("s:path", NS).get("stroke-dasharray")  # type: ignore[union-attr]


def test_user_text_stays_text() -> None:
    graph = [node("a", "start", "start", ["b"]),
             node("b", "x", "variables", name="<script>alert('x')</script> & \"q\"\x01")]
    svg = diagram_svg(graph, title="<b>mine</b>")
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find("s:title", NS).text == "<b>mine</b>"  # type: ignore[union-attr]
    title = title_text(nodes_of(root)["b"])
    assert title.startswith("<script>alert(") and "script" in title
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


def test_long_titles_are_cut_but_kept_whole_in_the_tooltip() -> None:
    name = "Enrich the company with every firmographic field we can find " * 3
    root = parse(diagram_svg([node("a", "start", "start", ["b"]), node("b", "x", "variables", name=name)]))
    box = nodes_of(root)["b"]
    assert title_text(box).endswith("…") and len(title_text(box)) < 40
    assert " ".join(name.split()) in (box.find("s:title", NS).text or "")  # type: ignore[union-attr]


def test_broken_graphs_draw_stubs_unreachable_nodes_and_loops() -> None:
    graph = [
        node("a", "start", "start", ["b"]),
        node("b", "loop", "branch", ["a", None]),  # back to start, and an empty slot
        node("c", "lost", "variables", ["zzz"]),  # unreachable, child names no node
    ]
    root = parse(diagram_svg(graph))
    boxes = nodes_of(root)
    assert {"a", "b", "c"} <= set(boxes)
    stubs = [b for k, b in boxes.items() if "node-stub" in (b.get("class") or "")]
    assert sorted(s.find("s:text", NS).text for s in stubs) == ["missing zzz", "∅"]  # type: ignore[union-attr,type-var]
    back = [e for e in edges_of(root) if "edge-back" in (e.get("class") or "")]
    assert [(e.get("data-from"), e.get("data-to"), e.get("data-label")) for e in back] == [("b", "a", "yes")]
    assert boxes["c"].find("s:rect", NS).get("stroke-dasharray")  # type: ignore[union-attr]
    assert any(t.text == "not reachable from start" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    desc = root.find("s:desc", NS).text or ""  # type: ignore[union-attr]
    assert "not reachable from start" in desc and "unconnected" in desc


def test_groups_hold_their_own_graph_and_other_kinds_show_what_they_call() -> None:
    inner = [node("i1", "start", "start", ["i2"]),
             {"uuid": "i2", "slug": "ask", "kind": "agent", "agentUuid": "12345678-1234-4234-8234-123456789012"}]
    graph = [
        node("a", "start", "start", ["g"]),
        {**node("g", "each", "group", ["h"]), "config": {"_nodes": inner}},
        {"uuid": "h", "slug": "push", "kind": "connector", "integrationSlug": "hubspot", "actionSlug": "create",
         "childrenUuids": ["t"]},
        {"uuid": "t", "slug": "score", "kind": "tool", "toolUuid": "e487d28e-0000-4000-8000-000000000000"},
    ]
    root = parse(diagram_svg(graph, agent_names={"12345678-1234-4234-8234-123456789012": "Researcher"}))
    boxes = nodes_of(root)
    assert {"a", "g", "h", "t", "i1", "i2"} <= set(boxes)
    assert title_text(boxes["i2"]) == "agent Researcher"
    assert title_text(boxes["t"]) == "tool e487d28e"
    kinds = {t.text for t in boxes["h"].iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "node-kind"}
    assert kinds == {"hubspot.create"}
    group = boxes["g"].find("s:rect", NS)
    agent = boxes["i2"].find("s:rect", NS)
    assert group is not None and agent is not None
    gx, gy, gw, gh = (float(group.get(a) or 0) for a in ("x", "y", "width", "height"))
    ax, ay = float(agent.get("x") or 0), float(agent.get("y") or 0)
    assert gx < ax < gx + gw and gy < ay < gy + gh  # drawn inside its group
    assert ("i1", "i2") in {(e.get("data-from"), e.get("data-to")) for e in edges_of(root)}


def test_highlight_and_empty_graphs() -> None:
    root = parse(diagram_svg(GRAPH, highlight=["big"]))
    assert nodes_of(root)["33333333-3333-4333-8333-333333333333"].get("data-highlight") == "true"
    empty = parse(diagram_svg([]))
    assert not nodes_of(empty)
    assert any(t.text == "The graph has no nodes" for t in empty.iter("{http://www.w3.org/2000/svg}text"))
    parse(diagram_svg([1, "x", {"slug": "start"}]))  # type: ignore[list-item]  # never raises on junk


# --- time series ------------------------------------------------------------------------------------

def polylines(root: ET.Element) -> dict[str, list[tuple[float, float]]]:
    out = {}
    for line in root.iter("{http://www.w3.org/2000/svg}polyline"):
        points = (line.get("points") or "").split()
        out[line.get("data-series") or ""] = [tuple(map(float, p.split(","))) for p in points]
    return out  # type: ignore[return-value]


def test_one_polyline_per_series_with_a_point_per_row() -> None:
    rows = [{"day": f"2026-12-{d:02d}", "runs": d * 10, "failed": d % 3} for d in range(1, 11)]
    root = parse(timeseries_svg(rows, "day", ["runs", "failed"], title="Runs per day"))
    lines = polylines(root)
    assert set(lines) == {"runs", "failed"}
    assert len(lines["runs"]) == 10 and len(lines["failed"]) == 10
    xs = [x for x, _ in lines["runs"]]
    assert xs == sorted(xs) and len(set(xs)) == 10
    ys = [y for _, y in lines["runs"]]
    assert ys == sorted(ys, reverse=True)  # growing values go up the screen
    legend = [g.get("data-series") for g in root.iter("{http://www.w3.org/2000/svg}g")
              if g.get("class") == "legend-item"]
    assert legend == ["runs", "failed"]
    ticks = [t.text for t in root.find("s:g[@class='axis axis-x']", NS).iter("{http://www.w3.org/2000/svg}text")]  # type: ignore[union-attr]
    assert ticks and all(t and t.startswith("2026-12-") for t in ticks)
    assert root.find("s:g[@class='axis axis-y']", NS) is not None


def test_rows_are_sorted_by_time_and_nulls_leave_points_out() -> None:
    rows = [{"t": "2026-12-04 10:00:00", "n": 3}, {"t": "2026-12-04 09:00:00", "n": None},
            {"t": "2026-12-04T08:00:00Z", "n": 1}, {"t": None, "n": 7}, {"t": "2026-12-04 11:30:00", "n": 2.5}]
    lines = polylines(parse(timeseries_svg(rows, "t", ["n"], title="t")))
    assert len(lines["n"]) == 3
    assert [x for x, _ in lines["n"]] == sorted(x for x, _ in lines["n"])


def test_empty_and_one_row_results_still_draw() -> None:
    empty = parse(timeseries_svg([], "day", ["n"], title="Nothing"))
    assert polylines(empty) == {"n": []}
    assert any(t.text == "No data to chart" for t in empty.iter("{http://www.w3.org/2000/svg}text"))
    one = parse(timeseries_svg([{"day": "2026-12-04", "n": 5}], "day", ["n"], title="One"))
    assert len(polylines(one)["n"]) == 1
    assert len(list(one.iter("{http://www.w3.org/2000/svg}circle"))) == 1  # a lone point is visible
    nulls = parse(timeseries_svg([{"day": "2026-12-04", "n": None}], "day", ["n"], title="Nulls"))
    assert polylines(nulls) == {"n": []}


def test_chart_text_is_escaped() -> None:
    svg = timeseries_svg([{"d": "2026-12-04", "<x>": 1}], "d", ["<x>"], title="<script>t</script>")
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find("s:title", NS).text == "<script>t</script>"  # type: ignore[union-attr]
    assert set(polylines(root)) == {"<x>"}


@pytest.mark.parametrize(("columns", "rows", "expected"), [
    (["day", "runs"], [{"day": "2026-12-01", "runs": 3}, {"day": "2026-12-02", "runs": 4}], ("day", ["runs"])),
    (["hour", "ok", "failed", "label"],
     [{"hour": "2026-12-01 10:00:00", "ok": 3, "failed": None, "label": "a"},
      {"hour": "2026-12-01 11:00:00", "ok": 1.5, "failed": 2, "label": "b"}], ("hour", ["ok", "failed"])),
    ([{"name": "d", "type": "Date"}, {"name": "n", "type": "UInt64"}], [{"d": "2026-12-01", "n": 1}], ("d", ["n"])),
    (["day", "name"], [{"day": "2026-12-01", "name": "x"}], None),  # no numeric column
    (["n", "m"], [{"n": 1, "m": 2}], None),  # no time column
    (["day", "runs"], [], None),  # no rows
    (["day", "wf", "runs"], [{"day": "2026-12-01", "wf": "a", "runs": 1},
                             {"day": "2026-12-01", "wf": "b", "runs": 2}], None),  # x repeats: grouped, not a series
    (["day", "ok"], [{"day": "2026-12-01", "ok": True}], None),  # booleans are not numbers
    (["day", "runs"], [{"day": "not a date", "runs": 1}], None),
    (["day", "runs"], [{"day": None, "runs": 1}], None),
    (["year", "runs"], [{"year": 2024, "runs": 1}, {"year": 2025, "runs": 2}], None),  # a year number is a number
])
def test_chartable(columns: list[Any], rows: list[dict[str, Any]], expected: Any) -> None:
    assert chartable(columns, rows) == expected
