"""`lading workspaceManagement …` (alias `workspace`): workspace files.

Public verbs, one module per noun of `lading workspaceManagement <noun> <verb>`:

- `files`: `upload`, `list_columns` (and `require_file`, which batches use to check a file source).
- `shapes`: the JSON shapes these verbs answer (`UploadedFile`, `Columns`).
"""

from lading.services.workspace import files, shapes, tokens

__all__ = ["files", "shapes", "tokens"]
