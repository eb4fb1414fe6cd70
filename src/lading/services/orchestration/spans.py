"""`POST /orchestration/spans/list|count`: node executions as spans (analytics §6.3, api.md §2.7).

No CLI command: `orchestration query execute` reads the same rows as the `spans` table. This is the
Cargo client's paged form of them, filtered by a SpanFilter and always from `executionStartedAfter`
on (required: spans are a time series, and the bound keeps every page on the store's index).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lading.domain.errors import ValidationError
from lading.domain.nodes import parse_statuses
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration import shapes
from lading.services.session import Session
from lading.store.clock import iso
from lading.store.repositories import spans as repo

MAX_LIMIT = 1000
# SpanFilter fields read from the node in the release rather than from the execution row.
_NODE_ATTRIBUTES = {"node_integration_slug": "integrationSlug", "node_connector_uuid": "connectorUuid",
                    "node_tool_uuid": "toolUuid", "node_agent_uuid": "agentUuid"}


def span_uuid(execution_id: int) -> str:
    """The span's uuid, derived from the execution's id exactly as the `spans` table derives it."""
    return f"00000000-0000-4000-8000-{execution_id:012x}"


def _node_value(node: dict[str, Any], key: str) -> Any:
    if key == "connectorUuid":
        config: dict[str, Any] = node["config"] if isinstance(node.get("config"), dict) else {}
        settings: dict[str, Any] = (config["advancedSettings"] if isinstance(config.get("advancedSettings"), dict)
                                    else {})
        return node.get("connectorUuid") or settings.get("connectorUuid")
    return node.get(key)


def _conditions(session: Session, conn: Any, *, execution_started_after: datetime | None,
                execution_statuses: list[str] | None = None, execution_started_before: datetime | None = None,
                execution_title: str | None = None, execution_title_or_error_message: str | None = None,
                user_uuid: str | None = None, **filters: Any) -> list[Any]:
    if execution_started_after is None:
        raise ValidationError("executionStartedAfter is required", reason="invalidPayload")
    by_node = {key: filters.pop(key) for key in list(filters) if key in _NODE_ATTRIBUTES and filters[key] is not None}
    for key in _NODE_ATTRIBUTES:
        filters.pop(key, None)
    node_uuids = None
    if by_node:
        node_uuids = sorted({n["uuid"] for g in repo.workspace_graphs(conn, session.workspace_uuid)
                             for n in presenters.walk_nodes(g.nodes or []) if isinstance(n.get("uuid"), str)
                             and all(_node_value(n, _NODE_ATTRIBUTES[k]) == v for k, v in by_node.items())})
    # Runs record no creating user yet, so `userUuid` narrows nothing.
    _ = user_uuid
    return repo.span_filters(session.workspace_uuid, started_after=execution_started_after,
                             started_before=execution_started_before, statuses=parse_statuses(execution_statuses),
                             title=execution_title, title_or_error_message=execution_title_or_error_message,
                             node_uuids=node_uuids, **filters)


def _span(row: Any, links: presenters.RunLinks) -> dict[str, Any]:
    execution = links.execution(row)
    duration = None
    if row.finished_at is not None and row.started_at is not None:
        duration = max(0, int((row.finished_at - row.started_at).total_seconds() * 1000))
    return shapes.Span(
        uuid=span_uuid(row.id), workspace_uuid=row.workspace_uuid, workflow_uuid=row.workflow_uuid,
        release_uuid=row.release_uuid, user_uuid=None, batch_uuid=row.batch_uuid,
        trace_uuid=row.root_run_uuid or row.run_uuid, record_id=row.record_id or row.run_uuid,
        record_title=row.record_title or "", run_uuid=row.run_uuid,
        run_context_s3_filename=f"runs/{row.run_uuid}/context.json",
        run_computed_configs_s3_filename=f"runs/{row.run_uuid}/computed-configs.json",
        parent_run_uuid=row.parent_run_uuid, parent_node_uuid=row.parent_node_uuid,
        parent_batch_uuid=links.parent_batches.get(row.parent_run_uuid) if row.parent_run_uuid else None,
        parent_agent_uuid=row.parent_agent_uuid, parent_chat_uuid=None, parent_message_uuid=None,
        is_group_parent=bool(row.is_group_parent), node_uuid=row.node_uuid, node_kind=row.node_kind,
        node_slug=row.node_slug, node_action_slug=row.node_action_slug,
        node_connector_uuid=execution["nodeConnectorUuid"], node_integration_slug=execution["nodeIntegrationSlug"],
        node_tool_uuid=execution["nodeToolUuid"], node_agent_uuid=execution["nodeAgentUuid"],
        node_release_uuid=execution["nodeReleaseUuid"], node_batch_uuid=execution["nodeBatchUuid"],
        node_run_uuid=execution["nodeRunUuid"], node_message_uuid=None, node_child_index=row.node_child_index,
        node_wait_until_finished=execution["nodeWaitUntilFinished"], node_next_uuid=row.next_node_uuid,
        next_node_uuid=row.next_node_uuid, execution_index=row.id, execution_status=row.status,
        execution_error_message=row.error_message, execution_title=row.title or "", execution_icon_url=None,
        execution_credits_used_count=float(row.credits_used_count or 0), execution_attempt=int(row.attempts or 1),
        execution_started_at=iso(row.started_at), execution_updated_at=iso(row.updated_at),
        execution_finished_at=iso(row.finished_at), execution_duration_ms=duration, created_at=iso(row.started_at),
    ).dump()


def list_spans(session: Session, *, limit: int = 50, offset: int = 0, **filters: Any) -> dict[str, Any]:
    """`{spans, count}`: a page of executions, newest first, and the total matching."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("offset must not be negative", reason="invalidData")
    with session.db.read() as conn:
        cond = _conditions(session, conn, **filters)
        rows = repo.list_spans(conn, cond, limit, offset)
        total = repo.count_spans(conn, cond)
        links = presenters.RunLinks(conn, session.workspace_uuid, _runs_of(rows))
        return {"spans": [_span(r, links) for r in rows], "count": total}


def count_spans(session: Session, **filters: Any) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"count": repo.count_spans(conn, _conditions(session, conn, **filters))}


class _RunOfSpan:
    """The run columns `RunLinks` reads, taken from a span row."""

    def __init__(self, row: Any) -> None:
        self.uuid = row.run_uuid
        self.release_uuid = row.release_uuid
        self.parent_run_uuid = row.parent_run_uuid


def _runs_of(rows: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(row.run_uuid, _RunOfSpan(row))
    return list(seen.values())
