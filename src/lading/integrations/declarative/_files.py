"""`$LADING_HOME/integrations/*.json|yaml|yml`: installation-wide declared integrations.

Read again whenever a file changes (the folder's files are stat'ed on each lookup; their parsed
integrations are kept while name, size and modification time stay the same). A file that cannot be
read, fails a check, or takes a built-in's slug is skipped with one warning on stderr: a bad file never
breaks the CLI, the server or the worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    from importlib import resources

    from lading.integrations.declarative import parse_text
    from lading.integrations.declarative._build import build_integration
    from lading.integrations.declarative._document import check_document

    folder = resources.files("lading.integrations.declarative") / "builtin"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(SUFFIXES) and not entry.name.startswith("."):
            doc = check_document(parse_text(entry.read_text(encoding="utf-8"), name=entry.name))
            out.append(build_integration(doc, builtin=True))
    return out


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
