"""The graph walk shared by the Mermaid and ASCII renderers (spec: orchestration §3.10 "diagram").

Diagrams are drawn from graphs that may be broken — a user often asks for a drawing precisely because
`node validate` complained. So this module never trusts the input: every field is read defensively,
every node gets a unique key (its uuid when usable, a synthetic one otherwise) and every problem a
renderer would trip over becomes a warning instead of an exception. Both renderers read the same
`Level` objects, so labels, edge meanings and warnings agree between the two formats.

Nodes are keyed by uuid, never by slug: slugs may repeat (§2.2) and uuids are what edges name.
Children are resolved within the node's own level (top graph or one group's `_nodes`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lading.domain.nodes import UUID_RE
from lading.engine.natives.catalog import NATIVE_ACTIONS

ROUTING_ACTIONS = frozenset({"branch", "filter", "switch", "split"})
CODE_ACTIONS = frozenset({"python", "script"})

# `nodes.<slug>` / `nodes["<slug>"]` / `nodes.get("<slug>")` in a config string (JS or Python).
_NODES_REF = re.compile(
    r"(?<![A-Za-z0-9_$])nodes\s*(?:\??\.\s*([A-Za-z0-9_]+)|\[\s*['\"]([A-Za-z0-9_]+)['\"]\s*\]"
    r"|\.get\(\s*['\"]([A-Za-z0-9_]+)['\"])"
)
_PARENT_REF = re.compile(
    r"(?<![A-Za-z0-9_$])parentNodes\s*(?:\??\.\s*([A-Za-z0-9_]+)|\[\s*['\"]([A-Za-z0-9_]+)['\"]\s*\]"
    r"|\.get\(\s*['\"]([A-Za-z0-9_]+)['\"])"
)


@dataclass
class Edge:
    """One outgoing edge (or empty slot) of a node, in drawing order."""

    index: int  # children index; -1 for the dashed fallback edge
    status: str  # "ok", "null" (unconnected slot) or "dangling" (names no node of this level)
    target: str | None  # key of the target node when status is "ok"
    raw_target: str  # the uuid text as written (dangling edges show it)
    label: str
    dashed: bool = False


@dataclass
class NodeView:
    """One node as the renderers see it: normalised fields plus resolved edges."""

    key: str
    uuid: str
    slug: str
    kind: str
    action: str
    name: str
    raw: dict[str, Any]
    edges: list[Edge] = field(default_factory=list)
    sub: Level | None = None
    paid: bool = False
    highlight: bool = False

    @property
    def family(self) -> str:
        """Shape family: terminal, decision, connector, tool, agent, code, group or native."""
        if self.kind == "native":
            if self.action in ("start", "end"):
                return "terminal"
            if self.action in ROUTING_ACTIONS:
                return "decision"
            if self.action == "agent":
                return "agent"
            if self.action in CODE_ACTIONS:
                return "code"
            if self.action == "group":
                return "group"
            return "native"
        if self.kind in ("connector", "tool", "agent"):
            return self.kind
        return "native"


@dataclass
class Level:
    """One graph: the top-level `nodes` or one group's `_nodes`."""

    nodes: list[NodeView]
    by_key: dict[str, NodeView]
    start: str | None
    reachable: set[str]
    owner: NodeView | None = None


@dataclass
class GraphModel:
    root: Level
    warnings: list[str]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def short_id(value: str) -> str:
    """`e487d28e` for a uuid; other references (placeholders, slugs) are kept whole."""
    return value[:8] if UUID_RE.match(value) else value


def title_case(slug: str) -> str:
    """Default connector display name: `google_sheets` → `Google Sheets`."""
    words = [w for w in re.split(r"[_\-\s.]+", slug) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or slug


def describe(node: NodeView) -> str:
    """How warnings name a node: slug plus uuid (slugs may repeat)."""
    slug = node.slug or "?"
    return f"node '{slug}' ({node.uuid})" if node.uuid else f"node '{slug}'"


class Labels:
    """Display names of nodes, shared by both renderers."""

    def __init__(self, connector_names: Mapping[str, str] | None,
                 agent_names: Mapping[str, str] | None = None) -> None:
        self._connector_names = dict(connector_names or {})
        self._agent_names = dict(agent_names or {})

    def system(self, node: NodeView) -> str:
        """First ASCII line: who performs the step."""
        if node.kind == "native":
            return "Native"
        if node.kind == "connector":
            return self.connector(node)
        if node.kind:
            return title_case(node.kind)
        return "Unknown"

    def connector(self, node: NodeView) -> str:
        integration = _text(node.raw.get("integrationSlug"))
        if not integration:
            return "Connector"
        name = self._connector_names.get(integration)
        return name if isinstance(name, str) and name else title_case(integration)

    def action(self, node: NodeView) -> str:
        """Display name of what the step does (ignores the node's own `name`)."""
        if node.kind == "native":
            known = NATIVE_ACTIONS.get(node.action)
            if known is not None:
                return known.name
            return title_case(node.action) if node.action else "Native step"
        if node.kind == "connector":
            return node.action or "action?"
        if node.kind in ("tool", "agent"):
            return self.target(node)
        return node.action or node.slug or "step"

    def target(self, node: NodeView) -> str:
        """`tool e487d28e` / `agent 1a2b3c4d` from `toolUuid`/`agentUuid` (else the template slug)."""
        ref = _text(node.raw.get(f"{node.kind}Uuid"))
        if ref:
            name = self._agent_names.get(ref) if node.kind == "agent" else None
            return f"{node.kind} {name or short_id(ref)}"
        template = _text(node.raw.get("templateSlug"))
        if template:
            return f"{node.kind} template {template}"
        return f"{node.kind} ?"

    def title(self, node: NodeView) -> str:
        """The node's `name` when set, else the action's display name."""
        return node.name or self.action(node)

    def slug_line(self, node: NodeView) -> str:
        """The node's slug, when the lines above do not already say it (a `start` step is `start`)."""
        slug = node.slug
        if not slug or slug == node.action:
            return ""
        shown = {self.title(node).lower(), self.action(node).lower()}
        return "" if slug.lower() in shown else slug

    def ref(self, node: NodeView) -> str:
        """Short name for back references (`↑ <name>`)."""
        return node.name or node.slug or self.action(node)


def edge_labels(node: NodeView, count: int) -> list[str]:
    """Labels of the children edges by index, from the routing meaning of the action (§2.3)."""
    config = node.raw.get("config")
    config = config if isinstance(config, dict) else {}
    labels = [str(i) if count > 1 else "" for i in range(count)]
    if node.kind != "native":
        return labels
    if node.action == "branch":
        labels[:2] = ["yes", "no"][:count]
    elif node.action == "filter" and count:
        labels[0] = "if true"
    elif node.action == "switch":
        routes = config.get("routes")
        routes = routes if isinstance(routes, list) else []
        for i in range(min(count, len(routes) + 1)):
            if i == len(routes):
                labels[i] = "default"
                continue
            route = routes[i]
            name = route.get("name") if isinstance(route, dict) else None
            labels[i] = name if isinstance(name, str) and name else f"route {i + 1}"
    elif node.action == "split":
        p = config.get("percentage")
        if isinstance(p, int | float) and not isinstance(p, bool):
            labels[:2] = [f"A {_num(p)}%", f"B {_num(100 - p)}%"][:count]
        else:
            labels[:2] = ["A", "B"][:count]
    return labels


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _strings(value: Any, *, skip_nodes: bool = False) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if skip_nodes and k == "_nodes":
                continue
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _refs(pattern: re.Pattern[str], text: str) -> set[str]:
    return {next(g for g in m.groups() if g) for m in pattern.finditer(text)}


def _names(items: Collection[str] | str) -> set[str]:
    """Slugs/uuids from a collection (a lone string is read as a comma-separated list)."""
    if isinstance(items, str):
        items = items.split(",")
    return {x.strip() for x in items if isinstance(x, str) and x.strip()}


class _Builder:
    def __init__(self, paid: Collection[str], highlight: Collection[str]) -> None:
        self.warnings: list[str] = []
        self.used_keys: set[str] = set()
        self.paid = _names(paid)
        self.highlight = _names(highlight)
        self.matched: set[str] = set()

    def level(self, raw_nodes: Any, owner: NodeView | None, where: str) -> Level:
        if not isinstance(raw_nodes, list):
            raw_nodes = []
        nodes: list[NodeView] = []
        by_key: dict[str, NodeView] = {}
        by_uuid: dict[str, NodeView] = {}
        for i, raw in enumerate(raw_nodes):
            if not isinstance(raw, dict):
                self.warnings.append(f"{where}entry {i} is not a node object; ignored")
                continue
            node = self._node(raw, i, where)
            nodes.append(node)
            by_key[node.key] = node
            if node.uuid and node.uuid not in by_uuid:
                by_uuid[node.uuid] = node
        for node in nodes:
            self._edges(node, by_uuid, where)
        start = self._start(nodes, where)
        reachable = _reach(by_key, start)
        level = Level(nodes, by_key, start, reachable, owner)
        if start is not None:
            for node in nodes:
                if node.key not in reachable:
                    self.warnings.append(f"{where}{describe(node)} is not reachable from start")
        self._duplicate_slugs(level, where)
        for node in nodes:
            if node.family == "group":
                inner = f"{where}in group '{node.slug or node.uuid}': "
                node.sub = self.level(node.raw["config"].get("_nodes"), node, inner)
        return level

    def _node(self, raw: dict[str, Any], index: int, where: str) -> NodeView:
        uuid = _text(raw.get("uuid"))
        slug = _text(raw.get("slug"))
        kind = _text(raw.get("kind"))
        if not kind:
            kind = next((k for k in ("connector", "tool", "agent") if raw.get(f"{k}Uuid")), "")
            kind = kind or ("connector" if raw.get("integrationSlug") else "native")
        if not isinstance(raw.get("config"), dict):
            raw = {**raw, "config": {}}
        key = uuid
        if not uuid:
            self.warnings.append(f"{where}entry {index} (slug '{slug or '?'}') has no uuid")
        elif uuid in self.used_keys:
            self.warnings.append(f"{where}uuid {uuid} is used by several nodes")
        if not key or key in self.used_keys:
            n = 0
            while f"#{index}.{n}" in self.used_keys:
                n += 1
            key = f"#{index}.{n}"
        self.used_keys.add(key)
        name = " ".join(_text(raw.get("name")).split())
        node = NodeView(key, uuid, slug, kind, _text(raw.get("actionSlug")), name, raw)
        for mark, wanted in (("paid", self.paid), ("highlight", self.highlight)):
            hits = {x for x in (slug, uuid) if x and x in wanted}
            if hits:
                setattr(node, mark, True)
                self.matched.update(f"{mark}:{h}" for h in hits)
        return node

    def _edges(self, node: NodeView, by_uuid: dict[str, NodeView], where: str) -> None:
        children = node.raw.get("childrenUuids")
        children = children if isinstance(children, list) else []
        labels = edge_labels(node, len(children))
        fallback = node.raw.get("fallbackChildUuid")
        fallback = fallback if isinstance(fallback, str) and fallback else None
        first = children[0] if children else None
        on_next = fallback == first if fallback else node.raw.get("fallbackOnFailure") is True
        for i, child in enumerate(children):
            label = labels[i]
            if i == 0 and on_next:
                label = f"{label} ↷".strip()
            if child is None:
                self.warnings.append(f"{where}{describe(node)} has an unconnected (null) child slot {i}")
                node.edges.append(Edge(i, "null", None, "", label))
                continue
            raw_target = child if isinstance(child, str) else str(child)
            target = by_uuid.get(raw_target) if isinstance(child, str) else None
            if target is None:
                self.warnings.append(f"{where}{describe(node)} child {i} names unknown node {raw_target}")
                node.edges.append(Edge(i, "dangling", None, raw_target, label))
            else:
                node.edges.append(Edge(i, "ok", target.key, raw_target, label))
        if fallback and not on_next:
            target = by_uuid.get(fallback)
            if target is None:
                self.warnings.append(f"{where}{describe(node)} fallbackChildUuid names unknown node {fallback}")
            else:
                node.edges.append(Edge(-1, "ok", target.key, fallback, "on failure", dashed=True))

    def _start(self, nodes: list[NodeView], where: str) -> str | None:
        exact = [n for n in nodes if n.slug == "start" and n.action == "start"]
        if len(exact) > 1:
            self.warnings.append(f"{where}{len(exact)} start nodes; drawing from the first")
        if exact:
            return exact[0].key
        loose = [n for n in nodes if n.action == "start" or n.slug == "start"]
        if loose:
            self.warnings.append(f"{where}no node has slug 'start' and actionSlug 'start'; "
                                 f"drawing from {describe(loose[0])}")
            return loose[0].key
        if nodes:
            self.warnings.append(f"{where}no start node; every node is unreachable")
        else:
            self.warnings.append(f"{where}the graph has no nodes")
        return None

    def _duplicate_slugs(self, level: Level, where: str) -> None:
        counts: dict[str, int] = {}
        for node in level.nodes:
            if node.slug:
                counts[node.slug] = counts.get(node.slug, 0) + 1
        dups = {s for s, n in counts.items() if n > 1}
        if not dups:
            return
        referenced: set[str] = set()
        for node in level.nodes:
            for text in _strings(node.raw.get("config"), skip_nodes=True):
                referenced |= _refs(_NODES_REF, text)
            sub = node.raw["config"].get("_nodes") if node.action == "group" else None
            for text in _strings(sub):
                referenced |= _refs(_PARENT_REF, text)
        for slug in sorted(dups & referenced):
            self.warnings.append(
                f"{where}slug '{slug}' is used by {counts[slug]} nodes and referenced in expressions; "
                "a reference reads the most recently executed one"
            )


def _reach(by_key: dict[str, NodeView], start: str | None) -> set[str]:
    seen: set[str] = set()
    stack = [start] if start is not None else []
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        stack.extend(e.target for e in by_key[key].edges if e.target is not None)
    return seen


def build_model(
    nodes: Any, *, paid: Collection[str] = (), highlight: Collection[str] = ()
) -> GraphModel:
    """Normalise a raw node list into levels with resolved edges, collecting warnings in order."""
    builder = _Builder(paid, highlight)
    root = builder.level(nodes, None, "")
    for mark, wanted in (("paid", builder.paid), ("highlight", builder.highlight)):
        for item in sorted(wanted):
            if f"{mark}:{item}" not in builder.matched:
                builder.warnings.append(f"--{mark} '{item}' matches no node")
    return GraphModel(root, builder.warnings)
