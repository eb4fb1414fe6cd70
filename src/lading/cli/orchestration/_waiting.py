"""`--wait-until-finished` for runs and batches, embedded and remote, in one place: the wait itself
(driving the work here, or polling the server) and what Ctrl-C or a closed terminal does to it
(`cli.interrupt.following`: the work carries on, the command says how to follow it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lading.cli.interrupt import following

if TYPE_CHECKING:
    from lading.cli.remote import Target
    from lading.services.session import Session


def _follow(noun: str, uuid: str) -> str:
    return f"lading orchestration {noun} get {uuid}"


def finish_run_here(sess: Session, created: dict[str, Any], wait: bool) -> dict[str, Any]:
    """A run created on the embedded store: handed to the worker, or driven here until terminal and
    read again (`run get`'s document)."""
    from lading.services.orchestration import runs
    from lading.worker import finish_run, hand_over

    run_uuid = created["run"]["uuid"]
    if not wait:
        finish_run(sess, run_uuid, wait=False)
        return created
    with following("run", run_uuid, _follow("run", run_uuid), lambda: runs.get_run(sess, run_uuid), remote=False,
                   on_interrupt=lambda: hand_over(sess)):
        finish_run(sess, run_uuid, wait=True)
        return dict(runs.get_run(sess, run_uuid))


def wait_for_run(remote: Target, run_uuid: str, polling_interval: int) -> dict[str, Any]:
    """A run created on the server, polled until terminal (`GET /orchestration/runs/:uuid`)."""
    from lading.cli.orchestration._remote_answers import poll_until_terminal

    path = f"/orchestration/runs/{run_uuid}"
    with following("run", run_uuid, _follow("run", run_uuid), lambda: remote.call("GET", path), remote=True):
        return poll_until_terminal(remote, path, "run", polling_interval)


def finish_batch_here(sess: Session, batch_uuid: str, created: dict[str, Any], wait: bool) -> dict[str, Any]:
    """A batch created on the embedded store: handed to the worker, or fed and driven here until
    terminal with progress on stderr, and read again (`batch get`'s document)."""
    from lading.cli.progress import BatchProgress
    from lading.services.orchestration import batches
    from lading.worker import finish_batch, hand_over

    if not wait:
        finish_batch(sess, batch_uuid, wait=False)
        return created
    with following("batch", batch_uuid, _follow("batch", batch_uuid), lambda: batches.get_batch(sess, batch_uuid),
                   remote=False, on_interrupt=lambda: hand_over(sess)):
        progress = BatchProgress(lambda: batches.get_batch(sess, batch_uuid)["batch"])
        try:
            finish_batch(sess, batch_uuid, wait=True, on_progress=progress)
        finally:
            progress.close()
        return dict(batches.get_batch(sess, batch_uuid))


def wait_for_batch(remote: Target, batch_uuid: str, polling_interval: int) -> dict[str, Any]:
    """A batch created on the server, polled until terminal (`GET /orchestration/batches/:uuid`) with
    the progress bar on stderr."""
    from lading.cli.orchestration._remote_answers import poll_until_terminal
    from lading.cli.progress import BatchProgress

    path = f"/orchestration/batches/{batch_uuid}"
    latest: dict[str, Any] = {}
    with following("batch", batch_uuid, _follow("batch", batch_uuid), lambda: remote.call("GET", path), remote=True):
        progress = BatchProgress(lambda: latest)

        def seen(batch: dict[str, Any]) -> None:
            latest.update(batch)
            progress()

        try:
            return poll_until_terminal(remote, path, "batch", polling_interval, on_poll=seen)
        finally:
            progress.close()
