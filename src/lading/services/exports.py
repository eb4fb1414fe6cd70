"""Export files: what every download writes through (`run`/`batch`/`record` downloads, segment
downloads, storage SQL downloads), kept 24 h under `$LADING_HOME/exports/` and answered as a
`{"url"}` (a `file://` URL, or a signed http URL when `LADING_API_URL` names a server).

A file is written to `<name>.part` and renamed when complete, so a URL never names half a file.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid as uuidlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import orjson

from lading.domain.errors import ValidationError, shown
from lading.services.session import Session

FORMATS = ("csv", "json")
EXPORT_TTL_SECONDS = 24 * 3600


def json_text(value: Any) -> str:
    """JSON as export files write it (non-string keys allowed)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError(f"--format must be csv or json, not {shown(fmt)}", reason="invalidData")
    return fmt


def _prune_expired(root: Path) -> None:
    """Files are deleted 24 h after creation; done opportunistically whenever a new export is made."""
    cutoff = time.time() - EXPORT_TTL_SECONDS
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def write_export(session: Session, filename: str, write: Callable[[TextIO], None]) -> dict[str, str]:
    """Write a text export file under `$LADING_HOME/exports/<uuid>/` and answer its `file://` URL."""
    return _export(session, filename, lambda path: _write_text(path, write))


def write_binary_export(session: Session, filename: str, write: Callable[[Path], None]) -> dict[str, str]:
    """`write_export` for a binary format whose writer opens the file itself (Parquet): `write` gets
    the path to fill; the file is published under `filename` only once it is complete."""
    return _export(session, filename, write)


def _write_text(path: Path, write: Callable[[TextIO], None]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        write(fh)


def _export(session: Session, filename: str, fill: Callable[[Path], None]) -> dict[str, str]:
    root = session.settings.home / "exports"
    _prune_expired(root)
    folder = root / str(uuidlib.uuid4())
    folder.mkdir(parents=True)
    final = folder / filename
    partial = folder / (filename + ".part")
    try:
        fill(partial)
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    from lading.services.export_urls import export_url

    return {"url": export_url(session.settings.home, final)}


def csv_cell(value: Any) -> str:
    """Strings as they are, null as empty, anything else (numbers, booleans, objects) as JSON: the
    shared cell encoder (`lading.data.values.csv_text`), so `2185` is never `2185.0`."""
    from lading.data.values import csv_text

    return csv_text(value)
