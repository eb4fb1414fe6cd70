"""Mermaid flowchart rendering of a node graph (spec: orchestration §3.10 "diagram").

Why these choices:
- Node ids are `n_<uuid without dashes>`: uuids are what edges name and slugs may repeat; anything
  that is not `[A-Za-z0-9_]` is dropped so that a malformed uuid can never break the syntax, and a
  numeric suffix keeps ids unique when two keys clean up to the same text.
- Every label is a quoted string with `"`, `#`, `<`, `>` written as Mermaid entity codes, so user
  text (names, route names) cannot close a shape or inject HTML; `<br/>` is only ever ours.
- A group is its own rectangle plus a `subgraph` holding its `_nodes`, linked by a dotted
  `each item` edge; nested groups nest subgraphs.
- Empty (`null`) child slots and children naming unknown nodes are drawn as small stub nodes so the
  drawing shows where a run would stop; the warnings say the same in words.
"""

from __future__ import annotations

import json
import re

from lading.engine.diagram._model import Edge, GraphModel, Labels, Level, NodeView, short_id

HIGHLIGHT_STYLE = "fill:#fdd,stroke:#d00,stroke-width:2px"
_SAFE_TITLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.,()/-]*$")


def escape(text: str) -> str:
    """Quote-safe Mermaid label text (entity codes, newlines flattened)."""
    text = " ".join(text.split())
    return (
        text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


class MermaidRenderer:
    def __init__(self, model: GraphModel, labels: Labels, direction: str, title: str | None) -> None:
        self.model = model
        self.labels = labels
        self.direction = direction
        self.title = title
        self.ids: dict[str, str] = {}
        self.taken: set[str] = set()
        self.highlighted: list[str] = []

    def render(self) -> str:
        lines: list[str] = []
        if self.title:
            title = self.title if _SAFE_TITLE.match(self.title) else json.dumps(self.title, ensure_ascii=False)
            lines += ["---", f"title: {title}", "---"]
        lines.append(f"flowchart {self.direction}")
        self._level(self.model.root, lines, "    ")
        lines += [f"    style {nid} {HIGHLIGHT_STYLE}" for nid in self.highlighted]
        return "\n".join(lines)

    def node_id(self, key: str, prefix: str = "n_") -> str:
        cache_key = prefix + key
        if cache_key not in self.ids:
            base = prefix + (re.sub(r"[^A-Za-z0-9_]", "", key) or "node")
            nid, n = base, 1
            while nid in self.taken:
                n += 1
                nid = f"{base}_{n}"
            self.taken.add(nid)
            self.ids[cache_key] = nid
        return self.ids[cache_key]

    def _level(self, level: Level, lines: list[str], indent: str) -> None:
        for node in level.nodes:
            nid = self.node_id(node.key)
            lines.append(f"{indent}{nid}{self.shape(node)}")
            if node.highlight:
                self.highlighted.append(nid)
            if node.sub is not None:
                sid = self.node_id(node.key, "sg_")
                title = escape(f"{node.name or node.slug or 'group'} · for each item")
                lines.append(f'{indent}subgraph {sid} ["{title}"]')
                lines.append(f"{indent}    direction {self.direction}")
                self._level(node.sub, lines, indent + "    ")
                lines.append(f"{indent}end")
                lines.append(f"{indent}{nid} -. each item .-> {sid}")
        for node in level.nodes:
            for edge in node.edges:
                lines.extend(indent + line for line in self._edge(node, edge))

    def _edge(self, node: NodeView, edge: Edge) -> list[str]:
        src = self.node_id(node.key)
        out: list[str] = []
        if edge.status == "ok" and edge.target is not None:
            dst = self.node_id(edge.target)
        else:
            dst = self.node_id(f"{node.key}_slot{edge.index}", "x_")
            text = "∅" if edge.status == "null" else f"missing {short_id(edge.raw_target)}"
            out.append(f'{dst}(("{escape(text)}"))')
            out.append(f"style {dst} stroke-dasharray:4 3")
        if edge.dashed:
            out.append(f"{src} -. {escape(edge.label)} .-> {dst}")
        elif edge.label:
            out.append(f'{src} -->|"{escape(edge.label)}"| {dst}')
        else:
            out.append(f"{src} --> {dst}")
        return out

    def shape(self, node: NodeView) -> str:
        family = node.family
        text = self.label(node)
        if node.paid:
            text = f"💳 {text}"
        if family == "terminal":
            return f'(["{text}"])'
        if family == "decision":
            return f'{{"{text}"}}'
        if family in ("connector", "group"):
            return f'["{text}"]'
        if family == "tool":
            return f'[["{text}"]]'
        if family == "agent":
            return f'{{{{"{text}"}}}}'
        if family == "code":
            return f'[/"{text}"/]'
        return f'("{text}")'

    def label(self, node: NodeView) -> str:
        """Escaped label text; parts joined by `<br/>`."""
        labels = self.labels
        if node.kind == "connector":
            integration = node.raw.get("integrationSlug")
            integration = integration if isinstance(integration, str) and integration else "?"
            parts = [node.name or labels.connector(node), f"{integration}.{node.action or '?'}"]
        elif node.kind in ("tool", "agent"):
            parts = [node.name, labels.target(node)] if node.name else [labels.target(node)]
        else:
            parts = [labels.title(node)]
            if node.slug and node.slug != node.action:
                parts.append(node.slug)
        return "<br/>".join(escape(p) for p in parts if p)
