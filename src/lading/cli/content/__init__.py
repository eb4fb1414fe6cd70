"""`lading content …`: files and libraries agents search (`ai file …` is the same file group)."""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.content.files import file_app
from lading.cli.content.libraries import library_app

content_app = command_group("Content files and libraries that agent resources search.",
                            (file_app, "file"), (library_app, "library"))

__all__ = ["content_app"]
