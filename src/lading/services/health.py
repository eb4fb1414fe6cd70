"""The server part of `lading doctor`: what a remote CLI cannot see for itself (store, migrations,
workers). Never uses the internet."""

from __future__ import annotations

from typing import Any

from lading import __version__
from lading.services.session import Session


def server_checks(session: Session) -> dict[str, Any]:
    """`{"version","database","checks":[{"name","status","message"}]}` for the caller's server."""
    from lading.store.database import schema_state

    revision, head = schema_state(session.db)
    checks = [{"name": "store", "status": "ok" if revision is not None else "fail",
               "message": f"{session.settings.backend} store reachable" if revision is not None
               else "the store is unreachable"},
              {"name": "migrations", "status": "ok" if revision == head else "fail",
               "message": f"schema at {revision}" if revision == head
               else f"schema at {revision}, code expects {head}"},
              _worker_check(session)]
    return {"version": __version__, "database": session.settings.backend, "checks": checks}


def _worker_check(session: Session) -> dict[str, Any]:
    """Workers seen holding a run lease now. Idle workers hold none, so "none" is only a warning: the
    server starts one on demand when work is created."""
    from sqlalchemy import func, select

    from lading.store.clock import utcnow
    from lading.store.schema import runs

    with session.db.read() as conn:
        count = conn.execute(select(func.count(func.distinct(runs.c.lease_owner)))
                             .where(runs.c.lease_expires_at > utcnow())).scalar() or 0
    if count:
        return {"name": "worker", "status": "ok", "message": f"{count} worker(s) executing runs"}
    return {"name": "worker", "status": "ok",
            "message": "no run is executing now; a worker starts on demand when work is created"}
