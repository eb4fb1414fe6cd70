"""`storage dataset …`: list, get, create, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.storage import datasets
else:  # imported when a command answers locally: remote mode never loads the store
    datasets = lazy_module("lading.services.storage.datasets")

dataset_app = typer.Typer(help="Datasets: groups of models.", no_args_is_help=True, context_settings=help_settings())


@dataset_app.command("list")
def list_() -> None:
    """All datasets of the workspace (the `default` one always exists)."""
    emit(answer("GET", "/storage/datasets/list", local=lambda s: datasets.list_datasets(s)))


@dataset_app.command("get")
def get(uuid: str = typer.Argument(..., help="Dataset uuid.")) -> None:
    """One dataset."""
    emit(answer("GET", f"/storage/datasets/{uuid}", local=lambda s: datasets.get_dataset(s, uuid)))


@dataset_app.command("create")
def create(
    slug: str = typer.Option(..., "--slug", help="[a-zA-Z0-9_]; used in SQL as <datasetSlug>.<modelSlug>."),
    name: str = typer.Option(None, "--name"),
) -> None:
    """A native dataset."""
    emit(answer("POST", "/storage/datasets", body={"slug": slug, "name": name},
                local=lambda s: datasets.create_dataset(s, slug=slug, name=name)))


@dataset_app.command("remove")
def remove(uuid: str = typer.Argument(..., help="Dataset uuid.")) -> None:
    """Remove an empty dataset (never while it holds models)."""
    emit(answer("DELETE", f"/storage/datasets/{uuid}", local=lambda s: datasets.remove_dataset(s, uuid)))
