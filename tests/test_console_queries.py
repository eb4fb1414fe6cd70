"""The console's own reads (`api/console/queries.py`): the batches page (counters, keyset pages), always
inside the signed-in workspace. Runs both on SQLite and on PostgreSQL (`LADING_TEST_DATABASE_URL`)."""

from __future__ import annotations

import dataclasses
import json
import uuid as uuidlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lading.api.console import queries
from lading.domain.errors import ValidationError
from lading.services.session import Session

GRAPH = json.loads((Path(__file__).resolve().parent.parent / "bench" / "five_node_graph.json").read_text())
T0 = datetime(2026, 11, 1, 12, 0, 0)


def open_ws(name: str | None = None) -> Session:
    from lading.services.wiring import open_session
    from lading.settings import load_settings

    settings = load_settings()
    if name is not None:
        settings = dataclasses.replace(settings, workspace_name=f"{settings.workspace_name}-{name}")
    return open_session(settings)


def add_runs(session: Session, count: int, *, workflow: str | None = None, release: str | None = None,
             batch: str | None = None, start: int = 0, status: Any = "success", parent: str | None = None,
             hours: float = 1.0) -> list[str]:
    """`count` runs created `hours` apart from T0 (index `start` on); `status` may be a function of the index."""
    from lading.store.repositories import runs as runs_repo

    rows, uuids = [], []
    for i in range(start, start + count):
        run_uuid = str(uuidlib.uuid4())
        created = T0 + timedelta(hours=hours * i)
        data = {"_id": f"rec-{i}", "email": f"Person{i}@Example.com"}
        rows.append({
            "uuid": run_uuid, "workspace_uuid": session.workspace_uuid, "workflow_uuid": workflow,
            "release_uuid": release or str(uuidlib.uuid4()), "batch_uuid": batch,
            "root_run_uuid": parent or run_uuid, "parent_run_uuid": parent,
            "status": status(i) if callable(status) else status, "record_id": data["_id"],
            "record_title": json.dumps(data), "input": data, "context": {"start": data}, "computed_configs": {},
            "created_at": created, "updated_at": created, "started_at": created,
            "finished_at": created + timedelta(seconds=3), "executions_count": 5, "credits_used_count": 1.5,
            "error_message": "boom " * 100 if (status(i) if callable(status) else status) == "error" else None})
        uuids.append(run_uuid)
    with session.db.write() as conn:
        runs_repo.insert_runs(conn, rows)
    return uuids


def add_batch(session: Session, workflow: str, release: str, created: datetime) -> str:
    from lading.store.repositories import batches as batches_repo

    batch = str(uuidlib.uuid4())
    with session.db.write() as conn:
        batches_repo.insert_batch(conn, session.workspace_uuid, {
            "uuid": batch, "workflow_uuid": workflow, "release_uuid": release, "status": "success",
            "created_at": created, "updated_at": created})
    return batch


def tool_with_release(session: Session, name: str) -> tuple[str, str]:
    from lading.services.orchestration import releases, tools

    workflow = tools.create_tool(session, name=name)["tool"]["workflowUuid"]
    release = releases.deploy_draft(session, workflow_uuid=workflow, nodes=GRAPH)["release"]["uuid"]
    return workflow, release


@pytest.fixture
def two() -> tuple[Session, Session]:
    return open_ws(), open_ws("other")


def test_batches_page_counts_runs_and_stays_in_the_workspace(two: tuple[Session, Session]) -> None:
    mine, other = two
    workflow, release = tool_with_release(mine, "Batch <tool>")
    batches = [add_batch(mine, workflow, release, T0 + timedelta(hours=i)) for i in range(5)]
    add_runs(mine, 4, workflow=workflow, release=release, batch=batches[4],
             status=lambda i: ["success", "error", "pending", "success"][i])
    add_runs(mine, 2, workflow=workflow, release=release, batch=batches[4], parent=str(uuidlib.uuid4()))
    add_batch(other, workflow, release, T0 + timedelta(hours=9))
    first = queries.batches_page(mine, limit=2)
    assert [b["uuid"] for b in first["batches"]] == [batches[4], batches[3]]
    top = first["batches"][0]
    # every run of the batch counts (group iterations too), as `batch get` counts them
    assert (top["runsCount"], top["executedRunsCount"], top["failedRunsCount"], top["activeRunsCount"]) == (6, 5, 1, 1)
    assert top["toolName"] == "Batch <tool>" and top["runsStatus"] == "healthy" and top["createdAt"].endswith("Z")
    assert first["batches"][1]["runsCount"] == 0 and first["batches"][1]["runsStatus"] == "healthy"
    rest = queries.batches_page(mine, limit=2, before=first["next"])
    last = queries.batches_page(mine, limit=2, before=rest["next"])
    assert [b["uuid"] for b in rest["batches"] + last["batches"]] == batches[2::-1]
    assert last["next"] is None
    assert queries.batches_page(mine, workflow_uuid=workflow, limit=50)["next"] is None
    assert queries.batches_page(mine, workflow_uuid=str(uuidlib.uuid4()))["batches"] == []
    assert [b["uuid"] for b in queries.batches_page(other)["batches"]] != []
    assert not {b["uuid"] for b in queries.batches_page(other)["batches"]} & set(batches)


def test_counters_match_the_batch_service(two: tuple[Session, Session]) -> None:
    from lading.services.orchestration import batches as batch_service

    mine, _ = two
    workflow, release = tool_with_release(mine, "Same counters")
    batch = add_batch(mine, workflow, release, T0)
    add_runs(mine, 7, workflow=workflow, release=release, batch=batch,
             status=lambda i: ["success", "error", "cancelled", "running", "pending", "error", "success"][i])
    full = batch_service.get_batch(mine, batch)["batch"]
    row = queries.batches_page(mine)["batches"][0]
    assert (row["runsCount"], row["executedRunsCount"], row["failedRunsCount"], row["runsStatus"]) == (
        full["runsCount"], full["executedRunsCount"], full["failedRunsCount"], full["runsStatus"])


def test_same_instant_batches_are_neither_skipped_nor_repeated(two: tuple[Session, Session]) -> None:
    mine, _ = two
    workflow, release = tool_with_release(mine, "Twins")
    made = {add_batch(mine, workflow, release, T0) for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        page = queries.batches_page(mine, limit=2, before=cursor)
        seen += [b["uuid"] for b in page["batches"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == 5 and set(seen) == made


@pytest.mark.parametrize("bad", [
    {"before": "yesterday"}, {"before": "2026-11-01T12:00:00_not-a-uuid"}, {"limit": 0},
    {"limit": queries.PAGE_LIMIT + 1},
])
def test_bad_pages_are_validation_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        queries.batches_page(open_ws(), **bad)
