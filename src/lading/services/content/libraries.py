"""`content library list|get|create|update|remove|sync`: named sets of workspace content files.

A native library lists uploaded workspace files (`fileUuids`). A connector library is filled by an
unstructured-data extractor of its connector's integration (`hubspot_files`, `salesforce_files`):
creating it runs its first sync, `update --config` re-syncs, `sync` (Lading addition) syncs now; each
waits for the sync like `storage model refresh` (`services/content/_sync.py`). Its files belong to it:
removing the library removes them.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, NotFoundError, ValidationError, shown
from lading.services import inputs
from lading.services.content import shapes
from lading.services.content._keys import KINDS, require
from lading.services.content.files import require_file
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import iso, utcnow
from lading.store.repositories import content as repo

_UNSET: Any = object()
LIBRARY_KINDS = KINDS


def present_library(row: Any, conn: Any) -> shapes.Library:
    """A Library (spec §2.7); a connector library with its files and its newest sync (`lastSync`)."""
    from lading.services.content._sync import sync_document
    from lading.services.content.files import library_files
    from lading.store.repositories import storage_runs

    last = (sync_document(storage_runs.last_library_run(conn, row.workspace_uuid, row.uuid))
            if row.kind == "connector" else None)
    return shapes.Library(uuid=row.uuid, workspace_uuid=row.workspace_uuid, name=row.name, kind=row.kind,
                          connector_uuid=row.connector_uuid, extractor=row.extractor_slug,
                          extractor_slug=row.extractor_slug, config=row.config or {},
                          file_uuids=library_files(conn, row.workspace_uuid, row), folder_uuid=row.folder_uuid,
                          synced_at=iso(row.synced_at), created_at=iso(row.created_at), updated_at=iso(row.updated_at),
                          last_synced_at=iso(row.synced_at),
                          last_sync=shapes.LibrarySync.model_validate(last) if last is not None else None)


def require_library(session: Session, conn: Any, uuid: str) -> Any:
    return require(repo.get_library, conn, session.workspace_uuid, "Library", uuid)


def _connector_source(session: Session, conn: Any, connector_uuid: Any, extractor_slug: Any,
                      config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(connector uuid, stored config) of a new connector library, every check before anything is
    written: the extractor is an unstructured-data one (a record extractor fills models:
    `integrationNotCompatible`), the connector is this workspace's (`connectorNotFound`) and of the
    extractor's integration, the config fits the extractor's JSON Schema (`invalidData`)."""
    from lading.integrations.extractors import all_file_extractors, get_extractor
    from lading.services.content._keys import uuid_or_none
    from lading.services.content._sync import file_extractor_for, full_config
    from lading.store.repositories import connectors as connector_repo

    if not connector_uuid or not extractor_slug:
        raise ValidationError("a connector library needs both --connector-uuid and --extractor-slug",
                              reason="invalidData")
    found = file_extractor_for(extractor_slug)
    if found is None:
        known = ", ".join(sorted(all_file_extractors()))
        if isinstance(extractor_slug, str) and get_extractor(extractor_slug) is not None:
            raise ValidationError(f"extractor {shown(extractor_slug)} fills models with records (storage model "
                                  f"create); libraries are filled by unstructured-data extractors: {known}",
                                  reason="integrationNotCompatible")
        raise NotFoundError(f"extractor {shown(extractor_slug)} does not exist; unstructured-data extractors: "
                            f"{known}", reason="integrationNotFound")
    extractor, defaults = found
    key = uuid_or_none(connector_uuid) if isinstance(connector_uuid, str) else None
    row = connector_repo.get_connector(conn, session.workspace_uuid, key) if key else None
    if row is None:
        raise NotFoundError(f"Connector not found: {connector_uuid}", reason="connectorNotFound",
                            details={"uuid": connector_uuid})
    if row.integration_slug != extractor.integration_slug:
        raise ValidationError(f"the {extractor.slug} extractor reads a {extractor.integration_slug} connector; "
                              f"connector {row.uuid} is a {row.integration_slug} one",
                              reason="integrationNotCompatible")
    full_config(extractor, defaults, config)
    return row.uuid, config


def _file_uuids(session: Session, conn: Any, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("--file-uuids must be a comma-separated list of file uuids", reason="invalidData")
    out: list[str] = []
    for uuid in value:
        row = require_file(session, conn, uuid.strip())
        if row.uuid not in out:
            out.append(row.uuid)
    return out


def list_libraries(session: Session, *, kind: str | None = None, connector_uuid: str | None = None) -> dict[str, Any]:
    if kind is not None and kind not in LIBRARY_KINDS:
        raise ValidationError(f"--kind must be native or connector (got {shown(kind)})", reason="invalidData")
    with session.db.read() as conn:
        rows = repo.list_libraries(conn, session.workspace_uuid, kind=kind,
                                   connector_uuid=connector_uuid.lower() if connector_uuid else None)
        return {"libraries": [present_library(r, conn).dump() for r in rows]}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"library": present_library(require_library(session, conn, uuid), conn).dump()}


def create(session: Session, *, name: str, connector_uuid: str | None = None,
           extractor_slug: str | None = None, folder_uuid: str | None = None, config: Any = None,
           file_uuids: Any = None) -> dict[str, Any]:
    """A native library of workspace files, or a connector library (`--connector-uuid` and
    `--extractor-slug`), whose first sync runs before the answer."""
    values = {"name": inputs.object_name(name), "folder_uuid": inputs.folder_uuid(folder_uuid),
              "config": inputs.json_object(config, "--config")}
    connector = connector_uuid is not None or extractor_slug is not None
    if connector and file_uuids:
        raise ValidationError("a connector library holds what its extractor syncs; --file-uuids is for native "
                              "libraries", reason="invalidData")
    ws = session.workspace_uuid
    uuid = str(uuidlib.uuid4())
    now = utcnow()
    with session.db.write() as conn:
        values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "file")
        if connector:
            key, values["config"] = _connector_source(session, conn, connector_uuid, extractor_slug,
                                                      dict(values["config"] or {}))  # type: ignore[arg-type]
            repo.insert_library(conn, ws, {**values, "uuid": uuid, "kind": "connector", "connector_uuid": key,
                                           "extractor_slug": extractor_slug, "file_uuids": [], "synced_at": None,
                                           "created_at": now, "updated_at": now})
        else:
            repo.insert_library(conn, ws, {**values, "uuid": uuid, "kind": "native", "connector_uuid": None,
                                           "extractor_slug": None, "file_uuids": _file_uuids(session, conn, file_uuids),
                                           "synced_at": None, "created_at": now, "updated_at": now})
    if connector:
        from lading.services.content._sync import sync_library

        sync_library(session, uuid, trigger="create")
    return get(session, uuid)


def sync(session: Session, uuid: str) -> dict[str, Any]:
    """`content library sync` (Lading addition): run the connector library's sync now — or resume its
    interrupted one, or wait for the one another process drives — and answer the library with the
    sync as `lastSync` (`success`, or `error` with its `errorMessage`)."""
    from lading.services.content._sync import sync_library

    with session.db.read() as conn:
        row = require_library(session, conn, uuid)
    sync_library(session, row.uuid, trigger="manual")
    return get(session, row.uuid)


def update(session: Session, uuid: str, *, name: str | None = None, folder_uuid: Any = _UNSET,
           config: Any = None, file_uuids: Any = None) -> dict[str, Any]:
    """Only the given fields change; `--file-uuids` replaces the whole list."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = inputs.object_name(name)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = inputs.folder_uuid(folder_uuid)
    if config is not None:
        values["config"] = inputs.json_object(config, "--config")
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_library(session, conn, uuid)
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "file")
        if file_uuids is not None:
            if row.kind == "connector":
                raise ValidationError("a connector library holds what its extractor syncs; --file-uuids is for "
                                      "native libraries", reason="invalidData")
            values["file_uuids"] = _file_uuids(session, conn, file_uuids)
        resync = row.kind == "connector" and "config" in values and values["config"] != (row.config or {})
        if resync:
            _connector_source(session, conn, row.connector_uuid, row.extractor_slug, dict(values["config"]))
        if values:
            repo.update_library(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
    if resync:  # a new config selects other files: synced again now
        from lading.services.content._sync import sync_library

        sync_library(session, row.uuid, trigger="config")
    return get(session, row.uuid)


def remove(session: Session, uuid: str) -> dict[str, Any]:
    """A native library that lists no file (409 `libraryHasFiles` otherwise, api.md §7): emptying it
    first (`update --file-uuids ""`) makes dropping what agents search through it a deliberate step;
    its files stay. A connector library goes with the files its syncs stored (they are the
    extractor's, not the workspace's uploads) and its sync history; a sync still running stops at its
    next page (its lease is gone)."""
    from lading.services.content.files import drop_file
    from lading.store.repositories import storage_runs

    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_library(session, conn, uuid)
        if row.kind != "connector" and row.file_uuids:
            raise ConflictError(f"the library lists {len(row.file_uuids)} file(s); empty it first "
                                f"(content library update --uuid {row.uuid} --file-uuids \"\")",
                                reason="libraryHasFiles")
        if row.kind == "connector":
            for synced in repo.list_files(conn, ws, library_uuid=row.uuid):
                drop_file(conn, ws, synced)
            storage_runs.delete_library_runs(conn, ws, row.uuid)
        repo.delete_library(conn, ws, row.uuid)
    return shapes.Removed(uuid=row.uuid, removed=True).dump()
