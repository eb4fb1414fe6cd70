"""`lading expression …`: evaluate an expression the way a node's config is evaluated (api.md §11).

The group has one verb and no noun (`expression evaluate`, after the client's `expression.evaluate`);
its command imports its service inside the function, so `lading --help` imports no services.
"""

from __future__ import annotations

from lading.cli.expression.evaluate import expression_app

__all__ = ["expression_app"]
