"""The validated form of a filter: what the parser produces and both evaluators consume.

A filter arrives as loose JSON (data spec §8); `parse.py` checks it against the model's columns and
turns it into these frozen objects, so the SQL compiler and the plain-Python reference evaluator never
see an unchecked value and agree on one meaning of every condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Conj = Literal["and", "or"]


@dataclass(frozen=True)
class DateBound:
    """A date value: a date-only value covers its whole UTC day [start, end); a date-time is one instant."""

    start: datetime  # aware UTC
    end: datetime | None  # exclusive end of the day for date-only values, None for an instant


@dataclass(frozen=True)
class StringCond:
    column: str
    operator: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class NumberCond:
    column: str
    operator: str
    value: float | None = None
    last: float | None = None  # `between`: value is firstValue, last is lastValue


@dataclass(frozen=True)
class DateCond:
    column: str
    operator: str
    value: DateBound | None = None
    last: DateBound | None = None


@dataclass(frozen=True)
class BooleanCond:
    column: str
    operator: str


@dataclass(frozen=True)
class NullCond:
    """isNull / isNotNull on an object, array, vector or any column."""

    column: str
    operator: str


@dataclass(frozen=True)
class PropertyCond:
    """A condition on one property of a JSON value (`objectProperty`); `path` is the dotted name split."""

    column: str
    path: tuple[str, ...]
    operator: str
    value: Any = None
    other: Any = None


@dataclass(frozen=True)
class MatchCond:
    """`matchConditions` on an object column, or on an array column (at least one element matches)."""

    column: str
    is_array: bool
    conj: Conj
    conditions: tuple[PropertyCond, ...]


@dataclass(frozen=True)
class Frequency:
    operator: str  # not | moreThan | lessThan | exactly
    value: int = 0


@dataclass(frozen=True)
class Period:
    operator: str  # moreThan | lessThan | exactly
    days: int


@dataclass(frozen=True)
class SegmentCond:
    """Membership of another segment on the same model, evaluated live from its filter, sort and limit."""

    operator: str  # in | notIn
    segment_uuid: str
    filter: Filter
    sort: tuple[SortKey, ...]
    limit: int | None


@dataclass(frozen=True)
class EnrollmentCond:
    workflow_uuid: str
    activity: str  # workflowEntered | workflowNodeExecuted | workflowLeft
    node_slug: str | None
    frequency: Frequency
    period: Period | None


@dataclass(frozen=True)
class OccurrenceCond:
    related_model_uuid: str
    local_column: str  # column of the filtered model joined to…
    related_column: str  # …this column of the related model
    time_column: str  # related model column the period applies to
    frequency: Frequency
    period: Period | None
    conj: Conj
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class SqlCond:
    name: str
    clause: str  # checked by the storage SQL guard: columns of this model, no subqueries or tables


Condition = (StringCond | NumberCond | DateCond | BooleanCond | NullCond | PropertyCond | MatchCond | SegmentCond
             | EnrollmentCond | OccurrenceCond | SqlCond)


@dataclass(frozen=True)
class Group:
    conj: Conj
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Filter:
    conj: Conj
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool


MATCH_ALL = Filter("and", ())
