"""Box-drawing (ASCII-art) rendering of a node graph (spec: orchestration §3.10 "diagram").

The drawing is meant for terminals and for agents reading text, so it favours a deterministic,
top-to-bottom layout over compactness. Layout rules:

1. Steps hang from a vertical spine `│`. A step is two centred lines — the system ("Native", the
   connector's display name, "Tool", "Agent") then the action ("Variables", the connector's action
   slug, `tool e487d28e`); a node's `name` replaces the action line. Routing steps (branch, filter,
   switch, split) are one line, `◆ <name>`. Paid steps get `💳 ` before their last line,
   highlighted ones `  ◀━` after it.
2. Between consecutive steps is one connector row: `│`, or `│ <label>` when the edge has a meaning
   (`if true`, `↷` = continues here even on failure).
3. A step with several outgoing edges (children, plus a dashed fallback edge) forks. Each arm is a
   column headed by `│ <label>` (`┆ on failure` for the fallback). The join of a fork is the
   topmost node reached by the most arms (at least two; or the enclosing fork's join, reached by
   any). With a join the arms that reach it come first, the first on the spine:
   `├──┬──┐` above, `├──┴──┘` below, then the join on the spine. Without one the arms are centred
   under the step: `┌──┴──┐` (`┬` over middle arms) and never meet again.
4. A node is drawn once. An edge to a node already drawn is the line `↑ <name>`; an edge leaving a
   fork arm towards a join drawn further down is `↓ <name>`; an unconnected slot is `∅ unconnected`
   and a child naming no node `? missing <uuid>`.
5. A group is a box: `┌─┴─┐` entered from the spine, its own step lines, `│ for each item`, its
   `_nodes` drawn by these same rules, and `└─┬─┘` when the flow continues.
6. Nodes not drawn from start (unreachable ones) follow, each section headed by a dashed title.
7. Lines are never cut; lines wider than 120 columns produce a warning. Widths are display columns
   (an emoji counts two), and `direction` does not apply.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from lading.engine.diagram._model import Edge, GraphModel, Labels, Level, NodeView, short_id

MAX_WIDTH = 120
GAP = 3
_MAX_DEPTH = 150  # nested forks beyond this continue in a "continued" section (no recursion blow-up)
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufe0e", "\ufe0f"}

Row = list[str]  # one display cell per entry; a wide character is followed by an empty cell


def cells(text: str) -> Row:
    """Split text into display cells (wide characters take two, zero-width ones join the previous)."""
    out: Row = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in _ZERO_WIDTH or category in ("Mn", "Me", "Cf"):
            idx = next((i for i in range(len(out) - 1, -1, -1) if out[i]), None)
            if idx is not None:
                out[idx] += ch
            continue
        if category.startswith("C") or category in ("Zl", "Zp"):
            ch = " "
        out.append(ch)
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            out.append("")
    return out


def width(text: str) -> int:
    return len(cells(text))


@dataclass
class Block:
    """A rectangle of cells with the column where the spine enters (top) and leaves (bottom)."""

    rows: list[Row]
    anchor: int
    open: bool = False  # the flow continues below the last row at `anchor`
    width: int = field(init=False)

    def __post_init__(self) -> None:
        self.width = max((len(r) for r in self.rows), default=self.anchor + 1)
        self.width = max(self.width, self.anchor + 1)
        for r in self.rows:
            r.extend([" "] * (self.width - len(r)))


def text_block(lines: list[str], suffix: str = "", prefix: str = "") -> Block:
    """Lines centred on a common anchor; `prefix`/`suffix` hang off the last line without moving it."""
    rows = [cells(line) for line in lines]
    anchor = (max(len(r) for r in rows) - 1) // 2
    lefts = [anchor - (len(r) - 1) // 2 for r in rows]
    pre = cells(prefix)
    shift = max(0, len(pre) - lefts[-1])
    out = [[" "] * (left + shift) + r for left, r in zip(lefts, rows, strict=True)]
    if pre:
        at = lefts[-1] + shift
        out[-1][at - len(pre):at] = pre
    out[-1] += cells(suffix)
    return Block(out, anchor + shift)


def line_block(text: str) -> Block:
    """A one-line marker (`↑ name`, `∅ …`) whose first character sits on the spine."""
    return Block([cells(text)], 0)


def edge_row(label: str = "", dashed: bool = False) -> Block:
    return Block([cells(("┆" if dashed else "│") + (f" {label}" if label else ""))], 0, open=True)


def vstack(blocks: list[Block]) -> Block:
    anchor = max(b.anchor for b in blocks)
    rows: list[Row] = []
    for b in blocks:
        shift = anchor - b.anchor
        rows.extend([" "] * shift + list(r) for r in b.rows)
    return Block(rows, anchor, blocks[-1].open)


def fork_block(arms: list[tuple[Edge, Block]], rejoin: bool) -> Block:
    """Arms side by side under one connector row (rule 3); arm blocks already carry their labels."""
    height = max(len(b.rows) for _, b in arms)
    columns: list[Block] = []
    for _, b in arms:
        rows = [list(r) for r in b.rows]
        for _ in range(height - len(rows)):
            row = [" "] * b.width
            if b.open:
                row[b.anchor] = "│"
            rows.append(row)
        columns.append(Block(rows, b.anchor, b.open))
    offsets, x = [], 0
    for col in columns:
        offsets.append(x)
        x += col.width + GAP
    total = x - GAP
    anchors = [o + c.anchor for o, c in zip(offsets, columns, strict=True)]
    body: list[Row] = [[" "] * total for _ in range(height)]
    for off, col in zip(offsets, columns, strict=True):
        for r, row in enumerate(col.rows):
            body[r][off:off + col.width] = row
    top = [" "] * total
    spine = anchors[0] if rejoin else (anchors[0] + anchors[-1]) // 2
    for i in range(1, len(anchors)):
        dashed_seg = arms[i][0].dashed if anchors[i] > spine else arms[i - 1][0].dashed
        for c in range(anchors[i - 1] + 1, anchors[i]):
            top[c] = "╌" if dashed_seg else "─"
    for i, a in enumerate(anchors):
        top[a] = "┌" if i == 0 else "┐" if i == len(anchors) - 1 else "┬"
    if rejoin:
        top[spine] = "├"
    else:
        top[spine] = "┼" if spine in anchors else "┴"
    rows = [top, *body]
    is_open = False
    if rejoin:
        open_anchors = [a for a, col in zip(anchors, columns, strict=True) if col.open]
        if open_anchors and open_anchors != [spine]:
            bottom = [" "] * total
            last = open_anchors[-1]
            for c in range(spine, last):
                bottom[c] = "─"
            for a in open_anchors:
                bottom[a] = "┴"
            bottom[spine] = "├" if columns[0].open else "┌"
            bottom[last] = "┘"
            rows.append(bottom)
        is_open = bool(open_anchors)
    return Block(rows, spine, is_open)


def box(inner: Block, entered: bool, leaves: bool) -> Block:
    """Frame a block (rule 5); the spine crosses the borders at the inner anchor."""
    w = inner.width + 4
    anchor = inner.anchor + 2
    top = ["┌"] + ["─"] * (w - 2) + ["┐"]
    bottom = ["└"] + ["─"] * (w - 2) + ["┘"]
    if entered:
        top[anchor] = "┴"
    if leaves:
        bottom[anchor] = "┬"
    rows = [top] + [["│", " ", *r, " ", "│"] for r in inner.rows] + [bottom]
    return Block(rows, anchor, leaves)


class AsciiRenderer:
    def __init__(self, model: GraphModel, labels: Labels) -> None:
        self.model = model
        self.labels = labels

    def render(self, title: str | None = None) -> tuple[str, list[str]]:
        block = _LevelDrawer(self, self.model.root).draw()
        lines = ["".join(r).rstrip() for r in block.rows]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        if title:
            lines[:0] = ["".join(cells(" ".join(title.split()))), ""]
        widest = max((width(line) for line in lines), default=0)
        warnings = []
        if widest > MAX_WIDTH:
            warnings.append(f"ascii diagram is {widest} columns wide (over {MAX_WIDTH}); lines are not cut")
        return "\n".join(lines), warnings

    def step_block(self, node: NodeView) -> Block:
        labels = self.labels
        if node.family == "decision":
            lines = [f"◆ {labels.title(node)}"]
        else:
            lines = [labels.system(node), labels.title(node)]
        slug = labels.slug_line(node)
        if slug:  # the name `{{nodes.<slug>}}` and `--highlight` use, under what the step does
            lines.append(slug)
        return text_block(lines, "  ◀━" if node.highlight else "", "💳 " if node.paid else "")


class _LevelDrawer:
    """Draws one level (top graph or a group's `_nodes`); tracks which nodes are already drawn and
    which joins enclosing forks will draw further down (`pending`)."""

    def __init__(self, renderer: AsciiRenderer, level: Level) -> None:
        self.r = renderer
        self.level = level
        self.drawn: set[str] = set()
        self.pending: set[str] = set()

    def draw(self) -> Block:
        parts: list[Block] = []
        if self.level.start is not None:
            parts.append(self.walk(self.level.start, None, root=True))
        headed: set[bool] = set()
        while True:
            left = [n for n in self.level.nodes if n.key not in self.drawn]
            if not left:
                break
            undrawn = {n.key for n in left}
            has_parent = {e.target for n in left for e in n.edges if e.target in undrawn and e.target != n.key}
            root = next((n for n in left if n.key not in has_parent), left[0])
            reachable = root.key in self.level.reachable
            if reachable not in headed:
                headed.add(reachable)
                title = "╌╌ continued ╌╌" if reachable else "╌╌ not reachable from start ╌╌"
                parts += [Block([[" "]], 0), text_block([title])]
            parts += [Block([[" "]], 0), self.walk(root.key, None, root=True)]
        if not parts:
            return text_block(["(no nodes)"])
        return vstack(parts)

    def reach(self, key: str | None, stop: str | None) -> set[str]:
        """Undrawn nodes reachable from `key`, not going past `stop` or a pending join."""
        seen: set[str] = set()
        stack = [key] if key is not None else []
        while stack:
            key = stack.pop()
            if key in seen or key in self.drawn:
                continue
            seen.add(key)
            if key != stop and key not in self.pending:
                stack.extend(e.target for e in self.level.by_key[key].edges if e.target is not None)
        return seen

    def join(self, edges: list[Edge], stop: str | None) -> str | None:
        """Rule 3: the topmost node reached by the most arms (≥ 2), or `stop` reached by any."""
        counts: dict[str, int] = {}
        for edge in edges:
            for key in self.reach(edge.target, stop):
                counts[key] = counts.get(key, 0) + 1
        cands = {k: n for k, n in counts.items() if k == stop or (n >= 2 and k not in self.pending)}
        if not cands:
            return None
        best = max(cands.values())
        tied = [k for k, n in cands.items() if n == best]
        below = {k: self.reach(k, stop) - {k} for k in tied}
        top = [k for k in tied if not any(k in below[o] for o in tied if o != k)] or tied
        order = {n.key: i for i, n in enumerate(self.level.nodes)}
        return min(top, key=lambda k: order[k])

    def marker(self, edge: Edge) -> Block | None:
        """The one-line stand-in for an edge that is not drawn here (rule 4), or None."""
        if edge.status == "null":
            return line_block("∅ unconnected")
        if edge.status == "dangling" or edge.target is None:
            return line_block(f"? missing {short_id(edge.raw_target)}")
        if edge.target in self.drawn:
            return self.ref(edge.target, "↑")
        if edge.target in self.pending:
            return self.ref(edge.target, "↓")
        return None

    def walk(self, key: str, stop: str | None, *, root: bool = False, depth: int = 0) -> Block:
        """Draw from `key` down; the block is open when the flow reaches `stop` on the spine."""
        parts: list[Block] = []
        entered = not root
        while True:
            node = self.level.by_key[key]
            self.drawn.add(key)
            parts.append(self.node_block(node, entered))
            entered = True
            if not node.edges:
                break
            if len(node.edges) == 1:
                edge = node.edges[0]
                parts.append(edge_row(edge.label, edge.dashed))
                if stop is not None and edge.target == stop:
                    return vstack(parts)
                marker = self.marker(edge)
                if marker is not None:
                    parts.append(marker)
                    break
                key = edge.target or ""
                continue
            fork, join = self.fork(node.edges, stop, depth)
            parts.append(fork)
            if join is None:
                break
            if join == stop:
                return vstack(parts)
            parts.append(edge_row() if fork.open else Block([[" "]], 0))
            if join in self.drawn:
                parts.append(self.ref(join, "↑"))
                break
            key = join
        block = vstack(parts)
        block.open = False
        return block

    def fork(self, edges: list[Edge], stop: str | None, depth: int) -> tuple[Block, str | None]:
        join = self.join(edges, stop)
        if join is not None:
            reaching = [e for e in edges if join in self.reach(e.target, stop)]
            edges = reaching + [e for e in edges if e not in reaching]
        added = join is not None and join not in self.pending
        if added:
            self.pending.add(join or "")
        try:
            arms = [(edge, self.arm(edge, join, depth)) for edge in edges]
        finally:
            if added:
                self.pending.discard(join or "")
        return fork_block(arms, join is not None), join

    def arm(self, edge: Edge, join: str | None, depth: int) -> Block:
        """One fork arm: its label row, then its steps; open when it ends on the join."""
        head = edge_row(edge.label, edge.dashed)
        if join is not None and edge.target == join:
            return head
        body = self.marker(edge)
        if body is None and depth >= _MAX_DEPTH:
            body = self.ref(edge.target or "", "↓")
        if body is None:
            body = self.walk(edge.target or "", join, depth=depth + 1)
        arm = vstack([head, body])
        arm.open = join is not None and body.open
        return arm

    def ref(self, key: str, arrow: str) -> Block:
        return line_block(f"{arrow} {self.r.labels.ref(self.level.by_key[key])}")

    def node_block(self, node: NodeView, entered: bool) -> Block:
        step = self.r.step_block(node)
        if node.sub is None:
            return step
        inner = _LevelDrawer(self.r, node.sub).draw()
        content = vstack([step, edge_row("for each item"), inner])
        return box(content, entered, bool(node.edges))
