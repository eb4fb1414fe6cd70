"""Feeding batches: streaming a batch's source into runs, one chunk per transaction.

Any worker may feed any batch; a feed is leased like a run, and the source position advances in
the same transaction as the chunk's runs, so a crash never loses or duplicates a record.
"""

from __future__ import annotations

import itertools
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from lading.domain.errors import shown
from lading.engine.batch_files import Row, read_jsonl, reader_for
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import batches as repo
from lading.store.repositories import files as files_repo
from lading.store.repositories._hot import NewRun

CHUNK_ROWS = 1000


@dataclass
class TitledRow(Row):
    """A model row of a play batch: the run's title is the model's title column."""

    title: str | None = None


def _titled_rows(chunks: Iterator[bytes]) -> Iterator[Row]:
    """A play source file: `{"record": {...}, "title": ...}` or `{"error": ...}` per line."""
    for row in read_jsonl(chunks):
        item = row.value or {}
        if row.value is None or "error" in item or not isinstance(item.get("record"), dict):
            yield Row(row.line, None, row.error or str(item.get("error") or "unreadable row"))
        else:
            yield TitledRow(row.line, item["record"], None, item.get("title"))


def _rows(db: Database, batch: Any) -> Iterator[Row]:
    data = batch.data or {}
    kind = data.get("kind")
    if data.get("rowsFilename"):  # play sources, materialised at batch creation
        yield from _titled_rows(files_repo.iter_bytes(db, str(data["rowsFilename"])))
    elif kind == "records" and data.get("s3Filename"):
        yield from read_jsonl(files_repo.iter_bytes(db, str(data["s3Filename"])))
    elif kind == "records":
        for i, value in enumerate(data.get("records") or [], start=1):
            yield Row(i, value) if isinstance(value, dict) else Row(i, None, "each record must be a JSON object")
    elif kind == "file":
        name = str(data.get("s3Filename"))
        with db.read() as conn:
            meta = files_repo.get_file(conn, batch.workspace_uuid, name)
        if meta is None:
            raise LookupError(f"file not found: {name}")
        yield from reader_for(meta.name, meta.content_type, files_repo.iter_bytes(db, name))
    elif kind == "recordIds":
        ids = [str(i) for i in data.get("ids") or []]
        for offset in range(0, len(ids), CHUNK_ROWS):
            chunk = ids[offset: offset + CHUNK_ROWS]
            with db.read() as conn:
                inputs = repo.latest_inputs_by_record(conn, batch.workspace_uuid, batch.workflow_uuid, chunk)
            for i, rid in enumerate(chunk, start=offset + 1):
                if rid in inputs:
                    value = dict(inputs[rid] or {})
                    value.setdefault("_id", rid)
                    yield Row(i, value)
                else:
                    yield Row(i, None, f"record {rid} has no earlier run in this workflow")
    else:
        raise LookupError(f"unknown source kind {shown(kind)}")


def _new_run(value: dict[str, Any], title: str | None = None) -> NewRun:
    """Run uuid, record id (`_id`, else the run uuid), title (the model's title column for model
    rows, else the compact input) and input text of one source row."""
    run_uuid = str(uuidlib.uuid4())
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    rid = value.get("_id")
    return run_uuid, (str(rid) if rid not in (None, "") else run_uuid), (title if title is not None
                                                                         else text)[:255], text


class Feeder:
    """Feeds batches chunk by chunk, keeping each open source reader between chunks (a worker that
    takes over a feed re-opens the source and skips to the persisted position)."""

    def __init__(self, db: Database, owner: str, lease_seconds: float) -> None:
        self._db = db
        self._owner = owner
        self._lease = lease_seconds
        self._open: dict[str, tuple[Iterator[Row], int]] = {}

    def feed_once(self, batch_uuid: str | None = None) -> bool:
        """Feed one chunk of one batch; False when no batch needs feeding."""
        batch = repo.claim_feed(self._db, self._owner, self._lease, utcnow(), batch_uuid)
        if batch is None:
            return False
        try:
            rows, position = self._open.pop(batch.uuid, (None, -1))
            if rows is None or position != batch.source_position:
                rows = _rows(self._db, batch)
                for _ in itertools.islice(rows, batch.source_position):
                    pass
            chunk = list(itertools.islice(rows, CHUNK_ROWS))
        except (LookupError, OSError) as exc:
            repo.fail_batch(self._db, batch.uuid, str(exc), utcnow())
            return True
        now = utcnow()
        good = [_new_run(r.value, getattr(r, "title", None)) for r in chunk if r.value is not None]
        bad = [{"line": r.line, "error": r.error} for r in chunk if r.value is None]
        done = len(chunk) < CHUNK_ROWS
        if done and batch.runs_count + len(good) == 0:
            repo.fail_batch(self._db, batch.uuid, "noRecords: the source has no readable record"
                            + (f" ({len(bad)} bad rows)" if bad else ""), now, bad)
            return True
        if repo.commit_feed_chunk(self._db, self._owner, batch, good, len(chunk), bad, done, now, self._lease) \
                and not done:
            self._open[batch.uuid] = (rows, batch.source_position + len(chunk))
        return True
