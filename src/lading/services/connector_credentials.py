"""Connector secrets: which config fields are secret, sealing them at rest (bound to workspace and
connector), opening them for a call, masking them for display, merging a masked patch, and renewing an
expired OAuth access token. Shared by `services.connection` (connectors, action calls) and
`services.storage` (extractor syncs), which imports nothing of `services.connection`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lading.domain.errors import LadingError
from lading.integrations import Integration
from lading.integrations._secrets import MASK, SECRET_FIELD_NAMES


def _associated(ws: str, connector_uuid: str) -> str:
    return f"{ws}:{connector_uuid}"


def split_config(integration: Integration, config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(clear fields, secret fields): secret fields are those the schema marks password/writeOnly,
    including nested ones (e.g. the http integration's `auth.token`)."""
    secret_names = integration.secret_fields()
    clear: dict[str, Any] = {}
    hidden: dict[str, Any] = {}
    props = integration.connector_schema.get("properties") or {}
    for key, value in config.items():
        if key in secret_names or (isinstance(value, Mapping) and _has_nested_secret(props.get(key))):
            hidden[key] = value
        else:
            clear[key] = value
    return clear, hidden


def _has_nested_secret(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if schema.get("format") == "password" or schema.get("writeOnly"):
        return True
    for key in ("properties",):
        for sub in (schema.get(key) or {}).values():
            if _has_nested_secret(sub):
                return True
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key) or []:
            if _has_nested_secret(sub):
                return True
    return False


def _mask(value: Any, schema: Any) -> Any:
    """Replace secret leaves by `********` (nested objects follow their schema)."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            sub = _subschema(schema, k)
            marked = isinstance(sub, Mapping) and (sub.get("format") == "password" or sub.get("writeOnly"))
            if marked or k in SECRET_FIELD_NAMES:
                out[k] = MASK
            else:
                out[k] = _mask(v, sub)
        return out
    return value


def _subschema(schema: Any, key: str) -> Any:
    if not isinstance(schema, Mapping):
        return None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    for comb in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(comb) or []:
            found = _subschema(sub, key)
            if found is not None:
                return found
    return None


def masked_config(ws: str, row: Any, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The stored config for display: clear fields as stored, secret ones masked."""
    from lading.integrations._vault import decrypt

    clear = dict(row.config or {})
    # Secrets are never decrypted for display: their keys are shown masked.
    if row.secrets:
        try:
            hidden = decrypt(row.secrets, associated=_associated(ws, row.uuid))
        except LadingError:
            hidden = {}
        for key, value in hidden.items():
            clear[key] = _mask(value, _subschema(schema, key)) if isinstance(value, Mapping) else MASK
    return clear


def decrypted_config(ws: str, row: Any) -> dict[str, Any]:
    from lading.integrations._vault import decrypt

    config = dict(row.config or {})
    if row.secrets:
        config.update(decrypt(row.secrets, associated=_associated(ws, row.uuid)))
    return config


def seal(ws: str, connector_uuid: str, secrets: dict[str, Any]) -> str | None:
    from lading.integrations._vault import encrypt

    return encrypt(secrets, associated=_associated(ws, connector_uuid)) if secrets else None


def merge(stored: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(stored)
    for key, value in patch.items():
        if value == MASK:
            continue  # "********" keeps the stored secret
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def refreshed_credentials(db: Any, ws: str, connector_uuid: str, integration: Integration,
                          credentials: dict[str, Any]) -> dict[str, Any] | None:
    """The connector's credentials after renewing its OAuth access token with its refresh token (the
    provider answered 401: the token expired), stored sealed; None when it cannot be renewed (no OAuth,
    no refresh token, no OAuth app). A refusal raises `ProviderError` holding no secret."""
    from lading.integrations._oauth import client_credentials, refresh_tokens
    from lading.store.clock import utcnow
    from lading.store.repositories import connectors as repo

    oauth = integration.oauth
    if oauth is None or not oauth.refresh_field or not credentials.get(oauth.refresh_field):
        return None
    app = client_credentials(integration)
    if app is None:
        return None
    answer = refresh_tokens(integration, refresh_token=str(credentials[oauth.refresh_field]), client_id=app[0],
                            client_secret=app[1])
    with db.write() as conn:
        row = repo.get_connector(conn, ws, connector_uuid)
        if row is None:
            return None
        config = decrypted_config(ws, row)
        config[oauth.token_field] = answer["access_token"]
        if answer.get("refresh_token"):
            config[oauth.refresh_field] = answer["refresh_token"]
        clear, hidden = split_config(integration, config)
        repo.update_connector(conn, ws, connector_uuid, {"config": clear, "secrets": seal(ws, connector_uuid, hidden),
                                                         "updated_at": utcnow()})
    return config
