"""`storage query …`: execute, download (read-only SQL over the workspace's models)."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, warn

query_app = typer.Typer(help="Read-only SQL over the workspace's models.", no_args_is_help=True,
                        context_settings=help_settings())


@query_app.command("execute")
def execute(sql: str = typer.Argument(..., help="SELECT/WITH over <datasetSlug>.<modelSlug> tables.")) -> None:
    """Run read-only SQL (30 s limit, at most 10,000 rows)."""
    from lading.services.storage import query

    result = query.execute_query(session(), sql)
    if result.pop("truncated", False):
        warn(f"the result was cut at {query.MAX_ROWS} rows; use storage query download for all of them")
    emit(result)


@query_app.command("download")
def download(sql: str = typer.Argument(..., help="SELECT/WITH over <datasetSlug>.<modelSlug> tables."),
             fmt: str = typer.Option("csv", "--format", help="csv or json.")) -> None:
    """The full result of a read-only query as a file: {"url": ...}."""
    from lading.services.storage import query

    emit(query.download_query(session(), sql, fmt=fmt))
