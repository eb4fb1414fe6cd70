"""An indexed, read-only view of a node graph (a list of node dicts, spec §2.1).

Graphs are parsed once per release and cached, since a worker executes the same release for
thousands of runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Graph:
    """Nodes of one graph level; group sub-graphs are their own `Graph` via `subgraph()`."""

    nodes: list[dict[str, Any]]
    by_uuid: dict[str, dict[str, Any]] = field(default_factory=dict)
    start: dict[str, Any] | None = None
    _subgraphs: dict[str, Graph] = field(default_factory=dict)

    @classmethod
    def from_nodes(cls, nodes: list[dict[str, Any]]) -> Graph:
        graph = cls(nodes=nodes)
        for node in nodes:
            if isinstance(node, dict) and isinstance(node.get("uuid"), str):
                graph.by_uuid[node["uuid"]] = node
                if node.get("slug") == "start" and node.get("actionSlug") == "start" and graph.start is None:
                    graph.start = node
        return graph

    def node(self, uuid: str) -> dict[str, Any] | None:
        return self.by_uuid.get(uuid)

    def subgraph(self, group_node: dict[str, Any]) -> Graph:
        """The `_nodes` graph of a group node (cached)."""
        key = group_node["uuid"]
        sub = self._subgraphs.get(key)
        if sub is None:
            config = group_node.get("config") or {}
            sub = Graph.from_nodes(list(config.get("_nodes") or []))
            self._subgraphs[key] = sub
        return sub

    def find_subgraph_owner(self, node_uuid: str) -> tuple[Graph, dict[str, Any]] | None:
        """The graph level and group node whose `_nodes` hold `node_uuid` (searching nested groups)."""
        for node in self.nodes:
            if node.get("actionSlug") == "group" and node.get("kind") == "native":
                sub = self.subgraph(node)
                if node_uuid in sub.by_uuid:
                    return sub, node
                found = sub.find_subgraph_owner(node_uuid)
                if found:
                    return found
        return None


_CACHE: dict[str, Graph] = {}


def graph_for_release(release_uuid: str, nodes: list[dict[str, Any]]) -> Graph:
    """Cached graph of an immutable release (drafts change: callers pass a fresh key for them)."""
    graph = _CACHE.get(release_uuid)
    if graph is None:
        if len(_CACHE) > 512:
            _CACHE.clear()
        graph = Graph.from_nodes(nodes)
        _CACHE[release_uuid] = graph
    return graph
