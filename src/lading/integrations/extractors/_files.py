"""Unstructured-data extractors: how a connector library is filled with files (connections-ai spec §2.7
`kind connector`, issue 18 item 5).

A file extractor lists the provider's files one page at a time from a page token — id, name, type,
size and a version stamp per file, or that a file was archived — and downloads one file's bytes. The
listing is whole on every sync (metadata only: cheap); only files whose version stamp changed are
downloaded again, and the files no complete listing names are gone upstream. Calls go through the
integration's `ActionCall` with the record extractors' request helper (rate gate, 429 `Retry-After`,
5xx retries); the sync itself is `services/content/_sync.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from lading.integrations._sdk import ActionCall
from lading.integrations.extractors._sdk import find_by_slug, load_registry


@dataclass(frozen=True)
class RemoteFile:
    """One provider file: `external_id` is stable across its versions; `version` changes with its content."""

    external_id: str
    name: str
    version: str
    size: int | None = None
    content_type: str | None = None
    modified: str | None = None  # ISO UTC, the sync's high-water mark
    archived: bool = False
    ref: Mapping[str, Any] | None = None  # what `download` needs besides the id (e.g. a version id)


@dataclass
class FilePage:
    files: list[RemoteFile]
    next_token: str | None


# (call, config, page token — None for the first page —)
ListHandler = Callable[[ActionCall, Mapping[str, Any], str | None], Awaitable[FilePage]]
DownloadHandler = Callable[[ActionCall, Mapping[str, Any], RemoteFile], Awaitable[bytes]]


@dataclass(frozen=True)
class FileExtractor:
    slug: str
    integration_slug: str
    name: str
    description: str
    config_schema: Mapping[str, Any]
    list_page: ListHandler
    download: DownloadHandler
    # Other slugs with the config defaults they imply.
    aliases: Mapping[str, Mapping[str, Any]] | None = None


_MODULES = ("hubspot_files", "salesforce_files")


@cache
def all_file_extractors() -> dict[str, FileExtractor]:
    return load_registry(_MODULES)


def get_file_extractor(slug: str) -> tuple[FileExtractor, dict[str, Any]] | None:
    return find_by_slug(all_file_extractors().values(), slug)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def wanted_extension(config: Mapping[str, Any], name: str) -> bool:
    wanted = config.get("extensions")
    return not wanted or extension_of(name) in {str(e).lower().lstrip(".") for e in wanted}
