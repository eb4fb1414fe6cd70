"""`workspaceManagement report …`: reports kept in this installation (nothing is sent anywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import reports
else:  # imported when a command answers locally: remote mode never loads the store
    reports = lazy_module("lading.services.workspace.reports")

report_app = typer.Typer(help="Reports filed by users, stored locally.", no_args_is_help=True,
                         context_settings=help_settings())


@report_app.command("create")
def create(title: str = typer.Option(..., "--title"), description: str = typer.Option(..., "--description")) -> None:
    """File a report."""
    emit(answer("POST", "/workspaceManagement/reports", body={"title": title, "description": description},
                local=lambda s: reports.create_report(s, title=title, description=description)))


@report_app.command("list")
def list_(limit: int = typer.Option(100, "--limit", help="At most this many (max 1000)."),
          offset: int = typer.Option(0, "--offset")) -> None:
    """The workspace's reports, newest first."""
    emit(answer("GET", "/workspaceManagement/reports/list", query={"limit": limit, "offset": offset},
                local=lambda s: reports.list_reports(s, limit=limit, offset=offset)))
