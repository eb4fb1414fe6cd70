"""`orchestration run …`: create, get, list, count, cancel, download, download-outputs and get-metrics."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any, TextIO

import orjson

from lading.domain.errors import NotFoundError, ValidationError
from lading.domain.nodes import TERMINAL_STATUSES, parse_statuses
from lading.services import exports
from lading.services.inputs import json_object
from lading.services.orchestration import _downloads as downloads
from lading.services.orchestration import _metrics
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration._graphs import require_valid
from lading.services.orchestration.releases import require_release, require_workflow
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import records as records_repo
from lading.store.repositories import run_queue
from lading.store.repositories import runs as repo
from lading.store.repositories import workflows as wf_repo

MAX_LIMIT = 1000


def record_identity(data: Any, run_uuid: str) -> tuple[str, str]:
    """`recordId` = the input's `_id`, else the run uuid; `recordTitle` = compact input JSON (≤255)."""
    record_id = run_uuid
    if isinstance(data, dict) and data.get("_id") not in (None, ""):
        record_id = str(data["_id"])
    title = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()[:255]
    return record_id, title


def check_form_fields(form_fields: Any, data: Any) -> None:
    if not form_fields:
        return
    for field in form_fields:
        if field.get("required") and (not isinstance(data, dict) or data.get(field["slug"]) in (None, "")):
            raise ValidationError(f"missing required field '{field['slug']}'", reason="invalidData")


def resolve_release(session: Session, conn: Any, *, workflow_uuid: str | None, nodes: Any,
                    release_uuid: str | None, now: datetime, play_batch: bool = False) -> tuple[str, str | None, Any]:
    """The release a new run executes: `--nodes` (ad-hoc), a pinned release, or the deployed one.
    A play's workflow only runs through batches (`play_batch`)."""
    ws = session.workspace_uuid
    if nodes is not None and release_uuid:
        raise ValidationError("pass either --release-uuid or --nodes, not both", reason="invalidReleaseOrCustomNodes")
    if workflow_uuid:
        workflow = require_workflow(session, conn, workflow_uuid)
        if workflow.play_uuid and not play_batch:
            raise ValidationError("this workflow belongs to a play; use batch create", reason="playNotCompatible")
    if nodes is not None:
        if not isinstance(nodes, list):
            raise ValidationError("--nodes must be a JSON array", reason="nodeInvalid")
        require_valid(session, nodes)
        adhoc_uuid = str(uuidlib.uuid4())
        wf_repo.insert_release(conn, ws, {
            "uuid": adhoc_uuid, "workflow_uuid": workflow_uuid, "user_uuid": session.user_uuid, "version": None,
            "description": None, "status": "adhoc", "form_fields": None, "nodes": nodes, "created_at": now,
            "updated_at": now})
        return adhoc_uuid, workflow_uuid, None
    if release_uuid:
        release = require_release(session, conn, release_uuid)
        if workflow_uuid and release.workflow_uuid != workflow_uuid:
            raise NotFoundError("this release does not belong to the workflow", reason="releaseNotFound")
        if release.status == "draft":
            require_valid(session, release.nodes)
            # Drafts change; runs need an immutable graph: freeze a copy as an ad-hoc release.
            frozen = str(uuidlib.uuid4())
            wf_repo.insert_release(conn, ws, {
                "uuid": frozen, "workflow_uuid": release.workflow_uuid, "user_uuid": session.user_uuid,
                "version": None, "description": "draft snapshot", "status": "adhoc",
                "form_fields": release.form_fields, "nodes": release.nodes, "created_at": now, "updated_at": now})
            return frozen, release.workflow_uuid, release.form_fields
        return release.uuid, release.workflow_uuid, release.form_fields
    if not workflow_uuid:
        raise ValidationError("pass --workflow-uuid, --nodes or --release-uuid", reason="invalidData")
    deployed = wf_repo.release_by_status(conn, ws, workflow_uuid, "deployed")
    if deployed is None:
        raise NotFoundError("this workflow has no deployed release; deploy its draft first",
                            reason="noDeployedRelease")
    return deployed.uuid, workflow_uuid, deployed.form_fields


def create_run(session: Session, *, workflow_uuid: str | None = None, data: Any = None, nodes: Any = None,
               release_uuid: str | None = None) -> dict[str, Any]:
    data = json_object(data, "--data")
    now = utcnow()
    run_uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        rel_uuid, wf_uuid, form_fields = resolve_release(session, conn, workflow_uuid=workflow_uuid, nodes=nodes,
                                                         release_uuid=release_uuid, now=now)
        check_form_fields(form_fields, data)
        record_id, title = record_identity(data, run_uuid)
        row = new_run_row(session.workspace_uuid, run_uuid, wf_uuid, rel_uuid, data, record_id, title, now)
        tool = wf_repo.tool_by_workflow(conn, session.workspace_uuid, wf_uuid) if wf_uuid else None
        row["call_stack"] = [tool.uuid] if tool is not None else []
        repo.insert_runs(conn, [row])
        stored = repo.get_run(conn, session.workspace_uuid, run_uuid)
    return {"run": presenters.run(stored, nodes)}


def insert_graph_run(session: Session, conn: Any, *, nodes: list[dict[str, Any]], data: dict[str, Any],
                     run_uuid: str, now: datetime, call_stack: Sequence[str] = (),
                     parent_agent_uuid: str | None = None, identity: tuple[str, str] | None = None,
                     root_run_uuid: str | None = None) -> None:
    """A pending run of an ad-hoc graph (no workflow), inside the caller's transaction: what agent
    turns start for chat answers and for the actions a model calls. `identity` = (record id, title),
    else read from `data`. An action a model calls joins its caller's run tree (`root_run_uuid`), so
    whoever drives that tree runs it."""
    release_uuid, _, _ = resolve_release(session, conn, workflow_uuid=None, nodes=nodes, release_uuid=None, now=now)
    record_id, title = identity or record_identity(data, run_uuid)
    row = new_run_row(session.workspace_uuid, run_uuid, None, release_uuid, data, record_id, title, now)
    row["call_stack"] = list(call_stack)
    row["parent_agent_uuid"] = parent_agent_uuid
    if root_run_uuid:
        row["root_run_uuid"] = root_run_uuid
    repo.insert_runs(conn, [row])


def new_run_row(ws: str, run_uuid: str, workflow_uuid: str | None, release_uuid: str, data: Any, record_id: str,
                title: str, now: datetime, batch_uuid: str | None = None) -> dict[str, Any]:
    return {
        "uuid": run_uuid, "workspace_uuid": ws, "workflow_uuid": workflow_uuid, "release_uuid": release_uuid,
        "batch_uuid": batch_uuid, "root_run_uuid": run_uuid, "status": "pending", "record_id": record_id,
        "record_title": title, "input": data, "context": {}, "computed_configs": {}, "available_at": now,
        "created_at": now, "updated_at": now,
    }


def get_run(session: Session, uuid: str) -> dict[str, Any]:
    ws = session.workspace_uuid
    with session.db.read() as conn:
        row = repo.get_run(conn, ws, uuid)
        if row is None:
            raise NotFoundError(f"Run not found: {uuid}", reason="runNotFound")
        execs = list(repo.run_executions(conn, ws, uuid))
        links = presenters.RunLinks(conn, ws, [row], execs)
    return {
        "run": presenters.run_detail(row, execs, links),
        "runContext": row.context or {},
        "runComputedConfigs": row.computed_configs or {},
    }


def run_status(session: Session, uuid: str) -> str:
    with session.db.read() as conn:
        row = repo.get_run(conn, session.workspace_uuid, uuid)
    if row is None:
        raise NotFoundError(f"Run not found: {uuid}", reason="runNotFound")
    return str(row.status)


def run_conditions(session: Session, conn: Any, *, workflow_uuid: str | None, statuses: Sequence[str] | None = None,
                   parent_batch_uuid: str | None = None, parent_uuid: str | None = None,
                   parent_node_uuid: str | None = None, is_group_parent: bool | None = None,
                   record_title_or_id: str | None = None, executions_filter: Any = None,
                   **filters: Any) -> list[Any]:
    """The runs a RunFilter selects (api.md §2.4; the CLI's run flags are a subset of it), in the
    caller's workspace: top-level runs unless a parent scope asks for child runs. A given workflow
    must exist (`workflowNotFound`); without one the filter is workspace-wide."""
    ws = session.workspace_uuid
    if workflow_uuid is not None:
        require_workflow(session, conn, workflow_uuid)
    children = bool(parent_batch_uuid or parent_uuid or parent_node_uuid)
    cond = repo.run_filters(ws, workflow_uuid=workflow_uuid, statuses=parse_statuses(statuses),
                            top_level=not children, **filters)
    cond += records_repo.group_scope(ws, parent_uuid=parent_uuid, parent_node_uuid=parent_node_uuid,
                                     parent_batch_uuid=parent_batch_uuid, is_group_parent=is_group_parent)
    if record_title_or_id:
        cond.append(records_repo.title_or_id(record_title_or_id))
    cond += downloads.executions_conditions(ws, executions_filter)
    return cond


def _check_page(limit: int, offset: int) -> None:
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("--offset must not be negative", reason="invalidData")


def list_runs(session: Session, *, workflow_uuid: str | None, limit: int = 50, offset: int = 0,
              **filters: Any) -> dict[str, Any]:
    """`{runs, count}`: a page of matching runs (newest first, each with its executions) and the
    total matching, independent of the page."""
    _check_page(limit, offset)
    with session.db.read() as conn:
        cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, **filters)
        rows = repo.list_runs(conn, cond, limit, offset)
        total = repo.count_runs(conn, cond)
        return {"runs": presenters.run_page(conn, session.workspace_uuid, rows), "count": total}


def _cursor(text: str | None) -> tuple[datetime, str] | None:
    """A `browse_runs` cursor (`<created at, ISO with microseconds>_<run uuid>`) back to its keyset
    position; a malformed one is refused as a bad filter."""
    if not text:
        return None
    at, sep, uuid = text.partition("_")
    try:
        if not sep or not uuid:
            raise ValueError(text)
        return datetime.fromisoformat(at), uuid
    except ValueError as exc:
        raise ValidationError("the page cursor is not valid; open the first page again",
                              reason="invalidData") from exc


def browse_runs(session: Session, *, limit: int = 50, before: str | None = None, workflow_uuid: str | None = None,
                **filters: Any) -> dict[str, Any]:
    """`{runs, next}`: a page of top-level runs newest first for a browsing face (the web console),
    filtered like `list_runs`, without the whole-list count `list_runs` pays for. `next` is the cursor
    of the following page (None on the last one). Each run carries its list fields only and, when its
    workflow is a tool's, that tool's uuid and name."""
    _check_page(limit, 0)
    position = _cursor(before)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, **filters)
        rows = list(repo.runs_before(conn, cond, limit + 1, position))
        more = len(rows) > limit
        rows = rows[:limit]
        tools = wf_repo.tool_names(conn, ws, {r.workflow_uuid for r in rows if r.workflow_uuid})
    page = []
    for r in rows:
        tool = tools.get(r.workflow_uuid or "")
        page.append({
            "uuid": r.uuid, "status": r.status, "workflowUuid": r.workflow_uuid, "releaseUuid": r.release_uuid,
            "batchUuid": r.batch_uuid, "recordId": r.record_id, "recordTitle": r.record_title,
            "creditsUsedCount": r.credits_used_count, "executionsCount": r.executions_count,
            "errorMessage": r.error_message, "createdAt": iso(r.created_at), "finishedAt": iso(r.finished_at),
            "toolUuid": tool[0] if tool else None, "toolName": tool[1] if tool else None})
    last = rows[-1] if rows else None
    cursor = f"{last.created_at.isoformat()}_{last.uuid}" if more and last is not None else None
    return {"runs": page, "next": cursor}


def count_runs(session: Session, *, workflow_uuid: str | None, **filters: Any) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"count": repo.count_runs(conn, run_conditions(session, conn, workflow_uuid=workflow_uuid,
                                                                  **filters))}


def cancel_runs(session: Session, *, workflow_uuid: str, uuids: Sequence[str] | None = None,
                **filters: Any) -> dict[str, Any]:
    """Non-terminal runs go `cancelling` → `cancelled` (at once when no worker holds them). The runs
    are the listed `uuids` (each must be a run of the workflow), or else every run the filter selects;
    answered in `uuids` order, or newest first."""
    ws = session.workspace_uuid
    now = utcnow()
    if uuids is None and not filters:
        raise ValidationError("--uuids needs at least one run uuid", reason="invalidData")
    if uuids is not None and not uuids:
        raise ValidationError("--uuids needs at least one run uuid", reason="invalidData")
    with session.db.write() as conn:
        require_workflow(session, conn, workflow_uuid)
        if uuids is not None:
            rows = repo.runs_by_uuids(conn, ws, uuids)
            found = {r.uuid: r for r in rows if r.workflow_uuid == workflow_uuid}
            missing = [u for u in uuids if u not in found]
            if missing:
                raise NotFoundError(f"Run not found: {', '.join(missing)}", reason="runNotFound")
            wanted = list(dict.fromkeys(uuids))
        else:
            cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, **filters)
            wanted = [r.uuid for r in repo.list_runs(conn, cond, MAX_CANCELLED, 0)]
            found = {r.uuid: r for r in repo.runs_by_uuids(conn, ws, wanted)}
        active = [u for u in wanted if found[u].status not in TERMINAL_STATUSES]
        for start in range(0, len(active), 500):
            run_queue.cancel_runs(conn, active[start:start + 500], now)
        order = {u: i for i, u in enumerate(wanted)}
        rows = sorted(repo.runs_by_uuids(conn, ws, wanted), key=lambda r: order[r.uuid])
        return {"runs": presenters.run_page(conn, ws, rows)}


# A filter-selected cancel acts on at most this many runs (newest first); list the rest and cancel again.
MAX_CANCELLED = 10_000


# --- exports and metrics -------------------------------------------------------------------------


def _run_documents(session: Session, cond: list[Any]) -> Iterator[dict[str, Any]]:
    """Every run `cond` selects, oldest first, as the `run get` run plus `runContext`, page by page."""
    ws = session.workspace_uuid

    def links(conn: Any, page: Sequence[Any]) -> tuple[presenters.RunLinks, dict[str, list[Any]]]:
        grouped: dict[str, list[Any]] = {}
        for row in records_repo.executions_of(conn, ws, [r.uuid for r in page]):
            grouped.setdefault(row.run_uuid, []).append(row)
        return presenters.RunLinks(conn, ws, page), grouped

    for page, (page_links, grouped) in downloads.keyset_pages(session, cond, None, extra=links):
        for row in page:
            doc = presenters.run_detail(row, grouped.get(row.uuid, []), page_links)
            doc["runContext"] = row.context or {}
            yield doc


def download_runs(session: Session, out: TextIO, *, workflow_uuid: str, **filters: Any) -> int:
    """`run download`: newline-delimited JSON, one line per run (the `run get` run plus `runContext`),
    oldest first; no match writes nothing."""
    with session.db.read() as conn:
        cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, **filters)
    count = 0
    for doc in _run_documents(session, cond):
        out.write(exports.json_text(doc) + "\n")
        count += 1
        if count % downloads.PAGE == 0:
            out.flush()
    out.flush()
    return count


def export_runs(session: Session, *, workflow_uuid: str, uuids: Sequence[str] | None = None,
                **filters: Any) -> dict[str, str]:
    """`POST /orchestration/runs/download` → `{"url"}`: the same run documents as `run download`, as a
    JSON array with one element per line (`[`, `{…},`, …, `]`), so a client reading it line by line
    (the remote CLI) prints exactly the lines `run download` prints."""
    with session.db.read() as conn:
        cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, **filters)
    if uuids is not None:
        cond.append(records_repo.run_uuid_in(uuids))

    def write(fh: TextIO) -> None:
        fh.write("[\n")
        previous: str | None = None
        for doc in _run_documents(session, cond):
            if previous is not None:
                fh.write(previous + ",\n")
            previous = exports.json_text(doc)
        if previous is not None:
            fh.write(previous + "\n")
        fh.write("]\n")

    return exports.write_export(session, "runs.json", write)


def run_lines(text_lines: Iterable[str]) -> Iterator[str]:
    """The `run download` lines inside an `export_runs` file (its brackets and separators dropped)."""
    for line in text_lines:
        line = line.rstrip("\n")
        if line in ("[", "]", ""):
            continue
        yield line[:-1] if line.endswith(",") else line


def download_run_outputs(session: Session, *, workflow_uuid: str, output_node_slug: str, fmt: str = "csv",
                         **filters: Any) -> dict[str, str]:
    """`run download-outputs` → `{"url"}`: the chosen node's output per matching run, oldest first;
    no matching run → 404 `noRunsFound`."""
    exports.check_format(fmt)
    with session.db.read() as conn:
        cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, **filters)
        downloads.require_slug(session, conn, output_node_slug, workflow_uuid=workflow_uuid,
                               release_uuid=filters.get("release_uuid"))
        if not repo.count_runs(conn, cond):
            raise NotFoundError("No runs found for these filters", reason="noRunsFound")
    source = downloads.RunSnapshot(session, cond, records_repo.output_columns(output_node_slug))
    return exports.write_export(session, f"outputs-{output_node_slug}.{fmt}",
                                lambda fh: downloads.write_outputs(fh, fmt, source))


# `run get-metrics`: per node, executions of every run in scope by status (seven counters).
run_metrics = partial(_metrics.metrics, per_record=False)
