"""`lading content …` (alias `lading ai file …`): the files and libraries agents search (spec §2.7).

Public verbs, one module per noun of `lading content <noun> <verb>`:

- `files`: `list_files`, `get`, `upload`, `update`, `remove`; for the HTTP API, `store` (an uploaded
  stream, new or replacing a file in place) and `read_bytes` (the stored bytes, streamed); for the
  remote CLI, `local_source` and `content_type_of`; for the ai group, `reference_exists`,
  `files_of_items` (what an agent's `file` resources reach), `attachment_parts`, `with_attachment_text`.
- `libraries`: `list_libraries`, `get`, `create`, `update`, `remove`.
- `shapes`: the JSON shapes these verbs answer (`File`, `Library`, `Removed`).

Helpers private to the group: `_keys` (uuid keys of files, libraries and folders).
"""

from lading.services._submodules import lazy_submodules

__all__ = ["files", "libraries", "shapes"]

__getattr__ = lazy_submodules(__name__, __all__)
