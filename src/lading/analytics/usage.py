"""Usage metrics (`billing usage get-metrics`): node executions and provider credits per UTC day.

Read from the store's `executions` table — the same rows the `spans` table exposes — so the
`orchestration.executions` unit agrees row for row with `SELECT execution_status, count() FROM spans`
over the same days. The store aggregates by (day, status, release, node); node attributes that are
not on the execution row (integration slug, connector, agent) come from the release's node list; a
provider attempt inside a node (a waterfall's) carries its integration and connector on its row.
`storage.records` counts records inserted or changed in models (`storage_usage`, written by every model
write), slug `insert`, attributed to the model and, for workflow write-backs, the workflow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from lading.store.repositories import storage_usage
from lading.store.schema import executions, releases

UNITS = ("billing.credits", "orchestration.executions", "storage.records")
GROUP_BY = ("workflow_uuid", "connector_uuid", "model_uuid", "integration_slug", "agent_uuid")
CHARGED_STATUSES = ("success", "error")


@dataclass(frozen=True)
class UsageFilter:
    start: date
    end: date  # inclusive
    unit: str | None = None
    group_by: str | None = None
    workflow_uuid: str | None = None
    model_uuid: str | None = None
    connector_uuid: str | None = None
    integration_slug: str | None = None
    slug: str | None = None
    agent_uuid: str | None = None


@dataclass(frozen=True)
class _Node:
    integration_slug: str | None
    connector_uuid: str | None
    agent_uuid: str | None


def _node_attributes(conn: Connection, ws: str, release_uuids: Iterable[str]) -> dict[tuple[str, str], _Node]:
    wanted = sorted({r for r in release_uuids if r})
    found: dict[tuple[str, str], _Node] = {}
    for i in range(0, len(wanted), 500):
        rows = conn.execute(select(releases.c.uuid, releases.c.nodes).where(
            releases.c.workspace_uuid == ws, releases.c.uuid.in_(wanted[i:i + 500]))).all()
        for release_uuid, nodes in rows:
            for node in nodes or []:
                if not isinstance(node, dict) or not node.get("uuid"):
                    continue
                config = node.get("config")
                config = config if isinstance(config, dict) else {}
                settings = config.get("advancedSettings")
                settings = settings if isinstance(settings, dict) else {}
                connector = node.get("connectorUuid") or settings.get("connectorUuid")
                found[(release_uuid, node["uuid"])] = _Node(node.get("integrationSlug"), connector,
                                                            node.get("agentUuid"))
    return found


def _credit_slug(kind: str, action: str | None, node: _Node | None) -> str:
    if kind == "connector" and node and node.integration_slug:
        return f"integration.{node.integration_slug}.action.{action or 'unknown'}"
    if kind == "agent":
        return f"integration.{(node.integration_slug if node else None) or 'agent'}.chat"
    return f"native.{action or kind}"


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value)[:10]
    return f"{text}T00:00:00Z"


Totals = dict[str, dict[tuple[str, str | None], float]]


def usage_metrics(conn: Connection, ws: str, flt: UsageFilter) -> list[dict[str, Any]]:
    """`metrics`: one entry per UTC day with usage, ascending; items summed per (slug, groupBy)."""
    lo = datetime.combine(flt.start, datetime.min.time())
    hi = datetime.combine(flt.end + timedelta(days=1), datetime.min.time())
    totals: Totals = defaultdict(lambda: defaultdict(float))
    if flt.unit in (None, "storage.records"):
        _add_storage(conn, ws, flt, totals)
    if not flt.model_uuid and flt.unit != "storage.records":  # executions are never attributable to a model
        _add_executions(conn, ws, flt, totals, lo, hi)
    metrics = []
    for key_day in sorted(totals):
        items = [{"slug": slug, "count": _number(count), "groupBy": group}
                 for (slug, group), count in sorted(totals[key_day].items(), key=_item_order)
                 if flt.slug is None or slug == flt.slug]
        if items:
            metrics.append({"date": key_day, "items": items})
    return metrics


def _add_storage(conn: Connection, ws: str, flt: UsageFilter, totals: Totals) -> None:
    """Records written to models: never attributable to a connector, integration or agent."""
    if flt.connector_uuid or flt.integration_slug or flt.agent_uuid:
        return
    for day, model_uuid, workflow_uuid, count in storage_usage.written_per_day(conn, ws, flt.start, flt.end):
        if flt.model_uuid and model_uuid != flt.model_uuid:
            continue
        if flt.workflow_uuid and workflow_uuid != flt.workflow_uuid:
            continue
        attrs = {"model_uuid": model_uuid, "workflow_uuid": workflow_uuid or None}
        group = attrs.get(flt.group_by) if flt.group_by else None
        totals[_day(day)][("insert", group)] += count


def _add_executions(conn: Connection, ws: str, flt: UsageFilter, totals: Totals, lo: datetime, hi: datetime) -> None:
    day = func.date(executions.c.started_at).label("day")
    query = (select(day, executions.c.status, executions.c.release_uuid, executions.c.node_uuid,
                    executions.c.workflow_uuid, executions.c.node_kind, executions.c.node_action_slug,
                    executions.c.integration_slug, executions.c.connector_uuid, func.count().label("n"),
                    func.coalesce(func.sum(executions.c.credits_used_count), 0)
                    .label("credits"))
             # The time range uses the (workspace, started_at) index with a second of slack either side
             # (SQLite compares text); the day bounds then apply exactly.
             .where(executions.c.workspace_uuid == ws, executions.c.started_at >= lo - timedelta(seconds=1),
                    executions.c.started_at < hi + timedelta(seconds=1), day >= flt.start, day <= flt.end)
             .group_by(day, executions.c.status, executions.c.release_uuid, executions.c.node_uuid,
                       executions.c.workflow_uuid, executions.c.node_kind, executions.c.node_action_slug,
                       executions.c.integration_slug, executions.c.connector_uuid))
    if flt.workflow_uuid:
        query = query.where(executions.c.workflow_uuid == flt.workflow_uuid)
    rows = conn.execute(query).all()
    needs_nodes = flt.unit != "orchestration.executions" or flt.connector_uuid or flt.integration_slug \
        or flt.agent_uuid or flt.group_by in ("connector_uuid", "integration_slug", "agent_uuid")
    nodes = _node_attributes(conn, ws, (r.release_uuid for r in rows)) if needs_nodes else {}
    for r in rows:
        node = nodes.get((r.release_uuid, r.node_uuid))
        if r.integration_slug:  # a provider attempt inside its node (a waterfall's): its own provider
            node = _Node(r.integration_slug, r.connector_uuid, None)
        attrs = {"workflow_uuid": r.workflow_uuid, "model_uuid": None,
                 "connector_uuid": node.connector_uuid if node else None,
                 "integration_slug": node.integration_slug if node else None,
                 "agent_uuid": node.agent_uuid if node else None}
        if any(value and attrs[key] != value for key, value in (
                ("connector_uuid", flt.connector_uuid), ("integration_slug", flt.integration_slug),
                ("agent_uuid", flt.agent_uuid))):
            continue
        group = attrs[flt.group_by] if flt.group_by else None
        key_day = _day(r.day)
        if flt.unit in (None, "orchestration.executions") and r.status in CHARGED_STATUSES:
            totals[key_day][(r.status, group)] += int(r.n)
        if flt.unit in (None, "billing.credits") and float(r.credits or 0) > 0:
            totals[key_day][(_credit_slug(r.node_kind, r.node_action_slug, node), group)] += float(r.credits)


def _item_order(entry: tuple[tuple[str, str | None], float]) -> tuple[int, str, str]:
    (slug, group), _count = entry
    rank = {"success": 0, "error": 1}.get(slug, 2)
    return rank, slug, group or ""


def _number(value: float) -> float | int:
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded
