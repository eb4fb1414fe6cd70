"""`lading storage …`: datasets, models, columns, relationships, records and storage SQL (data spec §1–6).

One module per noun (`cli/storage/<noun>.py`); each command imports its service inside the function,
so `lading --help` imports no services.
"""

from __future__ import annotations

from lading.cli.common import command_group

storage_app = command_group(
    "Datasets, models, columns, records and storage SQL.",
    __name__,
    (".datasets:dataset_app", "dataset"),
    (".models:model_app", "model"),
    (".columns:column_app", "column"),
    (".relationships:relationship_app", "relationship"),
    (".records:record_app", "record"),
    (".runs:run_app", "run"),
    (".query:query_app", "query"))

__all__ = ["storage_app"]
