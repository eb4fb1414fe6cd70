"""The `lading` entry point: runs the command tree and turns every failure into the documented
error document and exit code (never a stack trace unless `LADING_DEBUG=1`)."""

from __future__ import annotations

import os
import sys
import traceback


def _click_modules() -> list[object]:
    """Typer ships its own copy of Click; recognise exceptions from either."""
    mods: list[object] = []
    try:
        from typer._click import exceptions as vendored

        mods.append(vendored)
    except ImportError:
        pass
    try:
        from click import exceptions as upstream

        mods.append(upstream)
    except ImportError:
        pass
    return mods


def _classes(name: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(m, name) for m in _click_modules() if hasattr(m, name))


def main(argv: list[str] | None = None) -> int:
    import typer

    from lading.cli.app import app
    from lading.cli.output import emit
    from lading.domain.errors import LadingError

    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    code = 0
    try:
        result = command.main(args=args, prog_name="lading", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except _classes("Exit") as exc:
        code = int(getattr(exc, "exit_code", 0) or 0)
    except _classes("Abort"):
        code = 130
    except _classes("UsageError") as exc:
        emit({"errorMessage": _usage_text(exc), "statusCode": 400})
        code = 2
    except _classes("ClickException") as exc:
        # Click's classes are looked up by name (two copies), so the checker only knows BaseException.
        emit({"errorMessage": f"error: {exc.format_message()}", "statusCode": 400})  # type: ignore[attr-defined]
        code = 2
    except LadingError as exc:
        emit(exc.to_document())
        code = exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; work already submitted continues\n")
        code = 130
    except Exception as exc:  # the last line of defence: a clear message, no traceback
        emit({"errorMessage": f"internal error: {type(exc).__name__}: {exc}", "statusCode": 500})
        if os.environ.get("LADING_DEBUG", "") not in ("", "0"):
            traceback.print_exc()
        code = 1
    if argv is None:
        sys.exit(code)
    return code


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
