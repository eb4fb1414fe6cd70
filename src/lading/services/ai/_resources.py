"""Agent resources as model tools (spec §2.9): what a release's or a message's `resources` give a turn.

- A `file` resource becomes `search_<slug>` (`{"query": string}`): the passages of the files it
  reaches (files, every file of a folder, a library's files) ranked lexically (BM25, `ai.bm25`), the
  best few returned with their file names.
- A `model` resource becomes `query_<slug>`: a page of the model's records restricted by the
  resource's `filter` (segmentation shape, the same evaluator as segments), its
  `selectedColumnSlugs` and `limit`; the model may narrow it with a filter of its own on the visible
  columns. It only ever reads — `isReadOnly: false` does not grant writes here, and the tool says so.

Each resource's `prompt` joins the system prompt. Tool calls read the store in a worker thread;
anything the model got wrong (a bad filter, an unknown column) comes back as a tool error it can fix.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from lading.ai.turn import AgentTool, ToolResult
from lading.domain.errors import LadingError, NodeExecutionError, shown
from lading.services.session import Session

TOP_PASSAGES = 5
DEFAULT_ROWS = 20
MAX_ROWS = 100
MATCH_ALL = {"conjonction": "and", "groups": []}
FILTER_EXAMPLE = ('{"conjonction":"and","groups":[{"conjonction":"and","conditions":[{"kind":"string",'
                  '"columnSlug":"<column>","operator":"contains","values":["<text>"]}]}]}')


def _fail(message: str) -> NodeExecutionError:
    return NodeExecutionError(message, retryable=False)


def merge_resources(release_resources: Any, extra: Any) -> list[dict[str, Any]]:
    """The release's resources plus a message's (same slug: the message's wins), shape-checked."""
    from lading.ai.releases import check_resources

    merged: dict[Any, dict[str, Any]] = {}
    for resource in [*(release_resources or []), *(extra or [])]:
        if isinstance(resource, dict):
            merged[resource.get("slug")] = resource
    try:
        return check_resources(list(merged.values()))
    except LadingError as exc:
        raise _fail(exc.to_document()["errorMessage"]) from exc


def with_resource_prompts(system_prompt: str, resources: list[dict[str, Any]]) -> str:
    """The system prompt followed by each resource's `prompt`."""
    prompts = [str(r["prompt"]).strip() for r in resources if r.get("prompt") and str(r["prompt"]).strip()]
    return "\n\n".join([system_prompt, *prompts]) if system_prompt else "\n\n".join(prompts)


def resource_tools(session: Session, resources: list[dict[str, Any]]) -> list[AgentTool]:
    """One tool per resource; a resource naming nothing in this workspace fails the turn before the
    model is called (like a missing action)."""
    return [_file_tool(session, r) if r["kind"] == "file" else _model_tool(session, r) for r in resources]


# --- file resources -------------------------------------------------------------------------------


def _file_tool(session: Session, resource: dict[str, Any]) -> AgentTool:
    from lading.services.content.files import files_of_items

    with session.db.read() as conn:
        file_uuids, missing = files_of_items(conn, session.workspace_uuid, resource.get("items") or [])
    if missing:
        reason = {"file": "fileNotFound", "folder": "folderNotFound", "library": "libraryNotFound"}[
            missing[0].split(" ")[0]]
        raise _fail(f"{reason}: resource '{resource['slug']}' names {', '.join(missing)}, not in this workspace")
    description = str(resource.get("description") or
                      f"Search the files of '{resource['name']}': returns the passages that best match the "
                      "query's words, each with its file name.")

    async def call(arguments: Any) -> ToolResult:
        query = arguments.get("query") if isinstance(arguments, dict) else arguments
        if not isinstance(query, str) or not query.strip():
            return ToolResult({"error": "`query` must be a non-empty string"}, is_error=True)
        return ToolResult(await asyncio.to_thread(search_files, session, file_uuids, query))

    return AgentTool(slug=f"search_{resource['slug']}"[:64], description=description,
                     input_schema={"type": "object", "properties": {"query": {
                         "type": "string", "description": "Words to look for in the files."}}, "required": ["query"]},
                     call=call)


def search_files(session: Session, file_uuids: list[str], query: str, top: int = TOP_PASSAGES) -> dict[str, Any]:
    """The best passages of these files for the query (lexical BM25 ranking)."""
    from lading.ai.bm25 import rank
    from lading.store.repositories import content as repo

    with session.db.read() as conn:
        rows = repo.passage_terms(conn, session.workspace_uuid, file_uuids)
        hits = rank(query, [r.terms for r in rows], [r.length for r in rows], top)
        texts = repo.passage_texts(conn, session.workspace_uuid, [(rows[i].file_uuid, rows[i].seq) for i, _ in hits])
    results = []
    for i, score in hits:
        hit = texts.get((rows[i].file_uuid, rows[i].seq))
        if hit is not None:
            results.append({"fileUuid": hit.file_uuid, "fileName": hit.name, "passage": hit.seq,
                            "score": round(score, 4), "text": hit.text})
    return {"results": results}


# --- model resources ------------------------------------------------------------------------------


def _model_tool(session: Session, resource: dict[str, Any]) -> AgentTool:
    from lading.data.models import load_model

    try:
        with session.db.read() as conn:
            handle = load_model(conn, session.workspace_uuid, resource["modelUuid"])
    except LadingError as exc:
        raise _fail(f"resource '{resource['slug']}': {exc.to_document()['errorMessage']}") from exc
    selected = resource.get("selectedColumnSlugs")
    columns = [c for c in handle.columns if selected is None or c.slug in selected]
    unknown = sorted(set(selected or []) - {c.slug for c in handle.columns})
    if unknown:
        raise _fail(f"resource '{resource['slug']}': selectedColumnSlugs names unknown columns {', '.join(unknown)}")
    listing = ", ".join(f"{c.slug} ({c.type})" for c in columns)
    description = (f"{resource.get('description') or f'Read records of the model {shown(handle.slug)}.'} "
                   f"Columns: _id, {listing}. Read-only: this tool never changes records. An optional `filter` "
                   f"narrows the rows, e.g. {FILTER_EXAMPLE}.")
    schema = {"type": "object", "properties": {
        "filter": {"type": "object", "description": "Segmentation filter on the columns above (ANDed with the "
                                                    "resource's own filter)."},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS, "description": "Rows to return."},
        "offset": {"type": "integer", "minimum": 0}}}

    async def call(arguments: Any) -> ToolResult:
        args = arguments if isinstance(arguments, dict) else {}
        try:
            return ToolResult(await asyncio.to_thread(query_model, session, resource, args))
        except LadingError as exc:
            return ToolResult({"error": exc.to_document()["errorMessage"]}, is_error=True)

    return AgentTool(slug=f"query_{resource['slug']}"[:64], description=description[:1024], input_schema=schema,
                     call=call)


def _whole_number(value: Any, name: str, default: int, low: int, high: int) -> int:
    from lading.domain.errors import ValidationError

    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"`{name}` must be a whole number between {low} and {high}", reason="invalidData")
    return value


def query_model(session: Session, resource: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """A page of the resource's records: its filter AND the model's, its columns, within its limit."""
    from sqlalchemy import and_

    from lading.data.models import load_model
    from lading.data.segments import evaluate, output_columns, record_of
    from lading.store.clock import utcnow

    size = _whole_number(args.get("limit"), "limit", DEFAULT_ROWS, 1, MAX_ROWS)
    offset = _whole_number(args.get("offset"), "offset", 0, 0, 1_000_000)
    selected = resource.get("selectedColumnSlugs")
    with session.db.read() as conn:
        handle = load_model(conn, session.workspace_uuid, resource["modelUuid"])
        now = utcnow()
        ev = evaluate(conn, handle, resource.get("filter") or MATCH_ALL, None, resource.get("limit"), now)
        if args.get("filter") is not None:
            visible = dataclasses.replace(handle, columns=tuple(
                c for c in handle.columns if selected is None or c.slug in selected))
            narrowed = evaluate(conn, visible, args["filter"], None, None, now)
            ev = dataclasses.replace(ev, where=and_(ev.where, narrowed.where))
        columns = output_columns(handle, enrich=True, only=selected)
        slugs = [c["slug"] for c in columns]
        rows = conn.execute(ev.page([ev.table.c[s] for s in slugs], size, offset)).all()
        count = ev.count(conn)
    return {"records": [record_of(r, slugs) for r in rows], "count": count, "columns": slugs}
