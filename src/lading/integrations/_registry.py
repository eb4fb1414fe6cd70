"""Discovering integrations: every public module of this package that defines `INTEGRATION` and every
built-in document in `declarative/builtin/` (plain-HTTP providers declared as data, shipped as package
data), then the documents in `$LADING_HOME/integrations/` (`declarative`: installation-wide, like the built-ins, which
they cannot replace). A workspace's own custom integrations live in the store; the connection services
add them (`services/connection/catalog.py`).

Adding a built-in means adding one module, or one document in `declarative/builtin/`; nothing else
lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from lading.integrations._sdk import Integration

_ALIASES = {"openai": "openAi"}


@cache
def builtin_integrations() -> dict[str, Integration]:
    # The package's folder is read directly (not by importing the package, which imports this module).
    package = __name__.rpartition(".")[0]
    found: dict[str, Integration] = {}
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        integration = getattr(module, "INTEGRATION", None)
        if isinstance(integration, Integration):
            found[integration.slug] = integration
    from lading.integrations.declarative import builtin_documents

    for integration in builtin_documents():
        if integration.slug in found:
            raise RuntimeError(f"built-in document {integration.slug!r} takes a built-in module's slug")
        found[integration.slug] = integration
    return dict(sorted(found.items()))


def all_integrations() -> dict[str, Integration]:
    """The built-ins and the installation's declared integrations (files re-read when they change)."""
    from lading.integrations.declarative import installation_integrations

    builtins = builtin_integrations()
    declared = installation_integrations(frozenset(builtins) | frozenset(_aliases(builtins)))
    return {**builtins, **declared} if declared else builtins


def _aliases(integrations: dict[str, Integration]) -> set[str]:
    return {alias for integration in integrations.values() for alias in integration.aliases} | set(_ALIASES)


def canonical_slug(slug: str) -> str:
    return _ALIASES.get(slug, slug)


def get_integration(slug: str) -> Integration | None:
    integrations = builtin_integrations()
    slug = canonical_slug(slug)
    if slug in integrations:
        return integrations[slug]
    for integration in integrations.values():
        if slug in integration.aliases:
            return integration
    return all_integrations().get(slug)
