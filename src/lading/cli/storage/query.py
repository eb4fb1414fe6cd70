"""`storage query …`: execute, download (read-only SQL over the workspace's models)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import help_settings
from lading.cli.output import emit, warn

if TYPE_CHECKING:
    from lading.services.storage import query
else:  # imported when a command answers locally: remote mode never loads the store
    query = lazy_module("lading.services.storage.query")

query_app = typer.Typer(help="Read-only SQL over the workspace's models.", no_args_is_help=True,
                        context_settings=help_settings())


def _the_sql(positional: str | None, option: str | None) -> str:
    """The SQL given as the argument or as `--query` (the documents write `--query "<sql>"`), not both."""
    from lading.domain.errors import UsageError

    if positional is not None and option is not None:
        raise UsageError("error: give the SQL once: as the argument or with --query, not both")
    if positional is None and option is None:
        raise UsageError("error: missing required argument 'sql' (or --query \"<sql>\")")
    return positional if positional is not None else str(option)


_SQL_HELP = "SELECT/WITH over <datasetSlug>.<modelSlug> tables (or give it with --query)."
_QUERY_HELP = "The SQL, instead of the argument."


@query_app.command("execute")
def execute(positional: str = typer.Argument(None, metavar="SQL", help=_SQL_HELP),
            option: str = typer.Option(None, "--query", help=_QUERY_HELP)) -> None:
    """Run read-only SQL (30 s limit, at most 10,000 rows)."""
    from lading.cli.remote import target

    sql = _the_sql(positional, option)
    remote = target()
    if remote is None:
        from lading.cli.common import local_session

        result = query.execute_query(local_session(), sql)
        truncated = bool(result.pop("truncated", False))
    else:
        from lading.cli.remote import parse_answer

        response = remote.raw("POST", "/storage/query", json={"query": sql}, headers={"x-cargo-origin": "lading-cli"})
        result = parse_answer(response)
        truncated = bool(response.headers.get(query.TRUNCATED_HEADER))
    if truncated:
        warn(f"the result was cut at {query.MAX_ROWS} rows; use storage query download for all of them")
    emit(result)


@query_app.command("download")
def download(positional: str = typer.Argument(None, metavar="SQL", help=_SQL_HELP),
             option: str = typer.Option(None, "--query", help=_QUERY_HELP),
             fmt: str = typer.Option("csv", "--format", help="csv (default), json or parquet.")) -> None:
    """The full result of a read-only query as a file: {"url": ...}."""
    from lading.cli.common import answer

    sql = _the_sql(positional, option)

    result = answer("POST", "/storage/query/download", body={"query": sql, "format": fmt},
                    local=lambda s: query.download_query(s, sql, fmt=fmt))
    if "urls" in result:  # the route answers the client's `{urls, isRefreshing}`; this command prints {"url"}
        result = {"url": result["urls"][0]}
    emit(result)
