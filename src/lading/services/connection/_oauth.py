"""OAuth token sets between the provider's answer and a connector (api.md §5, C §1.9).

`initiate` records a pending grant holding the consent's `state` and answers the consent URL;
`complete` exchanges the code the provider returned for tokens, seals them like connector secrets
(bound to the workspace and the grant) and answers only an opaque `oauth:<uuid>`; a connector whose
config names that value takes the tokens (`open_grant`, then the grant is deleted in the connector's
own write). So raw tokens never leave the server, and a grant is usable once, in its own workspace.
"""

from __future__ import annotations

import os
import secrets
import uuid as uuidlib
from typing import Any

from lading.domain.errors import LadingError, ValidationError
from lading.integrations import Integration
from lading.integrations._sdk import ProviderError
from lading.services.connection import shapes
from lading.services.connector_credentials import seal
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import connectors as repo

REDIRECT_URI_ENV = "LADING_OAUTH_REDIRECT_URI"


def _sealed_for(grant_uuid: str) -> str:
    """The associated-data key of a grant's tokens (a ciphertext moved to another row fails)."""
    return f"oauth:{grant_uuid}"


def _not_supported(integration: Integration) -> LadingError:
    return ValidationError(f"the {integration.name} integration does not support OAuth; put a token in the "
                           "connector's config instead", reason="initiateOauthNotSupported")


def initiate(session: Session, integration: Integration, redirect_uri: str | None = None) -> dict[str, Any]:
    """`{consentUrl}` for the operator's OAuth app, with a fresh `state` remembered for `complete`."""
    from lading.integrations._oauth import client_credentials, consent_url

    if integration.oauth is None:
        raise _not_supported(integration)
    app = client_credentials(integration)
    redirect = (redirect_uri or os.environ.get(REDIRECT_URI_ENV) or "").strip()
    if app is None or not redirect:
        missing = "the OAuth app (LADING_INTEGRATION_<SLUG>_CLIENT_ID/_CLIENT_SECRET)" if app is None else \
            f"a redirect URI ({REDIRECT_URI_ENV})"
        raise LadingError(f"failedToInitiateOauth: this server has no {missing} configured for "
                          f"{integration.name}", reason="failedToInitiateOauth", status_code=400)
    state = secrets.token_urlsafe(24)
    now = utcnow()
    with session.db.write() as conn:
        repo.insert_grant(conn, session.workspace_uuid, {
            "uuid": str(uuidlib.uuid4()), "integration_slug": integration.slug, "state": state,
            "redirect_uri": redirect, "created_at": now, "updated_at": now})
    url = consent_url(integration.oauth, client_id=app[0], redirect_uri=redirect, state=state)
    return shapes.OAuthConsent(consent_url=url).dump()


def _exchange_failed(message: str) -> LadingError:
    return LadingError(f"oauthExchangeFailed: {message}", reason="oauthExchangeFailed", status_code=400)


def complete(session: Session, integration: Integration, params: Any) -> dict[str, Any]:
    """Exchange `params.code` for tokens; `{value: "oauth:<uuid>", extraValues}`. A `state` must be
    one `initiate` gave in this workspace for this integration, unused."""
    from lading.integrations._oauth import client_credentials, exchange_code

    if integration.oauth is None:
        raise _not_supported(integration)
    if not isinstance(params, dict) or not isinstance(params.get("code"), str) or not params["code"].strip():
        raise _exchange_failed("params.code (the code the provider sent back) is required")
    for key in ("state", "redirectUri"):
        if params.get(key) is not None and not isinstance(params[key], str):
            raise _exchange_failed(f"params.{key} must be a string")
    app = client_credentials(integration)
    if app is None:
        raise _exchange_failed(f"this server has no OAuth app configured for {integration.name}")
    ws = session.workspace_uuid
    grant = None
    if params.get("state"):
        with session.db.read() as conn:
            grant = repo.grant_by_state(conn, ws, integration.slug, params["state"])
        if grant is None or grant.completed_at is not None:
            raise _exchange_failed("unknown or already used state: start again with initiateOauth")
    redirect = params.get("redirectUri") or (grant.redirect_uri if grant is not None else None) or \
        os.environ.get(REDIRECT_URI_ENV) or None
    try:
        answer = exchange_code(integration, code=params["code"].strip(), redirect_uri=redirect, client_id=app[0],
                               client_secret=app[1])
    except ProviderError as exc:
        raise _exchange_failed(exc.message) from None
    extra = {name: answer[key] for key, name in integration.oauth.extra_fields.items() if answer.get(key) is not None}
    tokens = {"accessToken": answer["access_token"], "refreshToken": answer.get("refresh_token"),
              "expiresIn": answer.get("expires_in")}
    now = utcnow()
    grant_uuid = grant.uuid if grant is not None else str(uuidlib.uuid4())
    values = {"secrets": seal(ws, _sealed_for(grant_uuid), tokens), "extra_values": extra, "state": None,
              "completed_at": now, "updated_at": now}
    with session.db.write() as conn:
        if grant is not None:
            repo.update_grant(conn, ws, grant_uuid, values)
        else:
            repo.insert_grant(conn, ws, {"uuid": grant_uuid, "integration_slug": integration.slug,
                                         "redirect_uri": redirect, "created_at": now, **values})
    return shapes.OAuthValue(value=f"oauth:{grant_uuid}", extra_values=extra).dump()


def open_grant(session: Session, integration: Integration, grant_uuid: str) -> dict[str, Any]:
    """The tokens of a completed grant of this workspace and integration (for a connector's config)."""
    from lading.integrations._vault import decrypt

    with session.db.read() as conn:
        grant = repo.get_grant(conn, session.workspace_uuid, grant_uuid)
    if grant is None or grant.integration_slug != integration.slug or not grant.secrets:
        raise ValidationError(f"unknown OAuth value oauth:{grant_uuid} for {integration.name}: connect again "
                              "with initiateOauth and completeOauth", reason="invalidConnectorConfig")
    tokens: dict[str, Any] = decrypt(grant.secrets, associated=f"{session.workspace_uuid}:{_sealed_for(grant_uuid)}")
    return tokens
