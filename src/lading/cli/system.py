"""Top-level commands: `login`, `logout`, `whoami`, `doctor`, `worker` and `serve`."""

from __future__ import annotations

import typer

from lading.cli.common import local_session
from lading.cli.output import emit


def register_system_commands(app: typer.Typer) -> None:
    @app.command("whoami")
    def whoami() -> None:
        """Show the current user and workspace (and, in remote mode, the server's `baseUrl`)."""
        from lading.cli.remote import target

        remote = target()
        if remote is None:
            from lading.services.session import whoami as who

            emit({**who(local_session()), "baseUrl": None})
            return
        emit({**remote.call("GET", "/whoami"), "baseUrl": remote.api_url})

    @app.command("login")
    def login(
        token: str = typer.Option(None, "--token", help="A workspace token (`workspaceManagement token create`)."),
        api_url: str = typer.Option(None, "--api-url", help="The Lading server, e.g. http://127.0.0.1:8080."),
        workspace_uuid: str = typer.Option(None, "--workspace-uuid",
                                           help="Must be the token's own workspace when given."),
        workspace_name: str = typer.Option(None, "--workspace-name", hidden=True),
        email: str = typer.Option(None, "--email", help="Embedded mode: set the local user's email."),
        code: str = typer.Option(None, "--code", hidden=True),
        oauth: bool = typer.Option(False, "--oauth",
                                   help="OAuth device flow (needs LADING_OIDC_ISSUER on the server)."),
    ) -> None:
        """Sign in to a Lading server with a token; the credentials are kept in $LADING_HOME/credentials.json
        (readable by you only) and every command then speaks to that server."""
        from lading.cli.login import login as sign_in

        emit(sign_in(token=token, api_url=api_url, workspace_uuid=workspace_uuid, email=email, oauth=oauth))

    @app.command("logout")
    def logout() -> None:
        """Forget the stored server credentials (commands use the local store again)."""
        from lading.cli.login import logout as sign_out

        emit(sign_out())

    @app.command("doctor")
    def doctor() -> None:
        """Check the installation: mode, store, migrations, workers, credentials and the server's reachability.
        Exit code 1 when a check fails. Never uses the internet."""
        from lading.cli.login import doctor as diagnose

        document, failed = diagnose()
        emit(document)
        if failed:
            raise typer.Exit(1)

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8080, "--port", help="Port to listen on."),
        workers: int = typer.Option(1, "--workers", min=1, max=64,
                                    help="Server processes answering requests (they share the store)."),
    ) -> None:
        """Run the HTTP API under /v1 (OpenAPI at /openapi.json, docs at /docs, /health, /ready).
        Requests authenticate with a workspace token (`workspaceManagement token create`). Export links
        are built on LADING_API_URL when set, else on the request's own address."""
        from lading.api.process import serve as serve_api

        serve_api(host=host, port=port, workers=workers)

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

        serve(local_session(), concurrency=concurrency, idle_exit=idle_exit, background=background)
