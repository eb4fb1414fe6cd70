"""Helpers shared by command modules: opening the session lazily, waiting on runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lading.services.session import Session


def session() -> Session:
    from lading.services.session import open_session

    return open_session()


def help_settings() -> dict[str, Any]:
    return {"help_option_names": ["-h", "--help"]}
