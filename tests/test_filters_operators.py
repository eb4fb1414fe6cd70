"""Every filter kind and operator of data spec §8, through `segmentation segment fetch`, against
hand-checked expected records; sort (§9) and the bad-input errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conftest import j, run_cli

COLUMNS = [
    {"slug": "name", "type": "string", "label": "Name"}, {"slug": "country", "type": "string"},
    {"slug": "employee_count", "type": "number"}, {"slug": "founded", "type": "date"},
    {"slug": "active", "type": "boolean"}, {"slug": "meta", "type": "object"}, {"slug": "contacts", "type": "array"},
]
RECORDS = [
    {"_id": "c1", "name": "Acme Corp", "country": "US", "employee_count": 500, "founded": "2025-01-15T10:00:00Z",
     "active": True, "meta": {"industry": "SaaS", "address": {"country": "FR"}, "score": 7},
     "contacts": [{"role": "ceo", "email": "a@acme.com"}]},
    {"_id": "c2", "name": "Beta Tech", "country": "FR", "employee_count": 50, "founded": "2025-01-14",
     "active": False, "meta": {"industry": "Retail", "score": 2}, "contacts": []},
    {"_id": "c3", "name": "gamma", "country": "US", "employee_count": 1200, "founded": "2025-03-31T23:00:00Z",
     "active": None, "meta": None, "contacts": [{"role": "cto"}]},
    {"_id": "c4", "name": None, "country": "", "employee_count": None, "founded": None, "active": True,
     "meta": {"industry": ""}, "contacts": None},
    {"_id": "c5", "name": "Delta_50%", "country": "DE", "employee_count": 200, "founded": "2024-12-31T23:59:59Z",
     "active": False, "meta": {"score": "high"}, "contacts": [{"role": "CEO"}]},
]


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def make_model(slug: str, columns: list[dict[str, Any]], records: list[dict[str, Any]], *extra: str) -> str:
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = ok("storage", "model", "create", "--slug", slug, "--name", slug, "--dataset-uuid", ds,
               "--columns", j(columns), *extra)["model"]["uuid"]
    if records:
        ok("storage", "record", "upsert", "--model-uuid", model, "--records", j(records))
    return str(model)


@pytest.fixture
def companies() -> str:
    return make_model("companies", COLUMNS, RECORDS)


def where(*conditions: dict[str, Any], conj: str = "and") -> dict[str, Any]:
    return {"conjonction": "and", "groups": [{"conjonction": conj, "conditions": list(conditions)}]}


def fetch_ids(model: str, flt: dict[str, Any], *extra: str) -> list[str]:
    out = ok("segmentation", "segment", "fetch", "--model-uuid", model, "--filter", j(flt), "--fetching-limit", "1000",
             *extra)
    return [r["_id"] for r in out["records"]]


def check(model: str, cases: list[tuple[dict[str, Any], list[str]]]) -> None:
    failures = []
    for cond, expected in cases:
        got = fetch_ids(model, where(cond))
        if got != expected:
            failures.append((cond, expected, got))
    assert not failures, failures


def s(col: str, op: str, values: Any = None) -> dict[str, Any]:
    cond = {"kind": "string", "columnSlug": col, "operator": op}
    return cond if values is None else {**cond, "values": values}


def test_string_operators(companies: str) -> None:
    check(companies, [
        (s("name", "is", ["Acme Corp"]), ["c1"]),
        (s("name", "is", "acme corp"), []),  # exact and case-sensitive
        (s("name", "isNot", ["Acme Corp", "gamma"]), ["c2", "c4", "c5"]),  # null is "not"
        (s("name", "contains", "TECH"), ["c2"]),
        (s("name", "contains", ["acme", "gamma"]), ["c1", "c3"]),
        (s("name", "doesNotContain", "a"), ["c4"]),
        (s("name", "startsWith", "del"), ["c5"]),
        (s("name", "endsWith", "CORP"), ["c1"]),
        (s("name", "contains", "_50%"), ["c5"]),  # LIKE wildcards are literal
        (s("name", "contains", "_"), ["c5"]),
        (s("name", "isNull"), ["c4"]),
        (s("name", "isNotNull"), ["c1", "c2", "c3", "c5"]),
        (s("country", "isEmpty"), ["c4"]),
        (s("country", "isNotEmpty"), ["c1", "c2", "c3", "c5"]),
        ({"kind": "string", "slug": "country", "operator": "is", "value": "FR"}, ["c2"]),  # aliases
    ])


def test_number_operators(companies: str) -> None:
    n = {"kind": "number", "columnSlug": "employee_count"}
    check(companies, [
        ({**n, "operator": "is", "value": 500}, ["c1"]),
        ({**n, "operator": "isNot", "value": 500}, ["c2", "c3", "c4", "c5"]),
        ({**n, "operator": "greaterThan", "value": 200}, ["c1", "c3"]),
        ({**n, "operator": "lowerThan", "value": 200}, ["c2"]),
        ({**n, "operator": "between", "firstValue": 50, "lastValue": 200}, ["c2", "c5"]),
        ({**n, "operator": "isNull"}, ["c4"]),
        ({**n, "operator": "isNotNull"}, ["c1", "c2", "c3", "c5"]),
    ])


def test_date_operators(companies: str) -> None:
    d = {"kind": "date", "columnSlug": "founded"}
    check(companies, [
        ({**d, "operator": "is", "value": "2025-01-15"}, ["c1"]),  # the whole UTC day
        ({**d, "operator": "is", "value": "2025-01-15T10:00:00Z"}, ["c1"]),
        ({**d, "operator": "is", "value": "2025-01-15T10:00:01Z"}, []),
        ({**d, "operator": "isNot", "value": "2025-01-15"}, ["c2", "c3", "c4", "c5"]),
        ({**d, "operator": "greaterThan", "value": "2025-01-14"}, ["c1", "c3"]),  # after the day's end
        ({**d, "operator": "lowerThan", "value": "2025-01-14"}, ["c5"]),  # before the day's start
        ({**d, "operator": "between", "firstValue": "2025-01-01", "lastValue": "2025-03-31"}, ["c1", "c2", "c3"]),
        ({**d, "operator": "between", "firstValue": "2025-01-14T12:00:00Z", "lastValue": "2025-03-31T22:00:00"},
         ["c1"]),
        ({**d, "operator": "isNull"}, ["c4"]),
        ({**d, "operator": "isNotNull"}, ["c1", "c2", "c3", "c5"]),
    ])


def test_boolean_operators(companies: str) -> None:
    b = {"kind": "boolean", "columnSlug": "active"}
    check(companies, [
        ({**b, "operator": "isTrue"}, ["c1", "c4"]),
        ({**b, "operator": "isFalse"}, ["c2", "c5"]),  # false on null
        ({**b, "operator": "isNull"}, ["c3"]),
        ({**b, "operator": "isNotNull"}, ["c1", "c2", "c4", "c5"]),
    ])


def prop(path: str, op: str, value: Any = None, col: str = "meta", **more: Any) -> dict[str, Any]:
    cond = {"kind": "objectProperty", "columnSlug": col, "propertyName": path, "operator": op, **more}
    return cond if value is None else {**cond, "value": value}


def test_object_and_property_operators(companies: str) -> None:
    match = {"kind": "object", "columnSlug": "meta", "operator": "matchConditions"}
    check(companies, [
        ({"kind": "object", "columnSlug": "meta", "operator": "isNull"}, ["c3"]),
        ({"kind": "object", "columnSlug": "meta", "operator": "isNotNull"}, ["c1", "c2", "c4", "c5"]),
        ({**match, "conditions": [prop("industry", "is", "SaaS")]}, ["c1"]),
        ({**match, "conjonction": "or",
          "conditions": [prop("industry", "is", "Retail"), prop("score", "greaterThan", 5)]}, ["c1", "c2"]),
        (prop("address.country", "is", "FR"), ["c1"]),
        (prop("industry", "isNot", "SaaS"), ["c2", "c3", "c4", "c5"]),
        (prop("industry", "contains", "sa"), ["c1"]),
        (prop("industry", "doesNotContain", "ail"), ["c1", "c3", "c4", "c5"]),
        (prop("industry", "startsWith", "ret"), ["c2"]),
        (prop("industry", "endsWith", "AAS"), ["c1"]),
        (prop("score", "greaterThan", 5), ["c1"]),
        (prop("score", "lowerThan", 5), ["c2"]),
        (prop("score", "greaterThan", "a"), ["c5"]),  # strings compare as text, numbers as numbers
        (prop("score", "between", 2, otherValue=7), ["c1", "c2"]),
        (prop("score", "is", 7), ["c1"]),
        (prop("industry", "isNull"), ["c3", "c5"]),
        (prop("industry", "isNotNull"), ["c1", "c2", "c4"]),
        (prop("industry", "isEmpty"), ["c3", "c4", "c5"]),
        (prop("industry", "isNotEmpty"), ["c1", "c2"]),
    ])


def test_array_match_conditions(companies: str) -> None:
    match = {"kind": "array", "columnSlug": "contacts", "operator": "matchConditions"}
    check(companies, [
        ({**match, "conditions": [prop("role", "is", "ceo", col="contacts")]}, ["c1"]),
        ({**match, "conditions": [prop("role", "contains", "c", col="contacts")]}, ["c1", "c3", "c5"]),
        ({**match, "conditions": [prop("role", "is", "ceo", col="contacts"),
                                  prop("email", "endsWith", "acme.com", col="contacts")]}, ["c1"]),
        ({**match, "conditions": [prop("role", "is", "cto", col="contacts"),
                                  prop("email", "isNotNull", col="contacts")]}, []),  # one element must match all
        ({"kind": "array", "columnSlug": "contacts", "operator": "isNull"}, ["c4"]),
        (prop("role", "is", "CEO", col="contacts"), ["c5"]),
    ])


def test_conjonctions_at_both_levels(companies: str) -> None:
    us = s("country", "is", ["US"])
    big = {"kind": "number", "columnSlug": "employee_count", "operator": "greaterThan", "value": 500}
    two_groups = {"conjonction": "or", "groups": [{"conjonction": "and", "conditions": [us]},
                                                  {"conjonction": "and", "conditions": [big]}]}
    assert fetch_ids(companies, two_groups) == ["c1", "c3"]
    assert fetch_ids(companies, {**two_groups, "conjonction": "and"}) == ["c3"]
    assert fetch_ids(companies, where(us, big, conj="or")) == ["c1", "c3"]
    assert fetch_ids(companies, where(us, big)) == ["c3"]
    assert fetch_ids(companies, {"conjonction": "and", "groups": []}) == ["c1", "c2", "c3", "c4", "c5"]
    empty_group = {"conjonction": "and", "groups": [{"conjonction": "or", "conditions": []}]}
    assert fetch_ids(companies, empty_group) == ["c1", "c2", "c3", "c4", "c5"]


def test_sort_on_several_columns_nulls_last_and_paging(companies: str) -> None:
    all_ = {"conjonction": "and", "groups": []}
    by_country = j([{"columnSlug": "country", "kind": "asc"}, {"columnSlug": "employee_count", "kind": "desc"}])
    assert fetch_ids(companies, all_, "--sort", by_country) == ["c4", "c5", "c2", "c3", "c1"]
    assert fetch_ids(companies, all_, "--sort", j([{"columnSlug": "employee_count", "kind": "asc"}])) == [
        "c2", "c5", "c1", "c3", "c4"]
    desc = j([{"columnSlug": "employee_count", "kind": "desc"}])
    assert fetch_ids(companies, all_, "--sort", desc) == ["c3", "c1", "c5", "c2", "c4"]
    out = ok("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", j(all_), "--sort", desc,
             "--limit", "3", "--fetching-limit", "2", "--fetching-offset", "2")
    assert [r["_id"] for r in out["records"]] == ["c5"]
    assert out["count"] == 3  # matching records after --limit, whatever the page
    beyond = ok("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", j(all_),
                "--fetching-offset", "10")
    assert beyond["records"] == [] and beyond["count"] == 5
    none = ok("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter",
              j(where(s("country", "is", ["XX"]))))
    assert none["records"] == [] and none["count"] == 0
    sized = ok("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", j(all_),
               "--fetching-limit", "1")
    assert sized["count"] == 5 and len(sized["records"]) == 1
    assert [c["slug"] for c in sized["columns"]] == ["_id", "name", "country", "employee_count", "founded", "active",
                                                     "meta", "contacts"]
    assert all(c["modelUuid"] == companies for c in sized["columns"])
    assert sized["records"][0] == {"_id": "c1", "name": "Acme Corp", "country": "US", "employee_count": 500,
                                   "founded": "2025-01-15T10:00:00.000Z", "active": True,
                                   "meta": {"industry": "SaaS", "address": {"country": "FR"}, "score": 7},
                                   "contacts": [{"role": "ceo", "email": "a@acme.com"}]}


def test_segment_membership_in_and_not_in(companies: str) -> None:
    us = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", companies,
            "--filter", j(where(s("country", "is", ["US"]))))["segment"]
    top = ok("segmentation", "segment", "create", "--name", "Top", "--model-uuid", companies,
             "--filter", j({"conjonction": "and", "groups": []}), "--limit", "1",
             "--sort", j([{"columnSlug": "employee_count", "kind": "desc"}]))["segment"]
    assert top["recordsCount"] == 1
    ref = {"kind": "segment", "operator": "in", "segmentUuid": us["uuid"]}
    assert fetch_ids(companies, where(ref)) == ["c1", "c3"]
    assert fetch_ids(companies, where({**ref, "operator": "notIn"})) == ["c2", "c4", "c5"]
    assert fetch_ids(companies, where({**ref, "segmentUuid": top["uuid"]})) == ["c3"]  # live filter and limit
    assert fetch_ids(companies, where({**ref, "operator": "notIn", "segmentUuid": top["uuid"]})) == [
        "c1", "c2", "c4", "c5"]
    # A reference cycle is refused.
    outer = ok("segmentation", "segment", "create", "--name", "Outer", "--model-uuid", companies,
               "--filter", j(where(ref)))["segment"]
    code, out = run_cli("segmentation", "segment", "update", "--uuid", us["uuid"], "--filter",
                        j(where({**ref, "segmentUuid": outer["uuid"]})))
    assert code != 0 and "cycle" in out["errorMessage"], out
    # A segment that others refer to cannot be removed.
    code, out = run_cli("segmentation", "segment", "remove", us["uuid"])
    assert code != 0 and outer["uuid"] in out["errorMessage"]


def test_sql_condition(companies: str) -> None:
    cond = {"kind": "sql", "name": "big_us", "clause": "employee_count > 100 AND country = 'US'"}
    assert fetch_ids(companies, where(cond)) == ["c1", "c3"]
    assert fetch_ids(companies, where(cond, s("name", "startsWith", "g"))) == ["c3"]
    for bad in ("employee_count > (SELECT 1)", "revenue > 5", "1; DROP TABLE x", "count(*) > 1"):
        code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies,
                            "--filter", j(where({**cond, "clause": bad})))
        assert code != 0 and out["errorMessage"].startswith("invalidFilter: groups[0].conditions[0].clause"), out


def _history(workflow: str, rows: list[tuple[str, int, str | None]], nodes: list[tuple[str, str, int]]) -> None:
    """Run history as the engine records it: (record id, days ago, finished days ago) runs and node executions."""
    import uuid

    from lading.services.wiring import open_session
    from lading.store.clock import utcnow
    from lading.store.repositories import workflows as wf_repo
    from lading.store.schema import executions, runs

    session = open_session()
    now = utcnow()
    with session.db.write() as conn:
        if wf_repo.get_workflow(conn, session.workspace_uuid, workflow) is None:
            wf_repo.insert_workflow(conn, session.workspace_uuid, workflow, now)
        run_of: dict[str, str] = {}
        for record_id, created_days, finished in rows:
            run_uuid = str(uuid.uuid4())
            run_of.setdefault(record_id, run_uuid)
            created = now - timedelta(days=created_days, minutes=1)
            conn.execute(runs.insert().values(
                uuid=run_uuid, workspace_uuid=session.workspace_uuid, workflow_uuid=workflow,
                release_uuid=str(uuid.uuid4()), root_run_uuid=run_uuid, status="success" if finished else "running",
                record_id=record_id, context={}, computed_configs={}, created_at=created, updated_at=created,
                finished_at=now - timedelta(days=int(finished), minutes=1) if finished is not None else None))
        for record_id, slug, days in nodes:
            at = now - timedelta(days=days, minutes=1)
            conn.execute(executions.insert().values(
                workspace_uuid=session.workspace_uuid, run_uuid=run_of[record_id], workflow_uuid=workflow,
                node_uuid=str(uuid.uuid4()), node_slug=slug, node_kind="native", status="success",
                started_at=at, updated_at=at, finished_at=at))


def test_enrollment_conditions(companies: str) -> None:
    import uuid

    wf = str(uuid.uuid4())
    _history(wf, [("c1", 1, "1"), ("c1", 40, None), ("c2", 40, None)], [("c1", "enrich", 1)])

    def enr(activity: str, freq: dict[str, Any], period: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
        cond = {"kind": "enrollment", "workflowUuid": wf, "activityKind": activity, "frequency": freq, **more}
        return cond if period is None else {**cond, "period": period}

    never = enr("workflowEntered", {"operator": "not"}, {"operator": "moreThan", "value": 0, "unit": "day"})
    check(companies, [
        (never, ["c3", "c4", "c5"]),
        (enr("workflowEntered", {"operator": "moreThan", "value": 1}), ["c1"]),
        (enr("workflowEntered", {"operator": "moreThan", "value": 0}, {"operator": "lessThan", "value": 30,
                                                                        "unit": "day"}), ["c1"]),
        (enr("workflowEntered", {"operator": "exactly", "value": 1}, {"operator": "moreThan", "value": 30,
                                                                       "unit": "day"}), ["c1", "c2"]),
        (enr("workflowEntered", {"operator": "exactly", "value": 1}, {"operator": "exactly", "value": 40,
                                                                       "unit": "day"}), ["c1", "c2"]),
        (enr("workflowEntered", {"operator": "lessThan", "value": 2}), ["c2", "c3", "c4", "c5"]),
        (enr("workflowLeft", {"operator": "moreThan", "value": 0}, {"operator": "lessThan", "value": 30,
                                                                     "unit": "day"}), ["c1"]),
        (enr("workflowNodeExecuted", {"operator": "moreThan", "value": 0}, nodeSlug="enrich"), ["c1"]),
        (enr("workflowNodeExecuted", {"operator": "moreThan", "value": 0}, nodeSlug="other"), []),
    ])
    # Acceptance: an `and` group mixing a string condition with an enrollment `not` condition.
    assert fetch_ids(companies, where(s("country", "is", ["US"]), never)) == ["c3"]
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies,
                        "--filter", j(where({**never, "workflowUuid": str(uuid.uuid4())})))
    assert code != 0 and "Workflow not found" in out["errorMessage"]


def test_occurrence_on_a_related_model(companies: str) -> None:
    from datetime import UTC, datetime

    def ago(days: int) -> str:
        return (datetime.now(UTC) - timedelta(days=days)).isoformat()

    events = make_model("events", [{"slug": "company_id", "type": "string"}, {"slug": "event_type", "type": "string"},
                                   {"slug": "at", "type": "date"}],
                        [{"_id": "e1", "company_id": "c1", "event_type": "meeting_booked", "at": ago(5)},
                         {"_id": "e2", "company_id": "c1", "event_type": "meeting_booked", "at": ago(60)},
                         {"_id": "e3", "company_id": "c2", "event_type": "email", "at": ago(1)},
                         {"_id": "e4", "company_id": "c3", "event_type": "meeting_booked", "at": ago(100)}],
                        "--time-column-slug", "at")
    booked = [s("event_type", "is", ["meeting_booked"])]

    def occ(freq: dict[str, Any], period: dict[str, Any] | None, conditions: list[Any]) -> dict[str, Any]:
        cond = {"kind": "occurrence", "relatedModelUuid": events, "frequency": freq, "conjonction": "and",
                "conditions": conditions}
        return cond if period is None else {**cond, "period": period}

    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies,
                        "--filter", j(where(occ({"operator": "moreThan", "value": 0}, None, booked))))
    assert code != 0 and "relationship" in out["errorMessage"]  # no relationship yet
    ok("storage", "relationship", "set", "--from-model-uuid", events, "--to-model-uuid", companies,
       "--from-column-slug", "company_id", "--to-column-slug", "_id")
    check(companies, [
        (occ({"operator": "moreThan", "value": 0}, {"operator": "lessThan", "value": 30, "unit": "day"}, booked),
         ["c1"]),
        (occ({"operator": "moreThan", "value": 0}, None, booked), ["c1", "c3"]),
        (occ({"operator": "exactly", "value": 2}, None, booked), ["c1"]),
        (occ({"operator": "not"}, None, []), ["c4", "c5"]),
        (occ({"operator": "moreThan", "value": 0}, {"operator": "moreThan", "value": 50, "unit": "day"}, booked),
         ["c1", "c3"]),
    ])


@pytest.mark.parametrize(("flt", "needle"), [
    ({"conjunction": "and", "groups": []}, "did you mean 'conjonction'"),
    ({"groups": []}, "conjonction"),
    ({"conjonction": "and", "groups": [], "conditions": []}, "inside groups[].conditions"),
    (where({"kind": "strin", "columnSlug": "name", "operator": "is", "values": ["x"]}),
     "groups[0].conditions[0].kind: unknown condition kind 'strin' (did you mean 'string'?)"),
    (where({"kind": "number", "columnSlug": "employee_count", "operator": "contains", "value": 3}),
     "operator 'contains' is not allowed for kind 'number'"),
    (where(s("employee_count", "contains", "3")), "column 'employee_count' is a number"),
    (where(s("nmae", "is", ["x"])), "unknown column 'nmae' (did you mean 'name'?)"),
    (where({"kind": "date", "columnSlug": "founded", "operator": "is", "value": "2025-13-01"}),
     "groups[0].conditions[0].value: value '2025-13-01' is not an ISO-8601 date"),
    (where({"kind": "date", "columnSlug": "founded", "operator": "between", "firstValue": "2025-02-01",
            "lastValue": "2025-01-01"}), "firstValue is after lastValue"),
    (where({"kind": "number", "columnSlug": "employee_count", "operator": "is", "value": "500"}),
     "value must be a number"),
    (where(s("name", "is", ["x"]) | {"colour": "red"}), "unknown key 'colour'"),
    (where({"kind": "relation", "columnSlug": "name"}), "reserved"),
    (where({"kind": "segment", "operator": "in", "segmentUuid": "nope"}), "segment not found: nope"),
    (where(prop("industry", "contains", 3)), "needs a string value"),
    (where({"kind": "enrollment", "workflowUuid": "w", "activityKind": "entered", "frequency": {"operator": "not"}}),
     "Workflow not found"),
])
def test_bad_filters_name_the_offending_part(companies: str, flt: dict[str, Any], needle: str) -> None:
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", j(flt))
    assert code != 0, out
    assert needle in out["errorMessage"], out
    assert out["reason"] == "invalidFilter" and out["issues"][0]["path"]


def test_bad_sort_and_flags(companies: str) -> None:
    all_ = j({"conjonction": "and", "groups": []})
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", all_,
                        "--sort", j([{"columnSlug": "revenue", "kind": "asc"}]))
    assert code != 0 and "sort[0].columnSlug: unknown column 'revenue'" in out["errorMessage"]
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", all_,
                        "--sort", j([{"columnSlug": "name", "kind": "up"}]))
    assert code != 0 and "asc" in out["errorMessage"]
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", all_,
                        "--segment-uuid", "x")
    assert code != 0 and "--segment-uuid" in out["errorMessage"]
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", "{nope")
    assert code == 2 and "--filter" in out["errorMessage"]
    code, out = run_cli("segmentation", "segment", "fetch", "--model-uuid", companies, "--filter", all_,
                        "--fetching-limit", "1001")
    assert code != 0 and "--fetching-limit" in out["errorMessage"]
