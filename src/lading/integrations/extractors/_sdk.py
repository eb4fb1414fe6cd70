"""The extractor SDK: `Extractor` (columns, pages), `ExtractorColumn`, `Page`, the JSON request helper
every extractor shares (429 and 5xx retried, the gate already waiting out `Retry-After`), and cursor
arithmetic on ISO timestamps."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, Protocol, TypeVar

from lading.integrations._sdk import ActionCall, ProviderError


@dataclass(frozen=True)
class ExtractorColumn:
    """One model column as the provider describes it: `original_slug` is the provider's field name."""

    slug: str
    type: str
    label: str
    original_slug: str

    def definition(self) -> dict[str, Any]:
        return {"slug": self.slug, "type": self.type, "label": self.label, "kind": "original",
                "originalSlug": self.original_slug}


@dataclass
class Page:
    """One page of records (keyed by column slug); `next_token` None ends the sync; `high_water` is the
    greatest cursor value (ISO UTC) among the page's records."""

    records: list[dict[str, Any]]
    next_token: str | None
    high_water: str | None = None


ColumnsHandler = Callable[[ActionCall, Mapping[str, Any]], Awaitable[list[ExtractorColumn]]]
# (call, config, columns, cursor — None for a full sync —, page token — None for the first page —)
PageHandler = Callable[[ActionCall, Mapping[str, Any], list[ExtractorColumn], str | None, str | None],
                       Awaitable[Page]]


@dataclass(frozen=True)
class Extractor:
    slug: str
    integration_slug: str
    name: str
    description: str
    config_schema: Mapping[str, Any]
    columns: ColumnsHandler
    page: PageHandler
    id_column: str = "id"
    title_column: Callable[[Mapping[str, Any]], str | None] = lambda config: None
    time_column: str | None = None
    # How many records the source holds (`model previewCount`).
    count: Callable[[ActionCall, Mapping[str, Any]], Awaitable[int]] | None = None
    # Other slugs (e.g. `hubspot_companies`) with the config defaults they imply.
    aliases: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


_MODULES = ("hubspot", "salesforce")


class _Slugged(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def aliases(self) -> Mapping[str, Mapping[str, Any]] | None: ...


_Found = TypeVar("_Found", bound=_Slugged)


def load_registry(modules: tuple[str, ...]) -> dict[str, Any]:
    """slug → the `EXTRACTOR` of each `lading.integrations.extractors.<module>` (record or file ones)."""
    found: dict[str, Any] = {}
    for name in modules:
        extractor = importlib.import_module(f"lading.integrations.extractors.{name}").EXTRACTOR
        found[extractor.slug] = extractor
    return found


def find_by_slug(extractors: Iterable[_Found], slug: str) -> tuple[_Found, dict[str, Any]] | None:
    """The extractor a slug names and the config defaults the slug implies (an alias such as
    `hubspot_companies` means `hubspot` with `objectType` companies)."""
    for extractor in extractors:
        if slug == extractor.slug:
            return extractor, {}
        aliases = extractor.aliases or {}
        if slug in aliases:
            return extractor, dict(aliases[slug])
    return None


def checked_config(extractor: Any, defaults: Mapping[str, Any], config: Mapping[str, Any], *,
                   reason: str) -> dict[str, Any]:
    """`config` over the slug's `defaults`, checked against the extractor's JSON Schema (record or file
    extractor); a problem is a `ValidationError` with `reason`, naming the flag as the CLI spells it."""
    from lading.domain.errors import ValidationError
    from lading.integrations._runtime import config_errors

    merged = {**defaults, **config}
    problems = config_errors(extractor.config_schema, merged)
    if problems:
        raise ValidationError(f"--config for the {extractor.slug} extractor: " + "; ".join(problems[:5]),
                              reason=reason)
    return merged


@cache
def all_extractors() -> dict[str, Extractor]:
    return load_registry(_MODULES)


def get_extractor(slug: str) -> tuple[Extractor, dict[str, Any]] | None:
    return find_by_slug(all_extractors().values(), slug)


RETRIES = 6


async def request_json(call: ActionCall, method: str, path: str, *, headers: dict[str, str] | None = None,
                       params: dict[str, Any] | None = None, json: Any = None) -> Any:
    """One provider request answered as JSON. A 429 is retried after the integration's gate has waited
    out `Retry-After` (the gate blocks every call of the integration in this process); a 5xx or an
    unreachable provider is retried with back-off; other errors fail the page."""
    from lading.integrations._http import parse_body

    response = await request(call, method, path, headers=headers, params=params, json=json)
    return parse_body(response) if response.content else None


async def request_bytes(call: ActionCall, path: str, *, headers: dict[str, str] | None = None) -> bytes:
    """A file's bytes (`GET`), with `request_json`'s retries (unstructured-data extractors' downloads)."""
    response = await request(call, "GET", path, headers=headers)
    return bytes(response.content)


async def request(call: ActionCall, method: str, path: str, *, headers: dict[str, str] | None = None,
                  params: dict[str, Any] | None = None, json: Any = None) -> Any:
    """The successful answer of one provider request, retried as `request_json` says."""
    for attempt in range(RETRIES + 1):
        try:
            response = await call.http.request(method, path, headers=headers, params=params, json=json,
                                               raise_for_status=False)
        except ProviderError as exc:
            if not exc.retryable or attempt == RETRIES:
                raise
            await asyncio.sleep(min(0.2 * 2 ** attempt, 5.0))
            continue
        if response.status_code == 429 and attempt < RETRIES:
            continue  # the next request waits at the gate until Retry-After has passed
        if response.status_code >= 500 and attempt < RETRIES:
            await asyncio.sleep(min(0.2 * 2 ** attempt, 5.0))
            continue
        if response.status_code >= 400:
            raise call.http.error_for(response)
        return response
    raise AssertionError("unreachable")


def parse_time(value: Any) -> datetime | None:
    """An ISO timestamp (`Z`, `+0000` or `+00:00` offsets, or epoch milliseconds) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """`2024-01-02T03:04:05.678Z`: one spelling, so cursors compare as text."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def later(a: str | None, b: str | None) -> str | None:
    """The later of two cursor values (either may be None)."""
    if a is None:
        return b
    if b is None:
        return a
    return b if (parse_time(b) or datetime.min.replace(tzinfo=UTC)) > (parse_time(a) or datetime.min.replace(
        tzinfo=UTC)) else a


def coerce(value: Any, column_type: str) -> Any:
    """A provider value (CRM APIs send most values as text) in its column's JSON form."""
    if value is None or value == "":
        return None
    if column_type == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return int(number) if number.is_integer() and "." not in str(value) else number
    if column_type == "boolean":
        if isinstance(value, bool):
            return value
        return str(value).lower() == "true"
    if column_type == "date":
        parsed = parse_time(value)
        return iso_utc(parsed) if parsed is not None else None
    if column_type == "string" and not isinstance(value, str):
        return str(value)
    return value
