"""Per-node execution metrics shared by `run get-metrics` and `record get-metrics` (analytics §2).

Both count node executions per node by status plus provider credits; run metrics look at every run
in scope, record metrics only at each record's latest run so re-runs are not double-counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lading.domain.nodes import EXECUTION_STATUSES
from lading.services.orchestration import shapes
from lading.services.orchestration.releases import require_workflow
from lading.services.session import Session
from lading.store.repositories import records as repo
from lading.store.repositories import runs as runs_repo

# `record get-metrics` counts each record's latest run, which never stands at a node as skipped.
RECORD_METRIC_STATUSES = ("pending", "running", "success", "error", "cancelled")


def metrics(session: Session, *, workflow_uuid: str, release_uuid: str | None = None, batch_uuid: str | None = None,
            created_after: datetime | None = None, created_before: datetime | None = None,
            per_record: bool) -> dict[str, Any]:
    """`run get-metrics` (`runMetrics`: every run in scope, seven counters) or, `per_record`,
    `record get-metrics` (`recordMetrics`: each record's latest run, five counters). The workflow
    must exist; the two commands take the same scope, so they are one function."""
    with session.db.read() as conn:
        require_workflow(session, conn, workflow_uuid)
        cond = runs_repo.run_filters(session.workspace_uuid, workflow_uuid=workflow_uuid, release_uuid=release_uuid,
                                     batch_uuid=batch_uuid, created_after=created_after, created_before=created_before)
        if per_record:
            return {"recordMetrics": node_metrics(session, conn, workflow_uuid, repo.latest_run_uuids(cond),
                                                  RECORD_METRIC_STATUSES, shapes.RecordMetric)}
        return {"runMetrics": node_metrics(session, conn, workflow_uuid, repo.run_uuids(cond), EXECUTION_STATUSES,
                                           shapes.RunMetric)}


def _node_order(nodes: Sequence[Any]) -> dict[str, int]:
    """Position of every node (group sub-nodes right after their group), depth first."""
    order: dict[str, int] = {}

    def walk(items: Sequence[Any]) -> None:
        for node in items:
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("uuid"), str):
                order.setdefault(node["uuid"], len(order))
            sub = (node.get("config") or {}).get("_nodes") if isinstance(node.get("config"), dict) else None
            for nested in (sub, node.get("_nodes")):
                if isinstance(nested, list):
                    walk(nested)

    walk(nodes)
    return order


def node_metrics(session: Session, conn: Any, workflow_uuid: str, runs_in_scope: Any, statuses: Sequence[str],
                 shape: type[shapes.RunMetric] | type[shapes.RecordMetric]) -> list[dict[str, Any]]:
    """One `shape` per node that has executions (`nodeUuid`, `totalExecutionsCount`, one
    `<status>ExecutionsCount` per status, `creditsUsedCount`), in graph order."""
    counts: dict[str, dict[str, Any]] = {}
    for row in repo.node_status_counts(conn, session.workspace_uuid, workflow_uuid, runs_in_scope, statuses):
        tally = counts.setdefault(row.node_uuid, {"statuses": dict.fromkeys(statuses, 0), "credits": 0.0})
        tally["statuses"][row.status] += int(row.n)
        tally["credits"] += float(row.credits or 0)
    position = _node_order(repo.latest_release_nodes(conn, session.workspace_uuid, workflow_uuid))
    items = []
    for node_uuid in sorted(counts, key=lambda u: (position.get(u, len(position)), u)):
        by_status = counts[node_uuid]["statuses"]
        items.append(shape(node_uuid=node_uuid, total_executions_count=sum(by_status.values()),
                           credits_used_count=round(counts[node_uuid]["credits"], 6),
                           **{f"{s}_executions_count": by_status[s] for s in statuses}).dump())
    return items
