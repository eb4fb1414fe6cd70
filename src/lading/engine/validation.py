"""Structural validation of node graphs (spec: orchestration §2.1–§2.4, §2.10).

`node validate`, run/batch creation with `--nodes`, draft updates and deploys all need the same
answer to "can this graph run?", so it is computed here once, as data: a list of `invalidNodes`
entries, empty when the graph is valid. No expression is evaluated: each `{{ }}` segment is only
compiled (V8, `_validation_expressions`) and its `nodes.<slug>` reads are checked against the nodes
upstream of it; a native's config is checked against its catalog JSON Schema (`_validation_schema`).
It never touches storage: the caller passes a `References` that answers whether the connectors,
tools, agents and integration actions a graph names exist in its workspace.

"Can have run before" (reasons `referenceNotFound` / `referenceNotUpstream`): a node with that slug
is upstream of the reader in the reader's own level, through children or fallback edges, on any
path (an untaken branch reads as `undefined`, which §2.8 allows). Inside a group's `_nodes`,
`nodes` is the iteration's own graph and `parentNodes` the nodes upstream of the group node; at the
top level `parentNodes` is empty. Nodes unreachable from start never run, so only existence is
checked for them.

It must never raise, whatever JSON it is given: a graph is user input and a crash would turn a
`notValid` outcome into a server error. Per-node shape rules live in `_validation_fields`.

Entry order is deterministic: the entries of each node in graph order (a group's nested
`subNodesInvalid` entry right after the group's own entries), then the graph-level entries of
that level (`startNodeNotFound`, then `cycleDetected`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from lading.domain.nodes import NODE_KINDS, SLUG_RE
from lading.engine import _validation_expressions as expressions
from lading.engine._validation_fields import (
    base_field_problems,
    children_list_ok,
    is_uuid,
    routes_ok,
    show,
    target_problems,
)
from lading.engine._validation_schema import config_path, config_schema_findings
from lading.engine.expressions import segment_references
from lading.engine.natives.catalog import NATIVE_ACTIONS, native_children_counts
from lading.engine.natives.waterfall import step_slugs

# Deeper group nesting than this is refused rather than recursed into (keeps the stack bounded).
MAX_GROUP_DEPTH = 32


class References(Protocol):
    """Lookups into the caller's workspace; validation itself never touches storage."""

    def connector_exists(self, connector_uuid: str) -> bool: ...

    def connector_action_children(self, integration_slug: str, action_slug: str) -> int | None:
        """Children count of an integration action; None when the integration or action is unknown."""
        ...

    def connector_optional(self, integration_slug: str) -> bool:
        """True when the integration's actions can run without a connector (generic HTTP)."""
        ...

    def tool_exists(self, tool_uuid: str) -> bool: ...

    def agent_exists(self, agent_uuid: str) -> bool: ...


class NoReferences:
    """A workspace where no connector, tool, agent or integration exists."""

    def connector_exists(self, connector_uuid: str) -> bool:
        return False

    def connector_action_children(self, integration_slug: str, action_slug: str) -> int | None:
        return None

    def connector_optional(self, integration_slug: str) -> bool:
        return False

    def tool_exists(self, tool_uuid: str) -> bool:
        return False

    def agent_exists(self, agent_uuid: str) -> bool:
        return False


def validate_nodes(nodes: Any, refs: References) -> list[dict[str, Any]]:
    """Empty list = valid. Else the `invalidNodes` entries: {"node": {"uuid","slug"} | None, "reason": str,
    "message": str, and for subNodesInvalid also "invalidNodes": [...] nested}."""
    prime_expressions(nodes)
    return _Level(refs=refs, seen=set(), depth=0, parent_slugs=None).validate(nodes)


def prime_expressions(nodes: Any) -> None:
    """Decide the syntax of a graph's expressions now (one V8 round trip, cached by text), so that a
    later `validate_nodes` inside a write transaction does not wait on the sandbox."""
    expressions.prime(use.source for use in expressions.graph_segments(nodes, limit=MAX_GROUP_DEPTH))


def validation_document(nodes: Any, refs: References) -> dict[str, Any]:
    """The `node validate` document: {"outcome":"valid"} or {"outcome":"notValid","invalidNodes":[…]}."""
    invalid = validate_nodes(nodes, refs)
    if not invalid:
        return {"outcome": "valid"}
    return {"outcome": "notValid", "invalidNodes": invalid}


def _node_ref(node: dict[str, Any]) -> dict[str, Any]:
    uuid, slug = node.get("uuid"), node.get("slug")
    return {"uuid": uuid if isinstance(uuid, str) else None, "slug": slug if isinstance(slug, str) else None}


def _entry(node: dict[str, Any] | None, reason: str, message: str, path: str | None = None) -> dict[str, Any]:
    entry = {"node": None if node is None else _node_ref(node), "reason": reason, "message": message}
    if path is not None:
        entry["path"] = path  # where in the node: `config.prompt`, `config.variables[0].type`
    return entry


def _native_action(node: dict[str, Any]) -> str | None:
    """The native actionSlug of a node, None for other kinds (tool/agent nodes have none)."""
    action = node.get("actionSlug")
    return action if node.get("kind") == "native" and isinstance(action, str) else None


def _role_action(node: dict[str, Any]) -> str | None:
    """The actionSlug the start/end rules see. A node whose kind is missing or unknown is taken as
    native here, so that one bad `kind` is reported once (nodeInvalid) rather than also as a
    misused reserved slug and a missing start node."""
    if node.get("kind") in ("connector", "tool", "agent"):
        return None
    action = node.get("actionSlug")
    return action if isinstance(action, str) else None


@dataclass
class _Level:
    """Validation of one graph level (the top graph, or one group's `_nodes`)."""

    refs: References
    # Uuids met so far anywhere in the whole graph, nested levels included, in document order.
    seen: set[str]
    depth: int
    # Slugs a `parentNodes.<slug>` may read here: the nodes upstream of the group node in the level
    # above; None at the top level, where no run has a parent context.
    parent_slugs: frozenset[str] | None
    out: list[dict[str, Any]] = field(default_factory=list)
    uuids: set[str] = field(default_factory=set)
    # Predecessors over children and fallback edges, and the slugs of this level.
    predecessors: dict[str, list[str]] = field(default_factory=dict)
    slug_of: dict[str, str] = field(default_factory=dict)
    # Nodes reachable from this level's start node: the others never run (§2.2), so what they read
    # is checked for existence only.
    reachable: set[str] = field(default_factory=set)
    # Acyclic levels: per node, a bitset of the nodes upstream of it (one bit per uuid of the level),
    # and per slug the bits of its nodes, so "can <slug> have run before?" is one AND. None when the
    # level has a cycle (reported): a walk answers instead.
    ancestors: dict[str, int] | None = None
    slug_bits: dict[str, int] = field(default_factory=dict)
    start_count: int = 0
    end_slug_count: int = 0

    def validate(self, nodes: Any) -> list[dict[str, Any]]:
        if not isinstance(nodes, list):
            return [_entry(None, "nodeInvalid", f"nodes must be a list of node objects, got {show(nodes)}")]
        self.uuids = {n["uuid"] for n in nodes if isinstance(n, dict) and isinstance(n.get("uuid"), str)}
        self._index_edges(nodes)
        for index, node in enumerate(nodes):
            if not isinstance(node, dict):
                message = f"nodes[{index}] must be an object, got {show(node)}"
                self.out.append(_entry(None, "nodeInvalid", message))
                continue
            self._check_node(node)
        if self.start_count == 0:
            self.out.append(_entry(
                None, "startNodeNotFound", "no node with slug 'start' and actionSlug 'start'"
            ))
        self._check_cycle(nodes)
        return self.out

    def _add(self, node: dict[str, Any], reason: str, message: str, path: str | None = None) -> None:
        self.out.append(_entry(node, reason, message, path))

    def _check_node(self, node: dict[str, Any]) -> None:
        self._check_identity(node)
        for problem in base_field_problems(node):
            self._add(node, "nodeInvalid", problem)
        kind = node.get("kind")
        kind_check = {
            "native": self._check_native,
            "connector": self._check_connector,
            "tool": self._check_tool,
            "agent": self._check_agent,
        }.get(kind if isinstance(kind, str) else "")
        if kind_check is not None:
            kind_check(node)
        self._check_reserved_slugs(node)
        self._check_children_count(node)
        self._check_edges(node)
        self._check_expressions(node)
        if _native_action(node) == "group":
            self._check_group(node)

    def _check_identity(self, node: dict[str, Any]) -> None:
        uuid, slug, kind = node.get("uuid"), node.get("slug"), node.get("kind")
        if not isinstance(uuid, str):
            self._add(node, "nodeInvalid", f"'uuid' is required and must be a string, got {show(uuid)}")
        elif not is_uuid(uuid):
            self._add(node, "nodeInvalid", f"'uuid' is not a valid UUID: {show(uuid)}")
        elif uuid in self.seen:
            self._add(node, "nodeInvalid", f"duplicate uuid {uuid} (uuids are unique across the whole graph)")
        else:
            self.seen.add(uuid)
        if not isinstance(slug, str):
            self._add(node, "nodeInvalid", f"'slug' is required and must be a string, got {show(slug)}")
        elif SLUG_RE.fullmatch(slug) is None:
            self._add(node, "slugInvalid", f"slug {show(slug)} must match [a-zA-Z0-9_]+")
        if not isinstance(kind, str):
            self._add(node, "nodeInvalid", f"'kind' is required and must be a string, got {show(kind)}")
        elif kind not in NODE_KINDS:
            expected = ", ".join(NODE_KINDS)
            self._add(node, "nodeInvalid", f"unknown kind {show(kind)}; expected one of {expected}")

    # -- kinds -----------------------------------------------------------------------------------

    def _check_native(self, node: dict[str, Any]) -> None:
        action = node.get("actionSlug")
        if not isinstance(action, str):
            self._add(node, "nodeInvalid", f"a native node needs a string 'actionSlug', got {show(action)}")
        elif action not in NATIVE_ACTIONS:
            self._add(node, "nativeInvalid", f"unknown native action {show(action)}")
        elif isinstance(node.get("config"), dict):
            for finding in config_schema_findings(action, node["config"]):
                self._add(node, "nodeInvalid", finding.message, finding.path)
            if action == "waterfall":
                self._check_waterfall(node, node["config"])

    def _check_provider_call(self, node: dict[str, Any], call: dict[str, Any], path: str, reason: str) -> None:
        """A waterfall step's (or validator's) integration action and connector, as a connector node's."""
        integration, action, connector = call.get("integrationSlug"), call.get("actionSlug"), call.get("connectorUuid")
        if not (isinstance(integration, str) and isinstance(action, str)):
            return  # reported by the schema check
        if self.refs.connector_action_children(integration, action) is None:
            self._add(node, reason, f"'{path}': unknown connector action {integration}.{action}", path)
            return
        if connector is None and not self.refs.connector_optional(integration):
            self._add(node, reason, f"'{path}': {integration} needs a connector: give the step a 'connectorUuid'",
                      f"{path}.connectorUuid")
        elif isinstance(connector, str) and not (is_uuid(connector) and self.refs.connector_exists(connector)):
            self._add(node, "connectorNotFound", f"'{path}': connector {show(connector)} does not exist",
                      f"{path}.connectorUuid")

    def _check_waterfall(self, node: dict[str, Any], config: dict[str, Any]) -> None:
        """What the schema cannot say: the actions and connectors exist, step names are unique, every
        mapping fills a wanted field and every wanted field is mapped by some step."""
        wanted = config.get("fields")
        wanted_set = {f for f in wanted if isinstance(f, str)} if isinstance(wanted, list) else None
        steps = config.get("steps")
        if not isinstance(steps, list):
            return
        mapped: set[str] = set()
        names = step_slugs(steps)
        for index, (name, step) in enumerate(zip(names, steps, strict=True)):
            path = f"config.steps[{index}]"
            if not isinstance(step, dict):
                continue
            if names.index(name) != index:
                self._add(node, "waterfallStepInvalid",
                          f"'{path}': another step is already named {show(name)}; give each step its own 'slug'",
                          f"{path}.slug")
            self._check_provider_call(node, step, path, "waterfallStepInvalid")
            mapping = step.get("mapping")
            for field_name in mapping if isinstance(mapping, dict) else ():
                mapped.add(field_name)
                if wanted_set is not None and field_name not in wanted_set:
                    self._add(node, "waterfallMappingInvalid",
                              f"'{path}.mapping' fills {show(field_name)}, which is not one of config.fields "
                              f"({', '.join(sorted(wanted_set)) or 'none'})", f"{path}.mapping.{field_name}")
        for field_name in sorted((wanted_set or set()) - mapped):
            self._add(node, "waterfallMappingInvalid",
                      f"wanted field {show(field_name)} is mapped by no step: it could never be filled",
                      "config.fields")
        validator = config.get("validator")
        if isinstance(validator, dict):
            self._check_provider_call(node, validator, "config.validator", "waterfallValidatorInvalid")
            checked = validator.get("fields")
            for field_name in checked if isinstance(checked, list) else ():
                if isinstance(field_name, str) and wanted_set is not None and field_name not in wanted_set:
                    self._add(node, "waterfallValidatorInvalid",
                              f"'config.validator.fields' names {show(field_name)}, which is not one of "
                              "config.fields", "config.validator.fields")

    def _check_connector(self, node: dict[str, Any]) -> None:
        for key in ("integrationSlug", "actionSlug", "connectorUuid"):
            if (key == "connectorUuid" and node.get(key) is None and isinstance(node.get("integrationSlug"), str)
                    and self.refs.connector_optional(node["integrationSlug"])):
                continue  # e.g. generic HTTP with absolute URLs needs no connector
            if not isinstance(node.get(key), str):
                message = f"a connector node needs a string '{key}', got {show(node.get(key))}"
                self._add(node, "nodeInvalid", message)
        integration, action = node.get("integrationSlug"), node.get("actionSlug")
        if (
            isinstance(integration, str)
            and isinstance(action, str)
            and self.refs.connector_action_children(integration, action) is None
        ):
            self._add(node, "nodeInvalid", f"unknown connector action {integration}.{action}")
        connector = node.get("connectorUuid")
        if isinstance(connector, str) and not (is_uuid(connector) and self.refs.connector_exists(connector)):
            # Unreplaced template placeholders (`__REPLACE_WITH_CONNECTOR_UUID__`) land here too.
            self._add(node, "connectorNotFound", f"connector {show(connector)} does not exist")

    def _check_tool(self, node: dict[str, Any]) -> None:
        self._check_target(node, "toolUuid", "toolInvalid", self.refs.tool_exists)

    def _check_agent(self, node: dict[str, Any]) -> None:
        self._check_target(node, "agentUuid", "agentInvalid", self.refs.agent_exists)

    def _check_target(self, node: dict[str, Any], key: str, reason: str, exists: Any) -> None:
        for problem in target_problems(node, key):
            self._add(node, "nodeInvalid", problem)
        target = node.get(key)
        if isinstance(target, str) and not (is_uuid(target) and exists(target)):
            self._add(node, reason, f"{key} {show(target)} does not exist")

    # -- graph rules -----------------------------------------------------------------------------

    def _check_reserved_slugs(self, node: dict[str, Any]) -> None:
        """§2.2: exactly one start node, slug `start` only on it; slug `end` only on one end node."""
        slug, action = node.get("slug"), _role_action(node)
        if slug == "start" and action != "start":
            self._add(node, "slugInvalid", "slug 'start' is reserved for the native start node")
        if action == "start" and isinstance(slug, str) and slug != "start":
            self._add(node, "slugInvalid", f"the start node must have slug 'start', not {show(slug)}")
        if action == "start" and slug == "start":
            self.start_count += 1
            if self.start_count > 1:
                self._add(node, "slugInvalid", "more than one start node")
        if slug == "end" and action != "end":
            self._add(node, "slugInvalid", "slug 'end' is reserved for native end nodes")
        if slug == "end" and action == "end":
            self.end_slug_count += 1
            if self.end_slug_count > 1:
                message = "only one end node may use slug 'end'; give the others other slugs"
                self._add(node, "slugInvalid", message)

    def _expected_children(self, node: dict[str, Any]) -> tuple[int, ...] | None:
        """Allowed children counts, or None when unknown (the cause is reported elsewhere)."""
        kind, config = node.get("kind"), node.get("config")
        if kind == "native":
            action = _native_action(node)
            if action is None:
                return None
            if action == "switch" and not (isinstance(config, dict) and routes_ok(config)):
                return None  # the routes are reported by the config check
            return native_children_counts(action, config)
        if kind == "connector":
            integration, action = node.get("integrationSlug"), node.get("actionSlug")
            if not (isinstance(integration, str) and isinstance(action, str)):
                return None
            count = self.refs.connector_action_children(integration, action)
            if count is None:
                return None
            # An action declaring no children continues to one child (§2.1).
            return (count if isinstance(count, int) and count >= 1 else 1,)
        if kind in ("tool", "agent"):
            return (1,)
        return None

    def _check_children_count(self, node: dict[str, Any]) -> None:
        children = node.get("childrenUuids")
        if not children_list_ok(children):
            return
        expected = self._expected_children(node)
        if expected is not None and len(children) not in expected:
            wanted = " or ".join(str(n) for n in expected)
            self._add(
                node, "childrenUuidsInvalid",
                f"this action takes {wanted} children, got {len(children)} (only end nodes have [])",
            )

    def _check_edges(self, node: dict[str, Any]) -> None:
        children = node.get("childrenUuids")
        for child in children if isinstance(children, list) else ():
            if isinstance(child, str) and child not in self.uuids:
                self._add(node, "nodesNotFound", f"child {show(child)} is not a node of this graph")
        fallback = node.get("fallbackChildUuid")
        if isinstance(fallback, str) and fallback not in self.uuids:
            message = f"fallbackChildUuid {show(fallback)} is not a node of this graph"
            self._add(node, "nodesNotFound", message)

    def _check_group(self, node: dict[str, Any]) -> None:
        config = node.get("config")
        sub_nodes = config.get("_nodes") if isinstance(config, dict) else None
        if not isinstance(sub_nodes, list):
            return  # reported as nodeInvalid by the config check
        if self.depth + 1 > MAX_GROUP_DEPTH:
            self._add(node, "nodeInvalid", f"groups are nested deeper than {MAX_GROUP_DEPTH} levels")
            return
        upstream = self._upstream_slugs(node["uuid"]) if isinstance(node.get("uuid"), str) else frozenset()
        nested = _Level(refs=self.refs, seen=self.seen, depth=self.depth + 1,
                        parent_slugs=upstream).validate(sub_nodes)
        if nested:
            message = f"the group's _nodes are invalid ({len(nested)} problems)"
            entry = _entry(node, "subNodesInvalid", message)
            entry["invalidNodes"] = nested
            self.out.append(entry)

    # -- expressions -----------------------------------------------------------------------------

    def _index_edges(self, nodes: list[Any]) -> None:
        for node in nodes:
            if not (isinstance(node, dict) and isinstance(node.get("uuid"), str)):
                continue
            uuid = node["uuid"]
            if isinstance(node.get("slug"), str):
                self.slug_of.setdefault(uuid, node["slug"])
            children = node.get("childrenUuids")
            targets = [c for c in children if isinstance(c, str)] if isinstance(children, list) else []
            if isinstance(node.get("fallbackChildUuid"), str):
                targets.append(node["fallbackChildUuid"])
            for target in targets:
                self.predecessors.setdefault(target, []).append(uuid)
        successors: dict[str, list[str]] = {}
        for target, sources in self.predecessors.items():
            for source in sources:
                successors.setdefault(source, []).append(target)
        self._index_ancestors(successors)
        starts = [n["uuid"] for n in nodes if isinstance(n, dict) and isinstance(n.get("uuid"), str)
                  and n.get("slug") == "start" and n.get("actionSlug") == "start"]
        stack = starts[:1]
        while stack:
            current = stack.pop()
            if current not in self.reachable:
                self.reachable.add(current)
                stack.extend(successors.get(current, ()))

    def _index_ancestors(self, successors: dict[str, list[str]]) -> None:
        bits = {uuid: 1 << i for i, uuid in enumerate(self.uuids)}
        for uuid, slug in self.slug_of.items():
            self.slug_bits[slug] = self.slug_bits.get(slug, 0) | bits[uuid]
        waiting = {uuid: sum(1 for p in self.predecessors.get(uuid, ()) if p in bits) for uuid in bits}
        ready = [uuid for uuid, count in waiting.items() if count == 0]
        ancestors: dict[str, int] = {}
        while ready:
            uuid = ready.pop()
            mask = 0
            for parent in self.predecessors.get(uuid, ()):
                if parent in bits:
                    mask |= ancestors[parent] | bits[parent]
            ancestors[uuid] = mask
            for child in successors.get(uuid, ()):
                if child in waiting:
                    waiting[child] -= 1
                    if waiting[child] == 0:
                        ready.append(child)
        self.ancestors = ancestors if len(ancestors) == len(bits) else None

    def _can_run_before(self, uuid: str, slug: str) -> bool:
        """Whether a node with this slug is upstream of the node `uuid` in this level."""
        if self.ancestors is not None and uuid in self.ancestors:
            return bool(self.ancestors[uuid] & self.slug_bits.get(slug, 0))
        return slug in self._upstream_slugs(uuid)

    def _upstream_slugs(self, uuid: str) -> frozenset[str]:
        """Slugs of the nodes that can run before this one in its level: those from which it can be
        reached through children or fallback edges (on any path; an untaken branch reads as
        `undefined`, which §2.8 allows)."""
        found: set[str] = set()
        stack, visited = list(self.predecessors.get(uuid, ())), {uuid}
        while stack:
            current = stack.pop()
            if current in visited:
                continue
            visited.add(current)
            if current in self.slug_of:
                found.add(self.slug_of[current])
            stack.extend(self.predecessors.get(current, ()))
        return frozenset(found)

    def _check_expressions(self, node: dict[str, Any]) -> None:
        """§2.8: each segment parses as JavaScript, and every `nodes.<slug>` it reads names a node that
        can have run before this one (`parentNodes.<slug>`: before the enclosing group node)."""
        for use in expressions.node_segments(node):
            path = config_path(use.parts)
            problem = expressions.syntax_problem(use.source)
            if problem is not None:
                self._add(node, "expressionInvalid",
                          f"'{path}': the expression {show(use.raw, 80)} does not parse as JavaScript "
                          f"({problem}); expected a JavaScript expression between {{{{ and }}}}", path)
                continue
            read = segment_references(use.source)
            if read is None:
                continue
            for slug in sorted(read.nodes or ()):
                self._check_reference(node, path, "nodes", slug)
            for slug in sorted(read.parent_nodes or ()):
                self._check_parent_reference(node, path, slug)

    def _check_reference(self, node: dict[str, Any], path: str, root: str, slug: str) -> None:
        uuid = node.get("uuid")
        if isinstance(uuid, str) and self._can_run_before(uuid, slug):
            return
        runs = node.get("uuid") in self.reachable
        where = "this graph" if self.depth == 0 else "this group's _nodes"
        if slug not in self.slug_bits:
            if slug == "start":
                return  # reported once, as startNodeNotFound
            hint = ""
            if self.parent_slugs is not None and slug in self.parent_slugs:
                hint = f"; the parent run's nodes are read as parentNodes.{slug}"
            self._add(node, "referenceNotFound",
                      f"'{path}' reads {root}.{slug}, but no node of {where} has slug {show(slug)}: expected "
                      f"the slug of a node upstream of this one{hint}", path)
            return
        if not runs:
            return  # never runs (not reachable from start): nothing it reads can be missing
        self._add(node, "referenceNotUpstream",
                  f"'{path}' reads {root}.{slug}, but node {show(slug)} cannot have run before this node: "
                  f"expected a node upstream of it (through childrenUuids or fallbackChildUuid)", path)

    def _check_parent_reference(self, node: dict[str, Any], path: str, slug: str) -> None:
        if self.parent_slugs is None:
            self._add(node, "referenceNotFound",
                      f"'{path}' reads parentNodes.{slug}, but parentNodes is only set inside a group's _nodes",
                      path)
        elif slug not in self.parent_slugs:
            self._add(node, "referenceNotFound",
                      f"'{path}' reads parentNodes.{slug}, but no node upstream of the group has slug "
                      f"{show(slug)}", path)

    def _check_cycle(self, nodes: list[Any]) -> None:
        """Report one cycle over children and fallback edges (§2.2: the graph is acyclic)."""
        by_uuid: dict[str, dict[str, Any]] = {}
        for node in nodes:
            if isinstance(node, dict) and isinstance(node.get("uuid"), str):
                by_uuid.setdefault(node["uuid"], node)
        successors: dict[str, list[str]] = {}
        for uuid, node in by_uuid.items():
            children = node.get("childrenUuids")
            edges = [c for c in children if isinstance(c, str)] if isinstance(children, list) else []
            if isinstance(node.get("fallbackChildUuid"), str):
                edges.append(node["fallbackChildUuid"])
            successors[uuid] = [e for e in edges if e in by_uuid]
        cycle = _find_cycle(list(by_uuid), successors)
        if cycle is not None:
            names = " → ".join(_label(by_uuid[u]) for u in cycle)
            self._add(by_uuid[cycle[0]], "cycleDetected", f"the graph has a cycle: {names}")


def _label(node: dict[str, Any]) -> str:
    slug = node.get("slug")
    return slug if isinstance(slug, str) else str(node.get("uuid"))


def _find_cycle(order: list[str], successors: dict[str, list[str]]) -> list[str] | None:
    """First cycle met by an iterative depth-first search in graph order, as [a, …, a]; else None.
    Iterative so that a long chain of nodes cannot exhaust the interpreter's stack."""
    state: dict[str, int] = dict.fromkeys(order, 0)  # 0 unvisited, 1 on the current path, 2 done
    for root in order:
        if state[root]:
            continue
        state[root] = 1
        path = [root]
        stack = [iter(successors[root])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state[nxt] == 1:
                return [*path[path.index(nxt):], nxt]
            elif state[nxt] == 0:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(successors[nxt]))
    return None
