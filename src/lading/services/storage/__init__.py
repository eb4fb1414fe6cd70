"""`lading storage …`: the workspace's data — datasets, models, columns, relationships, records and
read-only SQL (data spec §1–6). One module per noun; answers are built through `shapes`.

Public verbs:

- `datasets`: `list_datasets`, `get_dataset`, `create_dataset`, `remove_dataset`
- `models`: `list_models`, `get_model`, `model_ddl` (get-ddl), `create_model`, `update_model`,
  `remove_model`, `refresh_model`
- `columns`: `list_columns`, `create_column`, `update_column`, `remove_column`, `reorder_column`
- `relationships`: `list_relationships`, `set_relationships`
- `records`: `list_records`, `import_records`, `upsert_records`, `remove_records`, and
  `write_model_record` (the `modelUpsert` / `modelInsert` nodes)
- `query`: `execute_query`, `download_query`

`_derived` (private) keeps derived column values current inside every column change and record write.
"""

from lading.services._submodules import lazy_submodules

__all__ = ["columns", "datasets", "models", "query", "records", "relationships", "shapes"]

__getattr__ = lazy_submodules(__name__, __all__)
