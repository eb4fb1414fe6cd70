"""Data: datasets and their models; a model's columns and records (pages, sort, filter); its segments; a
segment's filter editor (saved through the validator of `segmentation segment update`), count, first
records and changes; a change's records.

The records table answers exactly what the CLI answers for the same arguments: with no filter and no
sort it is a page of `storage record list` (`services.storage.records.list_records`, by `_id`); with a
filter or a sort it is a page of `segmentation segment fetch` (`services.segmentation.segments.fetch`),
which also gives the match count. The small form row (column, operator, value) is Cargo's simple
condition `{"field","operator","value"}`, mapped through `lading.data.filters.simple` as batch sources
map it; the raw JSON box takes a full filter or the simple form.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lading.api.console._auth import PageRoute, check_csrf, current, form
from lading.api.console._render import pretty_json, render
from lading.data.filters.errors import FilterError, path_text
from lading.domain.errors import LadingError, ValidationError
from lading.services.access import require
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

PAGE_SIZE = 50
FIRST_RECORDS = 20
MATCH_ALL: dict[str, Any] = {"conjonction": "and", "groups": []}
SORTABLE = ("string", "number", "date", "boolean")  # what `parse_sort` accepts
# The simple form's operators, in the order the select lists them (canonical names of `simple.ALIASES`).
OPERATORS = ("equals", "notEquals", "contains", "doesNotContain", "startsWith", "endsWith", "greaterThan",
             "greaterThanOrEqual", "lowerThan", "lowerThanOrEqual", "between", "in", "notIn", "isEmpty",
             "isNotEmpty", "isNull", "isNotNull", "isTrue", "isFalse")
CHANGE_KINDS = ("added", "updated", "removed")


class FilterProblem(Exception):  # noqa: N818 - carried to the page, not raised to the route
    """A filter the page cannot use: shown next to the filter form, never as an error page."""

    def __init__(self, issues: list[dict[str, str]]) -> None:
        super().__init__(issues[0]["message"] if issues else "invalid filter")
        self.issues = issues


def issues_of(exc: LadingError) -> list[dict[str, str]]:
    """A validator's refusal as `[{path, message}]` for people (the path as `groups[0].conditions[1]`)."""
    raw = exc.extra.get("issues")
    out = []
    for issue in raw if isinstance(raw, list) else []:
        path = issue.get("path") or []
        out.append({"path": path_text(path) if isinstance(path, list) else str(path),
                    "message": str(issue.get("message", ""))})
    if out:
        return out
    return [{"path": "", "message": exc.message}]


def json_problem(exc: orjson.JSONDecodeError, what: str) -> FilterProblem:
    return FilterProblem([{"path": "", "message": f"{what} is not valid JSON: {exc.msg} "
                                                  f"(line {exc.lineno}, column {exc.colno})"}])


def cell(value: Any) -> str:
    """A record value in a table cell: text as is, JSON for the rest, empty for null."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def column_types(model: dict[str, Any]) -> dict[str, str]:
    """What a filter may name on the model: the system columns, then its columns with their types."""
    from lading.data.filters.parse import SYSTEM_COLUMNS

    return {**SYSTEM_COLUMNS, **{c["slug"]: c.get("type") or "any"
                                 for c in [*model.get("columns", []), *model.get("additionalColumns", [])]}}


def simple_value(text: str, column_type: str | None) -> Any:
    """The value input as the simple form's `value`: JSON when it reads as JSON (numbers, booleans,
    lists for `in`/`between`), else the text; a string column keeps scalar text as typed."""
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    if column_type == "string" and not isinstance(parsed, list):
        return text
    return parsed


def build_filter(given: dict[str, str], types: dict[str, str]) -> Any:
    """The records filter of the page's query (None when none): the simple row and the raw JSON box,
    joined by AND when both are given."""
    from lading.data.filters import simple

    groups: list[Any] = []
    field, op, value = given.get("field", ""), given.get("op", ""), given.get("value", "")
    if field:
        condition: dict[str, Any] = {"field": field, "operator": op or "equals"}
        if value != "" or (op or "equals") not in ("isEmpty", "isNotEmpty", "isNull", "isNotNull", "isTrue",
                                                   "isFalse"):
            condition["value"] = simple_value(value, types.get(field))
        try:
            groups.extend(simple.to_filter(condition, types, ("condition",))["groups"])
        except FilterError as exc:
            raise FilterProblem(issues_of(exc)) from exc
    text = given.get("filter", "").strip()
    if text:
        try:
            raw = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise json_problem(exc, "The filter") from exc
        if simple.is_simple(raw):
            try:
                raw = simple.to_filter(raw, types)
            except FilterError as exc:
                raise FilterProblem(issues_of(exc)) from exc
        if not groups:
            return raw
        if not isinstance(raw, dict) or raw.get("conjonction", "and") != "and" or not isinstance(raw.get("groups"),
                                                                                                  list):
            raise FilterProblem([{"path": "filter", "message": "with a condition row too, the JSON filter must "
                                                               "be {\"conjonction\": \"and\", \"groups\": […]}"}])
        groups.extend(raw["groups"])
    return {"conjonction": "and", "groups": groups} if groups else None


def read_records(session: Session, model_uuid: str, flt: Any, sort: str, direction: str,
                 offset: int) -> dict[str, Any]:
    """One page of records: `storage record list` with neither filter nor sort, else `segment fetch`."""
    from lading.services.segmentation import segments
    from lading.services.storage import records

    if flt is None and not sort:
        listed = records.list_records(session, model_uuid=model_uuid, limit=PAGE_SIZE + 1, offset=offset)["records"]
        return {"records": listed[:PAGE_SIZE], "count": None, "more": len(listed) > PAGE_SIZE, "columns": None}
    require(session.access, "segmentation:read")
    order = [{"columnSlug": sort, "kind": direction}] if sort else None
    answer = segments.fetch(session, model_uuid=model_uuid, filter=flt if flt is not None else MATCH_ALL,
                            sort=order, fetching_limit=PAGE_SIZE, fetching_offset=offset)
    return {"records": answer["records"], "count": answer["count"],
            "more": offset + PAGE_SIZE < answer["count"], "columns": answer["columns"]}


def _offset(text: str) -> int:
    try:
        value = int(text or 0)
    except ValueError as exc:
        raise ValidationError("offset must be a whole number", reason="invalidOffset") from exc
    if value < 0:
        raise ValidationError("offset cannot be negative", reason="invalidOffset")
    return value


@router.get("/data")
def data_page(request: Request, session: SignedIn) -> Response:
    from lading.services.segmentation import segments
    from lading.services.storage import datasets, models

    require(session.access, "storage:read")
    listed = datasets.list_datasets(session)["datasets"]
    all_models = models.list_models(session)["models"]
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for model in all_models:
        by_dataset.setdefault(model["datasetUuid"], []).append(model)
    try:
        segment_list = segments.list_segments(session)["segments"]
    except LadingError:  # a token without segmentation rights still lists its data
        segment_list = []
    return render(request, "data.html", session=session, title="Data", datasets=listed, models=by_dataset,
                  segments=segment_list)


@router.get("/data/models/{uuid}")
def model_page(request: Request, uuid: str, session: SignedIn) -> Response:
    from lading.services.segmentation import segments
    from lading.services.storage import models

    require(session.access, "storage:read")
    model = models.get_model(session, uuid)["model"]
    types = column_types(model)
    given = {k: request.query_params.get(k, "") for k in ("field", "op", "value", "filter", "sort", "dir", "offset")}
    sort = given["sort"] if types.get(given["sort"]) in SORTABLE else ""
    direction = "desc" if given["dir"] == "desc" else "asc"
    offset = _offset(given["offset"])
    issues: list[dict[str, str]] = []
    page: dict[str, Any] = {"records": [], "count": None, "more": False, "columns": None}
    try:
        flt = build_filter(given, types)
        page = read_records(session, uuid, flt, sort, direction, offset)
    except FilterProblem as problem:
        issues = problem.issues
    except LadingError as exc:
        if exc.status_code != 400:
            raise
        issues = issues_of(exc)
    try:
        model_segments = [s for s in segments.list_segments(session)["segments"] if s["modelUuid"] == uuid]
    except LadingError:
        model_segments = []
    shown_columns = page["columns"] or [{"slug": "_id", "type": "string", "label": "ID"},
                                        *[{"slug": c["slug"], "type": c["type"], "label": c.get("label") or c["slug"]}
                                          for c in model.get("columns", [])]]
    kept = {k: v for k, v in given.items() if v and k not in ("offset",)}

    def url(**changes: Any) -> str:
        params = {**kept, **{k: str(v) for k, v in changes.items() if v not in (None, "")}}
        for key in [k for k, v in changes.items() if v in (None, "")]:
            params.pop(key, None)
        return f"/data/models/{uuid}" + (f"?{urlencode(params)}" if params else "")

    sort_links = {c["slug"]: url(sort=c["slug"], dir="desc" if sort == c["slug"] and direction == "asc" else "asc",
                                 offset=None)
                  for c in shown_columns if types.get(c["slug"]) in SORTABLE}
    return render(request, "data_model.html", session=session, status_code=400 if issues else 200,
                  title=model["name"], model=model, columns=[*model.get("columns", []),
                                                             *model.get("additionalColumns", [])],
                  shown_columns=shown_columns, records=page["records"], count=page["count"], offset=offset,
                  page_size=PAGE_SIZE, next_url=url(offset=offset + PAGE_SIZE) if page["more"] else None,
                  prev_url=url(offset=max(offset - PAGE_SIZE, 0) or None) if offset else None,
                  sort=sort, direction=direction, sort_links=sort_links, given=given, issues=issues,
                  operators=OPERATORS, filter_columns=list(types), segments=model_segments, cell=cell,
                  clear_url=f"/data/models/{uuid}")


def _segment_page(request: Request, session: Session, uuid: str, *, filter_text: str | None = None,
                  issues: list[dict[str, str]] | None = None, saved: bool = False) -> Response:
    from lading.services.segmentation import changes, segments
    from lading.services.storage import models

    require(session.access, "segmentation:read")
    segment = segments.get_segment(session, uuid)["segment"]
    try:
        model: dict[str, Any] | None = models.get_model(session, segment["modelUuid"])["model"]
    except LadingError:
        model = None
    first: dict[str, Any] = {"records": [], "columns": [], "count": segment["recordsCount"]}
    try:
        first = segments.fetch(session, model_uuid=segment["modelUuid"], filter=segment["filter"],
                               sort=segment["sort"], limit=segment["limit"], fetching_limit=FIRST_RECORDS)
    except LadingError as exc:  # a model changed under its segment: say so, keep the editor usable
        issues = issues or issues_of(exc)
    listed = changes.list_changes(session, segment_uuid=uuid, limit=20)["changes"]
    return render(request, "data_segment.html", session=session, status_code=400 if filter_text is not None else 200,
                  title=segment["name"], segment=segment, model=model,
                  filter_text=filter_text if filter_text is not None else pretty_json(segment["filter"]),
                  issues=issues or [], saved=saved, records=first["records"], columns=first["columns"],
                  changes=listed, cell=cell)


@router.get("/data/segments/{uuid}")
def segment_page(request: Request, uuid: str, session: SignedIn) -> Response:
    return _segment_page(request, session, uuid, saved=request.query_params.get("saved") == "1")


@router.post("/data/segments/{uuid}")
async def save_segment(request: Request, uuid: str, session: SignedIn) -> Response:
    """Save the edited filter through `segmentation segment update`'s service; a refusal is shown next
    to the editor (path and message) and nothing is saved."""
    from anyio import to_thread

    fields = await form(request)
    check_csrf(request, fields)
    text = fields.get("filter", "")
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        problem = json_problem(exc, "The filter")
        return await to_thread.run_sync(lambda: _segment_page(request, session, uuid, filter_text=text,
                                                              issues=problem.issues))
    try:
        await to_thread.run_sync(_update, session, uuid, parsed)
    except LadingError as exc:
        if exc.status_code != 400:
            raise
        found = issues_of(exc)
        return await to_thread.run_sync(lambda: _segment_page(request, session, uuid, filter_text=text, issues=found))
    return RedirectResponse(f"/data/segments/{uuid}?saved=1", status_code=303)


def _update(session: Session, uuid: str, parsed: Any) -> None:
    from lading.services.segmentation import segments

    require(session.access, "segmentation:write")
    if parsed is None:
        raise FilterError(["filter"], "a filter is required ({\"conjonction\":\"and\",\"groups\":[]} matches all)")
    segments.update_segment(session, uuid=uuid, filter=parsed)


@router.get("/data/changes/{uuid}")
def change_page(request: Request, uuid: str, session: SignedIn) -> Response:
    from lading.services.segmentation import changes, segments

    require(session.access, "segmentation:read")
    change = changes.get_change(session, uuid)["change"]
    segment = segments.get_segment(session, change["segmentUuid"], sync_due=False)["segment"]
    kind = request.query_params.get("kind", "")
    kinds = [kind] if kind in CHANGE_KINDS else list(CHANGE_KINDS)
    offset = _offset(request.query_params.get("offset", ""))
    page = changes.fetch_change(session, uuid=uuid, kinds=kinds, limit=PAGE_SIZE, offset=offset)
    base = {"kind": kind} if kind in CHANGE_KINDS else {}
    next_url = (f"/data/changes/{uuid}?{urlencode({**base, 'offset': offset + PAGE_SIZE})}"
                if offset + PAGE_SIZE < page["count"] else None)
    return render(request, "data_change.html", session=session, title="Change", change=change, segment=segment,
                  kind=kind, kinds=CHANGE_KINDS, records=page["records"], columns=page["columns"],
                  count=page["count"], next_url=next_url, cell=cell)
