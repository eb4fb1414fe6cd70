"""Query results as Parquet files (`storage query download --format parquet`).

Rows arrive as a stream of value lists (the storage SQL cursor), so the file is written in row groups
of `CHUNK_ROWS` and memory stays flat however large the result. A column's Arrow type is read from the
first chunk that holds a value for it: numbers stay numbers (integers as int64, so `2185` is never
`2185.0`), booleans booleans, objects and arrays are written as their JSON text, and a column that is
empty in the first chunk is text. A later value that does not fit its column's type is never dropped or
rounded: the export stops with a clear error naming the column (a CAST in the SQL, or CSV, keeps it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from lading.domain.errors import ValidationError, shown

if TYPE_CHECKING:
    import pyarrow as pa

CHUNK_ROWS = 10_000


def _chunks(rows: Iterable[list[Any]]) -> Iterator[list[list[Any]]]:
    chunk: list[list[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plain(value: Any) -> Any:
    """Objects and arrays as JSON text (Parquet columns have one type; a JSON column's values differ)."""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return value


def _type_of(values: list[Any]) -> pa.DataType:
    import pyarrow as pa

    present = [v for v in values if v is not None]
    if not present:
        return pa.string()
    if all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.float64()
    return pa.string()


def _column(name: str, values: list[Any], kind: pa.DataType) -> pa.Array:
    import pyarrow as pa

    if kind == pa.string():
        values = [None if v is None else v if isinstance(v, str) else orjson.dumps(v).decode() for v in values]
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
        raise ValidationError(
            f"column {shown(name)} holds values of more than one type ({kind} first), which one Parquet "
            "column cannot keep; cast it in the SQL (e.g. CAST(... AS TEXT)) or download as csv",
            reason="invalidData") from None


def write_parquet(path: Path, names: list[str], rows: Iterable[list[Any]]) -> int:
    """Write `rows` (lists in `names` order) to `path`; answers the number of rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    unique = list(names)
    seen: dict[str, int] = {}
    for index, name in enumerate(names):  # Parquet needs distinct column names: `a`, `a_2`, …
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            unique[index] = f"{name}_{seen[name]}"
    kinds: list[pa.DataType | None] = [None] * len(names)
    writer: pq.ParquetWriter | None = None
    written = 0
    try:
        for chunk in _chunks(rows):
            columns = [[_plain(row[i]) for row in chunk] for i in range(len(names))]
            for i, values in enumerate(columns):
                if kinds[i] is None:
                    kinds[i] = _type_of(values)
            arrays = [_column(unique[i], columns[i], kinds[i] or pa.string()) for i in range(len(names))]
            table = pa.Table.from_arrays(arrays, names=unique)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
            written += len(chunk)
        if writer is None:  # no rows: a file with the columns and no row group
            empty = pa.schema([(name, pa.string()) for name in unique])
            writer = pq.ParquetWriter(str(path), empty)
    finally:
        if writer is not None:
            writer.close()
    return written
