"""Analytics: the SQL page (ClickHouse SQL over `runs`, `batches`, `spans`, `records` through the same
service as `orchestration query execute`: guarded, workspace-scoped, capped) with a results table and a
chart of a time-series result, and the usage page (credits and executions per UTC day, by workflow or by
integration, through the same service as `billing usage get-metrics`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from lading.api.console._auth import PageRoute, check_csrf, current, form
from lading.api.console._render import render
from lading.domain.errors import LadingError
from lading.services.access import require
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

# The table shows this many rows of a result (the service caps results at 10,000).
SHOWN_ROWS = 1_000
MAX_SQL = 100_000
# Example queries offered as links (they fill the form; running stays a POST).
EXAMPLES = (
    ("Runs per day by status",
     "SELECT toDate(created_at) AS day, countIf(status = 'success') AS succeeded, countIf(status = 'error') AS failed\n"
     "FROM runs\nGROUP BY day\nORDER BY day"),
    ("Credits per hour",
     "SELECT toStartOfHour(created_at) AS hour, sum(credits_used_count) AS credits\nFROM runs\n"
     "GROUP BY hour\nORDER BY hour"),
    ("Slowest nodes", "SELECT node_slug, count() AS executions,\n"
     "  avg(dateDiff('millisecond', started_at, finished_at)) AS avg_ms\nFROM spans\n"
     "GROUP BY node_slug\nORDER BY avg_ms DESC\nLIMIT 20"),
    ("Latest batches", "SELECT uuid, status, created_at\nFROM batches\nORDER BY created_at DESC\nLIMIT 20"),
    ("Tables", "SHOW TABLES"),
)
USAGE_DAYS = 30
GROUPINGS = {"workflow": ("workflow_uuid", "Workflow"), "integration": ("integration_slug", "Integration")}
MAX_GROUPS_CHARTED = 7  # more groups than this are summed as "other" in the charts


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """The result's column names in the engine's order (every row of one result has the same keys)."""
    return list(rows[0]) if rows else []


def _sql_page(request: Request, session: Session, sql: str, *, result: dict[str, Any] | None = None,
              error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "analytics.html", session=session, status_code=status_code, title="Analytics",
                  sql=sql, result=result, error=error, examples=EXAMPLES, shown_rows=SHOWN_ROWS)


@router.get("/analytics")
def analytics_page(request: Request, session: SignedIn) -> Response:
    require(session.access, "orchestration:read")
    return _sql_page(request, session, request.query_params.get("sql", "")[:MAX_SQL])


def run_query(session: Session, sql: str) -> dict[str, Any]:
    """The result as the page shows it: columns, the first rows, the count, and the chart when the
    result is a time series."""
    from lading.api.console import svg
    from lading.services.orchestration import query

    require(session.access, "orchestration:read")
    document, truncated = query.execute_query(session, sql)
    rows: list[dict[str, Any]] = list(document["rows"])
    columns = _columns(rows)
    axes = svg.chartable(columns, rows)
    chart = svg.timeseries_svg(rows, axes[0], axes[1], title=f"{', '.join(axes[1])} by {axes[0]}") if axes else None
    return {"columns": columns, "rows": rows[:SHOWN_ROWS], "count": len(rows), "truncated": truncated,
            "cap": query.limits().max_result_rows if truncated else None, "chart": chart}


@router.post("/analytics")
async def analytics_run(request: Request, session: SignedIn) -> Response:
    """Run the form's query; a refusal of the guard or the engine is shown inline in its documented
    words (`Code: <n>. …`)."""
    from anyio import to_thread

    fields = await form(request)
    check_csrf(request, fields)
    sql = fields.get("sql", "").strip()
    if not sql:
        return await to_thread.run_sync(lambda: _sql_page(request, session, sql, status_code=400,
                                                          error="Write a query first."))
    if len(sql) > MAX_SQL:
        return await to_thread.run_sync(lambda: _sql_page(request, session, sql[:MAX_SQL], status_code=400,
                                                          error=f"The query is longer than {MAX_SQL:,} characters."))
    try:
        result = await to_thread.run_sync(run_query, session, sql)
    except LadingError as exc:
        if exc.status_code != 400:
            raise
        message = exc.message
        return await to_thread.run_sync(lambda: _sql_page(request, session, sql, status_code=400, error=message))
    return await to_thread.run_sync(lambda: _sql_page(request, session, sql, result=result))


# --- usage -------------------------------------------------------------------------------------------


def _days(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _group_names(session: Session, grouping: str) -> dict[str, str]:
    """Readable names of the groups: a workflow's tool name (integrations are named by their slug)."""
    if grouping != "workflow":
        return {}
    from lading.services.orchestration import tools

    try:
        listed = tools.list_tools(session)["tools"]
    except LadingError:
        return {}
    return {str(t["workflowUuid"]): str(t["name"]) for t in listed if t.get("workflowUuid")}


def usage_table(session: Session, *, start: date, end: date, grouping: str) -> dict[str, Any]:
    """Credits and executions per day and group over [start, end], from `billing.usage.get_metrics`."""
    from lading.services.billing import usage

    group_by = GROUPINGS[grouping][0]
    bounds = {"date_from": start.isoformat(), "date_to": end.isoformat(), "group_by": group_by}
    credits = usage.get_metrics(session, unit="credits", **bounds)["metrics"]
    executions = usage.get_metrics(session, unit="executions", **bounds)["metrics"]
    cells: dict[tuple[str, str], dict[str, float]] = {}
    for unit, days in (("credits", credits), ("executions", executions)):
        for day in days:
            for item in day["items"]:
                key = (str(day["date"])[:10], str(item.get("groupBy") or "—"))
                cell = cells.setdefault(key, {"credits": 0.0, "executions": 0.0})
                cell[unit] += float(item.get("count") or 0)
    names = _group_names(session, grouping)
    totals: dict[str, float] = {}
    for (_day, group), cell in cells.items():
        totals[group] = totals.get(group, 0.0) + cell["credits"] + cell["executions"]
    ranked = sorted(totals, key=lambda g: (-totals[g], g))
    charted = ranked[:MAX_GROUPS_CHARTED]
    days = _days(start, end)
    series: dict[str, list[dict[str, Any]]] = {}
    for unit in ("credits", "executions"):
        points = []
        for day in days:
            point: dict[str, Any] = {"day": day}
            for group in ranked:
                label = names.get(group, group) if group in charted else "other"
                point[label] = point.get(label, 0.0) + cells.get((day, group), {}).get(unit, 0.0)
            points.append(point)
        series[unit] = points
    rows = [{"day": day, "group": group, "name": names.get(group, group), **cells[(day, group)]}
            for day in reversed(days) for group in ranked if (day, group) in cells]
    labels = [names.get(g, g) for g in charted] + (["other"] if len(ranked) > len(charted) else [])
    return {"rows": rows, "series": series, "labels": labels,
            "total_credits": sum(c["credits"] for c in cells.values()),
            "total_executions": sum(c["executions"] for c in cells.values())}


def _usage_charts(table: dict[str, Any], grouping: str) -> dict[str, str]:
    from lading.api.console import svg

    label = GROUPINGS[grouping][1].lower()
    return {unit: svg.timeseries_svg(table["series"][unit], "day", table["labels"] or [unit],
                                     title=f"{unit.capitalize()} per day by {label}")
            for unit in ("credits", "executions")}


@router.get("/analytics/usage")
def usage_page(request: Request, session: SignedIn) -> Response:
    from lading.domain.errors import ValidationError

    grouping = request.query_params.get("group", "workflow")
    grouping = grouping if grouping in GROUPINGS else "workflow"
    given = {k: request.query_params.get(k, "").strip() for k in ("from", "to")}
    today = datetime.now(UTC).date()
    context: dict[str, Any] = {"grouping": grouping, "groupings": GROUPINGS, "given": given, "table": None,
                               "charts": None, "error": None, "forbidden": False}
    status = 200
    try:
        end = date.fromisoformat(given["to"]) if given["to"] else today
        start = date.fromisoformat(given["from"]) if given["from"] else end - timedelta(days=USAGE_DAYS - 1)
    except ValueError:
        context["error"], status = "From and To must be dates like 2026-12-04.", 400
        start = end = today
    context.update(start=start, end=end)
    if context["error"] is None:
        try:
            context["table"] = usage_table(session, start=start, end=end, grouping=grouping)
            context["charts"] = _usage_charts(context["table"], grouping)
        except ValidationError as exc:
            context["error"], status = exc.message, 400
        except LadingError as exc:  # billing is for workspace admins only (spec §7)
            if exc.status_code != 403:
                raise
            context["forbidden"], status = True, 403
    return render(request, "usage.html", session=session, status_code=status, title="Usage", **context)
