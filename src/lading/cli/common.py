"""Helpers shared by command modules: opening the session lazily, help flags, command groups, flags several
commands declare alike, option parsing."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from lading.cli.tree import Member, lazy_group

if TYPE_CHECKING:
    from lading.services.session import Session

_Command = TypeVar("_Command", bound=Callable[..., Any])

# Sessions this command opened: once it is done, work their services announced is handed over.
_opened: list[Session] = []


def session() -> Session:
    """The embedded session of a command. In remote mode a command must go through `answer` instead:
    reaching for the local store there would act on the wrong installation, so it is refused."""
    from lading.cli.remote import target

    if target() is not None:
        from lading.domain.errors import LadingError

        raise LadingError("notSupported: this command is not available in remote mode yet (unset "
                          "LADING_API_URL/LADING_TOKEN or run `lading logout` to use the local store)",
                          reason="notSupported", status_code=501)
    return local_session()


def local_session() -> Session:
    """A session on the local store whatever the mode: for processes that are the server side
    (`lading worker`, `lading serve`) and for `logout`/`doctor`."""
    from lading.services.wiring import open_session

    opened = open_session()
    _opened.append(opened)
    return opened


def answer(method: str, path: str, *, local: Callable[[Session], Any], body: Any = None,
           query: Mapping[str, Any] | None = None) -> Any:
    """A command's answer: from the server's route `method path` in remote mode, else from `local`,
    the service call the route itself makes, on the embedded session."""
    from lading.cli.remote import target

    remote = target()
    if remote is None:
        return local(local_session())
    return remote.call(method, path, body=body, query=query)


def settle_opened_sessions() -> None:
    """Hand over the work this command's services left behind (a play's batch, a new schedule).

    Called once the command has answered; imports the worker role only when there is work."""
    announced = [s for s in _opened if s.work.announced]
    _opened.clear()
    if announced:
        from lading.worker import settle

        for opened in announced:
            settle(opened)


def help_settings() -> dict[str, Any]:
    return {"help_option_names": ["-h", "--help"]}


def command_group(help_text: str, package: str, *members: Member) -> typer.Typer:
    """A group of commands (`lading orchestration`, `lading ai` …) built from one table of its members.

    Each member is `("module:app", name)` or `("module:app", name, add_typer keywords)` (say `{"hidden": True}`
    for an alias; a leading dot is relative to `package`), in the order `--help` lists them. A member's module
    is imported when the member is looked up (`cli.tree`); every group answers `-h` and shows its help when
    called bare."""
    return typer.Typer(help=help_text, no_args_is_help=True, context_settings=help_settings(),
                       cls=lazy_group(package, *members))


# A flag in a table of flags: (its annotation, its `typer.Option`).
Flag = tuple[Any, Any]


def shared_flags(into: str, table: Mapping[str, Flag], *names: str,
                 build: Callable[..., Any] = dict) -> Callable[[_Command], _Command]:
    """Give a command the flags `names` of `table` (all of them, in table order, when none are named).

    Commands that take the same flags with the same help (the filters of `run download` and `run
    download-outputs`, the fields of `release update-draft` and `deploy-draft`) declare them once, in
    `table`. The flags stand, in the order named, where the command has the parameter `into`; the command is
    called with `into=build(**their values)`. Typer reads the rewritten signature, so parsing and `--help`
    are as if each command wrote the flags out."""
    chosen = names or tuple(table)

    def decorate(command: _Command) -> _Command:
        signature = inspect.signature(command)
        own = list(signature.parameters.values())
        at = [p.name for p in own].index(into)
        flags = [inspect.Parameter(name, own[at].kind, annotation=table[name][0], default=table[name][1])
                 for name in chosen]

        @functools.wraps(command)
        def with_flags(**given: Any) -> Any:
            values = {name: given.pop(name) for name in chosen}
            return command(**given, **{into: build(**values)})

        with_flags.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own[:at], *flags, *own[at + 1:]])
        return with_flags  # type: ignore[return-value]

    return decorate


def given(*fields: tuple[str, Any, Callable[[Any], Any] | None]) -> dict[str, Any]:
    """The changes an `update` command passes on: each `(key, flag value, parse)` whose flag was given, parsed
    (None: as given), in order. An omitted flag is absent rather than None, because None clears a value
    while an absent key keeps it."""
    return {key: raw if parse is None else parse(raw) for key, raw, parse in fields if raw is not None}


def parse_date_option(flag: str, raw: str | None) -> datetime | None:
    """A date option (`--created-after`, `--created-before`) as the store's naive UTC, None when absent.

    Accepted: `YYYY-MM-DD` (00:00 UTC) or an ISO 8601 date-time; a `Z` or an offset is converted to UTC,
    a date-time without one is taken as UTC. Anything else is a usage error (exit 2) naming the flag."""
    from datetime import UTC

    from lading.domain.errors import UsageError

    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"error: option '{flag}' must be an ISO 8601 date or datetime") from exc
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
