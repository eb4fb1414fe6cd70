"""Process-wide settings read from the environment.

Kept tiny and dependency-free so every layer (store, engine, CLI) can read it without importing
anything heavy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """What this process was configured with."""

    home: Path
    database_url: str | None
    workspace_name: str
    cache_dir: Path
    lease_seconds: float
    worker_idle_exit_seconds: float
    autostart_worker: bool
    debug: bool
    # Time limit of `python` and `script` steps (spec: 30 s).
    code_timeout_seconds: float = 30.0
    # PostgreSQL connections each process keeps open. A server answering 16 clients at once needs about
    # that many; fewer makes the pool open and close a connection per request (a TCP + auth handshake).
    db_pool_size: int = 16

    @property
    def sqlite_path(self) -> Path:
        return self.home / "lading.db"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path}"

    @property
    def backend(self) -> str:
        return "postgresql" if self.effective_database_url.startswith("postgresql") else "sqlite"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        return default


def load_settings() -> Settings:
    """Read the environment now (tests change it between calls, so nothing is cached)."""
    home = Path(os.environ.get("LADING_HOME") or Path.home() / ".lading").expanduser()
    cache = Path(os.environ.get("LADING_CACHE_DIR") or home / "cache").expanduser()
    url = os.environ.get("LADING_DATABASE_URL") or None
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return Settings(
        home=home,
        database_url=url,
        workspace_name=os.environ.get("LADING_WORKSPACE_NAME") or "Default",
        cache_dir=cache,
        lease_seconds=_float("LADING_LEASE_SECONDS", 30.0),
        worker_idle_exit_seconds=_float("LADING_WORKER_IDLE_EXIT", 30.0),
        autostart_worker=os.environ.get("LADING_AUTOSTART_WORKER", "1") not in ("0", "false", "no"),
        debug=os.environ.get("LADING_DEBUG", "") not in ("", "0"),
        code_timeout_seconds=_float("LADING_CODE_TIMEOUT_SECONDS", 30.0),
        db_pool_size=max(1, int(_float("LADING_DB_POOL_SIZE", 16))),
    )
