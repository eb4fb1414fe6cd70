"""`batch create --dry-run` and `action execute-batch --dry-run`: cost before you spend.

A dry run picks a sample of the batch's source (N records evenly spread over it, never just the
first N), runs the sample as a batch of its own through the same engine and workers as any batch —
provider calls included, since that is how the cost is measured — then deletes that batch with
everything its runs left in the store (runs, executions, child batches, the stored sample, the
ad-hoc release) and answers the sample's cost scaled to the whole source. The sample batch is
marked `data.dryRun` and never listed while it lives; one a crash left behind is deleted by the
next dry run of the workspace.

The projection is linear: each node's sample executions, provider credits and node time times
`recordsCount / sampleSize`. `durationSeconds` is node time summed over the runs (the work the
batch asks of workers and providers), not wall-clock time, which depends on concurrency and
rate limits.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from lading.domain.errors import ConflictError, ValidationError, shown
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import batches as repo

DEFAULT_SAMPLE = 10
MAX_SAMPLE = 1000
# A sample batch older than this is a crash's leftover (a dry run lasts as long as its command).
STALE_AFTER = timedelta(hours=1)
MARK = "sample"


def check_sample_size(value: Any) -> int:
    if value is None:
        return DEFAULT_SAMPLE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SAMPLE:
        raise ValidationError(f"--sample-size must be a whole number from 1 to {MAX_SAMPLE}, got {shown(value)}",
                              reason="invalidSampleSize")
    return value


def spread(count: int, size: int) -> list[int]:
    """`size` positions evenly spread over `count` rows (every row when there are no more)."""
    if count <= size:
        return list(range(count))
    return sorted({int((i + 0.5) * count / size) for i in range(size)})


def _pick(values: Callable[[], Iterator[Any]], size: int) -> tuple[list[Any], int]:
    """Two passes over a source: count its rows, then keep the evenly spread ones."""
    count = sum(1 for _ in values())
    wanted = set(spread(count, size))
    return [v for i, v in enumerate(values()) if i in wanted], count


def sample_source(session: Session, play: Any, source: dict[str, Any], batch_uuid: str,
                  size: int) -> dict[str, Any]:
    """The sample of a resolved source, as the source to store (a play's rows already stored; records
    and file rows as inline `records` for the caller to store); `recordsCount` is how many records
    the whole source holds."""
    kind = source["kind"]
    if play is not None:
        from lading.services.orchestration import _play_batch_rows as play_batch_rows
        from lading.store.repositories import files as files_repo

        def lines() -> Iterator[bytes]:
            with session.db.read() as conn:
                for line in play_batch_rows.source_lines(session, conn, play, source):
                    if not line.startswith(b'{"error"'):
                        yield line

        picked, count = _pick(lines, size)
        if count == 0:
            raise ValidationError("the source has no records", reason="noRecords")
        name = f"{session.workspace_uuid}/batches/{batch_uuid}/rows.jsonl"
        files_repo.store_file(session.db, session.workspace_uuid, name, "rows.jsonl", "application/x-ndjson",
                              io.BytesIO(b"".join(picked)), utcnow())
        return {**source, "rowsFilename": name, "count": len(picked), "recordsCount": count}
    if kind == "records":
        records = source["records"]
        picked, count = _pick(lambda: iter(records), size)
    elif kind == "file":
        from lading.engine.batch_files import reader_for
        from lading.services.workspace.files import require_file
        from lading.store.repositories import files as files_repo

        meta = require_file(session, source["s3Filename"])

        def rows() -> Iterator[Any]:
            for item in reader_for(meta.name, meta.content_type, files_repo.iter_bytes(session.db, meta.s3_filename)):
                if item.value is not None:
                    yield item.value

        picked, count = _pick(rows, size)
        if count == 0:
            raise ValidationError("the file has no readable record", reason="noRecords")
    else:  # recordIds of a tool: the sampled ids, resolved by the feeder as for the whole batch
        ids = source["ids"]
        picked, count = _pick(lambda: iter(ids), size)
        return {"kind": "recordIds", "ids": picked, "count": len(picked), "recordsCount": count}
    return {"kind": "records", "records": picked, "count": len(picked), "recordsCount": count}


def measure(session: Session, uuid: str, size: int, wall: float) -> dict[str, Any]:
    """The `dryRun` answer of a finished sample batch."""
    with session.db.read() as conn:
        batch = repo.get_batch(conn, session.workspace_uuid, uuid)
        if batch is None:  # deleted under the dry run's feet (another dry run's clean-up)
            raise ConflictError("the dry run's sample batch disappeared before it was measured; try again",
                                reason="dryRunInterrupted")
        top = repo.top_runs(conn, uuid)
        rows = repo.dry_run_executions(conn, uuid)
        nodes = _release_nodes(conn, batch.release_uuid)
    return _measure(batch, top, rows, nodes, size, wall)


def discard(session: Session, batch_uuid: str) -> None:
    """Cancel the sample batch (a worker still holding a run loses it at its next commit) and delete it."""
    from sqlalchemy import select

    from lading.domain.nodes import TERMINAL_STATUSES
    from lading.store.repositories import run_queue
    from lading.store.schema import runs

    with session.db.write() as conn:
        repo.update_batch(conn, session.workspace_uuid, batch_uuid, {"source_done": True, "feed_owner": None,
                                                                     "status": "cancelled"})
        active = list(conn.execute(select(runs.c.uuid).where(
            runs.c.batch_uuid == batch_uuid, runs.c.status.not_in(tuple(TERMINAL_STATUSES)))).scalars())
        if active:
            run_queue.cancel_runs(conn, active, utcnow())
        repo.delete_batch_tree(conn, session.workspace_uuid, batch_uuid)


def discard_stale(session: Session) -> None:
    with session.db.read() as conn:
        stale = repo.stale_dry_runs(conn, session.workspace_uuid, utcnow() - STALE_AFTER)
    for uuid in stale:
        discard(session, uuid)


def _release_nodes(conn: Any, release_uuid: str) -> dict[str, dict[str, Any]]:
    """Every node of the release by uuid (group `_nodes` included)."""
    from sqlalchemy import select

    from lading.store.schema import releases

    graph = conn.execute(select(releases.c.nodes).where(releases.c.uuid == release_uuid)).scalar()
    found: dict[str, dict[str, Any]] = {}
    stack = list(graph or [])
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("uuid"), str):
            found[node["uuid"]] = node
        config = node.get("config")
        if isinstance(config, dict) and isinstance(config.get("_nodes"), list):
            stack.extend(config["_nodes"])
    return found


def _seconds(row: Any) -> float:
    if row.started_at is None or row.finished_at is None:
        return 0.0
    started, finished = row.started_at, row.finished_at
    if isinstance(started, str):
        from datetime import datetime

        started, finished = datetime.fromisoformat(started), datetime.fromisoformat(str(finished))
    return max(0.0, (finished - started).total_seconds())


def _provider(node: dict[str, Any] | None, kind: str) -> str | None:
    """Who a node's credits go to: a connector's integration, an agent's model provider; natives: none."""
    if node is None:
        return None
    if kind == "connector":
        slug = node.get("integrationSlug")
        return slug if isinstance(slug, str) else None
    if kind == "agent":
        return "agent"
    return None


def _cache_prices(rows: Any, nodes: dict[str, dict[str, Any]]) -> dict[str, float]:
    """What a connector call the cache answered would have cost: the node's mean price over the
    sample's real calls, else its list price."""
    from lading.services.orchestration.tools import list_price_of

    paid: dict[str, list[float]] = {}
    for row in rows:
        if row.node_kind == "connector" and row.status == "success" and row.base_url is not None:
            paid.setdefault(str(row.node_uuid), []).append(float(row.credits_used_count or 0.0))
    prices = {}
    for uuid, node in nodes.items():
        seen = paid.get(uuid)
        prices[uuid] = sum(seen) / len(seen) if seen else list_price_of(node)
    return prices


def _cached(row: Any) -> bool:
    """A connector call answered from the connector's cache (no provider call: no base URL recorded)."""
    return row.node_kind == "connector" and row.status == "success" and row.base_url is None


def _measure(batch: Any, top: Any, rows: Any, nodes: dict[str, dict[str, Any]], size: int,
             wall: float) -> dict[str, Any]:
    """The sample's numbers and their projection. A call the connector's cache answered is counted at
    the price the provider would charge (`_cache_prices`): the records outside the sample are not in
    the cache, so the sample is priced as if none were."""
    data = batch.data or {}
    sampled = int(data.get("count") or 0)
    total = int(data.get("recordsCount") or sampled)
    factor = total / sampled if sampled else 0.0
    prices = _cache_prices(rows, nodes)
    per_node: dict[str, dict[str, Any]] = {}
    per_provider: dict[str, dict[str, Any]] = {}
    per_run: dict[str, float] = {}
    credits = seconds = 0.0
    executions = failed_executions = cached_calls = 0
    for row in rows:
        if row.status in ("running", "idle", "pending"):
            continue
        node = nodes.get(str(row.node_uuid))
        cached = _cached(row)
        spent = prices.get(str(row.node_uuid), 0.0) if cached else float(row.credits_used_count or 0.0)
        if cached:
            cached_calls += 1
            per_run[str(row.run_uuid)] = per_run.get(str(row.run_uuid), 0.0) + spent
        took = _seconds(row)
        credits += spent
        seconds += took
        executions += 1
        failed = row.status in ("error", "cancelled")
        failed_executions += failed
        entry = per_node.setdefault(str(row.node_uuid), {
            "nodeUuid": str(row.node_uuid), "nodeSlug": row.node_slug, "nodeKind": row.node_kind,
            "integrationSlug": (node or {}).get("integrationSlug") if row.node_kind == "connector" else None,
            "actionSlug": row.node_action_slug, "sample": {"executions": 0, "credits": 0.0, "failed": 0,
                                                           "cached": 0, "durationSeconds": 0.0}})
        sample = entry["sample"]
        sample["executions"] += 1
        sample["credits"] += spent
        sample["failed"] += failed
        sample["cached"] += cached
        sample["durationSeconds"] += took
        provider = _provider(node, str(row.node_kind))
        if provider is not None:
            slot = per_provider.setdefault(provider, {"integrationSlug": provider, "sample": {
                "calls": 0, "credits": 0.0, "failed": 0, "cached": 0}})
            slot["sample"]["calls"] += 1
            slot["sample"]["credits"] += spent
            slot["sample"]["failed"] += failed
            slot["sample"]["cached"] += cached
    for entry in per_node.values():
        sample = entry["sample"]
        entry.update(executions=round(sample["executions"] * factor), credits=_round(sample["credits"] * factor),
                     durationSeconds=_round(sample["durationSeconds"] * factor))
        sample["credits"], sample["durationSeconds"] = _round(sample["credits"]), _round(sample["durationSeconds"])
    for slot in per_provider.values():
        sample = slot["sample"]
        slot.update(calls=round(sample["calls"] * factor), credits=_round(sample["credits"] * factor),
                    creditsPerCall=_round(sample["credits"] / sample["calls"]) if sample["calls"] else 0.0)
        sample["credits"] = _round(sample["credits"])
    per_record = [float(r.credits_used_count or 0.0) + per_run.get(str(r.uuid), 0.0) for r in top]
    low, high = _credits_range(per_record, total)
    cap = data.get("creditCapOfBatch")
    capped = None
    if isinstance(cap, (int, float)):
        mean = sum(per_record) / len(per_record) if per_record else 0.0
        capped = {"cap": cap, "reached": credits * factor >= cap,
                  "recordsBeforeCap": min(total, int(cap / mean)) if mean > 0 else total}
    return {
        "sampleSize": sampled, "requestedSampleSize": size, "recordsCount": total,
        "projected": {"credits": _round(credits * factor), "creditsLow": low, "creditsHigh": high,
                      "executions": round(executions * factor), "durationSeconds": _round(seconds * factor)},
        "creditCap": capped,
        "perNode": sorted(per_node.values(), key=lambda e: (-e["credits"], e["nodeSlug"] or "")),
        "perProvider": sorted(per_provider.values(), key=lambda e: (-e["credits"], e["integrationSlug"])),
        "sample": {"credits": _round(credits), "executions": executions, "failedExecutions": failed_executions,
                   "cachedCalls": cached_calls, "runs": len(top), "failed": sum(1 for r in top if r.status == "error"),
                   "durationSeconds": _round(seconds), "wallSeconds": _round(wall),
                   "invalidRows": len(batch.invalid_rows or [])},
    }


def _credits_range(per_record: list[float], total: int) -> tuple[float, float]:
    """A 95 % interval of the whole batch's credits from the sample's per-record credits (normal
    approximation with the finite-population correction; exact when the sample is the whole source)."""
    import math

    n = len(per_record)
    if n == 0:
        return 0.0, 0.0
    mean = sum(per_record) / n
    if n >= total or n < 2:
        return _round(mean * total), _round(mean * total)
    variance = sum((c - mean) ** 2 for c in per_record) / (n - 1)
    spread_ = 1.96 * total * math.sqrt(variance / n) * math.sqrt((total - n) / (total - 1))
    return _round(max(0.0, mean * total - spread_)), _round(mean * total + spread_)


def _round(value: float) -> float:
    return round(value, 4)
