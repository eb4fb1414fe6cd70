"""`segmentation segment …`: list, get, create, update, remove, fetch, download."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, given, help_settings
from lading.cli.output import emit, parse_json_flag, split_list
from lading.cli.segmentation._bodies import camel, one_url
from lading.domain.errors import UsageError, ValidationError, shown

if TYPE_CHECKING:
    from lading.services.segmentation import segments
else:  # imported when a command answers locally: remote mode never loads the store
    segments = lazy_module("lading.services.segmentation.segments")

segment_app = typer.Typer(help="Saved filters over one model.", no_args_is_help=True, context_settings=help_settings())


def _int_flag(flag: str, raw: str | None) -> int | None:
    """`--limit` on create/update: a whole number, or `none` on update to clear it."""
    if raw is None or raw.lower() == "none":
        return None
    try:
        return int(raw)
    except ValueError:
        raise UsageError(f"error: option '{flag}' must be a whole number, not {shown(raw)}") from None


def _no_segment_uuid(value: str | None) -> None:
    if value is not None:
        raise ValidationError("fetch and download take --model-uuid and an inline --filter, never --segment-uuid; "
                              "to read a saved segment pass its modelUuid and filter", reason="invalidData")


@segment_app.command("list")
def list_() -> None:
    """Segments of the workspace (deleted ones excluded)."""
    emit(answer("GET", "/segmentation/segments/list", local=lambda s: segments.list_segments(s)))


@segment_app.command("get")
def get(uuid: str = typer.Argument(..., help="Segment uuid.")) -> None:
    """One segment with its live recordsCount and lastChange."""
    emit(answer("GET", f"/segmentation/segments/{uuid}", local=lambda s: segments.get_segment(s, uuid)))


@segment_app.command("create")
def create(
    name: str = typer.Option(..., "--name"),
    model_uuid: str = typer.Option(..., "--model-uuid"),
    filter_: str = typer.Option(..., "--filter", help='{"conjonction":"and","groups":[…]}'),
    slug: str = typer.Option(None, "--slug"),
    sort: str = typer.Option(None, "--sort", help='[{"columnSlug":"…","kind":"asc"|"desc"}]'),
    limit: str = typer.Option(None, "--limit", help="Cap membership at the top N after --sort."),
    column_slugs: str = typer.Option(None, "--column-slugs", help="Comma-separated."),
    tracking_column_slugs: str = typer.Option(None, "--tracking-column-slugs", help="Comma-separated."),
) -> None:
    """Save a filter over a model; it is evaluated at once (first change: every member added)."""
    fields = dict(name=name, model_uuid=model_uuid, filter=parse_json_flag("--filter", filter_), slug=slug,
                  sort=parse_json_flag("--sort", sort), limit=_int_flag("--limit", limit),
                  column_slugs=split_list(column_slugs), tracking_column_slugs=split_list(tracking_column_slugs))
    emit(answer("POST", "/segmentation/segments", body=camel(fields),
                local=lambda s: segments.create_segment(s, **fields)))


@segment_app.command("update")
def update(
    uuid: str = typer.Option(..., "--uuid"),
    name: str = typer.Option(None, "--name"),
    filter_: str = typer.Option(None, "--filter"),
    sort: str = typer.Option(None, "--sort", help="JSON array, or null to clear."),
    limit: str = typer.Option(None, "--limit", help="A whole number, or none to clear."),
    column_slugs: str = typer.Option(None, "--column-slugs"),
    tracking_column_slugs: str = typer.Option(None, "--tracking-column-slugs"),
) -> None:
    """Change a segment; it is re-evaluated at once."""
    changes = given(("name", name, None), ("filter", filter_, partial(parse_json_flag, "--filter")),
                    ("sort", sort, partial(parse_json_flag, "--sort")),
                    ("limit", limit, partial(_int_flag, "--limit")), ("column_slugs", column_slugs, split_list),
                    ("tracking_column_slugs", tracking_column_slugs, split_list))
    emit(answer("PUT", f"/segmentation/segments/{uuid}", body=camel(changes, keep_none=True),
                local=lambda s: segments.update_segment(s, uuid=uuid, **changes)))


@segment_app.command("remove")
def remove(uuid: str = typer.Argument(..., help="Segment uuid.")) -> None:
    """Soft-delete a segment; refused while a workflow uses it."""
    emit(answer("DELETE", f"/segmentation/segments/{uuid}", local=lambda s: segments.remove_segment(s, uuid)))


@segment_app.command("fetch")
def fetch(
    model_uuid: str = typer.Option(..., "--model-uuid"),
    filter_: str = typer.Option(..., "--filter", help='{"conjonction":"and","groups":[]} matches all.'),
    sort: str = typer.Option(None, "--sort"),
    limit: str = typer.Option(None, "--limit", help="Membership cap (not the page size)."),
    fetching_limit: int = typer.Option(100, "--fetching-limit", help="Page size (max 1000)."),
    fetching_offset: int = typer.Option(0, "--fetching-offset", help="Page start."),
    enrich: bool = typer.Option(False, "--enrich", help="Include computed, metric and lookup columns."),
    sync: bool = typer.Option(False, "--sync", help="Refresh upstream data first (no-op for native models)."),
    segment_uuid: str = typer.Option(None, "--segment-uuid", hidden=True),
) -> None:
    """Evaluate an inline filter: one page of records plus the total count."""
    _no_segment_uuid(segment_uuid)
    fields = dict(model_uuid=model_uuid, filter=parse_json_flag("--filter", filter_),
                  sort=parse_json_flag("--sort", sort), limit=_int_flag("--limit", limit),
                  fetching_limit=fetching_limit, fetching_offset=fetching_offset, enrich=enrich, sync=sync)
    emit(answer("POST", "/segmentation/segments/fetch", body=camel(fields),
                local=lambda s: segments.fetch(s, **fields)))


@segment_app.command("download")
def download(
    model_uuid: str = typer.Option(..., "--model-uuid"),
    filter_: str = typer.Option(..., "--filter"),
    sort: str = typer.Option(None, "--sort"),
    limit: str = typer.Option(None, "--limit"),
    fmt: str = typer.Option("csv", "--format", help="csv (default) or json."),
    segment_uuid: str = typer.Option(None, "--segment-uuid", hidden=True),
) -> None:
    """The full result of an inline filter as a file; prints {"url"}."""
    _no_segment_uuid(segment_uuid)
    fields = dict(model_uuid=model_uuid, filter=parse_json_flag("--filter", filter_),
                  sort=parse_json_flag("--sort", sort), limit=_int_flag("--limit", limit))
    emit(one_url(answer("POST", "/segmentation/segments/download", body=camel({**fields, "format": fmt}),
                        local=lambda s: segments.download(s, **fields, fmt=fmt))))
