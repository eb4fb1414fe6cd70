"""Top-level commands: `whoami`, `worker` and `serve`."""

from __future__ import annotations

import os

import typer

from lading.cli.common import session
from lading.cli.output import emit


def register_system_commands(app: typer.Typer) -> None:
    @app.command("whoami")
    def whoami() -> None:
        """Show the current user and workspace."""
        from lading.services.session import whoami as who

        emit(who(session()))

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8080, "--port", help="Port to listen on."),
    ) -> None:
        """Run the HTTP API (export files behind signed URLs). Exports answer signed http URLs
        when LADING_API_URL names this server."""
        import uvicorn

        from lading.api.app import create_app

        uvicorn.run(create_app(), host=host, port=port, log_level="warning")

    @app.command("worker")
    def worker(
        concurrency: int = typer.Option(256, "--concurrency", help="Runs executed at once."),
        idle_exit: float = typer.Option(None, "--idle-exit",
                                        help="Exit after this many seconds with no active run (default: never)."),
        background: bool = typer.Option(False, "--background", hidden=True,
                                        help="Started on demand by the CLI: single instance, exits when idle."),
    ) -> None:
        """Execute runs: lease due runs from the store and drive them node by node; fire cron triggers and
        play schedules (one worker of the installation leads the scheduler)."""
        import logging

        from lading.integrations._secrets import install_log_redaction
        from lading.worker.host import hold_worker_lock
        from lading.worker.loop import WorkerOptions, run_worker

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        install_log_redaction()
        sess = session()

        if sess.settings.backend == "postgresql" and not os.environ.get("LADING_SECRET_KEY"):
            logging.getLogger("lading.worker").warning(
                "LADING_SECRET_KEY is not set: this worker uses its own key file and cannot decrypt connector "
                "credentials saved by other machines; set the same key on every process")
        lock = None
        if background:
            lock = hold_worker_lock(sess)
            if lock is None:
                return  # another background worker is already serving this home
            (sess.settings.home / "worker.pid").write_text(str(os.getpid()))
            if idle_exit is None:
                idle_exit = sess.settings.worker_idle_exit_seconds
        from lading.worker.adapters import ServicePorts
        from lading.worker.scheduler import SchedulerLoop

        # Every worker runs the scheduler; only the leader fires. The on-demand worker stays up while
        # cron schedules exist (nothing else would fire them in embedded mode).
        scheduler = SchedulerLoop(sess.db, sess.settings).start()
        options = WorkerOptions(concurrency=concurrency, claim_batch=min(concurrency, 256),
                                lease_seconds=sess.settings.lease_seconds, idle_exit_seconds=idle_exit,
                                keep_alive=(lambda: scheduler.schedules_exist) if background else None)
        try:
            run_worker(sess.db, options, ServicePorts(sess.db), handle_signals=True)
        finally:
            scheduler.stop()
            if lock is not None:
                (sess.settings.home / "worker.pid").unlink(missing_ok=True)
                lock.close()
