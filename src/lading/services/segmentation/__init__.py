"""`lading segmentation …`: saved filters over models, how their membership moves, records by id
(data spec §7, §10, §4.1). One module per noun; answers are built through `shapes`.

Public verbs:

- `segments`: `list_segments`, `get_segment`, `create_segment`, `update_segment`, `remove_segment`,
  `fetch`, `download`
- `changes`: `list_changes`, `fetch_change`; and the syncs that make changes — `after_model_write`
  (wired as the session's `model_written` reaction in `services.wiring`), `sync_segment` (the
  scheduler's play ticks), `sync_due_segments`
- `records`: `fetch_records`
"""

from lading.services._submodules import lazy_submodules

__all__ = ["changes", "records", "segments", "shapes"]

__getattr__ = lazy_submodules(__name__, __all__)
