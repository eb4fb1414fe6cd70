"""`system-of-record client query|fetch|download|get-documentation` (data spec §6.3): storage SQL
answered in the system-of-record shape.

What differs from `storage query`: the tables. Users of these commands copy the table name from
`storage model get-ddl` (Cargo's documents: "use the physical name from the DDL"), so besides
`<datasetSlug>.<modelSlug>` a model is accepted under
- its physical name as `get-ddl` prints it: PostgreSQL `datasets_<d>_<ws8>.models_<m>`, SQLite
  `datasets_<d>_<ws8>__models_<m>` (and the other of the two spellings on each store), and
- the documented name without the workspace key, `datasets_<d>.models_<m>` / `datasets_<d>__models_<m>`,
every one resolved among the caller's workspace's models only: another workspace's physical table is
an unknown table, and the engine sandbox would refuse it anyway. Everything else — the guard, the
read-only transaction, the 30 s limit, the 10,000-row cap — is storage SQL's own code.

A query the guard refuses or the engine fails is an outcome, not a command failure (O §1: outcomes
are not failures): `{"outcome": "notQueried", "errorMessage": …}`, exit 0, HTTP 200.
"""

from __future__ import annotations

from typing import Any

from lading.data.physical import JSON_TYPES, SYSTEM_COLUMNS, SYSTEM_TYPES, dialect_name, sql_type
from lading.data.sql_guard import GuardedQuery, ResolvedTable, SqlRefusedError, guard_query
from lading.domain.errors import ValidationError
from lading.services.session import Session
from lading.services.storage import query as storage_query
from lading.services.system_of_record import shapes
from lading.services.system_of_record.sors import require_sor
from lading.store.repositories import storage as repo

DEFAULT_FETCH_LIMIT = 100
# What stops a statement short of an answer: the guard's refusals and the engine's own errors.
_NOT_QUERIED = (SqlRefusedError, storage_query.StorageQueryError)


class _Table:
    """One model of the workspace as the documentation and the resolver see it."""

    def __init__(self, dataset_slug: str, row: Any) -> None:
        self.dataset_slug = dataset_slug
        self.row = row

    @property
    def physical(self) -> str:
        """The table as `get-ddl` names it, unquoted (`schema.table`, or the one SQLite name)."""
        return f"{self.row.table_schema}.{self.row.table_name}" if self.row.table_schema else self.row.table_name

    def exact_names(self) -> list[str]:
        """The names that can only be this model, lower-case: `<dataset>.<model>` and the physical name."""
        dataset, model = self.dataset_slug.lower(), str(self.row.slug).lower()
        schema, table = str(self.row.table_schema or "").lower(), str(self.row.table_name).lower()
        names = [f"{dataset}.{model}"]
        if schema:  # PostgreSQL: "schema"."table"; SQLite's one-part spelling too
            names += [f"{schema}.{table}", f"{schema}__{table}"]
        else:
            names.append(table)
            head, sep, tail = table.partition("__models_")
            if sep:  # SQLite: the PostgreSQL spelling of the same name
                names.append(f"{head}.models_{tail}")
        return names

    def documented_names(self) -> list[str]:
        """The documents' spelling without the workspace key; an exact name of another model wins."""
        dataset, model = self.dataset_slug.lower(), str(self.row.slug).lower()
        return [f"datasets_{dataset}.models_{model}", f"datasets_{dataset}__models_{model}"]

    def resolved(self) -> ResolvedTable:
        return ResolvedTable(self.row.table_schema, self.row.table_name,
                             frozenset(c["slug"] for c in self.row.columns or [] if c.get("type") in JSON_TYPES))


def workspace_tables(session: Session) -> list[_Table]:
    """The caller's workspace's models with their dataset slugs, in dataset then model order."""
    with session.db.read() as conn:
        datasets = {d.uuid: d.slug for d in repo.list_datasets(conn, session.workspace_uuid)}
        rows = repo.list_models(conn, session.workspace_uuid)
    tables = [_Table(datasets[r.dataset_uuid], r) for r in rows if r.dataset_uuid in datasets]
    return sorted(tables, key=lambda t: (t.dataset_slug, str(t.row.slug)))


def _guard(session: Session, sql: str) -> GuardedQuery:
    """The SQL checked by storage SQL's guard, every name of `_Table` accepted for a model."""
    known: dict[str, ResolvedTable] = {}
    tables = workspace_tables(session)
    for table in tables:
        for name in table.exact_names():
            known.setdefault(name, table.resolved())
    for table in tables:
        for name in table.documented_names():
            known.setdefault(name, table.resolved())
    return guard_query(sql, dialect_name(session.db.backend),
                       lambda dataset, model: known.get(f"{dataset}.{model}".lower()),
                       lambda name: known.get(name.lower()))


def _check_sql(sql: Any) -> str:
    if not isinstance(sql, str) or not sql.strip():
        raise ValidationError("--query is required: the SQL to run", reason="invalidData")
    return sql


def query_sor(session: Session, sql: str) -> dict[str, Any]:
    """`{"outcome": "queried", "rows": [...]}` (at most 10,000 rows; `truncated`, taken out by each face,
    says more were dropped) or `{"outcome": "notQueried", "errorMessage": …}`."""
    _check_sql(sql)
    try:
        result = storage_query.execute_guarded(session, _guard(session, sql))
    except _NOT_QUERIED as exc:
        return shapes.NotQueried(error_message=exc.message).dump()
    return {**shapes.Queried(rows=result["rows"]).dump(), "truncated": result["truncated"]}


def fetch_sor(session: Session, sql: str, *, limit: int = DEFAULT_FETCH_LIMIT, offset: int = 0) -> dict[str, Any]:
    """One page of the result: rows `offset` … `offset + limit - 1`, in the order the SQL gives them
    (write an `ORDER BY` for stable pages)."""
    _check_sql(sql)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= storage_query.MAX_ROWS:
        raise ValidationError(f"--limit must be between 1 and {storage_query.MAX_ROWS}", reason="invalidData")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError("--offset must be 0 or more", reason="invalidData")
    try:
        guarded = _guard(session, sql)
        results = storage_query.run_guarded(session, guarded, offset + limit)
        names = next(results)
        # Consumed to the end: the generator stops itself after `offset + limit` rows (+1), which ends
        # its read-only transaction at once.
        rows = [dict(zip(names, values, strict=True))
                for index, values in enumerate(results) if offset <= index < offset + limit]
    except _NOT_QUERIED as exc:
        return shapes.NotQueried(error_message=exc.message).dump()
    return shapes.Queried(rows=rows).dump()


def download_sor(session: Session, sql: str, *, fmt: str = "csv") -> dict[str, Any]:
    """The whole result as a CSV or JSON file (kept 24 h): `{"outcome": "queried", "url": …}`."""
    from lading.services.exports import check_format

    _check_sql(sql)
    check_format(fmt)
    try:
        export = storage_query.download_guarded(session, _guard(session, sql), fmt=fmt)
    except _NOT_QUERIED as exc:
        return shapes.NotQueried(error_message=exc.message).dump()
    return shapes.Downloaded(url=export["url"]).dump()


def sor_documentation(session: Session, slug: str) -> str:
    """Plain text (the one non-JSON answer of the group): the system of record's tables with their
    columns and SQL types, and how to query them."""
    sor = require_sor(session, slug)
    backend = session.db.backend
    tables = workspace_tables(session)
    lines = [
        f"# {sor['name']} (system of record `{sor['slug']}`)",
        "",
        f"The workspace's own storage: every model is a table. SQL dialect: {sor['language']}.",
        "",
        "## How to query",
        "",
        "- `lading system-of-record client query \"<sql>\"` → {\"outcome\":\"queried\",\"rows\":[…]} "
        f"(at most {storage_query.MAX_ROWS:,} rows).",
        "- `lading system-of-record client fetch --query \"<sql>\" --limit 100 --offset 0` → one page of the "
        "rows (write an ORDER BY for stable pages).",
        "- `lading system-of-record client download --query \"<sql>\"` → {\"outcome\":\"queried\",\"url\":\"…\"}, "
        "the whole result as a CSV file (`--format json` for JSON).",
        "- A refused or failing query answers {\"outcome\":\"notQueried\",\"errorMessage\":\"…\"}.",
        "",
        "Read-only: one SELECT (WITH, joins, subqueries, GROUP BY, UNION allowed); INSERT, UPDATE, DELETE, DDL "
        f"and system catalogs are refused. Each query runs for at most {int(storage_query.TIMEOUT_SECONDS)} s.",
        "Name a table by its physical name, as `lading storage model get-ddl <model-uuid>` prints it, or as "
        "datasets_<datasetSlug>.models_<modelSlug>, or as <datasetSlug>.<modelSlug>.",
        "",
        "## Tables",
    ]
    if not tables:
        lines += ["", "No models yet: create one with `lading storage model create`."]
    for table in tables:
        row = table.row
        lines += ["", f"### {table.physical}",
                  f"Model {row.name!s} (uuid {row.uuid}), also written "
                  f"datasets_{table.dataset_slug}.models_{row.slug} or {table.dataset_slug}.{row.slug}.", ""]
        columns = [(slug, SYSTEM_TYPES[slug]) for slug in SYSTEM_COLUMNS]
        columns += [(c["slug"], c["type"]) for c in row.columns or []]
        lines += [f"- {slug} {sql_type(backend, kind)} ({kind})" for slug, kind in columns]
    return "\n".join(lines) + "\n"
