"""`login`, `logout` and `doctor`: how the CLI finds its workspace (spec C §3.1–3.2)."""

from __future__ import annotations

import os
from typing import Any

from lading.domain.errors import AuthError, LadingError, UsageError


def login(*, token: str | None, api_url: str | None, workspace_uuid: str | None, email: str | None,
          oauth: bool) -> dict[str, Any]:
    """Check the token against the server, then store it: prints the `whoami` shape with `baseUrl`."""
    from lading.cli.remote import Target, store_credentials
    from lading.settings import load_settings

    if oauth:
        raise LadingError("oauthNotConfigured: this installation has no OIDC issuer (LADING_OIDC_ISSUER)",
                          reason="oauthNotConfigured", status_code=501)
    if token is None:
        if email is not None:
            return _embedded_email(email)
        raise UsageError("error: pass --token <token> (with --api-url) or --email <addr>")
    url = api_url or os.environ.get("LADING_API_URL")
    if not url:
        raise UsageError("error: required option '--api-url <api-url>' not specified")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"error: option '--api-url' must be an http(s) URL, got {url!r}")
    remote = Target(api_url=url.rstrip("/"), token=token, source="login")
    who = remote.call("GET", "/whoami")
    if workspace_uuid and workspace_uuid.lower() != who["workspace"]["uuid"]:
        raise AuthError("forbidden", reason="forbidden", status_code=403)
    store_credentials(load_settings().home, remote.api_url, token, who["workspace"]["uuid"])
    return {**who, "baseUrl": remote.api_url}


def _embedded_email(email: str) -> dict[str, Any]:
    """Embedded mode has no sign-in: `--email` just sets the local user's address (C §3.2)."""
    from sqlalchemy import update

    from lading.cli.common import local_session
    from lading.services.session import whoami
    from lading.store.schema import users

    if "@" not in email or len(email) > 320:
        raise UsageError(f"error: option '--email' must be an email address, got {email!r}")
    session = local_session()
    with session.db.write() as conn:
        conn.execute(update(users).where(users.c.uuid == session.user_uuid).values(email=email))
    document: dict[str, Any] = whoami(session)
    return {**document, "user": {**document["user"], "email": email}, "baseUrl": None}


def logout() -> dict[str, Any]:
    from lading.cli.remote import credentials_path
    from lading.settings import load_settings

    try:
        credentials_path(load_settings().home).unlink()
    except FileNotFoundError:
        pass
    return {"loggedOut": True}


def doctor() -> tuple[dict[str, Any], bool]:
    """(the `doctor` document, whether a check failed)."""
    from lading import __version__
    from lading.cli.remote import target
    from lading.settings import load_settings

    settings = load_settings()
    remote = target()
    checks: list[dict[str, Any]] = []
    reachable: bool | None = None
    database = settings.backend
    if remote is None:
        from lading.cli.common import local_session
        from lading.services.health import server_checks

        try:
            checks.extend(server_checks(local_session())["checks"])
        except LadingError as exc:
            checks.append({"name": "store", "status": "fail", "message": exc.message})
        credentials: dict[str, str | None] = {"source": None, "apiUrl": None}
    else:
        credentials = {"source": remote.source, "apiUrl": remote.api_url}
        try:
            server = remote.call("GET", "/doctor")
            reachable = True
            database = server.get("database", database)
            checks.append({"name": "api", "status": "ok",
                           "message": f"{remote.api_url} answers (server version {server.get('version')})"})
            checks.extend(server.get("checks", []))
        except LadingError as exc:
            reachable = exc.exit_code != 4
            checks.append({"name": "api", "status": "fail", "message": exc.message})
    document = {"version": __version__, "mode": "embedded" if remote is None else "remote",
                "home": str(settings.home), "database": database, "credentials": credentials,
                "apiReachable": reachable, "checks": checks}
    return document, any(check.get("status") == "fail" for check in checks)
