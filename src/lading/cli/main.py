"""The `lading` entry point: runs the command tree and turns every failure into the documented
error document and exit code (never a stack trace unless `LADING_DEBUG=1`)."""

from __future__ import annotations

import os
import sys
import traceback


def main(argv: list[str] | None = None) -> int:
    import click
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
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        code = 130
    except click.UsageError as exc:
        emit({"errorMessage": _usage_text(exc), "statusCode": 400})
        code = 2
    except click.ClickException as exc:
        emit({"errorMessage": f"error: {exc.format_message()}", "statusCode": 400})
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


def _usage_text(exc: object) -> str:
    import click

    assert isinstance(exc, click.UsageError)
    message = exc.format_message()
    if isinstance(exc, click.NoSuchOption):
        return f"error: unknown option '{exc.option_name}'"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        opts = getattr(exc.param, "opts", None) or [exc.param.name]
        return f"error: required option '{opts[0]}' not specified"
    return f"error: {message}"
