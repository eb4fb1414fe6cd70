"""The `lading` entry point: runs the command tree and turns every failure into the documented
error document and exit code (never a stack trace unless `LADING_DEBUG=1`)."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn


def _click_modules() -> list[object]:
    """Typer ships its own copy of Click; recognise exceptions from either. Click itself is not imported
    here (about 10 ms of every start): only a process that already loaded it can raise its exceptions."""
    mods: list[object] = []
    try:
        from typer._click import exceptions as vendored

        mods.append(vendored)
    except ImportError:
        pass
    upstream = sys.modules.get("click.exceptions")
    if upstream is not None:
        mods.append(upstream)
    return mods


def _classes(name: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(m, name) for m in _click_modules() if hasattr(m, name))

# The reason of a usage error (unknown or missing flag, bad value): the API's for the same mistake in a body.
USAGE_REASON = "invalidPayload"


def main(argv: list[str] | None = None, *, command: Any = None) -> int:
    """Run `lading <argv>` (the process's arguments when None) and return or exit with its code.
    `command`: the tree already built (the resident helper's children run on the helper's)."""
    if argv is None:  # the console script: a read command may be answered by the resident helper
        from lading.cli import resident

        answered = resident.answer(sys.argv[1:])
        if answered is not None:
            sys.exit(answered)

    from lading.cli.output import emit, emit_text
    from lading.domain.errors import LadingError

    if command is None:
        command = build_command()
    args = list(sys.argv[1:] if argv is None else argv)
    code = 0
    try:
        result = _run_and_settle(command, args)
        code = result if isinstance(result, int) else 0
    except _classes("Exit") as exc:
        code = int(getattr(exc, "exit_code", 0) or 0)
    except _classes("Abort"):
        code = 130
    except _classes("NoArgsIsHelpError") as exc:
        # `lading` or `lading orchestration` alone: the page `--help` prints, readable, not a JSON string.
        emit_text(exc.ctx.get_help() if getattr(exc, "ctx", None) is not None else exc.format_message())  # type: ignore[attr-defined]
        code = 2
    except _classes("UsageError") as exc:
        emit({"errorMessage": _usage_text(exc), "reason": USAGE_REASON, "status": 400, "statusCode": 400})
        code = 2
    except _classes("ClickException") as exc:
        # Click's classes are looked up by name (two copies), so the checker only knows BaseException.
        emit({"errorMessage": f"error: {exc.format_message()}", "reason": USAGE_REASON,  # type: ignore[attr-defined]
              "status": 400, "statusCode": 400})
        code = 2
    except LadingError as exc:
        emit(exc.to_document())
        code = exc.exit_code
    except KeyboardInterrupt as exc:  # outside a wait (those say more: `cli.interrupt.following`)
        sys.stderr.write("interrupted; work already submitted continues\n")
        code = int(getattr(exc, "exit_code", 130))
    except Exception as exc:  # the last line of defence: the documented shape, nothing of the exception
        refusal = _refusal(exc)
        if refusal is not None:  # a driver refusal raised outside SQLAlchemy (raw cursors, COPY)
            emit(refusal.to_document())
            return _exit(argv, refusal.exit_code)
        # An exception's text can hold SQL, driver names or Python representations of the input;
        # none of it helps the user, so it only goes to stderr when LADING_DEBUG asks for it.
        emit({"errorMessage": "unknown: the command failed unexpectedly; nothing more is known (rerun with "
                              "LADING_DEBUG=1 to print the cause on stderr)", "reason": "unknown", "status": 500,
              "statusCode": 500})
        if os.environ.get("LADING_DEBUG", "") not in ("", "0"):
            import traceback

            from lading.integrations._secrets import redact

            sys.stderr.write(redact(traceback.format_exc()))
        code = 1
    return _exit(argv, code)


def build_command() -> Any:
    """The Click command of the whole tree (branches built when a command line reaches them), each
    branch treated as it loads: integer flags bounded, the plain help layout."""
    import typer

    from lading.cli.app import app
    from lading.cli.helptext import prepare
    from lading.cli.tree import when_loaded

    command = typer.main.get_command(app)
    for treat in (_bound_integers, prepare):  # the root now, each branch when a command line loads it
        when_loaded(treat)
        treat(command)
    return command


def _run_and_settle(command: Any, args: list[str]) -> Any:
    """Run the command, then hand over any work its services announced, whatever the outcome."""
    from lading.cli.common import settle_opened_sessions

    try:
        return command.main(args=args, prog_name="lading", standalone_mode=False)
    finally:
        settle_opened_sessions()


def _exit(argv: list[str] | None, code: int) -> int:
    if argv is None:
        _leave_now_if_interrupted(code)
        sys.exit(code)
    return code


def _leave_now_if_interrupted(code: int) -> None:
    """After an interrupted wait the work is the background worker's: a step this process abandoned may
    still be running in a thread (a long script), and a normal exit would wait for it. The answer is
    printed, the leases given up and every write committed, so the process ends here at once."""
    interrupt = sys.modules.get("lading.cli.interrupt")  # only a command that waited loaded it (and the worker)
    if interrupt is None or not interrupt.interrupted():
        return
    end_now(code)


def end_now(code: int) -> NoReturn:
    """Flush what was printed and end the process at once: no exit handlers, no waiting for threads."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _refusal(exc: BaseException) -> Any:
    """The user's error behind a store refusal of a bound value (see `store.database.refusal_of`)."""
    from lading.store.database import refusal_of

    return refusal_of(exc)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _bound_integers(command: object) -> None:
    """Every integer flag and argument of the tree takes a 64-bit integer.

    Python integers have no bound, the stores do: a `--offset 99999999999999999999` would only fail
    when the database binds it. Checking once here, where flags are parsed, turns any such value
    into the usage error the parser gives for `--offset abc`, for every command at once.
    """
    from lading.cli.tree import loaded

    for sub in loaded(command):  # the branches built so far; the others when they load (`main`)
        _bound_integers(sub)
    for param in getattr(command, "params", ()):
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if annotation is int and not getattr(param, "_lading_bounded", False):
            param.process_value = _bounded(param, param.process_value)
            param._lading_bounded = True


def _bounded(param: Any, process: Any) -> Any:
    def process_value(ctx: Any, value: Any) -> Any:
        number = process(ctx, value)
        if isinstance(number, int) and not isinstance(number, bool) and not INT64_MIN <= number <= INT64_MAX:
            # Typer's own Click: matched by name, hence the checker's BaseException
            raise _classes("BadParameter")[0](  # type: ignore[call-arg]
                f"{value} is out of range: integers run from {INT64_MIN} to {INT64_MAX}", ctx=ctx, param=param)
        return number

    return process_value


def _usage_text(exc: BaseException) -> str:
    message = exc.format_message()  # type: ignore[attr-defined]  # a Click UsageError, matched by name
    if isinstance(exc, _classes("NoSuchOption")):
        return f"error: unknown option '{exc.option_name}'"  # type: ignore[attr-defined]  # Click NoSuchOption
    param = getattr(exc, "param", None)
    if isinstance(exc, _classes("MissingParameter")) and param is not None:
        opts = getattr(param, "opts", None) or [param.name]
        if str(opts[0]).startswith("-"):
            # Commander-style wording, as the reference CLI prints it: `--name <name>`.
            return f"error: required option '{opts[0]} <{str(opts[0]).lstrip('-')}>' not specified"
        return f"error: missing required argument '{str(param.name).lower()}'"
    return f"error: {message}"
