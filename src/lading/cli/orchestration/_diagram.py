"""`orchestration node diagram`, embedded or through `POST /orchestration/nodes/diagram` (api.md §12).

In remote mode a `--file` is read here (the server must never open a path a client names) and sent
as `nodes`; the `--raw` drawing is made from the answer, so both modes print the same."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lading.cli._lazy import lazy_module

if TYPE_CHECKING:
    from lading.services.orchestration import nodes as svc
    from lading.services.orchestration import shapes
else:  # imported when a command answers locally: remote mode never loads the store
    shapes = lazy_module("lading.services.orchestration.shapes")
    svc = lazy_module("lading.services.orchestration.nodes")


def _file_nodes(file: str) -> Any:
    """The graph in a JSON file: an array of nodes, or an object holding one under `nodes`."""
    import orjson

    from lading.domain.errors import ValidationError
    from lading.domain.user_files import read_user_file

    try:
        found = orjson.loads(read_user_file("--file", file))
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"{file} is not valid JSON: {exc}", reason="invalidData") from exc
    return found["nodes"] if isinstance(found, dict) and isinstance(found.get("nodes"), list) else found


def _check_flags(fmt: str, direction: str, sources: list[Any]) -> None:
    """The usage errors the embedded command reports before any work, reported alike remotely (exit 2)."""
    from lading.domain.errors import UsageError, shown

    if fmt not in ("mermaid", "ascii"):
        raise UsageError(f"error: --format must be mermaid or ascii, got {shown(fmt)}")
    if direction not in ("TD", "LR"):
        raise UsageError(f"error: --direction must be TD or LR, got {shown(direction)}")
    if len([s for s in sources if s is not None]) != 1:
        raise UsageError("error: pass exactly one of --nodes, --file, --workflow-uuid, --release-uuid, --run-uuid")


def draw(*, fmt: str, title: str | None, direction: str, paid: list[str] | None, highlight: list[str] | None,
         nodes: Any, file: str | None, workflow_uuid: str | None, draft: bool, release_uuid: str | None,
         run_uuid: str | None) -> tuple[dict[str, Any], str]:
    """The `{"diagram","format","warnings"}` document, and the drawing `--raw` prints."""
    from lading.cli.common import answer
    from lading.cli.remote import target
    from lading.engine.diagram import Diagram, raw_text
    def here(session: Any) -> dict[str, Any]:
        result = svc.diagram(session, fmt=fmt, title=title, direction=direction, paid=paid, highlight=highlight,
                             nodes=nodes, file=file, workflow_uuid=workflow_uuid, draft=draft,
                             release_uuid=release_uuid, run_uuid=run_uuid)
        return shapes.Diagram(diagram=result.text, format=result.format, warnings=result.warnings).dump()

    body: dict[str, Any] = {}
    if target() is not None:
        _check_flags(fmt, direction, [nodes, file, workflow_uuid, release_uuid, run_uuid])
        body = {"nodes": _file_nodes(file) if file is not None else nodes, "workflowUuid": workflow_uuid,
                "draft": draft, "releaseUuid": release_uuid, "runUuid": run_uuid, "format": fmt, "title": title,
                "direction": direction, "paid": paid, "highlight": highlight}
    document = answer("POST", "/orchestration/nodes/diagram", body=body, local=here)
    drawing = raw_text(Diagram(text=document["diagram"], format=document["format"], warnings=document["warnings"]))
    return document, drawing
