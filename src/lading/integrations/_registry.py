"""Discovering integrations: every public module of this package that defines `INTEGRATION`.

Adding an integration means adding one module; nothing else lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from lading.integrations._sdk import Integration

_ALIASES = {"openai": "openAi"}


@cache
def all_integrations() -> dict[str, Integration]:
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
    return found


def canonical_slug(slug: str) -> str:
    return _ALIASES.get(slug, slug)


def get_integration(slug: str) -> Integration | None:
    integrations = all_integrations()
    slug = canonical_slug(slug)
    if slug in integrations:
        return integrations[slug]
    for integration in integrations.values():
        if slug in integration.aliases:
            return integration
    return None
