"""Builders for node graphs used across tests (spec §2.1 node shape)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any


def new_uuid() -> str:
    return str(uuid.uuid4())


def node(slug: str, action: str | None = None, config: dict[str, Any] | None = None, children: list[Any] | None = None,
         kind: str = "native", **extra: Any) -> dict[str, Any]:
    n: dict[str, Any] = {
        "uuid": extra.pop("uuid", None) or new_uuid(),
        "slug": slug,
        "kind": kind,
        "config": config if config is not None else {},
        "childrenUuids": children if children is not None else [],
        "fallbackOnFailure": extra.pop("fallbackOnFailure", False),
        "position": {"x": 0, "y": 0},
    }
    if kind == "native":
        n["actionSlug"] = action or slug
    n.update(extra)
    return n


def var(name: str, value: Any, type_: str = "any") -> dict[str, Any]:
    return {"name": name, "type": type_, "value": value}


def chain(*nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """Link nodes linearly (each non-end node's single child is the next one)."""
    for a, b in itertools.pairwise(nodes):
        if not a["childrenUuids"]:
            a["childrenUuids"] = [b["uuid"]]
    return list(nodes)


def end(variables: list[dict[str, Any]] | None = None, slug: str = "end", **extra: Any) -> dict[str, Any]:
    return node(slug, "end", {"variables": variables or []}, [], **extra)


def start(**extra: Any) -> dict[str, Any]:
    return node("start", "start", {}, **extra)
