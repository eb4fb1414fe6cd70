"""Inline SVG drawings for the console: a workflow graph and a time-series line chart.

Why SVG strings built here (no charting or graph library, no JavaScript): the console must work
offline with every asset served by `lading serve`, pages must stay fast, and a drawing embedded in
the HTML is readable by screen readers (`role="img"` + `<title>`) and by tests (it is XML). Every
function is pure: data in, one standalone `<svg>` element out, no I/O.

- `diagram_svg` draws from the SAME model as `lading orchestration node diagram`
  (`engine.diagram._model.build_model` + `Labels`): the same node keys, titles, edge labels (yes/no,
  switch routes, split percentages, `↷`, the dashed `on failure` fallback), the same stubs for an
  unconnected slot (`∅`) or a child naming no node (`missing …`). The diagram package draws Mermaid
  text (laid out by a browser library we do not ship) and box-drawing text, neither of which has
  coordinates, so the layout is ours: layered top-down (longest path from start; back edges found by
  a depth-first walk are drawn as curves on the right), nodes of a layer ordered by their parents'
  positions, a group drawn as a box holding its own `_nodes` laid out by the same rules. Graphs in
  Lading are small (tens of nodes), so this simple layout beats a dependency (grandalf) that would
  still need the nesting and label handling written around it.
- `timeseries_svg` draws one polyline per numeric column over a date/time x axis, with "nice" ticks
  and a legend; `chartable` decides whether a SQL result is such a series.

Text is measured by an estimate (no font metrics without a browser): long text is cut with `…` and
the whole text kept in the node's `<title>` (a tooltip). All user text is XML-escaped, and characters
XML cannot carry are dropped, so a title such as `<script>` stays text and the SVG always parses.
Colours are presentation attributes, which any CSS rule of the page overrides (dark mode, print); the
`<svg>` has `width`/`height` and a `viewBox`, so `max-width: 100%; height: auto` scales it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lading.engine.diagram._model import Labels, Level, NodeView, build_model, short_id

__all__ = ["chartable", "diagram_svg", "timeseries_svg"]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TEXT = "#1a1a1a"
MUTED = "#5f6368"
EDGE = "#6b7280"

# --- text -------------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def esc(text: Any) -> str:
    """Text safe in an XML element or a double-quoted attribute."""
    clean = _NOT_XML.sub("", str(text))
    return (clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _fit(text: str, chars: int) -> str:
    """At most `chars` characters, cut with `…`."""
    text = _flat(text)
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def _num(value: float) -> str:
    """Coordinates: short and stable (no `1e-05`, no trailing zeros)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- diagram ----------------------------------------------------------------------------------------

TITLE_PX = 7.4  # estimated advance of a 13 px character
SMALL_PX = 6.4  # of an 11 px character
BOX_MIN, BOX_MAX = 150, 248
PAD = 12
LAYER_GAP = 58  # vertical room between layers (edge labels sit there)
NODE_GAP = 28
DUMMY_W = 10.0
MARGIN = 16

# family → (fill, stroke)
COLOURS = {
    "terminal": ("#e8f5e9", "#2e7d32"),
    "decision": ("#fff8e1", "#b7791f"),
    "connector": ("#e3f2fd", "#1565c0"),
    "tool": ("#ede7f6", "#5e35b1"),
    "agent": ("#fce4ec", "#ad1457"),
    "code": ("#eceff1", "#455a64"),
    "group": ("#fafafa", "#757575"),
    "native": ("#f5f5f5", "#616161"),
    "stub": ("#ffffff", "#9e9e9e"),
}


@dataclass
class _Box:
    """One drawn item of a level: a node, or a stub for an empty/dangling child slot."""

    key: str
    lines: list[str]  # [title, kind line, (slug)]
    family: str
    node: NodeView | None = None
    inner: _Layout | None = None
    order: int = 0
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    unreachable: bool = False


@dataclass
class _Link:
    src: str
    dst: str
    label: str
    dashed: bool
    index: int  # children index (-1 for the fallback edge)
    back: bool = False
    via: list[str] = field(default_factory=list)  # the dummy slots of a long edge, top to bottom


@dataclass
class _Layout:
    boxes: dict[str, _Box]
    links: list[_Link]
    width: float
    height: float
    unreachable_from: float | None = None  # y where the "not reachable from start" section begins
    content_width: float = 0.0  # without the room kept on the right for back edges
    note: list[str] = field(default_factory=list)


def _kind_line(node: NodeView, labels: Labels) -> str:
    """What the node is, under its title: `native · branch`, `hubspot.create_contact`, `tool e487d28e`."""
    if node.kind == "connector":
        integration = node.raw.get("integrationSlug")
        integration = integration if isinstance(integration, str) and integration else "?"
        return f"{integration}.{node.action or '?'}"
    if node.kind in ("tool", "agent"):
        return labels.target(node) if node.name else node.kind
    if node.action == "group":
        return "group · for each item"
    return f"{node.kind or 'native'} · {node.action or '?'}"


def _node_box(node: NodeView, labels: Labels) -> _Box:
    title = labels.title(node)
    if node.kind in ("tool", "agent") and not node.name:
        title = labels.target(node)
    lines = [title, _kind_line(node, labels)]
    slug = labels.slug_line(node)
    if slug:
        lines.append(slug)
    return _Box(node.key, lines, node.family, node=node)


def _head(box: _Box) -> float:
    """Height of a box's own lines (a group's inner graph starts under them)."""
    return 20.0 + 16.0 * len(box.lines)


def _size(box: _Box) -> None:
    if box.family == "stub":
        box.w, box.h = max(56.0, len(box.lines[0]) * SMALL_PX + 2 * PAD), 28.0
        return
    wanted = max([len(_flat(box.lines[0])) * TITLE_PX] + [len(_flat(t)) * SMALL_PX for t in box.lines[1:]])
    box.w = min(max(wanted + 2 * PAD, BOX_MIN), BOX_MAX)
    box.h = _head(box)
    if box.inner is not None:
        box.w = max(box.w, box.inner.width + 2 * PAD)
        box.h = _head(box) + box.inner.height + PAD


def _layout(level: Level, labels: Labels) -> _Layout:
    boxes: dict[str, _Box] = {}
    links: list[_Link] = []
    for i, node in enumerate(level.nodes):
        box = _node_box(node, labels)
        box.order = i
        if node.sub is not None:
            box.inner = _layout(node.sub, labels)
        boxes[node.key] = box
    for node in level.nodes:
        for edge in node.edges:
            if edge.status == "ok" and edge.target is not None:
                links.append(_Link(node.key, edge.target, edge.label, edge.dashed, edge.index))
                continue
            stub_key = f"{node.key}/slot{edge.index}"
            text = "∅" if edge.status == "null" else f"missing {short_id(edge.raw_target)}"
            boxes[stub_key] = _Box(stub_key, [text], "stub", order=len(boxes))
            links.append(_Link(node.key, stub_key, edge.label, edge.dashed, edge.index))
    for box in boxes.values():
        _size(box)
    reachable = set(level.reachable)
    for link in links:  # a stub hangs off its node: reachable when the node is
        if link.src in reachable and boxes[link.dst].family == "stub":
            reachable.add(link.dst)
    for key, box in boxes.items():
        box.unreachable = level.start is not None and key not in reachable
    _mark_back_edges(boxes, links, level.start)
    _assign_layers(boxes, links, reachable if level.start is not None else set(boxes))
    return _place(boxes, links)


def _mark_back_edges(boxes: dict[str, _Box], links: list[_Link], start: str | None) -> None:
    """Edges that close a cycle (found by a depth-first walk from start, then from every other node)."""
    out: dict[str, list[_Link]] = {k: [] for k in boxes}
    for link in links:
        out[link.src].append(link)
    state: dict[str, int] = {}  # 1 on the walk's path, 2 done
    roots = ([start] if start is not None else []) + sorted(boxes, key=lambda k: boxes[k].order)
    for root in roots:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            key, i = stack[-1]
            if i < len(out[key]):
                stack[-1] = (key, i + 1)
                link = out[key][i]
                seen = state.get(link.dst)
                if seen == 1:
                    link.back = True
                elif seen is None:
                    state[link.dst] = 1
                    stack.append((link.dst, 0))
            else:
                state[key] = 2
                stack.pop()


def _assign_layers(boxes: dict[str, _Box], links: list[_Link], reachable: set[str]) -> None:
    """Longest-path layers over forward edges: reachable nodes from layer 0, the others below them."""

    def longest(keys: set[str], first: int) -> int:
        preds: dict[str, list[str]] = {k: [] for k in keys}
        succs: dict[str, list[str]] = {k: [] for k in keys}
        for link in links:
            if not link.back and link.src in keys and link.dst in keys:
                preds[link.dst].append(link.src)
                succs[link.src].append(link.dst)
        pending = {k: len(preds[k]) for k in keys}
        ready = sorted((k for k in keys if not pending[k]), key=lambda k: boxes[k].order)
        layer = dict.fromkeys(keys, first)
        while ready:
            key = ready.pop(0)
            for nxt in succs[key]:
                layer[nxt] = max(layer[nxt], layer[key] + 1)
                pending[nxt] -= 1
                if not pending[nxt]:
                    ready.append(nxt)
        for key in keys:
            boxes[key].layer = layer[key]
        return max(layer.values(), default=first - 1)

    last = longest(set(reachable) & set(boxes), 0)
    rest = set(boxes) - reachable
    if rest:
        longest(rest, last + 1)


def _place(boxes: dict[str, _Box], links: list[_Link]) -> _Layout:
    """Coordinates: layers top-down, each centred; a forward edge spanning several layers gets one
    thin invisible slot per layer it crosses (Sugiyama's dummy nodes), so it runs between boxes
    instead of through them."""
    items: dict[str, _Box] = dict(boxes)
    chains: list[tuple[_Link, list[str]]] = []
    for n, link in enumerate(links):
        src, dst = boxes[link.src], boxes[link.dst]
        if link.back or dst.layer - src.layer < 2:
            continue
        chain = []
        for layer in range(src.layer + 1, dst.layer):
            key = f"~{n}.{layer}"
            items[key] = _Box(key, [], "dummy", order=src.order, layer=layer, w=DUMMY_W)
            chain.append(key)
        chains.append((link, chain))
    hops: list[tuple[str, str, int]] = []  # forward steps between consecutive layers
    for link in links:
        if not link.back:
            hops.append((link.src, link.dst, link.index))
    for link, chain in chains:
        hops = [h for h in hops if not (h[0] == link.src and h[1] == link.dst and h[2] == link.index)]
        path = [link.src, *chain, link.dst]
        hops += [(a, b, link.index) for a, b in itertools.pairwise(path)]
        link.via = chain
    layers: dict[int, list[_Box]] = {}
    for box in items.values():
        layers.setdefault(box.layer, []).append(box)
    parents: dict[str, list[tuple[str, int]]] = {}
    for a, b, index in hops:
        parents.setdefault(b, []).append((a, index))
    position: dict[str, float] = {}
    for number in sorted(layers):
        row = layers[number]

        def rank(box: _Box) -> tuple[float, float, int]:
            known = [(position[p], i) for p, i in parents.get(box.key, []) if p in position]
            if not known:
                return (math.inf if box.unreachable else -1.0, 0.0, box.order)
            centre = sum(p for p, _ in known) / len(known)
            return (centre, min(i if i >= 0 else 99 for _, i in known), box.order)

        row.sort(key=rank)
        for i, box in enumerate(row):
            # Spread by centre, not index: a parent's children sit under it even when layers differ in size.
            position[box.key] = i
    widths = {n: sum(b.w for b in row) + NODE_GAP * (len(row) - 1) for n, row in layers.items()}
    width = max(widths.values(), default=0.0)
    y = 0.0
    unreachable_from: float | None = None
    for number in sorted(layers):
        row = layers[number]
        real = [b for b in row if b.family != "dummy"]
        if unreachable_from is None and real and all(b.unreachable for b in real):
            unreachable_from = y
            y += 22.0  # room for the section's caption
        x = (width - widths[number]) / 2
        height = max((b.h for b in real), default=0.0)
        for box in row:
            box.x, box.y = x, y
            if box.family == "dummy":
                box.h = height
            x += box.w + NODE_GAP
        y += height + LAYER_GAP
    height = max(y - LAYER_GAP, 0.0)
    # Back edges run on the right of every box: leave room for them.
    extra = 48.0 if any(link.back for link in links) else 0.0
    return _Layout(items, links, width + extra, height, unreachable_from, width)


class _Canvas:
    """Collects SVG elements; coordinates are absolute."""

    def __init__(self, highlight_colour: str = "#d32f2f") -> None:
        self.parts: list[str] = []
        self.highlight_colour = highlight_colour
        self.edges = 0

    def level(self, layout: _Layout, ox: float, oy: float, width: float) -> None:
        if layout.unreachable_from is not None:
            y = oy + layout.unreachable_from
            self.parts.append(
                f'<g class="unreachable-caption"><line x1="{_num(ox)}" y1="{_num(y + 4)}" x2="{_num(ox + width)}" '
                f'y2="{_num(y + 4)}" stroke="{EDGE}" stroke-dasharray="4 4"/>'
                f'<text x="{_num(ox)}" y="{_num(y + 16)}" font-size="11" fill="{MUTED}">'
                "not reachable from start</text></g>")
        for link in layout.links:
            self.link(layout, link, ox, oy)
        for box in layout.boxes.values():
            if box.family != "dummy":
                self.box(box, ox, oy)

    def box(self, box: _Box, ox: float, oy: float) -> None:
        x, y = ox + box.x, oy + box.y
        fill, stroke = COLOURS.get(box.family, COLOURS["native"])
        node = box.node
        attrs = [f'class="node node-{box.family}"', f'data-key="{esc(box.key)}"']
        if node is not None:
            attrs.append(f'data-uuid="{esc(node.uuid)}" data-slug="{esc(node.slug)}" data-kind="{esc(node.kind)}"')
            if node.highlight:
                attrs.append('data-highlight="true"')
        width = 2.5 if node is not None and node.highlight else 1.2
        if node is not None and node.highlight:
            stroke = self.highlight_colour
        radius = box.h / 2 if box.family == "terminal" else (14 if box.family == "stub" else 6)
        dash = ' stroke-dasharray="4 3"' if box.family == "stub" or box.unreachable else ""
        tooltip = " — ".join(_flat(t) for t in box.lines if t)
        self.parts.append(f"<g {' '.join(attrs)}><title>{esc(tooltip)}</title>")
        self.parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(box.w)}" height="{_num(box.h)}" rx="{_num(radius)}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>')
        cx = x + box.w / 2
        if box.family == "stub":
            text = _fit(box.lines[0], int((box.w - 2 * PAD) / SMALL_PX) + 1)
            self.parts.append(f'<text x="{_num(cx)}" y="{_num(y + 18)}" text-anchor="middle" font-size="11" '
                              f'fill="{MUTED}">{esc(text)}</text></g>')
            return
        room = box.w - 2 * PAD
        title = box.lines[0]
        if box.family == "decision":
            title = f"◆ {title}"
        if node is not None and node.paid:
            title = f"💳 {title}"
        self.parts.append(f'<text class="node-title" x="{_num(cx)}" y="{_num(y + 22)}" text-anchor="middle" '
                          f'font-size="13" font-weight="600" fill="{TEXT}">{esc(_fit(title, int(room / TITLE_PX)))}'
                          "</text>")
        for i, line in enumerate(box.lines[1:]):
            css = "node-kind" if i == 0 else "node-slug"
            self.parts.append(f'<text class="{css}" x="{_num(cx)}" y="{_num(y + 38 + 15 * i)}" text-anchor="middle" '
                              f'font-size="11" fill="{MUTED}">{esc(_fit(line, int(room / SMALL_PX)))}</text>')
        self.parts.append("</g>")
        if box.inner is not None:
            self.level(box.inner, x + (box.w - box.inner.width) / 2, y + _head(box), box.inner.width)

    def link(self, layout: _Layout, link: _Link, ox: float, oy: float) -> None:
        src, dst = layout.boxes[link.src], layout.boxes[link.dst]
        outgoing = [k for k in layout.links if k.src == link.src and not k.back and not k.dashed]
        if link.back or dst.layer <= src.layer:
            # A loop back up: down out of the source into the gap under its layer, right past every box
            # of the level, up to the target's height and into its right edge (crosses no box).
            sx, sy = ox + src.x + src.w - 12, oy + src.y + src.h
            tx, ty = ox + dst.x + dst.w, oy + dst.y + dst.h / 2
            gap_y = sy + LAYER_GAP / 2 - 8
            bend = ox + layout.content_width + 24
            r = 8.0
            path = (f"M{_num(sx)} {_num(sy)} L{_num(sx)} {_num(gap_y - r)} Q{_num(sx)} {_num(gap_y)} "
                    f"{_num(sx + r)} {_num(gap_y)} L{_num(bend - r)} {_num(gap_y)} Q{_num(bend)} {_num(gap_y)} "
                    f"{_num(bend)} {_num(gap_y - r)} L{_num(bend)} {_num(ty + r)} Q{_num(bend)} {_num(ty)} "
                    f"{_num(bend - r)} {_num(ty)} L{_num(tx)} {_num(ty)}")
            up = ((bend, gap_y), (bend, gap_y), (bend, ty), (bend, ty))
            first, c2 = up, (bend - r, ty)
        else:
            slots = len(outgoing) if not link.dashed else 1
            slot = next((i for i, k in enumerate(outgoing) if k is link), 0)
            sx = ox + src.x + src.w * (slot + 1) / (slots + 1) if not link.dashed else ox + src.x + src.w - 10
            sy = oy + src.y + src.h
            tx, ty = ox + dst.x + dst.w / 2, oy + dst.y
            # Curves between layers, straight down through the slots of the layers crossed.
            stops = [(sx, sy)]
            for key in link.via:
                slot_box = layout.boxes[key]
                cx = ox + slot_box.x + slot_box.w / 2
                stops += [(cx, oy + slot_box.y), (cx, oy + slot_box.y + slot_box.h)]
            stops.append((tx, ty))
            path = f"M{_num(sx)} {_num(sy)}"
            curves = []
            for i in range(0, len(stops), 2):
                (ax, ay), (bx, by) = stops[i], stops[i + 1]
                mid = (by - ay) / 2
                c1, c2 = (ax, ay + mid), (bx, by - mid)
                curves.append(((ax, ay), c1, c2, (bx, by)))
                if i:
                    path += f" L{_num(ax)} {_num(ay)}"
                path += f" C{_num(c1[0])} {_num(c1[1])} {_num(c2[0])} {_num(c2[1])} {_num(bx)} {_num(by)}"
            first = curves[0]
            c2 = curves[-1][2]
        dash = ' stroke-dasharray="5 4"' if link.dashed else ""
        self.edges += 1
        label = f' data-label="{esc(link.label)}"' if link.label else ""
        self.parts.append(f'<g class="edge{" edge-back" if link.back else ""}{" edge-fallback" if link.dashed else ""}"'
                          f' data-from="{esc(link.src)}" data-to="{esc(link.dst)}"{label}>')
        self.parts.append(f'<path d="{path}" fill="none" stroke="{EDGE}" stroke-width="1.3"{dash}/>')
        self.parts.append(_arrowhead(c2, (tx, ty)))
        if link.label:
            # The curve's midpoint (t = 1/2 of the cubic), on a white plate so lines do not cross the text.
            (p0, p1, p2, p3) = first  # labelled where the edge leaves its node: a branch reads yes/no there
            mx = (p0[0] + 3 * p1[0] + 3 * p2[0] + p3[0]) / 8
            my = (p0[1] + 3 * p1[1] + 3 * p2[1] + p3[1]) / 8
            text = _fit(link.label, 24)
            w = len(text) * SMALL_PX + 8
            self.parts.append(f'<rect x="{_num(mx - w / 2)}" y="{_num(my - 9)}" width="{_num(w)}" height="16" rx="3" '
                              'fill="#ffffff" fill-opacity="0.92"/>')
            self.parts.append(f'<text class="edge-label" x="{_num(mx)}" y="{_num(my + 3)}" text-anchor="middle" '
                              f'font-size="11" fill="{TEXT}">{esc(text)}</text>')
        self.parts.append("</g>")


def _arrowhead(before: tuple[float, float], tip: tuple[float, float]) -> str:
    """A filled triangle at `tip`, pointing away from `before` (no `<marker>`: ids would collide when a
    page holds several drawings)."""
    dx, dy = tip[0] - before[0], tip[1] - before[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = tip[0] - ux * 8, tip[1] - uy * 8
    left = (bx - uy * 4, by + ux * 4)
    right = (bx + uy * 4, by - ux * 4)
    points = " ".join(f"{_num(px)},{_num(py)}" for px, py in (tip, left, right))
    return f'<polygon points="{points}" fill="{EDGE}"/>'


def diagram_svg(
    nodes: list[dict[str, Any]],
    *,
    title: str | None = None,
    paid: Collection[str] = (),
    highlight: Collection[str] = (),
    connector_names: Mapping[str, str] | None = None,
    agent_names: Mapping[str, str] | None = None,
) -> str:
    """A workflow graph as an inline SVG. Never raises on a broken graph (the model turns problems
    into warnings, listed in the drawing's `<desc>`); `paid`/`highlight` hold slugs or uuids."""
    model = build_model(nodes, paid=paid, highlight=highlight)
    labels = Labels(connector_names, agent_names)
    layout = _layout(model.root, labels)
    canvas = _Canvas()
    heading = title or "Workflow diagram"
    top = MARGIN
    width = max(layout.width + 2 * MARGIN, 160.0)
    if not model.root.nodes:
        canvas.parts.append(f'<text x="{_num(width / 2)}" y="{_num(top + 20)}" text-anchor="middle" font-size="13" '
                            f'fill="{MUTED}">The graph has no nodes</text>')
        height = top + 40.0
    else:
        canvas.level(layout, MARGIN + (width - 2 * MARGIN - layout.width) / 2, top, layout.width)
        height = layout.height + top + MARGIN
    summary = f"{_count_nodes(model.root)} nodes, {canvas.edges} edges"
    desc = "; ".join([summary, *model.warnings])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="lading-diagram" role="img" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
            f'font-family="{FONT}"><title>{esc(heading)}</title><desc>{esc(desc)}</desc>'
            + "".join(canvas.parts) + "</svg>")


def _count_nodes(level: Level) -> int:
    return sum(1 + (_count_nodes(n.sub) if n.sub is not None else 0) for n in level.nodes)


# --- time series ------------------------------------------------------------------------------------

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#7f7f7f", "#000000")
MAX_SERIES = len(PALETTE)
MARKERS_UP_TO = 60  # points per series drawn as dots too (a lone point would otherwise be invisible)
CHART_W, CHART_H = 720.0, 360.0
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def as_time(value: Any) -> float | None:
    """Seconds since the epoch (UTC; a naive value is read as UTC, as the query engine answers) of a
    date, a datetime or their ISO text (`2026-12-04`, `2026-12-04 09:14:26`, `…T…Z`), else None."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not (_DATE.match(text) or _DATETIME.match(text)):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _is_date_only(value: Any) -> bool:
    return (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and bool(_DATE.match(value.strip())))


def as_number(value: Any) -> float | None:
    """A finite number (bools are not numbers here), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def chartable(columns: Sequence[Any], rows: Sequence[Mapping[str, Any]]) -> tuple[str, list[str]] | None:
    """(x, ys) when a query result is a time series, else None.

    A time series has a date/time column (every non-NULL value a date or datetime; the first such
    column is x) whose values are distinct, and at least one numeric column (every non-NULL value a
    number; at most `MAX_SERIES`, in column order). Distinct x values matter: `day, workflow, count`
    repeats each day once per workflow, and one line through those rows would zigzag meaninglessly.
    `columns` are names, or `{"name": …}` objects as `DESCRIBE` answers."""
    names = [n for c in columns if isinstance(n := c.get("name") if isinstance(c, Mapping) else c, str)]
    if not rows or not names:
        return None
    x: str | None = None
    ys: list[str] = []
    for name in names:
        values = [row.get(name) for row in rows]
        present = [v for v in values if v is not None]
        if not present:
            continue
        if x is None and all(as_time(v) is not None for v in present):
            times = [as_time(v) for v in present]
            if len(set(times)) != len(times):
                return None
            x = name
        elif all(as_number(v) is not None for v in present):
            ys.append(name)
    if x is None or not ys:
        return None
    return x, ys[:MAX_SERIES]


_TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
               2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400, 365 * 86400)


def _time_ticks(lo: float, hi: float, dates_only: bool) -> list[tuple[float, str]]:
    if hi <= lo:
        return [(lo, _time_label(lo, 0, hi - lo, dates_only))]
    span = hi - lo
    step = next((s for s in _TIME_STEPS if span / s <= 7), _TIME_STEPS[-1] * math.ceil(span / (7 * _TIME_STEPS[-1])))
    if dates_only:
        step = max(step, 86400)
    first = math.ceil(lo / step) * step
    ticks: list[tuple[float, str]] = []
    t = float(first)
    while t <= hi + 1e-6:
        ticks.append((t, _time_label(t, step, span, dates_only)))
        t += step
    return ticks


def _time_label(t: float, step: float, span: float, dates_only: bool) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=t)
    if dates_only or step >= 86400:
        return moment.strftime("%Y-%m-%d")
    if span > 86400:
        return moment.strftime("%m-%d %H:%M")
    if step < 60:
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%H:%M")


def _nice_ticks(lo: float, hi: float) -> list[float]:
    """About five round values covering [lo, hi] (steps of 1, 2 or 5 × 10ⁿ)."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _value_label(value: float) -> str:
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.4g}"


def timeseries_svg(rows: Sequence[Mapping[str, Any]], x: str, ys: Sequence[str], *, title: str) -> str:
    """A line chart of `ys` over the date/time column `x`: one polyline per y, points in x order.
    Rows whose x is not a date/time are left out; a NULL (or non-numeric) y leaves that point out of its
    line only. No rows at all still draws the frame, saying so."""
    ys = list(ys)[:MAX_SERIES]
    samples = sorted(((t, row) for row in rows if (t := as_time(row.get(x))) is not None), key=lambda p: p[0])
    dates_only = bool(samples) and all(_is_date_only(row.get(x)) for _, row in samples)
    series = {y: [(t, v) for t, row in samples if (v := as_number(row.get(y))) is not None] for y in ys}
    values = [v for points in series.values() for _, v in points]
    left, right, top, bottom = 64.0, 44.0, 56.0, 44.0
    plot_w, plot_h = CHART_W - left - right, CHART_H - top - bottom
    parts: list[str] = [
        f'<text class="chart-title" x="{_num(left)}" y="22" font-size="14" font-weight="600" fill="{TEXT}">'
        f"{esc(_fit(title, 80))}</text>"]
    # Legend: one swatch per series, on one row under the title.
    lx = left
    for i, y in enumerate(ys):
        colour = PALETTE[i]
        name = _fit(y, 28)
        parts.append(f'<g class="legend-item" data-series="{esc(y)}"><line x1="{_num(lx)}" y1="38" '
                     f'x2="{_num(lx + 16)}" y2="38" stroke="{colour}" stroke-width="3"/>'
                     f'<text x="{_num(lx + 21)}" y="42" font-size="11" '
                     f'fill="{TEXT}">{esc(name)}</text></g>')
        lx += 21 + len(name) * SMALL_PX + 16
    parts.append(f'<rect class="plot" x="{_num(left)}" y="{_num(top)}" width="{_num(plot_w)}" height="{_num(plot_h)}" '
                 'fill="none" stroke="#d0d4d9"/>')
    if not samples or not values:
        parts.append(f'<text x="{_num(left + plot_w / 2)}" y="{_num(top + plot_h / 2)}" text-anchor="middle" '
                     f'font-size="13" fill="{MUTED}">No data to chart</text>')
        for y in ys:
            parts.append(f'<polyline class="series" data-series="{esc(y)}" points="" fill="none"/>')
    else:
        t_lo, t_hi = samples[0][0], samples[-1][0]
        y_ticks = _nice_ticks(min(0.0, min(values)), max(0.0, max(values)))
        v_lo, v_hi = y_ticks[0], y_ticks[-1]

        def px(t: float) -> float:
            return left + (plot_w / 2 if t_hi == t_lo else (t - t_lo) / (t_hi - t_lo) * plot_w)

        def py(v: float) -> float:
            return top + plot_h - (v - v_lo) / (v_hi - v_lo) * plot_h

        parts.append('<g class="axis axis-y">')
        for v in y_ticks:
            yy = py(v)
            parts.append(f'<line x1="{_num(left)}" y1="{_num(yy)}" x2="{_num(left + plot_w)}" y2="{_num(yy)}" '
                         'stroke="#eceff1"/>')
            parts.append(f'<text x="{_num(left - 6)}" y="{_num(yy + 4)}" text-anchor="end" font-size="11" '
                         f'fill="{MUTED}">{esc(_value_label(v))}</text>')
        parts.append("</g><g class=\"axis axis-x\">")
        for t, label in _time_ticks(t_lo, t_hi, dates_only):
            xx = px(t)
            parts.append(f'<line x1="{_num(xx)}" y1="{_num(top + plot_h)}" x2="{_num(xx)}" '
                         f'y2="{_num(top + plot_h + 5)}" stroke="{MUTED}"/>'
                         f'<text x="{_num(xx)}" y="{_num(top + plot_h + 18)}" text-anchor="middle" '
                         f'font-size="11" fill="{MUTED}">{esc(label)}</text>')
        parts.append("</g>")
        for i, y in enumerate(ys):
            colour = PALETTE[i]
            points = series[y]
            coords = " ".join(f"{_num(px(t))},{_num(py(v))}" for t, v in points)
            parts.append(f'<polyline class="series" data-series="{esc(y)}" points="{coords}" fill="none" '
                         f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>')
            if len(points) <= MARKERS_UP_TO:
                parts.append(f'<g class="markers" fill="{colour}">' + "".join(
                    f'<circle cx="{_num(px(t))}" cy="{_num(py(v))}" r="2.5"/>' for t, v in points) + "</g>")
    parts.append(f'<text x="{_num(left + plot_w / 2)}" y="{_num(CHART_H - 6)}" text-anchor="middle" font-size="11" '
                 f'fill="{MUTED}">{esc(_fit(x, 40))} (UTC)</text>')
    desc = f"{len(samples)} rows; {', '.join(ys)} over {x}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="lading-chart" role="img" '
            f'viewBox="0 0 {_num(CHART_W)} {_num(CHART_H)}" width="{_num(CHART_W)}" height="{_num(CHART_H)}" '
            f'font-family="{FONT}"><title>{esc(title)}</title><desc>{esc(desc)}</desc>' + "".join(parts) + "</svg>")
