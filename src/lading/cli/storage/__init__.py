"""`lading storage …`: datasets, models, columns, relationships, records and storage SQL (data spec §1–6).

One module per noun (`cli/storage/<noun>.py`); each command imports its service inside the function,
so `lading --help` imports no services.
"""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.storage.columns import column_app
from lading.cli.storage.datasets import dataset_app
from lading.cli.storage.models import model_app
from lading.cli.storage.query import query_app
from lading.cli.storage.records import record_app
from lading.cli.storage.relationships import relationship_app

storage_app = command_group(
    "Datasets, models, columns, records and storage SQL.",
    (dataset_app, "dataset"), (model_app, "model"), (column_app, "column"), (relationship_app, "relationship"),
    (record_app, "record"), (query_app, "query"))

__all__ = ["storage_app"]
