"""Syncs of connector libraries (connections-ai spec §2.7 `kind connector`; issue 18 item 5).

A library sync is a storage run with `library_uuid` set, driven like a model's extractor sync
(`services/storage/_sync.py`: the same lease `host:pid:nonce`, takeover of a run whose driver died,
the lease-fenced `checkpoint`). Each sync lists the provider's files whole, one page at a time
(metadata only); a listed file whose version stamp equals the stored one is only marked seen, a new or
changed one is downloaded (through the integration's rate gate, 429 `Retry-After` and retries) and
stored as a content file of the library — replaced in place, same uuid, when it changed — with its
passages, exactly like an upload. The page's files, the seen marks and the run's checkpoint (next
page token, counts) commit in one transaction, so a killed sync resumes after its last committed
page and stores each file once (a file is keyed by library and provider id). The last page's
transaction also removes the library's files no page of this run listed (gone upstream) and sets
the library's `syncedAt`. A file over 100 MiB, or one whose text cannot be read, is skipped and
reported in the run (`skipped`); the sync goes on.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, LadingError, NotFoundError, ValidationError
from lading.services.session import Session
from lading.services.sync_leases import claim_unfinished, end_in_error, lease_until, new_owner, orphaned, sync_and_wait
from lading.store.clock import utcnow
from lading.store.repositories import content as repo
from lading.store.repositories import storage_runs as runs_repo

log = logging.getLogger("lading.content.sync")
TRIGGERS = ("create", "config", "manual", "schedule")


def file_extractor_for(slug: Any) -> Any:
    """(file extractor, config defaults) of an unstructured-data extractor slug, or None."""
    from lading.integrations.extractors import get_file_extractor

    return get_file_extractor(slug) if isinstance(slug, str) else None


def full_config(extractor: Any, defaults: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The library's config with its slug's defaults, checked against the extractor's JSON Schema."""
    from lading.integrations.extractors._sdk import checked_config

    return checked_config(extractor, defaults, config, reason="invalidData")


def connector_call(session: Session, conn: Any, connector_uuid: str | None, integration_slug: str) -> Any:
    """The `ActionCall` of the library's connector (credentials opened from its sealed config)."""
    from lading.integrations import get_integration
    from lading.integrations._runtime import open_call
    from lading.services.connector_credentials import decrypted_config
    from lading.store.repositories import connectors as connector_repo

    row = connector_repo.get_connector(conn, session.workspace_uuid, connector_uuid) if connector_uuid else None
    if row is None:
        raise NotFoundError(f"the library's connector {connector_uuid} was removed", reason="connectorNotFound")
    if row.integration_slug != integration_slug:
        raise ValidationError(f"connector {row.uuid} is a {row.integration_slug} connector; the extractor needs "
                              f"a {integration_slug} one", reason="integrationNotCompatible")
    integration = get_integration(integration_slug)
    assert integration is not None
    return open_call(integration, {}, decrypted_config(session.workspace_uuid, row), row.uuid)


class _LeaseLostError(Exception):
    """The run was taken over while this process fetched a page."""


def start(session: Session, library_uuid: str, trigger: str) -> tuple[str, str | None]:
    """Claim the library's sync: a new run, or an interrupted one taken over. (run uuid, lease owner)
    — owner None when a live driver already runs it."""
    owner = new_owner()
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        library = repo.get_library(conn, ws, library_uuid)
        if library is None:
            raise NotFoundError(f"Library not found: {library_uuid}", reason="libraryNotFound")
        if library.kind != "connector":
            raise ValidationError(f"library {library.uuid} is a native library of uploaded files; only connector "
                                  "libraries sync", reason="syncNotSupported")
        run = runs_repo.unfinished_library_run(conn, ws, library_uuid)
        if run is not None:
            return claim_unfinished(conn, ws, run, owner, now)
        last = runs_repo.last_library_success(conn, ws, library_uuid)
        run_uuid = str(uuidlib.uuid4())
        runs_repo.insert_run(conn, ws, {
            "uuid": run_uuid, "model_uuid": None, "library_uuid": library_uuid, "status": "running",
            "trigger": trigger, "mode": "full" if last is None else "incremental",
            "cursor_from": last.cursor_to if last is not None else None,
            "cursor_to": last.cursor_to if last is not None else None, "page_token": None, "lease_owner": owner,
            "lease_expires_at": lease_until(now), "started_at": now, "created_at": now, "updated_at": now})
    return run_uuid, owner


def sync_library(session: Session, library_uuid: str, *, trigger: str = "manual") -> str:
    """Run the library's sync now (or resume its interrupted one) and wait for it; one another live
    process drives is waited for. Returns the run's uuid."""
    return sync_and_wait(session, lambda: start(session, library_uuid, trigger),
                         lambda run_uuid, owner: drive(session, library_uuid, run_uuid, owner))


def _failure_message(exc: Exception, call: Any | None) -> str:
    from lading.domain.errors import NodeExecutionError

    if isinstance(exc, (NodeExecutionError, LadingError)):
        message = exc.message
    elif hasattr(exc, "retryable"):
        message = str(exc)
    else:
        message = f"the sync failed unexpectedly ({type(exc).__name__})"
    return call.http.redact(message) if call is not None else message


def drive(session: Session, library_uuid: str, run_uuid: str, owner: str) -> None:
    """Fetch and commit pages from the run's checkpoint until the listing ends, the run is taken from
    us, or the provider (or the connector) fails: the run then ends `error` with a readable message."""
    with session.db.read() as conn:
        library = repo.get_library(conn, session.workspace_uuid, library_uuid)
        run = runs_repo.get_run(conn, session.workspace_uuid, run_uuid)
    if library is None or run is None:
        return
    call: Any = None
    try:
        found = file_extractor_for(library.extractor_slug)
        if found is None:
            raise ValidationError(f"extractor {library.extractor_slug} no longer exists", reason="extractorNotFound")
        extractor, defaults = found
        config = full_config(extractor, defaults, dict(library.config or {}))
        with session.db.read() as conn:
            call = connector_call(session, conn, library.connector_uuid, extractor.integration_slug)
        asyncio.run(_pages(session, extractor, config, library, run, owner, call))
    except _LeaseLostError:
        pass
    except Exception as exc:  # the provider's refusal, an unreachable provider, a removed connector
        if not isinstance(exc, LadingError) and not hasattr(exc, "retryable"):
            log.warning("library %s: sync %s failed: %s", library_uuid, run_uuid, type(exc).__name__)
        end_in_error(session, run_uuid, owner, _failure_message(exc, call))


async def _pages(session: Session, extractor: Any, config: dict[str, Any], library: Any, run: Any, owner: str,
                 call: Any) -> None:
    from lading.integrations.extractors._sdk import later
    from lading.services.storage._sync import _renewed_call

    token, cursor_to = run.page_token, run.cursor_to
    renewable = True
    while True:
        try:
            page = await extractor.list_page(call, config, token)
            fetched = await _downloads(session, extractor, config, library, page.files, call)
        except Exception as exc:
            renewed = await _renewed_call(session, call, extractor.integration_slug, exc) if renewable else None
            if renewed is None:
                raise
            call, renewable = renewed, False  # the token expired mid-sync: renewed once, the page asked again
            continue
        for remote in page.files:
            cursor_to = later(cursor_to, remote.modified)
        last = page.next_token is None
        _commit_page(session, library, run.uuid, owner, page, fetched, cursor_to, last)
        if last:
            return
        token = page.next_token


async def _downloads(session: Session, extractor: Any, config: dict[str, Any], library: Any, files: list[Any],
                     call: Any) -> dict[str, Any]:
    """external id → (`Prepared`, bytes) for each new or changed file of a page, or → a skip reason."""
    from lading.services.content.files import MAX_FILE_BYTES, prepare

    ws = session.workspace_uuid
    with session.db.read() as conn:
        stored = {f.external_id: repo.synced_file(conn, ws, library.uuid, f.external_id) for f in files}
    out: dict[str, Any] = {}
    for remote in files:
        if remote.archived:
            continue
        old = stored.get(remote.external_id)
        if old is not None and old.external_version == remote.version:
            continue
        if remote.size is not None and remote.size > MAX_FILE_BYTES:
            out[remote.external_id] = f"{remote.size} bytes, over the 100 MiB a content file may hold"
            continue
        data = await extractor.download(call, config, remote)
        if len(data) > MAX_FILE_BYTES:
            out[remote.external_id] = f"{len(data)} bytes, over the 100 MiB a content file may hold"
            continue
        stream = io.BytesIO(data)
        try:
            prepared = await asyncio.to_thread(prepare, remote.name, stream, remote.content_type)
        except ValidationError as exc:
            out[remote.external_id] = exc.message
            continue
        out[remote.external_id] = (prepared, stream)
    return out


def _commit_page(session: Session, library: Any, run_uuid: str, owner: str, page: Any, fetched: dict[str, Any],
                 cursor_to: str | None, last: bool) -> None:
    from sqlalchemy import literal

    from lading.services.content.files import drop_file, write_content
    from lading.store.schema import storage_runs as t

    ws = session.workspace_uuid
    now = utcnow()
    inserted = updated = unchanged = removed = 0
    skipped: list[dict[str, Any]] = []
    with session.db.write() as conn:
        current = runs_repo.get_run(conn, ws, run_uuid)
        if current is None or current.lease_owner != owner or current.status != "running":
            raise _LeaseLostError()
        seen: list[str] = []
        for remote in page.files:
            old = repo.synced_file(conn, ws, library.uuid, remote.external_id)
            if remote.archived:
                if old is not None:
                    drop_file(conn, ws, old)
                    removed += 1
                continue
            seen.append(remote.external_id)
            got = fetched.get(remote.external_id)
            if got is None:
                unchanged += 1
            elif isinstance(got, str):
                skipped.append({"externalId": remote.external_id, "name": remote.name, "reason": got})
            else:
                prepared, stream = got
                write_content(conn, ws, old, prepared, stream, now, {
                    "kind": "connector", "library_uuid": library.uuid, "connector_uuid": library.connector_uuid,
                    "external_id": remote.external_id, "external_version": remote.version,
                    "folder_uuid": library.folder_uuid})
                if old is None:
                    inserted += 1
                else:
                    updated += 1
        repo.mark_seen(conn, ws, library.uuid, seen, run_uuid)
        if last:
            for gone in repo.unseen_files(conn, ws, library.uuid, run_uuid):
                drop_file(conn, ws, gone)
                removed += 1
            repo.update_library(conn, ws, library.uuid, {"synced_at": now, "updated_at": now})
        values: dict[str, Any] = {
            "page_token": page.next_token, "cursor_to": cursor_to,
            "pages_count": t.c.pages_count + literal(1),
            "records_count": t.c.records_count + literal(len(page.files)),
            "inserted_count": t.c.inserted_count + literal(inserted),
            "updated_count": t.c.updated_count + literal(updated),
            "unchanged_count": t.c.unchanged_count + literal(unchanged),
            "removed_count": t.c.removed_count + literal(removed),
            "lease_expires_at": lease_until(now), "updated_at": now}
        if skipped:
            values["skipped"] = json.dumps((json.loads(current.skipped) if current.skipped else []) + skipped)
        if last:
            values.update(status="success", finished_at=now, lease_owner=None, lease_expires_at=None)
        if not runs_repo.checkpoint(conn, ws, run_uuid, owner, values):
            raise _LeaseLostError()


def interrupted_syncs(session_db: Any) -> list[tuple[str, str]]:
    """(workspace uuid, library uuid) of every library sync left `running` by a driver that died."""
    with session_db.read() as conn:
        rows = runs_repo.unfinished_libraries_everywhere(conn)
    return orphaned(rows, "library_uuid")


def sync_document(row: Any) -> dict[str, Any] | None:
    from lading.services.content import shapes
    from lading.store.clock import iso

    if row is None:
        return None
    return shapes.LibrarySync(
        uuid=row.uuid, status=row.status, trigger=row.trigger, mode=row.mode, error_message=row.error_message,
        files_count=row.records_count, downloaded_count=row.inserted_count + row.updated_count,
        unchanged_count=row.unchanged_count, removed_count=row.removed_count,
        skipped=json.loads(row.skipped) if row.skipped else [], pages_count=row.pages_count,
        resumed_count=row.resumed_count, started_at=iso(row.started_at), finished_at=iso(row.finished_at)).dump()


def conflict_running(library_uuid: str) -> ConflictError:
    return ConflictError(f"library {library_uuid} is being synced; try again when its sync ends",
                         reason="librarySyncRunning")
