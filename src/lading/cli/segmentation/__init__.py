"""`lading segmentation …`: segments over models, their changes, and records by id (data spec §7, §10).

One module per noun (`cli/segmentation/<noun>.py`); each command imports its service inside the
function, so `lading --help` imports no services.
"""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.segmentation.changes import change_app
from lading.cli.segmentation.records import record_app
from lading.cli.segmentation.segments import segment_app

segmentation_app = command_group(
    "Segments over models, their changes, and records.",
    (segment_app, "segment"), (change_app, "change"), (record_app, "record"))

__all__ = ["segmentation_app"]
