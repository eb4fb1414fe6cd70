"""`lading system-of-record …`: the legacy system-of-record commands (data spec §6.3), answered from
the workspace's own storage. One module per noun (`cli/system_of_record/<noun>.py`)."""

from __future__ import annotations

from lading.cli.common import command_group

system_of_record_app = command_group(
    "The workspace's storage as a system of record: read-only SQL by the tables' physical names.",
    __name__,
    (".sors:sor_app", "sor"),
    (".clients:client_app", "client"))

__all__ = ["system_of_record_app"]
