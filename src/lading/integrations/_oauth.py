"""OAuth 2.0 authorization-code grant for integrations that declare `Integration.oauth`: the consent
URL a user opens, and the exchange of the code the provider sends back for tokens.

Why here: the provider's token endpoint is an integration detail (its path on the integration's base
URL, the form it takes, the fields it answers), like an action's HTTP call; the service layer decides
where the tokens are kept. Secrets (the client secret, the code, the tokens) never appear in an error.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

from lading.integrations._runtime import env_slug, resolve_base_url
from lading.integrations._sdk import Integration, OAuth, ProviderError
from lading.integrations._secrets import Scrubber

TIMEOUT_SECONDS = 30.0


def client_credentials(integration: Integration) -> tuple[str, str] | None:
    """The operator's OAuth app for this integration (`LADING_INTEGRATION_<SLUG>_CLIENT_ID` and
    `_CLIENT_SECRET`), or None when it is not configured."""
    prefix = f"LADING_INTEGRATION_{env_slug(integration.slug)}_CLIENT_"
    client_id, client_secret = os.environ.get(prefix + "ID"), os.environ.get(prefix + "SECRET")
    return (client_id, client_secret) if client_id and client_secret else None


def consent_url(oauth: OAuth, *, client_id: str, redirect_uri: str, state: str) -> str:
    """The provider's consent page for this app, redirecting back to `redirect_uri` with `state`."""
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(oauth.scopes),
             "state": state, "response_type": "code"}
    return f"{oauth.authorize_url}?{urlencode(query)}"


def exchange_code(integration: Integration, *, code: str, redirect_uri: str | None, client_id: str,
                  client_secret: str) -> dict[str, Any]:
    """The provider's token answer for `code` (`access_token`, `refresh_token`, `expires_in`…).
    A refusal or an unusable answer raises `ProviderError` whose message holds no secret."""
    form = {"grant_type": "authorization_code", "client_id": client_id, "client_secret": client_secret,
            "code": code, **({"redirect_uri": redirect_uri} if redirect_uri else {})}
    return _token_request(integration, form, Scrubber([client_secret, code]), "authorization code")


def _token_request(integration: Integration, form: dict[str, str], scrub: Scrubber, what: str) -> dict[str, Any]:
    """One form POST to the provider's token endpoint; its JSON answer holding an `access_token`."""
    import httpx

    assert integration.oauth is not None
    url = resolve_base_url(integration, {}).rstrip("/") + integration.oauth.token_path
    try:
        response = httpx.post(url, data=form, headers={"accept": "application/json"}, timeout=TIMEOUT_SECONDS,
                              follow_redirects=False)
    except httpx.HTTPError as exc:
        raise ProviderError(f"the {integration.name} token endpoint cannot be reached ({type(exc).__name__})",
                            retryable=True) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code >= 400 or not isinstance(answer, dict) or not answer.get("access_token"):
        said = ""
        if isinstance(answer, dict):
            # Masked before it is cut: a secret cut in half would no longer be recognised.
            said = scrub.text(str(answer.get("error_description") or answer.get("message") or answer.get("error")
                                  or ""))[:300]
        detail = f": {said}" if said else ""
        raise ProviderError(f"{integration.name} refused the {what} (HTTP {response.status_code})"
                            f"{detail}", status=response.status_code, retryable=False)
    from lading.integrations._secrets import remember

    remember(answer)  # the new tokens: masked in this process's logs from the moment they exist
    return answer


def refresh_tokens(integration: Integration, *, refresh_token: str, client_id: str,
                   client_secret: str) -> dict[str, Any]:
    """New tokens for a refresh token (`grant_type=refresh_token`); a refusal raises `ProviderError`
    whose message holds no secret."""
    return _token_request(integration, {"grant_type": "refresh_token", "client_id": client_id,
                                        "client_secret": client_secret, "refresh_token": refresh_token},
                          Scrubber([client_secret, refresh_token]), "refresh token")
