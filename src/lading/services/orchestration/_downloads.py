"""Streaming helpers of the run exports: `run download` (runs.py), and the outputs files of
`run download-outputs` (runs.py), `batch download` (batches.py) and `record download-outputs`
(records.py), written through the shared export files (`services.exports`).

Exports can cover millions of runs, so nothing here holds more than one page of rows: runs are read in
(created_at, uuid) keyset pages, each in its own short read transaction, and written as they arrive.
A CSV's columns are the union of the rows' keys, so CSV makes two streaming passes over the same rows
(the first only collects keys); the second pass stops at the last run the first one saw, so both
passes cover the same runs even while new ones are being created.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from lading.domain.errors import ValidationError, shown
from lading.services.exports import csv_cell, json_text
from lading.services.session import Session
from lading.store.clock import iso
from lading.store.repositories import records as repo

PAGE = 500
OUTPUT_FIELDS = ("runUuid", "recordId", "recordTitle", "status", "createdAt", "finishedAt")

RowSource = Callable[[], Iterator[Any]]


# --- reading runs ---------------------------------------------------------------------------------


def keyset_pages(session: Session, cond: repo.Cond, columns: Sequence[Any] | None,
                  upto: repo.Cursor | None = None,
                  extra: Callable[[Any, Sequence[Any]], Any] | None = None) -> Iterator[tuple[Sequence[Any], Any]]:
    """Pages of matching runs, oldest first; `extra(conn, page)` is read in the page's transaction."""
    cursor: repo.Cursor | None = None
    while True:
        with session.db.read() as conn:
            page = repo.runs_page(conn, cond, cursor, PAGE, columns, upto)
            more = extra(conn, page) if extra is not None and page else None
        if not page:
            return
        yield page, more
        if len(page) < PAGE:
            return
        cursor = (page[-1].created_at, page[-1].uuid)


class RunSnapshot:
    """A re-iterable row source over runs; later passes end where the first one did."""

    def __init__(self, session: Session, cond: repo.Cond, columns: Sequence[Any]) -> None:
        self.session, self.cond, self.columns = session, cond, columns
        self.upto: repo.Cursor | None = None
        self.passes = 0

    def __call__(self) -> Iterator[Any]:
        first = self.passes == 0
        self.passes += 1
        if not first and self.upto is None:
            return  # the first pass saw no run
        for page, _ in keyset_pages(self.session, self.cond, self.columns, None if first else self.upto):
            if first:
                self.upto = (page[-1].created_at, page[-1].uuid)
            yield from page


# --- outputs files --------------------------------------------------------------------------------


def require_slug(session: Session, conn: Any, slug: str, *, workflow_uuid: str | None = None,
                 release_uuid: str | None = None) -> None:
    if not repo.release_slug_exists(conn, session.workspace_uuid, slug, workflow_uuid=workflow_uuid,
                                    release_uuid=release_uuid):
        raise ValidationError(f"Node not found: {slug}", reason="nodeNotFound", status_code=404)


def _input_of(row: Any) -> Any:
    return row.start_output if row.start_output is not None else row.input


def output_item(row: Any) -> dict[str, Any]:
    return {"runUuid": row.uuid, "recordId": row.record_id, "recordTitle": row.record_title,
            "status": row.status, "createdAt": iso(row.created_at), "finishedAt": iso(row.finished_at),
            "input": _input_of(row), "output": row.node_output}


def _entries(value: Any) -> Iterable[tuple[str, Any]]:
    """Top-level keys of an input/output; a non-object value becomes the single key `value`."""
    if value is None:
        return ()
    if isinstance(value, dict):
        return value.items()
    return (("value", value),)


def write_outputs(out: TextIO, fmt: str, rows: RowSource) -> None:
    """The outputs file: a JSON array, or CSV with `input.<key>`/`output.<key>` columns (two passes)."""
    if fmt == "json":
        first = True
        out.write("[")
        for row in rows():
            out.write(("\n" if first else ",\n") + json_text(output_item(row)))
            first = False
        out.write("]\n" if first else "\n]\n")
        return
    in_keys: dict[str, None] = {}
    out_keys: dict[str, None] = {}
    for row in rows():
        in_keys.update((k, None) for k, _ in _entries(_input_of(row)))
        out_keys.update((k, None) for k, _ in _entries(row.node_output))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*OUTPUT_FIELDS, *(f"input.{k}" for k in in_keys), *(f"output.{k}" for k in out_keys)])
    for row in rows():
        given_in = dict(_entries(_input_of(row)))
        given_out = dict(_entries(row.node_output))
        writer.writerow([row.uuid, row.record_id or "", row.record_title or "", row.status,
                         iso(row.created_at) or "", iso(row.finished_at) or "",
                         *(csv_cell(given_in.get(k)) for k in in_keys),
                         *(csv_cell(given_out.get(k)) for k in out_keys)])


def executions_filter(raw: Any) -> dict[str, list[str]]:
    """`{"<slug>": {"status": "finished"}}` (a status or a list) → {slug: [store statuses]}."""
    from lading.domain.nodes import parse_statuses

    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) and "status" in v for v in raw.values()):
        raise ValidationError('--executions-filter must look like {"<nodeSlug>": {"status": "finished"}}',
                              reason="invalidData")
    parsed: dict[str, list[str]] = {}
    for slug, spec in raw.items():
        given = spec["status"]
        values = given if isinstance(given, list) else [given]
        if not values or not all(isinstance(v, str) for v in values):
            raise ValidationError(f"--executions-filter: status of {shown(slug)} must be a string or a list of strings",
                                  reason="invalidData")
        parsed[str(slug)] = list(parse_statuses(values) or [])
    return parsed


_CONDITION_STATUSES = ("absent", "pending", "success", "error")


def executions_conditions(ws: str, raw: Any) -> list[Any]:
    """SQL conditions of an executions filter, in either form: the CLI's `{"<slug>": {"status": …}}`
    or the Cargo client's `{conjonction, groups: [{conjonction, conditions: [{kind: "node", nodeSlug,
    status: absent|pending|success|error, value?}]}]}` (api.md §2.4)."""
    from sqlalchemy import and_, or_, true

    if isinstance(raw, dict) and "groups" in raw:
        def join(conjonction: Any, parts: list[Any], where: str) -> Any:
            if conjonction not in (None, "and", "or"):
                raise ValidationError(f"executionsFilter: {where}conjonction must be and or or", reason="invalidFilter")
            if not parts:
                return true()
            return or_(*parts) if conjonction == "or" else and_(*parts)

        groups = raw.get("groups")
        if not isinstance(groups, list):
            raise ValidationError("executionsFilter.groups must be an array", reason="invalidFilter")
        built = []
        for g, group in enumerate(groups):
            conditions = group.get("conditions") if isinstance(group, dict) else None
            if not isinstance(conditions, list):
                raise ValidationError(f"executionsFilter.groups[{g}].conditions must be an array",
                                      reason="invalidFilter")
            parts = []
            for c, cond in enumerate(conditions):
                where = f"executionsFilter.groups[{g}].conditions[{c}]"
                if not isinstance(cond, dict) or cond.get("kind", "node") != "node" \
                        or not isinstance(cond.get("nodeSlug"), str) or cond.get("status") not in _CONDITION_STATUSES \
                        or not isinstance(cond.get("value"), (str, type(None))):
                    raise ValidationError(f"{where} must be {{kind: \"node\", nodeSlug, status: absent|pending|"
                                          "success|error, value?}", reason="invalidFilter")
                parts.append(repo.execution_condition(ws, cond["nodeSlug"], cond["status"], cond.get("value")))
            built.append(join(group.get("conjonction"), parts, f"groups[{g}]."))
        return [join(raw.get("conjonction"), built, "") if built else true()] if groups else []
    return [repo.executions_match(ws, slug, wanted) for slug, wanted in executions_filter(raw).items()]
