"""`lading workspaceManagement …` (alias `workspace`): the workspace's accounts and files.

Public verbs, one module per noun of `lading workspaceManagement <noun> <verb>`:

- `tokens`: `list_tokens`, `create_token`, `update_token`, `remove_token`.
- `users`: `list_users`, `get_current_user`, `create_user`, `update_user`, `remove_user`,
  `upsert_permission`, `remove_permission`; the caller's own profile (`userManagement`, `lading user
  update`): `get_profile`, `update_profile`.
- `roles`: `list_roles` (`admin`, `member`, made per workspace on first use).
- `folders`: `list_folders`, `get_folder`, `create_folder`, `update_folder`, `remove_folder`, and
  `require_folder`, the check every resource with a `folderUuid` makes.
- `reports`: `create_report`, `list_reports`; `sessions`: `upsert_session`.
- `workspaces`: `get_current`, `list_workspaces`, `update_current`, `create_workspace` (refused).
- `files`: `upload`, `list_columns` (and `require_file`, which batches use to check a file source).
- `shapes`: the JSON shapes these verbs answer.
"""

from lading.services._submodules import lazy_submodules

__all__ = ["files", "folders", "reports", "roles", "sessions", "shapes", "tokens", "users", "workspaces"]

__getattr__ = lazy_submodules(__name__, __all__)
