"""`orchestration batch …`: create, get, list, cancel and download batches (many records through one workflow)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from lading.domain.errors import ConflictError, LadingError, NotFoundError, ValidationError, found, shown
from lading.domain.nodes import TERMINAL_STATUSES
from lading.services import exports
from lading.services.orchestration import _credit_caps as credit_caps
from lading.services.orchestration import _downloads as downloads
from lading.services.orchestration import shapes
from lading.services.orchestration.releases import require_workflow
from lading.services.orchestration.runs import resolve_release
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import batches as repo
from lading.store.repositories import records as records_repo
from lading.store.repositories import run_queue
from lading.store.repositories import workflows as wf_repo
from lading.store.schema import runs

TOOL_KINDS = ("records", "file", "recordIds")
PLAY_KINDS = ("segment", "change", "filter", "recordIds")
# Kinds of the Cargo client's BatchData that Lading does not run yet (api.md §2.5): 400 invalidDataKind.
UNSUPPORTED_KINDS = ("runs", "schedule", "form", "group")
# Failures of the batch's data source: besides their own reason, they carry `dataError: {reason}`
# (api.md §0.3), which the HTTP face answers as the nested `dataError` reason.
DATA_ERROR_REASONS = frozenset(("failedToGetSegment", "segmentLinkedToPlay", "noRecords", "failedToGetSegmentChange",
                                "invalidChange", "invalidChangeKinds", "invalidData"))
BATCH_STATUSES = ("pending", "syncing", "querying", "running", "cancelling", "success", "error", "cancelled",
                  "skipped")
MAX_LIMIT = 1000
PREVIEW_ROWS = 100


def _source(session: Session, data: Any, play: Any | None) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise ValidationError('--data must be an object with a "kind" (records, file, recordIds…)',
                              reason="invalidData")
    kind = data["kind"]
    if kind in UNSUPPORTED_KINDS:
        raise ValidationError(f"data kind {shown(kind)} is not supported yet; use one of "
                              f"{', '.join(dict.fromkeys((*TOOL_KINDS, *PLAY_KINDS)))}", reason="invalidDataKind")
    allowed = PLAY_KINDS if play is not None else TOOL_KINDS
    if kind not in allowed:
        target = "play" if play is not None else "tool (or --nodes)"
        hint = ("; segment, change and filter sources run on a play's workflow (--workflow-uuid "
                "<play.workflowUuid>)") if play is None and kind in PLAY_KINDS else ""
        raise ValidationError(f"data kind {shown(kind)} cannot run on a {target} workflow; use one of "
                              f"{', '.join(allowed)}{hint}", reason="invalidDataKind")
    if play is not None:
        from lading.services.orchestration import _play_batch_rows as play_batch_rows

        return play_batch_rows.resolve(play, data)
    if kind == "records":
        records = data.get("records")
        if not isinstance(records, list):
            raise ValidationError('records batches need "records": [ {...}, ... ]', reason="invalidData")
        if not records:
            raise ValidationError("the source has no records", reason="noRecords")
        return {"kind": "records", "records": records, "count": len(records)}
    if kind == "file":
        from lading.services.workspace.files import require_file

        name = data.get("s3Filename")
        if not isinstance(name, str) or not name:
            raise ValidationError('file batches need "s3Filename" (from workspaceManagement file upload)',
                                  reason="invalidData")
        meta = require_file(session, name)
        if meta.size == 0:
            raise ValidationError("the file is empty", reason="noRecords")
        return {"kind": "file", "s3Filename": name}
    ids = data.get("ids", data.get("recordIds"))
    if not isinstance(ids, list) or not all(isinstance(i, (str, int)) for i in ids):
        raise ValidationError('recordIds batches need "recordIds": ["id-1", …]', reason="invalidData")
    if not ids:
        raise ValidationError("no record ids given", reason="noRecords")
    return {"kind": "recordIds", "ids": [str(i) for i in ids]}


def create_batch(session: Session, *, workflow_uuid: str | None = None, data: Any = None, nodes: Any = None,
                 release_uuid: str | None = None, webhook_url: str | None = None,
                 webhook_secret: str | None = None, call_stack: list[str] | None = None,
                 skip_record_ids: set[str] | None = None, credit_cap: Any = None,
                 dry_run_sample: int | None = None) -> dict[str, Any]:
    """Register the batch; workers stream its source into runs in chunks (returns at once).
    `skip_record_ids` leaves records out of a play's `change` source (`runCreationRule: once`).
    `credit_cap`: the most provider credits the batch may spend (the workspace's and the tool's caps
    apply too; the lowest wins). `dry_run_sample`: the batch runs only that many records of the
    source, evenly spread, marked as a dry run's sample (see `_dry_run`)."""
    ws = session.workspace_uuid
    now = utcnow()
    play = None
    credit_cap = credit_caps.check_cap(credit_cap, "--credit-cap")
    if workflow_uuid:
        with session.db.read() as conn:
            if require_workflow(session, conn, workflow_uuid).play_uuid is not None:
                from lading.store.repositories import plays as plays_repo

                play = plays_repo.play_by_workflow(conn, ws, workflow_uuid)
    with data_errors():
        source = _source(session, data, play)
    if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
        raise ValidationError("--webhook-url must be an http(s) URL", reason="invalidData")
    secret = None
    batch_uuid = str(uuidlib.uuid4())
    if webhook_secret:
        from lading.integrations._vault import encrypt

        secret = encrypt({"secret": webhook_secret}, associated=f"{ws}:{batch_uuid}")
    if dry_run_sample is not None:
        from lading.services.orchestration import _dry_run

        with data_errors():
            source = _dry_run.sample_source(session, play, source, batch_uuid, dry_run_sample)
        source["dryRun"] = _dry_run.MARK
        webhook_url = secret = None
    if source["kind"] == "records" and "records" in source:
        # Inline records are stored like an uploaded JSON Lines file, so every source is streamed the
        # same way and a worker never decodes the whole list per chunk.
        inline = source.pop("records")
        source["s3Filename"] = store_records(session, batch_uuid, inline)
    elif play is not None and dry_run_sample is None:
        # Play sources (model rows) are resolved now and stored the same way (see _play_batch_rows).
        from lading.services.orchestration import _play_batch_rows as play_batch_rows

        if nodes is None and not release_uuid:
            with session.db.read() as conn:
                if wf_repo.release_by_status(conn, ws, play.workflow_uuid, "deployed") is None:
                    raise NotFoundError("this workflow has no deployed release; deploy its draft first",
                                        reason="noDeployedRelease")

        with data_errors():
            source = play_batch_rows.store(session, play, source, batch_uuid, skip_record_ids=skip_record_ids)
    with session.db.write() as conn:
        rel_uuid, wf_uuid, _form = resolve_release(session, conn, workflow_uuid=workflow_uuid, nodes=nodes,
                                                   release_uuid=release_uuid, now=now,
                                                   play_batch=play is not None)
        tool = wf_repo.tool_by_workflow(conn, ws, wf_uuid) if wf_uuid else None
        stack = call_stack if call_stack is not None else ([tool.uuid] if tool else [])
        cap = credit_caps.effective_cap(conn, ws, credit_cap, tool)
        if cap is not None and dry_run_sample is None:
            source.update(creditCap=cap, capStepCredits=credit_caps.dearest_step(conn, rel_uuid))
        elif cap is not None:  # a dry run is never stopped by a cap; it says where the cap would stop the batch
            source["creditCapOfBatch"] = cap
        repo.insert_batch(conn, ws, {
            "uuid": batch_uuid, "workflow_uuid": wf_uuid, "release_uuid": rel_uuid, "status": "pending",
            "data": {**source, "callStack": stack}, "runs_count": 0, "created_at": now, "updated_at": now,
            "webhook_url": webhook_url, "webhook_secret": secret,
            "health_threshold": play.health_threshold if play is not None else 80})
        row = repo.get_batch(conn, ws, batch_uuid)
    return {"batch": short(row)}


def dry_run_batch(session: Session, *, drive: Callable[[str], None], sample_size: Any = None,
                  workflow_uuid: str | None = None, data: Any = None, nodes: Any = None,
                  release_uuid: str | None = None, credit_cap: Any = None) -> dict[str, Any]:
    """`batch create --dry-run`: the projected cost of the batch from a sample of its source, run
    through `drive` (the face's wait for a batch) and deleted afterwards (see `_dry_run`)."""
    import time

    from lading.services.orchestration import _dry_run

    size = _dry_run.check_sample_size(sample_size)
    _dry_run.discard_stale(session)
    started = time.monotonic()
    created = create_batch(session, workflow_uuid=workflow_uuid, data=data, nodes=nodes, release_uuid=release_uuid,
                           credit_cap=credit_cap, dry_run_sample=size)
    uuid = created["batch"]["uuid"]
    try:
        drive(uuid)
        return {"dryRun": _dry_run.measure(session, uuid, size, time.monotonic() - started)}
    finally:
        _dry_run.discard(session, uuid)


@contextmanager
def data_errors() -> Iterator[None]:
    """Mark a failure of the batch's data source with `dataError: {reason}` (api.md §0.3)."""
    try:
        yield
    except LadingError as exc:
        if exc.reason in DATA_ERROR_REASONS:
            exc.extra["dataError"] = {"reason": exc.reason}
        raise


def store_records(session: Session, batch_uuid: str, records: list[Any]) -> str:
    import io

    import orjson

    from lading.store.repositories import files as files_repo

    payload = io.BytesIO(b"".join(orjson.dumps(r, option=orjson.OPT_NON_STR_KEYS) + b"\n" for r in records))
    name = f"{session.workspace_uuid}/batches/{batch_uuid}/records.jsonl"
    files_repo.store_file(session.db, session.workspace_uuid, name, "records.jsonl", "application/x-ndjson", payload,
                          utcnow())
    return name


def _public_data(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    # Inline records are shown by the `s3Filename` they were stored under (api.md §13), never inline.
    hidden = ("records", "callStack", "rowsFilename", "capStepCredits")
    return {k: v for k, v in data.items() if k not in hidden}


def short(row: Any) -> dict[str, Any]:
    return shapes.BatchRef(uuid=row.uuid, workflow_uuid=row.workflow_uuid, status=row.status,
                           created_at=iso(row.created_at)).dump()


def full(conn: Any, row: Any, counters: dict[str, Any] | None = None) -> dict[str, Any]:
    from lading.store.repositories import runs as runs_repo

    counters = counters if counters is not None else repo.run_counters(conn, row.uuid)
    graphs = runs_repo.release_graphs(conn, row.workspace_uuid, {row.release_uuid} if row.release_uuid else set())
    nodes = next((g.nodes for g in graphs if g.status == "adhoc"), None)
    executed, failed = counters["executed"], counters["failed"]
    threshold = row.health_threshold or 80
    healthy = executed == 0 or (executed - failed) / executed * 100 >= threshold
    return shapes.Batch(
        uuid=row.uuid, workflow_uuid=row.workflow_uuid, release_uuid=row.release_uuid, status=row.status,
        runs_status="healthy" if healthy else "unhealthy", runs_count=counters["total"],
        executed_runs_count=executed, failed_runs_count=failed, credits_used_count=counters["credits"],
        error_message=row.error_message, created_at=iso(row.created_at), finished_at=iso(row.finished_at),
        data=_public_data(row.data), parent_run_uuid=row.parent_run_uuid, parent_node_uuid=row.parent_node_uuid,
        invalid_rows=row.invalid_rows or [], is_source_exhausted=bool(row.source_done),
        workspace_uuid=row.workspace_uuid, user_uuid=None, nodes=nodes, temporal_workflow_id=row.uuid,
        trace_uuid=row.uuid, updated_at=iso(row.updated_at),
    ).dump()


def require_batch(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_batch(conn, session.workspace_uuid, uuid), "Batch", uuid)


def get_batch(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"batch": full(conn, require_batch(session, conn, uuid))}


def batch_status(session: Session, uuid: str) -> str:
    with session.db.read() as conn:
        return str(require_batch(session, conn, uuid).status)


def list_batches(session: Session, *, workflow_uuids: Sequence[str] | None = None,
                 statuses: Sequence[str] | None = None, limit: int = 50, offset: int = 0,
                 **filters: Any) -> dict[str, Any]:
    """Batches newest first. `filters` are the rest of the Cargo client's list fields (api.md §2.5):
    release_uuid, parent_batch_uuid, parent_run_uuid, parent_node_uuid, has_runs, is_skipped,
    is_finished, included_data_kinds, excluded_data_kinds."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("--offset cannot be negative", reason="invalidOffset")
    for s in statuses or []:
        if s not in BATCH_STATUSES:
            raise ValidationError(f"unknown status {shown(s)}", reason="invalidData")
    with session.db.read() as conn:
        rows = repo.list_batches(conn, session.workspace_uuid, workflow_uuids, statuses, limit, offset, **filters)
        return {"batches": [full(conn, r) for r in rows]}


def preview_batch(session: Session, *, workflow_uuid: str, data: Any) -> dict[str, Any]:
    """`POST /orchestration/batches/preview`: the first 100 rows a batch of `data` would run, the
    columns they have (SegmentColumn) and how many rows the source holds. Creates nothing."""
    play = None
    with session.db.read() as conn:
        if require_workflow(session, conn, workflow_uuid).play_uuid is not None:
            from lading.store.repositories import plays as plays_repo

            play = plays_repo.play_by_workflow(conn, session.workspace_uuid, workflow_uuid)
    source = _source(session, data, play)
    rows: list[dict[str, Any]] = []
    count = 0
    columns: list[dict[str, Any]] | None = None
    if play is not None:
        import orjson

        from lading.services.orchestration import _play_batch_rows as play_batch_rows

        with session.db.read() as conn:
            columns = play_batch_rows.model_columns(session, conn, play)
            for line in play_batch_rows.source_lines(session, conn, play, source):
                item = orjson.loads(line)
                if "record" not in item:
                    continue
                count += 1
                if len(rows) < PREVIEW_ROWS:
                    rows.append(item["record"])
    elif source["kind"] == "records":
        count = source["count"]
        rows = [r for r in source["records"][:PREVIEW_ROWS]]
    elif source["kind"] == "file":
        from lading.engine.batch_files import reader_for
        from lading.store.repositories import files as files_repo

        meta = require_file_row(session, source["s3Filename"])
        for item in reader_for(meta.name, meta.content_type, files_repo.iter_bytes(session.db, meta.s3_filename)):
            if item.value is None:
                continue
            count += 1
            if len(rows) < PREVIEW_ROWS:
                rows.append(item.value)
    else:  # recordIds of a tool: the ids are the rows
        count = len(source["ids"])
        rows = [{"_id": i} for i in source["ids"][:PREVIEW_ROWS]]
    if columns is None:
        keys: dict[str, None] = {}
        for row in rows:
            keys.update((k, None) for k in (row if isinstance(row, dict) else {}))
        columns = [{"slug": k, "type": _value_type(rows, k), "label": k, "modelUuid": None} for k in keys]
    return {"records": rows, "columns": columns, "count": count}


def _value_type(rows: list[Any], key: str) -> str:
    """A preview column's type, from the first row that has a value for it."""
    for row in rows:
        value = row.get(key) if isinstance(row, dict) else None
        if value is None:
            continue
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, (int, float)):
            return "number"
        if isinstance(value, (dict, list)):
            return "object"
        return "string"
    return "string"


def require_file_row(session: Session, s3_filename: str) -> Any:
    from lading.services.workspace.files import require_file

    return require_file(session, s3_filename)


def cancel_batch(session: Session, uuid: str) -> dict[str, Any]:
    """Drop unstarted runs, stop feeding, cancel running runs at their next node boundary."""
    from sqlalchemy import select

    now = utcnow()
    with session.db.write() as conn:
        row = require_batch(session, conn, uuid)
        if row.status == "cancelled":
            return {"batch": full(conn, row)}  # cancelling again changes nothing
        if row.status in TERMINAL_STATUSES:
            raise ConflictError(f"Batch already finished: {uuid} is {row.status}", reason="batchAlreadyFinished")
        repo.update_batch(conn, session.workspace_uuid, uuid, {
            "status": "cancelling", "source_done": True, "feed_owner": None, "updated_at": now})
        active = conn.execute(select(runs.c.uuid).where(runs.c.batch_uuid == uuid,
                                                        runs.c.status.not_in(tuple(TERMINAL_STATUSES)))).scalars().all()
        for offset in range(0, len(active), 500):
            run_queue.cancel_runs(conn, list(active[offset: offset + 500]), now)
        repo.finish_if_complete(conn, [uuid], now)
        return {"batch": full(conn, require_batch(session, conn, uuid))}


def download_batch(session: Session, out: TextIO, *, batch_uuid: str, output_node_slug: str,
                   fmt: str = "csv") -> None:
    """`batch download`: the outputs file of one batch's runs, written to `out`."""
    exports.check_format(fmt)
    with session.db.read() as conn:
        batch = require_batch(session, conn, batch_uuid)
        downloads.require_slug(session, conn, output_node_slug, release_uuid=batch.release_uuid)
    cond = records_repo.batch_runs(session.workspace_uuid, batch_uuid)
    source = downloads.RunSnapshot(session, cond, records_repo.output_columns(output_node_slug))
    downloads.write_outputs(out, fmt, source)
    out.flush()


def export_batch(session: Session, *, batch_uuid: str, output_node_slug: str, fmt: str = "csv") -> dict[str, str]:
    """`POST /orchestration/batches/:uuid/download` → `{"url"}`: the file `batch download` streams,
    written as an export (the remote CLI streams it back through the link)."""
    exports.check_format(fmt)
    with session.db.read() as conn:
        batch = require_batch(session, conn, batch_uuid)
        downloads.require_slug(session, conn, output_node_slug, release_uuid=batch.release_uuid)
    cond = records_repo.batch_runs(session.workspace_uuid, batch_uuid)
    source = downloads.RunSnapshot(session, cond, records_repo.output_columns(output_node_slug))
    return exports.write_export(session, f"batch-{output_node_slug}.{fmt}",
                                lambda fh: downloads.write_outputs(fh, fmt, source))


# --- browsing faces (the web console) --------------------------------------------------------------

FINAL_STATUSES = ("success", "error", "cancelled", "skipped")


def _naive(value: Any) -> Any:
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=None) if value is not None and value.tzinfo is not None else value


def progress_of(row: Any, counters: dict[str, Any], now: Any | None = None) -> dict[str, Any]:
    """How far one batch is: runs done of the total, the failed count, runs per second since it was
    created (until it finished), and whether it is final (a face stops following it then)."""
    data = row.data if isinstance(row.data, dict) else {}
    expected = data.get("count") if isinstance(data.get("count"), int) else 0
    total = max(counters["total"], 0 if row.source_done else expected)
    executed = counters["executed"]
    started, ended = _naive(row.created_at), _naive(row.finished_at) or (now or utcnow())
    elapsed = max((ended - started).total_seconds(), 0.0) if started is not None else 0.0
    return {"uuid": row.uuid, "status": row.status, "isFinal": row.status in FINAL_STATUSES,
            "runsCount": total, "executedRunsCount": executed, "failedRunsCount": counters["failed"],
            "activeRunsCount": counters["active"],
            "isSourceExhausted": bool(row.source_done),
            "percent": round(executed * 100 / total) if total else (100 if row.status in FINAL_STATUSES else 0),
            "runsPerSecond": round(executed / elapsed, 2) if elapsed > 0 else 0.0,
            "createdAt": iso(row.created_at), "finishedAt": iso(row.finished_at), "updatedAt": iso(row.updated_at)}


def batch_progress(session: Session, uuid: str) -> dict[str, Any]:
    """`{progress}` of one batch of the workspace: what a live page polls every second, so one count
    read from an index alone (no credits: summing them reads every run of the batch)."""
    with session.db.read() as conn:
        row = require_batch(session, conn, uuid)
        return {"progress": progress_of(row, repo.run_counts(conn, row.uuid))}


def batch_overview(session: Session, uuid: str) -> dict[str, Any]:
    """`{batch, progress}`: the `batch get` document and its progress from one count of its runs (what
    a batch's page shows first)."""
    with session.db.read() as conn:
        row = require_batch(session, conn, uuid)
        counters = repo.run_counters(conn, row.uuid)
        return {"batch": full(conn, row, counters), "progress": progress_of(row, counters)}


def rerun_failed(session: Session, uuid: str) -> dict[str, Any]:
    """Re-run only the failed records of a finished batch: the four steps of handling a partial batch
    failure, in one call. 1. the batch summary (`batch get`: its failed count); 2. its failed runs
    (`run count --batch-uuid --statuses error`); 3. their record ids (what `run download --statuses
    error` lists); 4. `batch create --workflow-uuid <same> --data {"kind":"recordIds","recordIds":[…]}`:
    on the workflow's deployed release (so a fix deployed since is what runs), or on the same release
    when the batch ran an ad-hoc graph. Answers `{batch, recordIds, failedRunsCount}`."""
    from lading.services.orchestration import runs as runs_service

    summary = get_batch(session, uuid)["batch"]  # step 1
    if summary["status"] not in FINAL_STATUSES:
        raise ConflictError("the batch is still running; re-run its failures once it has finished",
                            reason="batchNotFinished")
    workflow_uuid = summary.get("workflowUuid")
    if not workflow_uuid:
        raise ValidationError("this batch ran without a workflow, so its records cannot be found again by id",
                              reason="invalidData")
    failed = runs_service.count_runs(session, workflow_uuid=workflow_uuid, batch_uuid=uuid,
                                     statuses=["error"])["count"]  # step 2
    if not failed:
        raise ConflictError("this batch has no failed runs", reason="noFailedRuns")
    ids: dict[str, None] = {}
    cursor: str | None = None
    while True:  # step 3: the failed runs' record ids, page by page
        page = runs_service.browse_runs(session, workflow_uuid=workflow_uuid, batch_uuid=uuid, statuses=["error"],
                                        limit=runs_service.MAX_LIMIT, before=cursor)
        ids.update((str(r["recordId"] or r["uuid"]), None) for r in page["runs"])
        cursor = page["next"]
        if cursor is None:
            break
    record_ids = list(reversed(ids))  # oldest first, as the batch fed them
    with session.db.read() as conn:
        workflow = require_workflow(session, conn, workflow_uuid)
        release = wf_repo.get_release(conn, session.workspace_uuid, summary["releaseUuid"])
        play = None
        if workflow.play_uuid is not None:
            from lading.store.repositories import plays as plays_repo

            play = plays_repo.play_by_workflow(conn, session.workspace_uuid, workflow_uuid)
    data: dict[str, Any] = {"kind": "recordIds", "recordIds": record_ids}
    if play is not None:
        data = {"kind": "recordIds", "modelUuid": play.model_uuid, "ids": record_ids}
    adhoc = release is not None and release.status == "adhoc"
    created = create_batch(session, workflow_uuid=workflow_uuid, data=data,  # step 4
                           release_uuid=summary["releaseUuid"] if adhoc else None)
    return {**created, "recordIds": record_ids, "failedRunsCount": failed}
