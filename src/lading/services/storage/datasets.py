"""`storage dataset …`: list, get, create, remove — the groups of a workspace's models (data spec §1).

Every workspace has a `default` dataset and one `connector` dataset per connector; they are created
on first use of storage (`ensure_default_dataset`).
"""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, ValidationError, found, shown
from lading.services.session import Session
from lading.services.storage import shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import storage as repo

SLUG_RE = re.compile(r"^[a-zA-Z0-9_]{1,40}$")
DEFAULT_DATASET = "default"


def check_slug(value: Any, what: str) -> str:
    """A dataset or model slug: [a-zA-Z0-9_], 1 to 40 characters (used in SQL as <dataset>.<model>)."""
    if not isinstance(value, str) or not SLUG_RE.match(value):
        raise ValidationError(f"{what} slug must match [a-zA-Z0-9_] (1 to 40 characters), not {shown(value)}",
                              reason="invalidSlug")
    return value


def dataset_document(row: Any) -> dict[str, Any]:
    return shapes.Dataset(uuid=row.uuid, slug=row.slug, name=row.name, workspace_uuid=row.workspace_uuid,
                          kind=row.kind, connector_uuid=row.connector_uuid, config=row.config or {"kind": "object"},
                          created_at=iso(row.created_at), updated_at=iso(row.updated_at)).dump()


def ensure_default_dataset(session: Session) -> None:
    """Every workspace has a `default` dataset and one `connector` dataset per connector (spec §1);
    they are created on first use of storage, so connectors made before need no migration step."""
    from sqlalchemy.exc import IntegrityError

    from lading.store.repositories import connectors as connector_repo

    ws = session.workspace_uuid
    with session.db.read() as conn:
        existing = repo.list_datasets(conn, ws)
        owned = {d.connector_uuid for d in existing if d.connector_uuid}
        missing = [c for c in connector_repo.list_connectors(conn, ws, None) if c.uuid not in owned]
        has_default = any(d.slug == DEFAULT_DATASET for d in existing)
    if has_default and not missing:
        return
    try:
        with session.db.write() as conn:
            if repo.dataset_by_slug(conn, ws, DEFAULT_DATASET) is None:
                _insert_dataset(conn, ws, DEFAULT_DATASET, "Default")
            for connector in missing:
                slug = re.sub(r"[^a-zA-Z0-9_]", "_", connector.slug)[:40] or "connector"
                if repo.dataset_by_slug(conn, ws, slug) is not None:
                    slug = f"{slug[:31]}_{connector.uuid[:8]}"
                _insert_dataset(conn, ws, slug, connector.name, kind="connector", connector_uuid=connector.uuid)
    except IntegrityError:  # another process created them first
        pass


def _insert_dataset(conn: Any, ws: str, slug: str, name: str, *, kind: str = "native",
                    connector_uuid: str | None = None) -> str:
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    repo.insert_dataset(conn, ws, {"uuid": uuid, "slug": slug, "name": name, "kind": kind,
                                   "connector_uuid": connector_uuid, "config": {"kind": "object"}, "created_at": now,
                                   "updated_at": now})
    return uuid


def require_dataset(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_dataset(conn, session.workspace_uuid, uuid), "Dataset", uuid)


def list_datasets(session: Session) -> dict[str, Any]:
    ensure_default_dataset(session)
    with session.db.read() as conn:
        return {"datasets": [dataset_document(r) for r in repo.list_datasets(conn, session.workspace_uuid)]}


def get_dataset(session: Session, uuid: str) -> dict[str, Any]:
    ensure_default_dataset(session)
    with session.db.read() as conn:
        return {"dataset": dataset_document(require_dataset(session, conn, uuid))}


def create_dataset(session: Session, *, slug: str, name: str | None = None) -> dict[str, Any]:
    check_slug(slug, "dataset")
    ensure_default_dataset(session)
    with session.db.write() as conn:
        if repo.dataset_by_slug(conn, session.workspace_uuid, slug) is not None:
            raise ConflictError(f"Dataset {slug} already exists", reason="datasetAlreadyExists")
        uuid = _insert_dataset(conn, session.workspace_uuid, slug, name or slug)
        return {"dataset": dataset_document(repo.get_dataset(conn, session.workspace_uuid, uuid))}


def remove_dataset(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.write() as conn:
        row = require_dataset(session, conn, uuid)
        if row.slug == DEFAULT_DATASET or row.kind == "connector":
            raise ConflictError(f"The {row.slug} dataset cannot be removed (it belongs to the workspace or to its "
                                "connector)", reason="datasetNotRemovable")
        count = repo.count_models(conn, session.workspace_uuid, uuid)
        if count:
            raise ConflictError(f"Dataset {row.slug} still holds {count} model{'s' if count != 1 else ''}",
                                reason="datasetNotEmpty")
        repo.delete_dataset(conn, session.workspace_uuid, uuid)
    return shapes.Removed(uuid=uuid).dump()
