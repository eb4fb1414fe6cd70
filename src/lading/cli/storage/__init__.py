"""`lading storage …`: datasets, models, columns, relationships, records and storage SQL (data spec §1–6).

One module per noun (`cli/storage/<noun>.py`); each command imports its service inside the function,
so `lading --help` imports no services.
"""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.storage.columns import column_app
from lading.cli.storage.datasets import dataset_app
from lading.cli.storage.models import model_app
from lading.cli.storage.query import query_app
from lading.cli.storage.records import record_app
from lading.cli.storage.relationships import relationship_app

storage_app = typer.Typer(help="Datasets, models, columns, records and storage SQL.", no_args_is_help=True,
                          context_settings=help_settings())
storage_app.add_typer(dataset_app, name="dataset")
storage_app.add_typer(model_app, name="model")
storage_app.add_typer(column_app, name="column")
storage_app.add_typer(relationship_app, name="relationship")
storage_app.add_typer(record_app, name="record")
storage_app.add_typer(query_app, name="query")

__all__ = ["storage_app"]
