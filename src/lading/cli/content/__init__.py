"""`lading content …`: files and libraries agents search (`ai file …` is the same file group)."""

from __future__ import annotations

from lading.cli.common import command_group

content_app = command_group(
    "Content files and libraries that agent resources search.",
    __name__,
    (".files:file_app", "file"),
    (".libraries:library_app", "library"))

__all__ = ["content_app"]
