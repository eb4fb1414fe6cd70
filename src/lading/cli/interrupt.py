"""Stopping a wait without stranding work: Ctrl-C (SIGINT) or a closed terminal (SIGHUP) while a
command waits (`--wait-until-finished`) ends the command, never the work.

Embedded, the run or batch the CLI was driving has already been handed to the background worker
(`lading.worker.WaitInterrupted`); remote, the server's worker never stopped. Either way the command
then prints the object as it stands on stdout (the JSON `get` prints), says on stderr what carries on
and the command to follow it, and exits 128 + the signal (130 for SIGINT, 129 for SIGHUP).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lading.worker import WaitInterrupted

_SIGNALS = (signal.SIGINT, signal.SIGHUP)
# Set once a wait was interrupted and its work handed over (`interrupted`).
_state = {"interrupted": False}


def interrupted() -> bool:
    """True once this process stopped a wait: its work is elsewhere, and nothing it still runs (a step
    abandoned in a thread, a sandbox call) is worth waiting for before the process exits."""
    return _state["interrupted"]


def _raise(signum: int, _frame: object) -> None:
    raise WaitInterrupted(signum)


@contextmanager
def following(noun: str, uuid: str, follow: str, current: Callable[[], Any], *, remote: bool,
              on_interrupt: Callable[[], None] | None = None) -> Iterator[None]:
    """While the block waits for `noun` `uuid`, Ctrl-C and SIGHUP end the command as described above.

    `follow` is the command that shows the object later; `current()` reads it as it stands (its
    failure only leaves stdout empty); `on_interrupt` makes sure a worker has the work (embedded: a
    signal that lands outside the worker's own loop still hands over)."""
    import typer

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            previous[sig] = signal.signal(sig, _raise)
    try:
        yield
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, WaitInterrupted) else int(signal.SIGINT)
        # A second Ctrl-C while the state is read and printed must not cut the hint short.
        for ignored in previous:
            signal.signal(ignored, signal.SIG_IGN)
        if on_interrupt is not None:
            on_interrupt()
        _state["interrupted"] = True
        _report(noun, uuid, follow, current, remote=remote)
        raise typer.Exit(128 + signum) from None
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)


def _report(noun: str, uuid: str, follow: str, current: Callable[[], Any], *, remote: bool) -> None:
    """The object as it stands on stdout, where it went and how to follow it on stderr. A terminal that
    is gone (SIGHUP) makes both writes fail: that is no error of the command's."""
    from lading.cli.output import emit

    try:
        document = current()
    except Exception:  # the store or server cannot answer now; the hint below still says where to look
        document = None
    where = "on the server" if remote else "in the background worker"
    hint = (f"interrupted: {noun} {uuid} carries on {where}; nothing was cancelled\n"
            f"follow it with: {follow}\n")
    try:
        if document is not None:
            emit(document)
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.write(hint)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
