"""The JSON shapes `content …` (and `ai file …`) answers, defined once for the CLI, the MCP tools and
the HTTP API (spec §2.7, with the keys Cargo's client expects, api.md §13): camelCase aliases, fields
in documented order."""

from __future__ import annotations

from typing import Any, Literal

from lading.domain.shapes import Shape


class File(Shape):
    """A content file; `s3Filename` is the opaque key of its bytes in the store.

    An uploaded file is `kind` native (no connector, library or external id); a file a connector
    library's sync stored is `kind` connector with its `libraryUuid`, `connectorUuid` and the
    provider's id (`externalId`). Files are never indexed in an OpenAI vector store (`openAiFileId`
    ""), removed for good (`deletedAt` null), and the uploader
    is not recorded (`userUuid` null)."""

    uuid: str
    workspace_uuid: str
    name: str
    s3_filename: str
    open_ai_file_id: str
    content_type: str
    size: int
    is_temporary: bool
    folder_uuid: str | None
    created_at: str | None
    updated_at: str | None
    library_uuid: str | None = None
    user_uuid: str | None = None
    kind: Literal["native", "connector"] = "native"
    connector_uuid: str | None = None
    is_indexed_in_open_ai_vector_store: bool = False
    external_id: str | None = None
    deleted_at: str | None = None


class LibrarySync(Shape):
    """A connector library's sync (Lading addition `lastSync`): a storage run with a library."""

    uuid: str
    status: str
    trigger: str
    mode: str
    error_message: str | None
    files_count: int
    downloaded_count: int
    unchanged_count: int
    removed_count: int
    skipped: list[dict[str, Any]]
    pages_count: int
    resumed_count: int
    started_at: str | None
    finished_at: str | None


class Library(Shape):
    """A named set of workspace files: `kind native` lists uploaded files, `kind connector` holds
    what its extractor syncs (`fileUuids` then lists them; `config` is the extractor's). `lastSyncedAt`
    is `syncedAt` under the client's name (both sent); libraries are removed for good (`deletedAt`
    null). `lastSync` (Lading addition) is a connector library's newest sync, null otherwise."""

    uuid: str
    workspace_uuid: str
    name: str
    kind: str
    connector_uuid: str | None
    extractor: str | None
    extractor_slug: str | None
    config: dict[str, Any]
    file_uuids: list[str]
    folder_uuid: str | None
    synced_at: str | None
    created_at: str | None
    updated_at: str | None
    last_synced_at: str | None = None
    deleted_at: str | None = None
    last_sync: LibrarySync | None = None


class Removed(Shape):
    uuid: str
    removed: bool
