"""`expression evaluate`: one expression against a scope of variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.expression import evaluate as service
else:  # imported when a command answers locally: remote mode never loads the store
    service = lazy_module("lading.services.expression.evaluate")

expression_app = typer.Typer(help="Expressions ({{…}} templates and JavaScript) evaluated as in a node's config.",
                             no_args_is_help=True, context_settings=help_settings())


@expression_app.command("evaluate")
def evaluate(
    expression: str = typer.Option(..., "--expression",
                                   help='{"kind":"templateExpression"|"jsExpression","expression":"{{record.name}}",'
                                        '"instructTo":"none","fromRecipe":false}'),
    variables: str = typer.Option(..., "--variables",
                                  help='The scope: each key a name, e.g. {"record":{"name":"Acme"}} or {"nodes":{…}}.'),
) -> None:
    """Evaluate an expression; prints {"data"}, or {"errorMessage"} when it throws."""
    parsed = parse_json_flag("--expression", expression)
    scope = parse_json_flag("--variables", variables)
    emit(answer("POST", "/expression/expressions/evaluate", body={"expression": parsed, "variables": scope},
                local=lambda s: service.evaluate(s, expression=parsed, variables=scope)))
