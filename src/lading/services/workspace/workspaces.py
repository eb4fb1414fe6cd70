"""The caller's workspace and its settings (`workspaceManagement/workspaces/…`, api.md §9).

A token reaches exactly one workspace, so `list` answers that one and `create` is refused (501: the
operator makes workspaces, api.md §0.8). `update` (admin) stores the settings Lading keeps in the
workspace's `settings` document: allowed email domains, metadata, the default role, allowed login
providers, the logo (as a `data:` URL, so no file needs serving) and the workspace's OpenAI API key,
sealed with the credential vault and never shown again. Cargo's data syncs and Chrome-extension
settings have no counterpart: non-empty values answer 501 `notSupported`.

Renaming changes only the name: embedded commands find their workspace by `LADING_WORKSPACE_NAME`,
so an operator who renames one sets that variable to the new name.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from lading.domain.errors import ConflictError, LadingError, NotFoundError, ValidationError, shown
from lading.domain.nodes import UUID_RE
from lading.services.access import require_admin
from lading.services.session import Session
from lading.services.workspace import roles, shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import accounts as repo

LOGO_LIMIT = 1024 * 1024
_NAME_LIMIT = 255
# Where the sealed OpenAI key sits in `workspaces.settings` (never part of any answer).
OPEN_AI_KEY = "openAiApiKeySealed"
# Lading setting (`creditCap`): the most provider credits one batch may spend; read by batch creation
# (services/orchestration/_credit_caps.py), which writes the cap on each new batch.
CREDIT_CAP = "creditCap"
_IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
                (b"RIFF", "image/webp"), (b"<svg", "image/svg+xml"), (b"<?xml", "image/svg+xml"))


def not_supported(what: str) -> LadingError:
    from pydantic.alias_generators import to_camel

    return LadingError("notSupported", reason="notSupported", status_code=501, details={"field": to_camel(what)})


def present(row: Any) -> dict[str, Any]:
    settings = dict(row.settings or {})
    return shapes.Workspace(
        uuid=row.uuid, name=row.name, allowed_email_domains=list(settings.get("allowedEmailDomains") or []),
        syncs=[], temporal_namespace=None, temporal_task_queue_prefix=None, max_concurrent_runs=None,
        open_ai_vector_store_id=None, logo_url=settings.get("logoUrl"), metadata=dict(settings.get("metadata") or {}),
        chrome_extension_master_agent_uuid=None, chrome_extension_available_agent_uuids=[],
        default_role_uuid=settings.get("defaultRoleUuid"),
        allowed_login_providers=settings.get("allowedLoginProviders"), sso_identifier=None, quota_buckets={},
        created_at=iso(row.created_at), updated_at=iso(row.updated_at or row.created_at)).dump()


def _require(conn: Any, session: Session) -> Any:
    row = repo.get_workspace(conn, session.workspace_uuid)
    if row is None:
        raise NotFoundError("Workspace not found", reason="workspaceNotFound")
    return row


def get_current(session: Session) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"workspace": present(_require(conn, session))}


def list_workspaces(session: Session) -> dict[str, Any]:
    """The workspaces the caller reaches: the token's own only."""
    with session.db.read() as conn:
        return {"workspaces": [present(_require(conn, session))]}


def create_workspace(session: Session, **_fields: Any) -> dict[str, Any]:
    """Refused: workspaces are made by the operator on the server (a token could not reach a new one)."""
    raise LadingError("notSupported", reason="notSupported", status_code=501)


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and len(v) <= 255 for v in value):
        raise ValidationError(f"{field} must be an array of non-empty strings", reason="invalidPayload")
    return list(dict.fromkeys(v.strip() for v in value))


def _logo_url(value: Any) -> str | None:
    """`logoBase64` (bare base64 or a `data:` URL) as the `data:` URL `logoUrl` answers; None clears it."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"logoBase64 must be a base64 string, got {shown(value)}", reason="invalidPayload")
    payload = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    try:
        raw = base64.b64decode(payload.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("logoBase64 is not valid base64", reason="invalidPayload") from None
    if not raw or len(raw) > LOGO_LIMIT:
        raise ValidationError(f"logoBase64 must hold an image of 1 to {LOGO_LIMIT:,} bytes", reason="invalidPayload")
    media = next((kind for magic, kind in _IMAGE_TYPES if raw.lstrip().startswith(magic)), None)
    if media is None:
        raise ValidationError("logoBase64 must be a PNG, JPEG, GIF, WebP or SVG image", reason="invalidPayload")
    return f"data:{media};base64,{base64.b64encode(raw).decode()}"


def _sealed_key(session: Session, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 1024:
        raise ValidationError("openAiApiKey must be a string", reason="invalidPayload")
    from lading.integrations._vault import encrypt

    return encrypt({"apiKey": value.strip()}, associated=f"{session.workspace_uuid}:{OPEN_AI_KEY}")


def open_ai_api_key(session: Session) -> str | None:
    """The workspace's OpenAI API key in clear, for a call that needs it (None when unset)."""
    with session.db.read() as conn:
        row = _require(conn, session)
    sealed = (row.settings or {}).get(OPEN_AI_KEY)
    if not sealed:
        return None
    from lading.integrations._vault import decrypt

    return str(decrypt(sealed, associated=f"{session.workspace_uuid}:{OPEN_AI_KEY}")["apiKey"])


def _credit_cap(value: Any) -> float | None:
    """`creditCap`: a positive number of credits, or null to remove the cap."""
    import math

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValidationError(f"creditCap must be a positive number of credits or null, got {shown(value)}",
                              reason="invalidCreditCap")
    return float(value)


_EMPTY_UNSUPPORTED: tuple[Any, ...] = (None, [], {}, "", False)


def update_current(session: Session, **fields: Any) -> dict[str, Any]:
    """Change the given settings (snake_case keys of the `PUT workspaces/current` body); the others
    keep their values. Admin only."""
    require_admin(session.access)
    for field in ("syncs", "chrome_extension_master_agent_uuid", "chrome_extension_available_agent_uuids"):
        if fields.get(field) not in _EMPTY_UNSUPPORTED:
            raise not_supported(field)
    changes: dict[str, Any] = {}
    name = ""
    if "name" in fields:
        given = fields["name"]
        if not isinstance(given, str) or not given.strip() or len(given.strip()) > _NAME_LIMIT:
            raise ValidationError(f"name must be a non-empty string of at most {_NAME_LIMIT} characters, "
                                  f"got {shown(given)}", reason="invalidPayload")
        name = given.strip()
    if "allowed_email_domains" in fields:
        changes["allowedEmailDomains"] = [d.lower() for d in _strings(fields["allowed_email_domains"],
                                                                       "allowedEmailDomains")]
    if "metadata" in fields:
        if fields["metadata"] is not None and not isinstance(fields["metadata"], dict):
            raise ValidationError("metadata must be an object", reason="invalidPayload")
        changes["metadata"] = fields["metadata"] or {}
    if "allowed_login_providers" in fields:
        providers = fields["allowed_login_providers"]
        changes["allowedLoginProviders"] = None if providers is None else _strings(providers, "allowedLoginProviders")
    if "logo_base64" in fields:
        changes["logoUrl"] = _logo_url(fields["logo_base64"])
    if "open_ai_api_key" in fields:
        changes[OPEN_AI_KEY] = _sealed_key(session, fields["open_ai_api_key"])
    if "credit_cap" in fields:
        changes[CREDIT_CAP] = _credit_cap(fields["credit_cap"])
    default_role = fields.get("default_role_uuid")
    if default_role is not None and (not isinstance(default_role, str) or not UUID_RE.match(default_role)):
        raise NotFoundError(f"Role not found: {shown(default_role)}", reason="roleNotFound")
    with session.db.write() as conn:
        row = _require(conn, session)
        if "default_role_uuid" in fields:
            if default_role is not None:
                by_uuid = {r.uuid: r for r in roles.ensure(conn, session.workspace_uuid).values()}
                if default_role.lower() not in by_uuid:
                    raise NotFoundError(f"Role not found: {default_role}", reason="roleNotFound")
                default_role = default_role.lower()
            changes["defaultRoleUuid"] = default_role
        values: dict[str, Any] = {}
        if "name" in fields and name != row.name:
            if repo.workspace_name_taken(conn, session.workspace_uuid, name):
                raise ConflictError(f"another workspace is named {shown(name)}", reason="duplicateName")
            values["name"] = name
        if changes:
            values["settings"] = {k: v for k, v in {**(row.settings or {}), **changes}.items() if v is not None}
        if values:
            repo.update_workspace(conn, session.workspace_uuid, {**values, "updated_at": utcnow()})
        return {"workspace": present(_require(conn, session))}


def get_credit_cap(session: Session) -> dict[str, Any]:
    """`workspace get-credit-cap`: the workspace's credit cap per batch (Lading setting)."""
    with session.db.read() as conn:
        value = (_require(conn, session).settings or {}).get(CREDIT_CAP)
    return shapes.CreditCap(credit_cap=value).dump()


def set_credit_cap(session: Session, value: Any) -> dict[str, Any]:
    """`workspace set-credit-cap`: set (or, with null, remove) the credit cap per batch. Admin only;
    batches already created keep the cap they were created with."""
    update_current(session, credit_cap=value)
    return get_credit_cap(session)
