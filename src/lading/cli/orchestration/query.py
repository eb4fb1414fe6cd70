"""`orchestration query execute`: ClickHouse SQL over the runtime tables runs, batches, spans, records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import help_settings
from lading.cli.output import emit, warn

if TYPE_CHECKING:
    from lading.services.orchestration import query
else:  # imported when a command answers locally: remote mode never loads the store
    query = lazy_module("lading.services.orchestration.query")

query_app = typer.Typer(help="Read-only SQL over the runtime tables (runs, batches, spans, records).",
                        no_args_is_help=True, context_settings=help_settings())


@query_app.command("execute")
def execute(
    sql: str = typer.Argument(..., metavar="SQL", help="One ClickHouse SELECT; tables runs, batches, spans, "
                              "records without a schema prefix, scoped to your workspace. `SHOW TABLES` lists them "
                              "and `DESCRIBE <table>` gives a table's columns as {\"name\",\"type\"} rows."),
) -> None:
    """Run one read-only query (30 s, 10,000 result rows, 10,000,000 rows scanned); prints {"rows": [...]}."""
    from lading.cli.remote import target

    remote = target()
    if remote is not None:
        from lading.cli.remote import parse_answer

        response = remote.raw("POST", "/orchestration/query", json={"query": sql},
                              headers={"x-cargo-origin": "lading-cli"})
        document = parse_answer(response)
        if response.headers.get(query.TRUNCATED_HEADER):
            warn(f"result truncated at {response.headers[query.TRUNCATED_HEADER]} rows")
        emit(document)
        return
    from lading.cli.common import local_session

    document, truncated = query.execute_query(local_session(), sql)
    if truncated:
        warn(f"result truncated at {query.limits().max_result_rows} rows")
    emit(document)
