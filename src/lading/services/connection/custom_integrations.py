"""`connection custom-integration create|list|get|update|remove`: a workspace's own declared integrations.

The document is the one `$LADING_HOME/integrations/` files hold (`integrations/declarative`): checked
on every write, stored per workspace, visible to that workspace only. Its slug cannot be a built-in's
or an installation file's (those are shared by every workspace and always win), and an integration a
live connector still uses cannot be removed."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, ValidationError, found, shown
from lading.integrations import get_integration
from lading.integrations.declarative import check_document, parse_text
from lading.services.connection import shapes
from lading.services.connection.catalog import forget
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import connectors as connector_repo
from lading.store.repositories import custom_integrations as repo


def present(row: Any) -> shapes.CustomIntegration:
    doc = row.document or {}
    return shapes.CustomIntegration(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, slug=row.slug, name=row.name,
        description=doc.get("description"), category=doc.get("category") or "custom",
        actions_count=len(doc.get("actions") or []), document=doc,
        created_at=iso(row.created_at), updated_at=iso(row.updated_at))


def read_document(document: Any) -> dict[str, Any]:
    """A document given as data, or as JSON/YAML text, checked (errors name the path in the document)."""
    if isinstance(document, str):
        document = parse_text(document)
    if document is None:
        raise ValidationError("give the integration document (--file, or `document` in the body)",
                              reason="invalidIntegrationDocument")
    checked = check_document(document)
    return dict(checked)


def _require(session: Session, conn: Any, key: str) -> Any:
    """By uuid, or by slug (the CLI names custom integrations by slug)."""
    row = None
    try:
        uuidlib.UUID(key)
        row = repo.get_custom_integration(conn, session.workspace_uuid, key)
    except ValueError:
        pass
    if row is None:
        row = repo.get_by_slug(conn, session.workspace_uuid, key)
    return found(row, "CustomIntegration", key)


def _check_slug_free(session: Session, conn: Any, slug: str, own_uuid: str | None) -> None:
    if get_integration(slug) is not None:
        raise ConflictError(f"the slug {shown(slug)} is a built-in or installation integration's",
                            reason="integrationSlugTaken")
    other = repo.get_by_slug(conn, session.workspace_uuid, slug)
    if other is not None and other.uuid != own_uuid:
        raise ConflictError(f"the workspace already has a custom integration {shown(slug)}",
                            reason="integrationSlugTaken")


def create(session: Session, *, document: Any) -> dict[str, Any]:
    doc = read_document(document)
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        _check_slug_free(session, conn, doc["slug"], None)
        repo.insert_custom_integration(conn, session.workspace_uuid, {
            "uuid": uuid, "slug": doc["slug"], "name": doc["name"], "document": doc,
            "user_uuid": session.user_uuid or None, "created_at": now, "updated_at": now})
        row = repo.get_custom_integration(conn, session.workspace_uuid, uuid)
    forget(session.db, session.workspace_uuid)
    return {"customIntegration": present(row).dump()}


def list_custom(session: Session) -> dict[str, Any]:
    with session.db.read() as conn:
        rows = repo.list_custom_integrations(conn, session.workspace_uuid)
    return {"customIntegrations": [present(r).dump() for r in rows]}


def get(session: Session, key: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"customIntegration": present(_require(session, conn, key)).dump()}


def update(session: Session, key: str, *, document: Any) -> dict[str, Any]:
    """Replace the document. The slug may not change while connectors use the integration."""
    doc = read_document(document)
    with session.db.write() as conn:
        row = _require(session, conn, key)
        if doc["slug"] != row.slug:
            _check_slug_free(session, conn, doc["slug"], row.uuid)
            if connector_repo.list_connectors(conn, session.workspace_uuid, row.slug):
                raise ConflictError(f"connectors of {shown(row.slug)} exist: its slug cannot change",
                                    reason="customIntegrationIsUsed")
        repo.update_custom_integration(conn, session.workspace_uuid, row.uuid, {
            "slug": doc["slug"], "name": doc["name"], "document": doc, "updated_at": utcnow()})
        row = repo.get_custom_integration(conn, session.workspace_uuid, row.uuid)
    forget(session.db, session.workspace_uuid)
    return {"customIntegration": present(row).dump()}


def remove(session: Session, key: str) -> dict[str, Any]:
    with session.db.write() as conn:
        row = _require(session, conn, key)
        used = connector_repo.list_connectors(conn, session.workspace_uuid, row.slug)
        if used:
            raise ConflictError(f"{len(used)} connector(s) of {shown(row.slug)} exist; remove them first",
                                reason="customIntegrationIsUsed", details={"connectorsCount": len(used)})
        repo.delete_custom_integration(conn, session.workspace_uuid, row.uuid)
    forget(session.db, session.workspace_uuid)
    return shapes.Removed(uuid=row.uuid, removed=True).dump()


def import_openapi(spec: Any, *, slug: str | None = None, name: str | None = None) -> dict[str, Any]:
    """`{document}`: the integration document an OpenAPI 3 document (data or JSON/YAML text) describes."""
    from lading.integrations.declarative import from_openapi

    if isinstance(spec, str):
        spec = parse_text(spec)
    return {"document": from_openapi(spec, slug=slug, name=name)}
