"""User SQL → the SQL the engine runs: parse, allow-list, scope to the workspace, push predicates down.

The statement is parsed with sqlglot (ClickHouse dialect, every function kept as written so output
column names match what ClickHouse would name them) and refused before anything runs unless it is a
single read-only SELECT made of allowed node types, tables and functions. Every bare reference to one
of the four runtime tables — in joins, subqueries, CTEs, unions alike — becomes the workspace-scoped
typed view of `tables.py`; what runs is always generated from the checked tree, never the user's text.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from lading.analytics import functions
from lading.analytics.tables import ALIAS_COLUMNS, STATUS_COLUMNS, TABLES, TIME_COLUMNS, Scope

if TYPE_CHECKING:  # sqlglot is imported when a query is first checked, not with this module
    from sqlglot import exp
    from sqlglot.dialects.dialect import Dialect

MAX_SUBQUERY_DEPTH = 5
_SYNTAX_FUNCTIONS: tuple[type, ...] = ()


class QueryRefusedError(Exception):
    """The statement may not run; `code` is the ClickHouse error code the spec documents."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Code: {code}. {message}")
        self.code = code


def _dialect() -> type[Dialect]:
    from sqlglot import exp
    from sqlglot.dialects.clickhouse import ClickHouse
    from sqlglot.generators.clickhouse import ClickHouseGenerator
    from sqlglot.parsers.clickhouse import ClickHouseParser

    class UserSQL(ClickHouse):
        """ClickHouse, but functions stay as the user spelled them (no normalisation to other names)."""

        class Parser(ClickHouseParser):  # ClickHouse.Parser
            FUNCTIONS: ClassVar[dict] = {}

        class Generator(ClickHouseGenerator):  # ClickHouse.Generator
            def if_sql(self, expression: exp.If) -> str:
                args = [expression.this, expression.args.get("true"), expression.args.get("false")]
                return "if(" + ", ".join(self.sql(a) for a in args if a is not None) + ")"

            def interval_sql(self, expression: exp.Interval) -> str:
                value = expression.this
                unit = self.sql(expression, "unit")
                if isinstance(value, exp.Literal) and value.is_string and value.name.strip().lstrip("-").isdigit():
                    return f"INTERVAL {value.name.strip()} {unit}".rstrip()
                return super().interval_sql(expression)

    return UserSQL


_DIALECT: type[Dialect] | None = None


def dialect() -> type[Dialect]:
    global _DIALECT
    if _DIALECT is None:
        _DIALECT = _dialect()
    return _DIALECT


def _allowed_nodes() -> tuple[type, ...]:
    from sqlglot import exp

    return (
        exp.Select, exp.Union, exp.Except, exp.Intersect, exp.With, exp.CTE, exp.TableAlias, exp.Alias,
        exp.Aliases, exp.Column, exp.Identifier, exp.Star, exp.Literal, exp.Boolean, exp.Null, exp.Table,
        exp.Subquery, exp.From, exp.Join, exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered, exp.Limit,
        exp.Offset, exp.Distinct, exp.Paren, exp.Binary, exp.Unary, exp.In, exp.Between, exp.Case, exp.If,
        exp.Cast, exp.TryCast, exp.DataType, exp.DataTypeParam, exp.Interval, exp.Var, exp.Anonymous,
        exp.AnonymousAggFunc, exp.CombinedAggFunc, exp.ParameterizedAgg, exp.CombinedParameterizedAgg,
        exp.Quantile, exp.Lambda, exp.Array, exp.Tuple, exp.Bracket, exp.Struct, exp.Extract, exp.Explode,
        exp.Window, exp.WindowSpec, exp.Count, exp.Exists, exp.Placeholder,
        exp.Parameter, exp.LimitOptions, exp.Slice,
    )


def _syntax_functions() -> tuple[type, ...]:
    """Constructs sqlglot models as functions that are plain SQL syntax (CASE, CAST, EXTRACT, …)."""
    from sqlglot import exp

    return (exp.Case, exp.If, exp.Cast, exp.TryCast, exp.Extract, exp.Count, exp.Array, exp.Struct,
            exp.Exists, exp.Explode, exp.Quantile)


_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def _generated_name(node: exp.Expr) -> str | None:
    """The ClickHouse function a sqlglot function class (ArgMax, StrPosition, …) is rendered as:
    what will actually run is what gets checked."""
    match = _CALL.match(node.sql(dialect=dialect(), comments=False))
    return match.group(1) if match else None


def _function_name(node: exp.Expr) -> str | None:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name)
    if isinstance(node, (exp.AnonymousAggFunc, exp.CombinedAggFunc, exp.ParameterizedAgg,
                         exp.CombinedParameterizedAgg)):
        return str(node.this) if isinstance(node.this, str) else node.name
    return None


@dataclass
class Rewritten:
    sql: str
    views: dict[str, tuple[str, Scope]]  # placeholder → (table, scope)


_STATEMENT_KEYWORDS = {"insert", "create", "alter", "drop", "truncate", "rename", "delete", "update", "set", "system",
                       "kill", "show", "describe", "desc", "explain", "optimize", "grant", "revoke", "use", "attach",
                       "detach", "exchange", "undrop", "backup", "restore", "check", "watch", "replace", "move"}


def _refuse_unparsable(sql: str, error: Exception) -> QueryRefusedError:
    low = " ".join(sql.lower().split())
    if "into outfile" in low:
        return QueryRefusedError(497, "ACCESS_DENIED: INTO OUTFILE is not allowed")
    first = low.lstrip("( ").split(" ", 1)[0]
    if first in _STATEMENT_KEYWORDS:
        return QueryRefusedError(497, f"ACCESS_DENIED: only SELECT queries are allowed, not {first.upper()}")
    message = str(error).splitlines()[0] if str(error) else "cannot parse the query"
    return QueryRefusedError(62, f"Syntax error: {message}")


def _check_tokens(sql: str) -> None:
    """Refuse the query-option keywords wherever they appear as keywords (not in a string or a quoted
    name), even where sqlglot would drop them silently (a dangling `SETTINGS`) or attach them to a node
    the tree check does not expect: the tree is not the only line of defence."""
    from sqlglot.tokens import TokenType

    tokens = dialect()().tokenize(sql)
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.token_type == TokenType.SETTINGS:
            raise QueryRefusedError(497, "ACCESS_DENIED: SETTINGS clauses are not allowed")
        if token.token_type == TokenType.FORMAT and (following is None or following.token_type != TokenType.L_PAREN):
            raise QueryRefusedError(497, "ACCESS_DENIED: FORMAT clauses are not allowed")
        if token.token_type == TokenType.INTO and following is not None and following.text.upper() == "OUTFILE":
            raise QueryRefusedError(497, "ACCESS_DENIED: INTO OUTFILE is not allowed")


_QUIET = False


def _quiet_sqlglot() -> None:
    """sqlglot logs a warning when it falls back to an opaque `Command` (`EXPLAIN …`, `SHOW …`); those
    statements are refused anyway, and a library's log line must not reach the CLI's stderr."""
    global _QUIET
    if not _QUIET:
        import logging

        logging.getLogger("sqlglot").setLevel(logging.ERROR)
        _QUIET = True


def parse(sql: str) -> exp.Expr:
    """One checked SELECT tree, or `QueryRefusedError`."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    if not sql.strip():
        raise QueryRefusedError(62, "Syntax error: empty query")
    _quiet_sqlglot()
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect()) if s is not None]
    except (ParseError, TokenError) as error:
        raise _refuse_unparsable(sql, error) from None
    if len(statements) != 1:
        raise QueryRefusedError(62, "Syntax error: multi-statements are not allowed" if statements
                           else "Syntax error: empty query")
    tree = statements[0]
    if not isinstance(tree, (exp.Select, exp.Union, exp.Except, exp.Intersect)):
        kind = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        if kind.lower() in _STATEMENT_KEYWORDS:
            raise QueryRefusedError(497, f"ACCESS_DENIED: only SELECT queries are allowed, not {kind}")
        raise QueryRefusedError(497, "ACCESS_DENIED: only SELECT queries are allowed")
    _check_tokens(sql)
    _check(tree)
    return tree


def _check(tree: exp.Expr) -> None:
    from sqlglot import exp

    global _SYNTAX_FUNCTIONS
    allowed = _allowed_nodes()
    if not _SYNTAX_FUNCTIONS:
        _SYNTAX_FUNCTIONS = _syntax_functions()
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    if ctes & set(TABLES):
        raise QueryRefusedError(497, "ACCESS_DENIED: a WITH name may not hide a runtime table")
    for node in tree.walk():
        _check_clauses(node)
        is_function = isinstance(node, exp.Func) and not isinstance(node, (exp.Binary, exp.Unary, exp.Connector))
        if not is_function and not isinstance(node, allowed):
            raise QueryRefusedError(497, f"ACCESS_DENIED: {node.key.upper()} is not allowed in a query")
        if isinstance(node, exp.Table):
            _check_table(node, ctes)
            continue
        if isinstance(node, exp.In) and node.args.get("field") is not None:
            # `x IN <table>` reads a table outside FROM (ClickHouse allows any table there).
            raise QueryRefusedError(497, "ACCESS_DENIED: IN <table> is not allowed; write IN (SELECT … FROM …)")
        if isinstance(node, exp.Column) and any(
                part.lower() in ("system", "information_schema") for part in (node.table, node.db, node.catalog)):
            raise QueryRefusedError(497, "ACCESS_DENIED: the system database is not accessible")
        if is_function and not isinstance(node, _SYNTAX_FUNCTIONS):
            # Functions sqlglot knows by a class of its own (argMax, …) are checked by their name too.
            name = _function_name(node) or _generated_name(node)
            if name is None:
                continue  # rendered as plain syntax (an operator, a keyword form): its parts are checked
            if functions.denied(name):
                raise QueryRefusedError(497, f"ACCESS_DENIED: function {name} is not allowed")
            if not functions.allowed(name):
                raise QueryRefusedError(497, f"ACCESS_DENIED: function {name} is not allowed in a query")
    depth = _subquery_depth(tree)
    if depth > MAX_SUBQUERY_DEPTH:
        raise QueryRefusedError(162, f"Too deep subqueries. Maximum: {MAX_SUBQUERY_DEPTH}")


# The clauses each query-shaped node may carry. Anything else sqlglot can hang on them — SETTINGS, FORMAT,
# INTO, query options, locks, SAMPLE, hints, `SELECT AS STRUCT` … — is refused wherever the node sits
# (top level, either side of UNION/EXCEPT/INTERSECT, subquery, CTE, nested set operation): sqlglot keeps
# these in different args per node type, so the check is by allow-list, never by naming the bad ones.
_CLAUSES: dict[str, frozenset[str]] = {
    "Select": frozenset({"with_", "expressions", "distinct", "from_", "joins", "where", "group", "having",
                         "qualify", "windows", "order", "limit", "offset"}),
    "SetOperation": frozenset({"this", "expression", "distinct", "with_", "order", "limit", "offset"}),
    "Subquery": frozenset({"this", "alias", "order", "limit", "offset"}),
    "CTE": frozenset({"this", "alias", "scalar"}),
    "With": frozenset({"expressions", "recursive"}),
    "Table": frozenset({"this", "alias", "db", "catalog"}),
}
_CLAUSE_LABELS = {"settings": "SETTINGS", "format": "FORMAT", "into": "INTO", "options": "query option",
                  "kind": "SELECT kind", "locks": "FOR UPDATE/SHARE", "for_": "FOR", "sample": "SAMPLE",
                  "hint": "hint", "hints": "hint", "prewhere": "PREWHERE", "laterals": "LATERAL",
                  "operation_modifiers": "query modifier", "by_name": "BY NAME", "side": "set operation side",
                  "materialized": "MATERIALIZED", "version": "time travel"}


def _check_clauses(node: exp.Expr) -> None:
    from sqlglot import exp

    for kind, cls in (("Select", exp.Select), ("SetOperation", exp.SetOperation), ("Subquery", exp.Subquery),
                      ("CTE", exp.CTE), ("With", exp.With), ("Table", exp.Table)):
        if isinstance(node, cls):
            allowed = _CLAUSES[kind]
            break
    else:
        return
    for arg, value in node.args.items():
        if arg in allowed or value is None or value is False or (isinstance(value, list) and not value):
            continue
        label = _CLAUSE_LABELS.get(arg, arg.rstrip("_").upper().replace("_", " "))
        raise QueryRefusedError(497, f"ACCESS_DENIED: {label} clauses are not allowed")


def _is_array_join_target(table: exp.Expr) -> bool:
    from sqlglot import exp

    parent = table.parent
    while isinstance(parent, (exp.Alias, exp.TableAlias)):
        parent = parent.parent
    return isinstance(parent, exp.Join) and str(parent.args.get("kind") or "").upper() == "ARRAY"


def _check_table(table: exp.Expr, ctes: set[str]) -> None:
    from sqlglot import exp

    if _is_array_join_target(table):
        if table.args.get("db") or table.args.get("catalog") or not isinstance(table.this, exp.Identifier):
            raise QueryRefusedError(497, "ACCESS_DENIED: ARRAY JOIN takes an array column")
        return
    target = table.this
    if isinstance(target, exp.Func) or not isinstance(target, exp.Identifier):
        name = _function_name(target) or getattr(target, "name", "") or target.key
        raise QueryRefusedError(497, f"ACCESS_DENIED: table function {name} is not allowed")
    db_node = table.args.get("db")
    db = (db_node.name if db_node else "") or ""
    catalog = table.args.get("catalog")
    name = table.name
    if db.lower() in ("system", "information_schema") or name.lower() in ("information_schema",):
        raise QueryRefusedError(497, f"ACCESS_DENIED: the {db or name} database is not accessible")
    if catalog is not None or db:
        prefix = ".".join(p for p in (catalog.name if catalog is not None else "", db) if p)
        raise QueryRefusedError(60, f"Table {prefix}.{name} doesn't exist")
    if name in TABLES or name.lower() in ctes:
        return
    raise QueryRefusedError(60, f"Table orchestration.{name} doesn't exist")


def _subquery_depth(tree: exp.Expr) -> int:
    from sqlglot import exp

    def depth(node: exp.Expr) -> int:
        best = 0
        for child in node.iter_expressions():
            inner = depth(child)
            if isinstance(child, (exp.Subquery, exp.CTE)) or (
                    isinstance(child, exp.Select) and isinstance(node, (exp.In, exp.Exists))):
                inner += 1
            best = max(best, inner)
        return best

    return depth(tree)


# --- rewriting -------------------------------------------------------------------------------------


def _constant(node: exp.Expr) -> bool:
    from sqlglot import exp

    return not any(isinstance(n, (exp.Column, exp.Select, exp.Subquery, exp.Star, exp.Placeholder))
                   for n in node.walk())


def _conjuncts(where: exp.Expr) -> list[exp.Expr]:
    from sqlglot import exp

    if isinstance(where, exp.And):
        return _conjuncts(where.left) + _conjuncts(where.right)
    if isinstance(where, exp.Paren):
        return _conjuncts(where.this)
    return [where]


def _pushdowns(select: exp.Expr, table: exp.Expr, name: str, scope: Scope,
               src_ts_bound: Callable[[str, bool], str]) -> None:
    """Add the WHERE conjuncts of a single-table SELECT that the store can pre-filter on."""
    from sqlglot import exp

    where = select.args.get("where")
    if where is None or select.args.get("joins"):
        return
    names = {name, table.alias_or_name}
    aliases = {e.alias for e in select.expressions if isinstance(e, exp.Alias)}
    generator = dialect()

    def column_of(node: exp.Expr) -> str | None:
        if isinstance(node, exp.Column) and (not node.table or node.table in names) and node.name not in aliases:
            return node.name
        return None

    flips = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}
    for cond in _conjuncts(where.this):
        if isinstance(cond, (exp.GT, exp.GTE, exp.LT, exp.LTE)):  # the keys of `flips`
            kind: type[exp.Binary]
            col, value, kind = column_of(cond.this), cond.expression, type(cond)
            if col is None:
                col, value, kind = column_of(cond.expression), cond.this, flips[type(cond)]
            raw = TIME_COLUMNS[name].get(col or "")
            if raw and _constant(value):
                value_sql = value.sql(dialect=generator, comments=False)
                upper = kind in (exp.LT, exp.LTE)
                bound = src_ts_bound(value_sql, upper)
                if upper:
                    scope.other_predicates.append(f"{raw} < {bound}")
                else:
                    scope.lower_time_bounds.append(f"{raw} >= {bound}")
                    scope.lower_time_values.append(value_sql)
        elif isinstance(cond, (exp.EQ, exp.In)):
            col = column_of(cond.this)
            raw = STATUS_COLUMNS[name].get(col or "")
            values = [cond.expression] if isinstance(cond, exp.EQ) else list(cond.expressions)
            if raw and values and not cond.args.get("query") and all(
                    isinstance(v, exp.Literal) and v.is_string for v in values):
                literal = ", ".join(v.sql(dialect=generator) for v in values)
                scope.other_predicates.append(f"{raw} IN ({literal})")


_AGGREGATE_HINTS = ("count", "sum", "avg", "min", "max", "uniq", "any", "group", "quantile", "median", "arg",
                    "top", "stddev", "var", "corr", "covar", "entropy", "histogram", "retention", "sequence",
                    "windowfunnel", "mode", "first_value", "last_value", "array")
MAX_TOP_N = 10_000


def _top_n(select: exp.Expr, table: exp.Expr, name: str) -> tuple[str, bool, int] | None:
    """`SELECT … FROM <table> ORDER BY <time column> [DESC] LIMIT k` with nothing that needs other rows
    (no WHERE, joins, grouping, aggregates, window or array functions): only the store's k first rows
    by that column can be returned, so they can be fetched by key instead of scanning the table."""
    from sqlglot import exp

    if any(select.args.get(a) for a in ("where", "joins", "group", "having", "distinct", "qualify", "windows")):
        return None
    order, limit = select.args.get("order"), select.args.get("limit")
    if order is None or limit is None or not order.expressions or limit.args.get("expressions"):
        return None
    first = order.expressions[0]
    key = first.this
    aliases = {e.alias for e in select.expressions if isinstance(e, exp.Alias)}
    if not isinstance(key, exp.Column) or (key.table and key.table not in (name, table.alias_or_name)) \
            or key.name in aliases:
        return None
    raw = TIME_COLUMNS[name].get(key.name)
    if raw is None:
        return None
    for node in select.walk():
        if node is not select and isinstance(node, (exp.Select, exp.Subquery)):
            return None  # a subquery in the projection: keep it simple, scan
        if isinstance(node, (exp.AggFunc, exp.AnonymousAggFunc, exp.CombinedAggFunc, exp.ParameterizedAgg,
                             exp.Window, exp.Explode)):
            return None
        if isinstance(node, exp.Anonymous) and str(node.name).lower().startswith(_AGGREGATE_HINTS):
            return None

    def literal_int(value: object) -> int | None:
        value = getattr(value, "expression", value)
        if isinstance(value, exp.Literal) and not value.is_string and value.name.isdigit():
            return int(value.name)
        return None

    count = literal_int(limit)
    offset_node = select.args.get("offset")
    offset = literal_int(offset_node) if offset_node is not None else 0
    if count is None or offset is None or count + offset > MAX_TOP_N:
        return None
    return raw, bool(first.args.get("desc")), count + offset


def rewrite(tree: exp.Expr, src_ts_bound: Callable[[str, bool], str]) -> Rewritten:
    """Replace each runtime-table reference by a placeholder naming its scoped view."""
    from sqlglot import exp

    star = any(isinstance(n, exp.Star) and isinstance(n.parent, (exp.Select, exp.Column)) for n in tree.walk())
    used: set[str] = set()
    for col in tree.find_all(exp.Column):
        used.add(col.name)
        if col.table:
            used.add(col.table)
            used.add(f"{col.table}.{col.name}")
    for ident in tree.find_all(exp.Identifier):
        used.add(ident.name)
    views: dict[str, tuple[str, Scope]] = {}
    nonce = secrets.token_hex(8)  # unguessable: user text can never contain a placeholder
    for table in list(tree.find_all(exp.Table)):
        name = table.name
        if name not in TABLES or table.args.get("db") or _is_array_join_target(table):
            continue
        scope = Scope(columns=None if star else set(used),
                      alias_columns={c for c in ALIAS_COLUMNS[name] if c in used})
        select = table.parent.parent if isinstance(table.parent, exp.From) else None
        if isinstance(select, exp.Select):
            _pushdowns(select, table, name, scope, src_ts_bound)
            if name != "records":
                scope.top_n = _top_n(select, table, name)
        placeholder = f"lading_view_{nonce}_{len(views)}"
        alias = table.alias or name
        table.replace(exp.Table(this=exp.to_identifier(placeholder), alias=exp.TableAlias(
            this=exp.to_identifier(alias))))
        views[placeholder] = (name, scope)
    return Rewritten(sql=tree.sql(dialect=dialect(), comments=False), views=views)

