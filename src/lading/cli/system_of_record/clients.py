"""`system-of-record client …`: query, fetch, download, get-documentation — read-only SQL over the
workspace's storage by the tables' physical names (as `storage model get-ddl` prints them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, emit_text, warn

if TYPE_CHECKING:
    from lading.services.system_of_record import clients
else:  # imported when a command answers locally: remote mode never loads the store
    clients = lazy_module("lading.services.system_of_record.clients")

client_app = typer.Typer(help="Read-only SQL over the system of record (the workspace's storage).",
                         no_args_is_help=True, context_settings=help_settings())

PREFIX = "/storage/systemOfRecord/clients"
# Kept equal to `services.storage.query` (not imported: remote mode loads no service).
MAX_ROWS = 10_000
TRUNCATED_HEADER = "X-Lading-Result-Truncated"
SQL_HELP = ("One SELECT/WITH statement. Tables by their physical name from `storage model get-ddl` "
            "(e.g. datasets_default.models_companies) or as <datasetSlug>.<modelSlug>.")


def _sql(positional: str | None, option: str | None) -> str:
    sql = option if option is not None else positional
    if sql is None:
        from lading.domain.errors import UsageError

        raise UsageError("error: missing argument 'SQL' (give the SQL as an argument or with --query)")
    return sql


@client_app.command("query")
def query(sql: str = typer.Argument(None, help=SQL_HELP, show_default=False),
          query_option: str = typer.Option(None, "--query", help="The SQL, instead of the argument."),
          ) -> None:
    """Run read-only SQL: {"outcome":"queried","rows":[...]} (30 s limit, at most 10,000 rows), or
    {"outcome":"notQueried","errorMessage":"..."} (exit 0) when the SQL is refused or fails."""
    from lading.cli.remote import target

    text = _sql(sql, query_option)
    remote = target()
    if remote is None:
        from lading.cli.common import local_session

        result = clients.query_sor(local_session(), text)
        truncated = bool(result.pop("truncated", False))
    else:
        from lading.cli.remote import parse_answer

        response = remote.raw("POST", f"{PREFIX}/query", json={"query": text}, headers={"x-cargo-origin": "lading-cli"})
        result = parse_answer(response)
        truncated = bool(response.headers.get(TRUNCATED_HEADER))
    if truncated:
        warn(f"the result was cut at {MAX_ROWS} rows; use system-of-record client fetch or download for the rest")
    emit(result)


@client_app.command("fetch")
def fetch(query_option: str = typer.Option(..., "--query", help=SQL_HELP, show_default=False),
          limit: int = typer.Option(100, "--limit", help="Rows in the page (1 to 10,000)."),
          offset: int = typer.Option(0, "--offset", help="Rows of the result skipped before the page."),
          ) -> None:
    """One page of a read-only query's rows: {"outcome":"queried","rows":[...]} or
    {"outcome":"notQueried","errorMessage":"..."}. Write an ORDER BY for stable pages."""
    emit(answer("POST", f"{PREFIX}/fetch", body={"query": query_option, "limit": limit, "offset": offset},
                local=lambda s: clients.fetch_sor(s, query_option, limit=limit, offset=offset)))


@client_app.command("download")
def download(query_option: str = typer.Option(..., "--query", help=SQL_HELP, show_default=False),
             fmt: str = typer.Option("csv", "--format", help="csv or json."),
             ) -> None:
    """The whole result of a read-only query as a file (kept 24 h): {"outcome":"queried","url":"..."},
    or {"outcome":"notQueried","errorMessage":"..."}."""
    emit(answer("POST", f"{PREFIX}/download", body={"query": query_option, "format": fmt},
                local=lambda s: clients.download_sor(s, query_option, fmt=fmt)))


@client_app.command("get-documentation")
def get_documentation(slug: str = typer.Argument(..., help="The system of record's slug (`sor list`).")) -> None:
    """Plain text (not JSON): the system of record's tables, their columns and how to query them."""
    from lading.cli.remote import target

    remote = target()
    if remote is None:
        from lading.cli.common import local_session

        emit_text(clients.sor_documentation(local_session(), slug))
        return
    emit_text(remote.raw("GET", f"{PREFIX}/{slug}/documentation").text)
