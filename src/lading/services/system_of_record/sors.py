"""`system-of-record sor list`: the workspace's systems of record — exactly one, its own storage
(data spec §6.3). Nothing is stored for it: its uuid is derived from the workspace's, so it is the
same on every call and on every face."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.data.physical import dialect_name
from lading.domain.errors import NotFoundError, shown
from lading.services.session import Session
from lading.services.system_of_record import shapes

SOR_SLUG = "lading"
SOR_NAME = "Lading storage"
SOR_KIND = "lading"
_NAMESPACE = uuidlib.UUID("6f1f3c0e-8a4b-4d8e-9c57-1d2f0b9a7e31")


def sor_document(session: Session) -> dict[str, Any]:
    return shapes.SystemOfRecord(
        uuid=str(uuidlib.uuid5(_NAMESPACE, session.workspace_uuid)), workspace_uuid=session.workspace_uuid,
        slug=SOR_SLUG, name=SOR_NAME, kind=SOR_KIND, language=dialect_name(session.db.backend)).dump()


def list_sors(session: Session) -> dict[str, Any]:
    """`{"sors": [<the workspace's storage>]}`."""
    return {"sors": [sor_document(session)]}


def require_sor(session: Session, slug: str) -> dict[str, Any]:
    """The entry `sor list` shows, named by its slug (or its uuid); anything else is 404."""
    document = sor_document(session)
    if slug not in (document["slug"], document["uuid"]):
        raise NotFoundError(f"System of record not found: {shown(slug)} (`system-of-record sor list` shows "
                            f"the one there is, {document['slug']})", reason="systemOfRecordNotFound")
    return document
