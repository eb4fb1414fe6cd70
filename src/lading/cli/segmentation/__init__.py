"""`lading segmentation …`: segments over models, their changes, and records by id (data spec §7, §10).

One module per noun (`cli/segmentation/<noun>.py`); each command imports its service inside the
function, so `lading --help` imports no services.
"""

from __future__ import annotations

from lading.cli.common import command_group

segmentation_app = command_group(
    "Segments over models, their changes, and records.",
    __name__,
    (".segments:segment_app", "segment"),
    (".changes:change_app", "change"),
    (".records:record_app", "record"))

__all__ = ["segmentation_app"]
