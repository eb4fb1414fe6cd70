"""The storage SQL guard: user SQL is parsed (sqlglot, in the backend's dialect), checked against an
allow-list and rewritten before anything runs (data spec §6.1, §8.7).

A query must be one `SELECT` (with CTEs, joins, subqueries, set operations) whose every table is a
`<datasetSlug>.<modelSlug>` reference of the caller's workspace or a CTE of the query; each reference
is rewritten to the model's physical table. Everything else is refused with a message naming the
offending part: other statements (DML, DDL, `PRAGMA`, `ATTACH`, `COPY`, transaction control),
`SELECT … INTO`, row locks, stacked statements, parameters, table functions, system catalogs, other
workspaces' tables, and any function outside sqlglot's known scalar/aggregate functions plus a short
list of harmless dialect functions (so `pg_read_file`, `load_extension`, `lo_import`, `dblink`,
`set_config`, `pg_sleep`… never reach the engine).

`check_boolean_clause` applies the same function rules to a filter's `sql` condition and further
refuses subqueries, table references, aggregates and window functions.

Both re-generate the SQL from the parse tree without comments: what runs is exactly what was checked,
and no comment text (PostgreSQL nests block comments) can reopen or close anything in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lading.domain.errors import ValidationError

# Dialect functions sqlglot does not model as typed expressions, but which only compute on values.
SAFE_FUNCTIONS = frozenset({
    "abs", "age", "array_length", "array_to_string", "btrim", "char_length", "character_length", "chr", "concat_ws",
    "date", "date_part", "datetime", "format", "ifnull", "initcap", "instr", "json_array_length", "json_extract",
    "json_object", "json_type", "json_valid", "jsonb_array_length", "jsonb_extract_path", "jsonb_extract_path_text",
    "jsonb_typeof", "julianday", "left", "length", "lower", "ltrim", "make_date", "md5", "nullif", "octet_length",
    "position", "printf", "regexp_match", "regexp_matches", "regexp_replace", "repeat", "replace", "reverse",
    "right", "round", "rtrim", "sign", "split_part", "strftime", "string_agg", "strpos", "substr", "substring",
    "time", "to_char", "to_date", "to_number", "to_timestamp", "total", "trim", "trunc", "typeof", "unicode",
    "unixepoch", "upper", "group_concat", "greatest", "least", "coalesce", "date_trunc", "extract", "now",
})
# Typed sqlglot functions that read files or reach outside the query.
DENIED_FUNCTIONS = frozenset({"ReadCSV", "ReadParquet", "ReadJSON", "ExplodingGenerateSeries", "GenerateSeries"})
DENIED_NODES = ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "AlterColumn", "Command", "Pragma",
                "Attach", "Detach", "Into", "Lock", "Set", "Transaction", "Commit", "Rollback", "Use", "Copy",
                "LoadData", "Analyze", "Describe", "Show", "Grant", "Revoke", "Kill", "TruncateTable", "Cache",
                "Uncache", "Refresh", "Install", "Placeholder", "Parameter", "SessionParameter", "TableFromRows")


class SqlRefusedError(ValidationError):
    """SQL the guard does not run; the message names what was refused. An unknown table carries no
    reason prefix, so its message is exactly the documented `Table not found: <dataset>.<model>`; the
    document's reason is `invalidQuery`, as for any SQL the engine refuses."""

    default_reason = "invalidQuery"


@dataclass(frozen=True)
class ResolvedTable:
    """What a `<dataset>.<model>` reference stands for."""

    schema: str
    table: str
    json_columns: frozenset[str] = frozenset()


@dataclass
class GuardedQuery:
    """The rewritten SQL, its JSON output columns, and the (schema, table) pairs it may read."""

    sql: str
    json_columns: set[str] = field(default_factory=set)
    tables: set[tuple[str, str]] = field(default_factory=set)


def sqlglot_dialect(dialect: str) -> str:
    return "postgres" if dialect in ("postgresql", "postgres") else "sqlite"


def _parse(sql: str, dialect: str) -> Any:
    import sqlglot
    from sqlglot.errors import ParseError, TokenError

    try:
        statements = [s for s in sqlglot.parse(sql, read=sqlglot_dialect(dialect)) if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unparsable SQL"
        raise SqlRefusedError(f"SQL could not be parsed: {first}", reason="invalidSql") from None
    if not statements:
        raise SqlRefusedError("SQL is empty", reason="invalidSql")
    if len(statements) > 1:
        raise SqlRefusedError("only one statement is allowed (stacked statements are refused)", reason="sqlRefused")
    return statements[0]


def _check_nodes(tree: Any) -> None:
    """Refuse statement kinds, parameters and functions outside the allow-list, wherever they appear."""
    from sqlglot import exp

    denied = tuple(getattr(exp, name) for name in DENIED_NODES if hasattr(exp, name))
    for node in tree.walk():
        if isinstance(node, denied):
            kind = type(node).__name__.upper()
            if kind == "INTO":
                raise SqlRefusedError("SELECT … INTO is not allowed: storage SQL is read-only", reason="sqlRefused")
            if kind == "LOCK":
                raise SqlRefusedError("row locks (FOR UPDATE/SHARE) are not allowed: storage SQL is read-only",
                                      reason="sqlRefused")
            if kind in ("PLACEHOLDER", "PARAMETER", "SESSIONPARAMETER"):
                raise SqlRefusedError("query parameters are not supported; write the values inline",
                                      reason="sqlRefused")
            raise SqlRefusedError(f"{kind} is not allowed: only SELECT queries run in storage SQL",
                                  reason="sqlRefused")
        if isinstance(node, exp.Func):
            if isinstance(node, exp.Anonymous):
                name = str(node.name).lower()
                if name not in SAFE_FUNCTIONS:
                    raise SqlRefusedError(f"function {node.name}() is not allowed in storage SQL", reason="sqlRefused")
            elif type(node).__name__ in DENIED_FUNCTIONS:
                raise SqlRefusedError(f"function {node.sql_name()}() is not allowed in storage SQL",
                                      reason="sqlRefused")


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
CTE_PREFIX = "_lading_cte_"


def _identifier_key(identifier: Any, dialect: str) -> str:
    """A name as the engine compares it: both engines fold ASCII letters only (Python's `lower()` also
    folds e.g. the Kelvin sign to `k`, which would let a CTE "shadow" a table the engine still reads),
    and PostgreSQL keeps a quoted name's case."""
    name = str(identifier.this)
    if dialect == "postgresql" and identifier.args.get("quoted"):
        return name
    return name.translate(_ASCII_LOWER)


def _visible_cte(table: Any, dialect: str) -> Any | None:
    """The CTE a bare table name stands for at its position, or None when no CTE of that name is in scope.

    Walks out from the table: the WITH of every enclosing query is in scope for that query's body; from
    inside a CTE, PostgreSQL sees the earlier CTEs of the same WITH (all of them, itself included, when
    it is RECURSIVE), SQLite sees every CTE of the WITH. A CTE defined in a sibling or nested subquery
    is never in scope (the bug this replaces trusted a CTE name defined anywhere in the query)."""
    from sqlglot import exp

    key = _identifier_key(table.this, dialect)
    child, node = table, table.parent
    while node is not None:
        if isinstance(node, exp.With):
            ctes = list(node.expressions)
            index = next((i for i, cte in enumerate(ctes) if cte is child), len(ctes))
            recursive = bool(node.args.get("recursive"))
            candidates = ctes if dialect != "postgresql" or recursive else ctes[:index]
            for cte in reversed(candidates):
                if _identifier_key(cte.args["alias"].this, dialect) == key:
                    return cte
        else:
            with_ = node.args.get("with_") or node.args.get("with")
            if isinstance(with_, exp.With) and child is not with_:
                for cte in with_.expressions:
                    if _identifier_key(cte.args["alias"].this, dialect) == key:
                        return cte
        child, node = node, node.parent
    return None


def guard_query(sql: str, dialect: str, resolve: Callable[[str, str], ResolvedTable | None],
                resolve_bare: Callable[[str], ResolvedTable | None] | None = None) -> GuardedQuery:
    """Check `sql` and rewrite its `<dataset>.<model>` references; `resolve` looks one up in the workspace.
    `resolve_bare`, when given, looks up a one-part name that is no CTE in scope (the system-of-record
    commands accept SQLite's one-part physical names); without it such a name is an unknown table.

    Every CTE is renamed to a generated name and only the references that resolve to it by scope are
    rewritten to that name, so a scoping mistake here makes the engine fail ("no such table
    _lading_cte_N") instead of reading a real table of the same name. The physical tables the query
    may read are returned in `tables`, for the engine-level check (`lading.data.sql_sandbox`)."""
    from sqlglot import exp

    tree = _parse(sql, dialect)
    root = tree.this if isinstance(tree, exp.Subquery) else tree
    if not isinstance(root, (exp.Select, exp.SetOperation)):
        raise SqlRefusedError(f"{type(root).__name__.upper()} is not allowed: only SELECT queries run in storage SQL",
                              reason="sqlRefused")
    _check_nodes(tree)
    ctes = list(tree.find_all(exp.CTE))
    for cte in ctes:
        if not isinstance(cte.args.get("alias"), exp.TableAlias) or not isinstance(cte.args["alias"].this,
                                                                                    exp.Identifier):
            raise SqlRefusedError("a CTE needs a name", reason="invalidSql")
    generated = {id(cte): f"{CTE_PREFIX}{index}" for index, cte in enumerate(ctes, start=1)}
    result = GuardedQuery(sql="")
    rewritten: dict[tuple[str, str], str] = {}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise SqlRefusedError("table functions are not allowed in storage SQL; select from "
                                  "<datasetSlug>.<modelSlug> tables", reason="sqlRefused")
        name, db = table.name, table.db
        if table.catalog:
            raise SqlRefusedError(f"Table not found: {table.sql()}")
        if not db:
            cte = _visible_cte(table, dialect)
            if cte is not None:
                if not table.alias:
                    table.set("alias", exp.TableAlias(this=table.this.copy()))
                table.set("this", exp.to_identifier(generated[id(cte)], quoted=True))
                continue
            target = resolve_bare(name) if resolve_bare is not None else None
            if target is None:
                raise SqlRefusedError(f"Table not found: {name} (write tables as <datasetSlug>.<modelSlug>)")
        else:
            target = resolve(db, name)
            if target is None:
                raise SqlRefusedError(f"Table not found: {db}.{name}")
        result.json_columns |= target.json_columns
        result.tables.add((target.schema, target.table))
        alias = table.alias
        if target.schema:
            table.set("db", exp.to_identifier(target.schema, quoted=True))
        else:
            table.set("db", None)
        table.set("this", exp.to_identifier(target.table, quoted=True))
        if not alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
        if db:
            rewritten[(db.lower(), name.lower())] = name
    for cte in ctes:  # after the references: scope lookups above compare the original names
        cte.args["alias"].set("this", exp.to_identifier(generated[id(cte)], quoted=True))
    for column in tree.find_all(exp.Column):
        db = column.text("db")
        if db and (db.lower(), column.table.lower()) in rewritten:
            column.set("db", None)
    result.sql = tree.sql(dialect=sqlglot_dialect(dialect), comments=False)
    return result


def check_boolean_clause(clause: str, allowed_columns: set[str], dialect: str) -> str:
    """A filter's raw SQL condition, checked and re-generated with quoted column names.

    Allowed: column references of the model (`allowed_columns`), literals, operators and scalar
    functions. Refused (`SqlRefusedError`): subqueries, table references, aggregates, window functions,
    anything `guard_query` refuses, and an expression that is not a condition.
    """
    from sqlglot import exp

    if not isinstance(clause, str) or not clause.strip():
        raise SqlRefusedError("the sql condition's clause is empty", reason="invalidSql")
    tree = _parse(clause, dialect)
    _check_nodes(tree)
    for node in tree.walk():
        if isinstance(node, (exp.Query, exp.Subquery, exp.Table, exp.From, exp.Join)):
            raise SqlRefusedError("subqueries and table references are not allowed in a sql condition",
                                  reason="sqlRefused")
        if isinstance(node, (exp.AggFunc, exp.Window)):
            raise SqlRefusedError("aggregate and window functions are not allowed in a sql condition",
                                  reason="sqlRefused")
        if isinstance(node, exp.Star):
            raise SqlRefusedError("* is not allowed in a sql condition", reason="sqlRefused")
    for column in list(tree.find_all(exp.Column)):
        if column.table or column.text("db"):
            raise SqlRefusedError(f"qualified column {column.sql()} is not allowed; name the model's columns only",
                                  reason="sqlRefused")
        if column.name not in allowed_columns:
            raise SqlRefusedError(f"unknown column {column.name} in sql condition", reason="unknownColumn")
        column.set("this", exp.to_identifier(column.name, quoted=True))
    inner = tree
    while isinstance(inner, exp.Paren):
        inner = inner.this
    if not isinstance(inner, (exp.Predicate, exp.Connector, exp.Not, exp.Boolean)):
        raise SqlRefusedError("the sql clause must be a condition (e.g. revenue > 1000000 AND country = 'US')",
                              reason="invalidSql")
    return str(tree.sql(dialect=sqlglot_dialect(dialect), comments=False))
