"""`POST /orchestration/nodes/diagram`: `orchestration node diagram` over HTTP (api.md §12).

The body is the command's flags, less `--file` (a path would name a file on the server: the remote
CLI reads the file itself and sends its `nodes`) and `--raw` (the CLI draws the raw text from this
answer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.domain.errors import UsageError, ValidationError
from lading.services.orchestration import nodes, shapes
from lading.services.session import Session

router = Router(prefix="/orchestration/nodes", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class DiagramRequest(Body):
    nodes: Any = None
    workflow_uuid: str | None = None
    draft: bool = False
    release_uuid: str | None = None
    run_uuid: str | None = None
    format: str = "mermaid"
    title: str | None = None
    direction: str = "TD"
    paid: list[str] | None = None
    highlight: list[str] | None = None


@router.post("/diagram", summary="node diagram (Lading): draw a graph as Mermaid or ASCII", **answers(shapes.Diagram))
def diagram(body: DiagramRequest, session: Caller) -> dict[str, Any]:
    try:
        result = nodes.diagram(session, fmt=body.format, title=body.title, direction=body.direction,
                               paid=body.paid, highlight=body.highlight, nodes=body.nodes,
                               workflow_uuid=body.workflow_uuid, draft=body.draft, release_uuid=body.release_uuid,
                               run_uuid=body.run_uuid)
    except UsageError as exc:  # the CLI's flag errors: bad input here
        raise ValidationError(exc.message.removeprefix("error: "), reason="invalidPayload") from None
    return shapes.Diagram(diagram=result.text, format=result.format, warnings=result.warnings).dump()
