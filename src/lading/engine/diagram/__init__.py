"""`node diagram`: a node graph drawn as a Mermaid flowchart or as box-drawing text (spec:
orchestration §3.10 "diagram").

The service layer resolves the graph source (`--nodes`, `--file`, a workflow, release or run) and
calls `render_diagram`; this package only draws. Drawing is free and must work on the broken graphs
people draw to understand what is wrong, so it never raises on a list of node objects: problems come
back as `warnings`. Only a bad `format`/`direction` (a usage error) raises.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from lading.domain.errors import UsageError, shown
from lading.engine.diagram._model import Labels, build_model
from lading.engine.diagram.ascii import AsciiRenderer
from lading.engine.diagram.mermaid import MermaidRenderer

__all__ = ["DIRECTIONS", "FORMATS", "Diagram", "raw_text", "render_diagram"]

FORMATS = ("mermaid", "ascii")
DIRECTIONS = ("TD", "LR")


@dataclass
class Diagram:
    """A drawing plus what the drawing could not say (`{"diagram","format","warnings"}`)."""

    text: str
    format: str
    warnings: list[str] = field(default_factory=list)


def render_diagram(
    nodes: list[dict[str, Any]],
    *,
    format: str = "mermaid",
    title: str | None = None,
    direction: str = "TD",
    paid: Collection[str] = (),
    highlight: Collection[str] = (),
    connector_names: Mapping[str, str] | None = None,
    agent_names: Mapping[str, str] | None = None,
) -> Diagram:
    """Draw a node graph. `paid`/`highlight` hold slugs or uuids; `connector_names` maps an
    integrationSlug to its display name (default: the slug title-cased); `agent_names` maps an
    agentUuid to the agent's name (default: the uuid's first eight characters)."""
    fmt = format.lower() if isinstance(format, str) else ""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)} (got {shown(format)})")
    dirn = direction.upper() if isinstance(direction, str) else ""
    if dirn == "TB":
        dirn = "TD"
    if dirn not in DIRECTIONS:
        raise UsageError(f"--direction must be one of {', '.join(DIRECTIONS)} (got {shown(direction)})")
    model = build_model(nodes, paid=paid, highlight=highlight)
    labels = Labels(connector_names, agent_names)
    warnings = list(model.warnings)
    if fmt == "mermaid":
        text = MermaidRenderer(model, labels, dirn, title or None).render()
    else:
        text, width_warnings = AsciiRenderer(model, labels).render(title or None)
        warnings += width_warnings
    return Diagram(text, fmt, warnings)


def raw_text(diagram: Diagram) -> str:
    """What `--raw` prints: ASCII as is, Mermaid as a fenced ```mermaid block."""
    if diagram.format == "mermaid":
        return f"```mermaid\n{diagram.text}\n```"
    return diagram.text
