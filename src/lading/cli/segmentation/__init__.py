"""`lading segmentation …`: segments over models, their changes, and records by id (data spec §7, §10).

One module per noun (`cli/segmentation/<noun>.py`); each command imports its service inside the
function, so `lading --help` imports no services.
"""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.segmentation.changes import change_app
from lading.cli.segmentation.records import record_app
from lading.cli.segmentation.segments import segment_app

segmentation_app = typer.Typer(help="Segments over models, their changes, and records.", no_args_is_help=True,
                               context_settings=help_settings())
segmentation_app.add_typer(segment_app, name="segment")
segmentation_app.add_typer(change_app, name="change")
segmentation_app.add_typer(record_app, name="record")

__all__ = ["segmentation_app"]
