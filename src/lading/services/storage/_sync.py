"""Extractor syncs of connector models (issue 18 item 5; data spec §2.1 `lastRun`, §2.3).

A sync is a storage run. Its first sync is full; every later one is incremental from the high-water
mark (`cursor_to`) of the model's last successful sync. Pages are fetched one at a time through the
extractor (the integration's rate limit and `Retry-After` apply), and each page is upserted by id in
the transaction that moves the run's checkpoint — the next page token, the high-water mark and the
counts — fenced by the run's lease. A crash therefore loses at most the page in flight: the next sync
of the model (a `refresh`, a schedule tick, `segment fetch --sync`) finds the run still `running`
with a dead driver, takes it over and resumes after its last committed page; so does the scheduler
leader of a running worker, within seconds, without waiting for one (`worker/scheduler.py`). Records are upserted by
id, so a record served twice (a page in flight at the crash, or an instant shared at a search
restart) is still one row.

Who drives a run: `lease_owner` is `host:pid:nonce`. A driver on this host whose process is gone is
dead at once; any driver is dead once `lease_expires_at` (moved forward at each page) has passed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from typing import Any

from lading.domain.errors import ConflictError, LadingError, ValidationError, shown
from lading.services.session import Session
from lading.services.sync_leases import claim_unfinished, end_in_error, lease_until, new_owner, orphaned, sync_and_wait
from lading.store.clock import iso, utcnow
from lading.store.repositories import storage as repo
from lading.store.repositories import storage_runs as runs_repo

log = logging.getLogger("lading.storage.sync")
TRIGGERS = ("manual", "schedule", "segmentFetch")


def extractor_for(slug: str) -> Any:
    """(extractor, config defaults) of a connector extractor slug, or None."""
    from lading.integrations.extractors import get_extractor

    return get_extractor(slug)


def full_config(extractor: Any, defaults: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The model's config with its slug's defaults, checked against the extractor's schema."""
    from lading.integrations.extractors._sdk import checked_config

    return checked_config(extractor, defaults, config, reason="invalidConfig")


def _connector_call(session: Session, conn: Any, connector_uuid: str | None, integration_slug: str) -> Any:
    """The `ActionCall` of the connector's integration, credentials opened from the connector's sealed
    config (the same sealing `connection connector` uses: AES-GCM bound to workspace and connector)."""
    from lading.integrations import get_integration
    from lading.integrations._runtime import open_call
    from lading.services.connector_credentials import decrypted_config
    from lading.store.repositories import connectors as connector_repo

    row = connector_repo.get_connector(conn, session.workspace_uuid, connector_uuid) if connector_uuid else None
    if row is None:
        raise ConflictError("the model's connector was removed", reason="connectorNotFound")
    if row.integration_slug != integration_slug:
        raise ValidationError(f"the dataset's connector is a {row.integration_slug} connector, not {integration_slug}",
                              reason="invalidDataset")
    integration = get_integration(integration_slug)
    assert integration is not None
    return open_call(integration, {}, decrypted_config(session.workspace_uuid, row), row.uuid)


async def _renewed_call(session: Session, call: Any, integration_slug: str, failure: Exception) -> Any | None:
    """The call with a renewed OAuth access token when the provider refused the stored one (401) and the
    connector holds a refresh token, as action calls do; None when it cannot be renewed."""
    from lading.integrations import get_integration
    from lading.integrations._runtime import open_call
    from lading.integrations._sdk import ProviderError
    from lading.services.connector_credentials import refreshed_credentials

    integration = get_integration(integration_slug)
    if (not isinstance(failure, ProviderError) or failure.status != 401 or call.connector_uuid is None
            or integration is None):
        return None
    renewed = await asyncio.to_thread(refreshed_credentials, session.db, session.workspace_uuid,
                                      call.connector_uuid, integration, call.credentials)
    return open_call(integration, {}, renewed, call.connector_uuid) if renewed is not None else None


async def _renewing(session: Session, call: Any, integration_slug: str,
                    ask: Callable[[Any], Awaitable[Any]]) -> Any:
    """`ask(call)`, asked once more with a renewed OAuth access token when the provider refused the
    stored one as expired (401): models are described, previewed and counted with the same renewal."""
    try:
        return await ask(call)
    except Exception as exc:
        renewed = await _renewed_call(session, call, integration_slug, exc)
        if renewed is None:
            raise
        return await ask(renewed)


def _provider_failure(exc: Exception, call: Any | None) -> LadingError:
    from lading.domain.errors import NodeExecutionError

    message = exc.message if isinstance(exc, (NodeExecutionError, LadingError)) else f"{type(exc).__name__}"
    if call is not None:
        message = call.http.redact(message)
    return ValidationError(message, reason="extractorFailed")


def discover_columns(session: Session, connector_uuid: str | None, extractor: Any,
                     config: dict[str, Any]) -> list[dict[str, Any]]:
    """The model's columns as the provider describes the configured object (a provider failure is a
    400 `extractorFailed` naming the provider's message, never a credential)."""
    with session.db.read() as conn:
        call = _connector_call(session, conn, connector_uuid, extractor.integration_slug)
    try:
        found = asyncio.run(_renewing(session, call, extractor.integration_slug,
                                      lambda c: extractor.columns(c, config)))
    except Exception as exc:  # a provider's answer or an unreachable provider
        raise _provider_failure(exc, call) from None
    return [c.definition() for c in found]


def preview_page(session: Session, connector_uuid: str | None, extractor: Any, config: dict[str, Any],
                 limit: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(columns, first `limit` records of a full sync's first page), nothing stored."""
    with session.db.read() as conn:
        call = _connector_call(session, conn, connector_uuid, extractor.integration_slug)

    async def first(current: Any) -> Any:
        columns = await extractor.columns(current, config)
        return columns, await extractor.page(current, config, columns, None, None)

    try:
        columns, page = asyncio.run(_renewing(session, call, extractor.integration_slug, first))
    except Exception as exc:
        raise _provider_failure(exc, call) from None
    return [c.definition() for c in columns], call.http.scrubber.value(page.records[:limit])


def source_count(session: Session, connector_uuid: str | None, extractor: Any, config: dict[str, Any]) -> int:
    with session.db.read() as conn:
        call = _connector_call(session, conn, connector_uuid, extractor.integration_slug)
    if extractor.count is None:
        return 0
    try:
        return int(asyncio.run(_renewing(session, call, extractor.integration_slug,
                                         lambda c: extractor.count(c, config))))
    except Exception as exc:
        raise _provider_failure(exc, call) from None


# --- the sync ----------------------------------------------------------------------------------------


class _LeaseLostError(Exception):
    """The run was taken over or cancelled while this process fetched a page."""


def _original_columns(model: Any) -> list[Any]:
    from lading.integrations.extractors import ExtractorColumn

    return [ExtractorColumn(c["slug"], c["type"], c.get("label") or c["slug"], c.get("originalSlug") or c["slug"])
            for c in model.columns or [] if c.get("kind") == "original"]


def _require_model(session: Session, conn: Any, uuid: str) -> Any:
    from lading.domain.errors import found

    return found(repo.get_model(conn, session.workspace_uuid, uuid, for_update=True), "Model", uuid)


def start(session: Session, model_uuid: str, trigger: str) -> tuple[str, str | None]:
    """Claim the model's sync: a new run, or an interrupted one taken over. Returns (run uuid, lease
    owner) — owner None when a live driver already runs the model's sync (nothing to do here)."""
    owner = new_owner()
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        model = _require_model(session, conn, model_uuid)
        if extractor_for(model.extractor_slug) is None:
            raise ValidationError(f"model {model.slug} is filled by imports and writes ({model.extractor_slug} "
                                  "extractor); it has no sync to refresh", reason="refreshNotSupported")
        if model.is_paused:
            raise ConflictError(f"model {model.slug} is paused: it runs no sync until resumed "
                                "(storage model update --is-paused false)", reason="modelIsPaused")
        run = runs_repo.unfinished_run(conn, ws, model_uuid)
        if run is not None:
            return claim_unfinished(conn, ws, run, owner, now)
        last = runs_repo.last_success(conn, ws, model_uuid)
        cursor = last.cursor_to if last is not None else None
        run_uuid = str(uuidlib.uuid4())
        runs_repo.insert_run(conn, ws, {
            "uuid": run_uuid, "model_uuid": model_uuid, "status": "running", "trigger": trigger,
            "mode": "full" if cursor is None else "incremental", "cursor_from": cursor, "cursor_to": cursor,
            "page_token": None, "lease_owner": owner, "lease_expires_at": lease_until(now), "started_at": now,
            "created_at": now, "updated_at": now})
    return run_uuid, owner


def _commit_page(session: Session, model_uuid: str, run_uuid: str, owner: str, page: Any, cursor_to: str | None,
                 last: bool) -> set[str]:
    """The page's records upserted by id and the run's checkpoint moved, in one transaction; returns
    the models whose data changed (this one when a record was inserted or updated, plus derived readers)."""
    from sqlalchemy import literal

    from lading.data.writer import ModelWriter
    from lading.services.storage import _derived as storage_derived
    from lading.store.repositories import storage_usage
    from lading.store.schema import storage_runs as t

    ws = session.workspace_uuid
    now = utcnow()
    with session.db.write() as conn:
        model = _require_model(session, conn, model_uuid)
        writer = ModelWriter(conn, model, create_columns=False)
        for index, record in enumerate(page.records, start=1):
            writer.add(index, record)

        def save(columns: list[dict[str, Any]]) -> None:
            repo.update_model(conn, ws, model_uuid, {"columns": columns, "updated_at": now})

        report = writer.finish(save)
        storage_usage.count_written(conn, ws, model_uuid, None, report.written, now)
        others = storage_derived.after_write(conn, ws, model, report, writer.now)
        values: dict[str, Any] = {
            "page_token": page.next_token, "cursor_to": cursor_to,
            "pages_count": t.c.pages_count + literal(1),
            "records_count": t.c.records_count + literal(len(page.records)),
            "inserted_count": t.c.inserted_count + literal(report.inserted),
            "updated_count": t.c.updated_count + literal(report.updated),
            "unchanged_count": t.c.unchanged_count + literal(report.unchanged),
            "lease_expires_at": lease_until(now), "updated_at": now}
        if last:
            values.update(status="success", finished_at=now, lease_owner=None, lease_expires_at=None)
        if not runs_repo.checkpoint(conn, ws, run_uuid, owner, values):
            raise _LeaseLostError()
    return ({model_uuid} if report.written else set()) | set(others)


def drive(session: Session, model_uuid: str, run_uuid: str, owner: str) -> None:
    """Fetch and commit pages from the run's checkpoint until the source is exhausted, the run is
    taken from us, or the provider fails (the run then ends `error` with the provider's message)."""
    with session.db.read() as conn:
        model = repo.get_model(conn, session.workspace_uuid, model_uuid)
        run = runs_repo.get_run(conn, session.workspace_uuid, run_uuid)
        dataset = repo.get_dataset(conn, session.workspace_uuid, model.dataset_uuid) if model is not None else None
    if model is None or run is None:
        return
    found = extractor_for(model.extractor_slug)
    assert found is not None
    extractor, defaults = found
    changed: set[str] = set()
    call: Any = None
    try:
        config = full_config(extractor, defaults, dict(model.config or {}))
        with session.db.read() as conn:
            call = _connector_call(session, conn, dataset.connector_uuid if dataset is not None else None,
                                   extractor.integration_slug)
        changed = asyncio.run(_pages(session, extractor, config, model, run, owner, call))
    except _LeaseLostError:
        pass
    except Exception as exc:  # the provider's refusal, an unreachable provider, a bad config
        if not isinstance(exc, LadingError) and not hasattr(exc, "retryable"):
            log.warning("model %s: sync %s failed: %s", model_uuid, run_uuid, type(exc).__name__)
        end_in_error(session, run_uuid, owner, _provider_failure(exc, call).message)
    finally:
        # Segment change detection, as after any committed write (`models.notify_write`): this model
        # first, then the models whose derived values the sync changed.
        for written in sorted(changed, key=lambda u: u != model_uuid):
            session.reactions.model_written(session, written)


async def _pages(session: Session, extractor: Any, config: dict[str, Any], model: Any, run: Any, owner: str,
                 call: Any) -> set[str]:
    """The page loop, in one event loop (the integration's gate and `Retry-After` span every page)."""
    from lading.integrations.extractors._sdk import later

    columns = _original_columns(model)
    token, cursor_from, cursor_to = run.page_token, run.cursor_from, run.cursor_to
    changed: set[str] = set()
    renewable = True
    while True:
        try:
            page = await extractor.page(call, config, columns, cursor_from, token)
        except Exception as exc:
            renewed = await _renewed_call(session, call, extractor.integration_slug, exc) if renewable else None
            if renewed is None:
                raise
            call, renewable = renewed, False  # the token expired mid-sync: renewed once, the page asked again
            continue
        cursor_to = later(cursor_to, page.high_water)
        last = page.next_token is None
        # Committed inline: nothing else runs on this loop, and the next page waits for this checkpoint.
        changed |= _commit_page(session, model.uuid, run.uuid, owner, page, cursor_to, last)
        if last:
            return changed
        token = page.next_token


def interrupted_syncs(session_db: Any) -> list[tuple[str, str]]:
    """(workspace uuid, model uuid) of every sync left `running` by a driver that died (its process is
    gone, or its lease expired): the scheduler leader resumes them without waiting for a next sync."""
    with session_db.read() as conn:
        rows = runs_repo.unfinished_everywhere(conn)
    return orphaned(rows, "model_uuid")


def sync_model(session: Session, model_uuid: str, *, trigger: str = "manual") -> str:
    """Run the model's sync now (or resume its interrupted one) and wait for it; returns the run uuid.
    When another live process drives the model's sync, waits for that one: when this returns, the
    model holds what the provider served."""
    if trigger not in TRIGGERS:
        raise ValidationError(f"trigger {shown(trigger)} is not one of {', '.join(TRIGGERS)}", reason="invalidData")
    return sync_and_wait(session, lambda: start(session, model_uuid, trigger),
                         lambda run_uuid, owner: drive(session, model_uuid, run_uuid, owner))


def run_document(row: Any) -> dict[str, Any]:
    from lading.services.storage import shapes

    return shapes.StorageRun(
        uuid=row.uuid, status=row.status, error_message=row.error_message, created_at=iso(row.created_at),
        finished_at=iso(row.finished_at), workspace_uuid=row.workspace_uuid, model_uuid=row.model_uuid,
        temporal_workflow_id="", s3_filenames=[], updated_at=iso(row.updated_at), trigger=row.trigger,
        mode=row.mode, cursor_from=row.cursor_from, cursor=row.cursor_to, pages_count=row.pages_count,
        records_count=row.records_count, inserted_records_count=row.inserted_count,
        updated_records_count=row.updated_count, unchanged_records_count=row.unchanged_count,
        resumed_count=row.resumed_count, started_at=iso(row.started_at)).dump()
