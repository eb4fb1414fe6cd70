"""Top-level commands: `whoami`, `worker` and `serve`."""

from __future__ import annotations

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
        from lading.worker import serve

        serve(session(), concurrency=concurrency, idle_exit=idle_exit, background=background)
