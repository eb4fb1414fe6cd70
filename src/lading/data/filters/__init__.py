"""The filter and sort languages (data spec §8–9): validation, SQL compilation, reference evaluation.

`parse_filter`/`parse_sort` turn JSON into checked `ast` objects (or a `FilterError` naming the bad
part); `compile_filter`/`order_by` turn those into SQLAlchemy Core expressions that run unchanged on
SQLite and PostgreSQL; `reference` evaluates the same objects in plain Python.
"""

from lading.data.filters.ast import MATCH_ALL, Filter, SortKey
from lading.data.filters.errors import FilterError
from lading.data.filters.parse import (
    ModelSchema,
    NoResolver,
    Resolver,
    SegmentDefinition,
    answered_filter,
    parse_filter,
    parse_sort,
    segment_references,
)
from lading.data.filters.to_sql import CompileContext, compile_filter, member_ids, order_by

__all__ = [
    "MATCH_ALL", "CompileContext", "Filter", "FilterError", "ModelSchema", "NoResolver", "Resolver",
    "SegmentDefinition", "SortKey", "answered_filter", "compile_filter", "member_ids", "order_by", "parse_filter",
    "parse_sort", "segment_references",
]
