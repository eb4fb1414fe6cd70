"""A store filled with known runs, batches and executions, for the analytics tests.

Rows are written straight into the state store (both backends) with timestamps relative to now, so
time-window queries have something to find; the same rows are returned as plain Python so each test
computes the expected figures independently of the SQL under test.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

RUN_STATUSES = ("success", "success", "success", "error", "cancelled", "running", "pending")
NODE_SLUGS = ("start", "enrich", "score", "end")
NODE_KINDS = {"start": "native", "enrich": "connector", "score": "native", "end": "native"}


@dataclass
class Filled:
    workspace_uuid: str
    workflows: list[str]
    releases: dict[str, str]  # workflow → release
    node_uuids: dict[tuple[str, str], str]  # (workflow, slug) → node uuid
    connector_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    batches: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    executions: list[dict[str, Any]] = field(default_factory=list)


def _u() -> str:
    return str(uuid.uuid4())


WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=7), timedelta(days=30))


def _clear_of_windows(ts: datetime, now: datetime) -> datetime:
    """Keep rows 15 minutes away from the edges of the windows the tests query (now - 1h, 1d, 7d, 30d),
    so the figures cannot change while a test runs."""
    for w in WINDOWS:
        edge = now - w
        if abs((ts - edge).total_seconds()) < 900:
            ts = edge + timedelta(minutes=20)
    return min(ts, now - timedelta(minutes=2))


def fill(db: Any, workspace_uuid: str, *, seed: int, runs_count: int = 120, title_prefix: str = "acme",
         now: datetime | None = None, same_workflows_as: Filled | None = None) -> Filled:
    """Write `runs_count` runs (3 workflows, 3 batches, executions per node) into `workspace_uuid`.

    `same_workflows_as` makes these runs carry another fill's workflow uuids (without owning the
    workflows): a hostile store for isolation tests, where only the workspace tells the rows apart."""
    from lading.store.schema import batches, executions, releases, runs, workflows

    rnd = random.Random(seed)
    now = now or datetime.utcnow().replace(microsecond=0)
    wfs = list(same_workflows_as.workflows) if same_workflows_as else [_u() for _ in range(3)]
    node_uuids = dict(same_workflows_as.node_uuids) if same_workflows_as else {
        (w, s): _u() for w in wfs for s in NODE_SLUGS}
    filled = Filled(workspace_uuid, wfs, {w: _u() for w in wfs}, node_uuids)
    wf_rows, rel_rows = [], []
    for w in wfs:
        wf_rows.append({"uuid": w, "workspace_uuid": workspace_uuid, "tool_uuid": _u(), "created_at": now,
                        "updated_at": now})
        nodes = [{"uuid": filled.node_uuids[(w, s)], "slug": s, "kind": NODE_KINDS[s]} for s in NODE_SLUGS]
        nodes[1].update({"integrationSlug": "clearbit", "actionSlug": "company_enrich",
                         "connectorUuid": filled.connector_uuid})
        rel_rows.append({"uuid": filled.releases[w], "workspace_uuid": workspace_uuid, "workflow_uuid": w,
                         "version": "1", "status": "deployed", "nodes": nodes, "created_at": now - timedelta(days=60),
                         "updated_at": now})
    for i in range(3):
        w = wfs[i % len(wfs)]
        created = now - timedelta(days=(0, 3, 45)[i], hours=1)
        filled.batches.append({"uuid": _u(), "workspace_uuid": workspace_uuid, "workflow_uuid": w,
                               "release_uuid": filled.releases[w], "status": ("success", "running", "error")[i],
                               "data": {"kind": "records"}, "runs_count": 0, "source_done": True,
                               "created_at": created, "updated_at": created, "finished_at": None})
    exec_id = 0
    for n in range(runs_count):
        w = wfs[n % len(wfs)]
        batch = rnd.choice([None, None, *filled.batches])
        if batch is not None:
            w = batch["workflow_uuid"]
        base = batch["created_at"] if batch else now - timedelta(days=40)
        span = (now - base).total_seconds()
        created = _clear_of_windows(base + timedelta(seconds=int(rnd.random() * span * 0.98) + 1), now)
        created += timedelta(milliseconds=n + 1)  # distinct times: orderings have no ties
        status = rnd.choice(RUN_STATUSES)
        finished = created + timedelta(seconds=rnd.randint(1, 90)) if status in ("success", "error", "cancelled") \
            else None
        run_uuid = _u()
        record_id = f"rec-{rnd.randint(1, runs_count // 3)}"
        credits = 0.0
        slugs = NODE_SLUGS if status in ("success", "error") else NODE_SLUGS[: rnd.randint(1, 3)]
        for k, slug in enumerate(slugs):
            last = k == len(slugs) - 1
            e_status = "success"
            if last and status == "error":
                e_status = "error"
            elif last and status in ("running", "pending"):
                e_status = status
            elif last and status == "cancelled":
                e_status = rnd.choice(["cancelled", "skipped"])
            e_credits = round(rnd.choice([0.0, 0.5, 1.25]), 2) if slug == "enrich" else 0.0
            credits += e_credits
            started = created + timedelta(seconds=k * 2)
            exec_id += 1
            filled.executions.append({
                "workspace_uuid": workspace_uuid, "run_uuid": run_uuid, "workflow_uuid": w,
                "release_uuid": filled.releases[w], "batch_uuid": batch["uuid"] if batch else None,
                "node_uuid": filled.node_uuids[(w, slug)], "node_slug": slug, "node_kind": NODE_KINDS[slug],
                "node_action_slug": "company_enrich" if slug == "enrich" else slug, "status": e_status,
                "title": f"{slug} step", "attempts": 1, "credits_used_count": e_credits,
                "execution_charge": 0.01 if e_status in ("success", "error") else 0.0,
                "started_at": started, "updated_at": started + timedelta(seconds=1),
                "finished_at": started + timedelta(seconds=1 + k) if e_status in ("success", "error") else None,
            })
        filled.runs.append({
            "uuid": run_uuid, "workspace_uuid": workspace_uuid, "workflow_uuid": w, "release_uuid": filled.releases[w],
            "batch_uuid": batch["uuid"] if batch else None, "root_run_uuid": run_uuid, "status": status,
            "record_id": record_id, "record_title": f"{title_prefix}-{record_id}.com", "input": {"domain": record_id},
            "context": {"start": {"domain": record_id}}, "computed_configs": {}, "credits_used_count": credits,
            "executions_count": len(slugs), "created_at": created, "started_at": created,
            "updated_at": finished or created, "finished_at": finished,
            "error_message": "enrich failed" if status == "error" else None,
        })
    for b in filled.batches:
        b["runs_count"] = sum(1 for r in filled.runs if r["batch_uuid"] == b["uuid"])
    with db.write() as conn:
        if same_workflows_as is None:
            conn.execute(insert(workflows), wf_rows)
        conn.execute(insert(releases), rel_rows)
        conn.execute(insert(batches), filled.batches)
        conn.execute(insert(runs), filled.runs)
        conn.execute(insert(executions), filled.executions)
    return filled


def other_workspace(db: Any, name: str) -> str:
    from lading.store.repositories import workspaces

    with db.write() as conn:
        ws, _user = workspaces.get_or_create_workspace(conn, name)
    return str(ws.uuid)


def remove(db: Any, *stores: Filled) -> None:
    """Delete what `fill` wrote. Its runs include `pending`/`running` ones: left in a shared
    PostgreSQL database they would keep every test's background worker from going idle."""
    from sqlalchemy import delete

    from lading.store.schema import batches, executions, releases, runs, workflows

    with db.write() as conn:
        for filled in stores:
            ws = filled.workspace_uuid
            for table in (executions, runs, batches, releases, workflows):
                conn.execute(delete(table).where(table.c.workspace_uuid == ws))
