"""`$LADING_HOME/integrations/*.json|yaml|yml`: installation-wide declared integrations.

Read again whenever a file changes (the folder's files are stat'ed on each lookup; their parsed
integrations are kept while name, size and modification time stay the same). A file that cannot be
read, fails a check, or takes a built-in's slug is skipped with one warning on stderr: a bad file never
breaks the CLI, the server or the worker."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from lading.domain.errors import LadingError
from lading.integrations._sdk import Integration

SUFFIXES = (".json", ".yaml", ".yml")
_Stamp = tuple[tuple[str, int, int], ...]
_CACHE: dict[str, tuple[_Stamp, dict[str, Integration]]] = {}
_WARNED: set[tuple[str, int, int, str]] = set()


def _folder() -> Path:
    home = Path(os.environ.get("LADING_HOME") or Path.home() / ".lading").expanduser()
    return home / "integrations"


def _stamp(folder: Path) -> _Stamp:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return ()
    out = []
    for entry in entries:
        if entry.name.endswith(SUFFIXES) and not entry.name.startswith("."):
            try:
                st = entry.stat()
            except OSError:
                continue
            out.append((entry.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _warn(stamp: tuple[str, int, int], message: str) -> None:
    key = (*stamp, message)
    if key in _WARNED:  # once per file version and process, not on every lookup
        return
    _WARNED.add(key)
    sys.stderr.write(f"warning: integration file {stamp[0]} skipped: {message}\n")


def builtin_documents() -> list[Integration]:
    """The built-in declared integrations: `builtin/*.yaml|json` of this package (package data). Their
    documentation is the package's `docs/<slug>.md`, like every built-in's. A bad built-in document is
    a bug of the package, so it raises instead of being skipped."""
    from lading.integrations.declarative._build import build_integration

    return [build_integration(doc, builtin=True) for doc in _checked_builtin_documents()]


def _checked_builtin_documents() -> list[dict[str, Any]]:
    """The built-in documents parsed and checked. Parsing ten YAML files and checking them against the
    document schema costs a read-only CLI call more than its whole budget, so the checked documents are
    kept in the cache folder under a digest of the files and of the checking code: a changed document
    or checker is parsed and checked again, an unwritable cache only costs the time."""
    from importlib import resources

    from lading.integrations.declarative import _document
    from lading.integrations.declarative._document import check_document, parse_text

    folder = resources.files("lading.integrations.declarative") / "builtin"
    texts = [(entry.name, entry.read_text(encoding="utf-8")) for entry in sorted(folder.iterdir(), key=lambda e: e.name)
             if entry.name.endswith(SUFFIXES) and not entry.name.startswith(".")]
    digest = hashlib.sha256(Path(_document.__file__).read_bytes())
    for name, text in texts:
        digest.update(f"\0{name}\0{len(text)}\0".encode())
        digest.update(text.encode("utf-8"))
    cached = _cache_folder() / f"builtin-integrations-{digest.hexdigest()[:32]}.json"
    try:
        docs = json.loads(cached.read_text(encoding="utf-8"))
        if isinstance(docs, list) and len(docs) == len(texts):
            return docs
    except (OSError, ValueError):
        pass
    docs = [check_document(parse_text(text, name=name)) for name, text in texts]
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}")
        partial.write_text(json.dumps(docs), encoding="utf-8")
        partial.replace(cached)  # atomic: a concurrent reader sees the whole file or none
    except OSError:
        pass
    return docs


def _cache_folder() -> Path:
    from lading.settings import load_settings

    return load_settings().cache_dir


def installation_integrations(taken: frozenset[str] | set[str] = frozenset()) -> dict[str, Integration]:
    """The integrations declared by files in `$LADING_HOME/integrations/`; `taken`: built-in slugs,
    which a file cannot replace."""
    from lading.integrations.declarative import integration_from_document, parse_text

    folder = _folder()
    stamp = _stamp(folder)
    cached = _CACHE.get(str(folder))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found: dict[str, Integration] = {}
    for entry in stamp:
        path = folder / entry[0]
        try:
            if entry[1] > 1_000_000:
                raise OSError("larger than 1000000 bytes")
            integration = integration_from_document(parse_text(path.read_text(encoding="utf-8"), name=path.name))
        except LadingError as exc:
            _warn(entry, exc.message)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            _warn(entry, f"cannot be read ({type(exc).__name__}: {exc})")
            continue
        if integration.slug in taken or integration.slug in found:
            _warn(entry, f"the slug '{integration.slug}' is already taken")
            continue
        found[integration.slug] = integration
    _CACHE[str(folder)] = (stamp, found)
    return found
