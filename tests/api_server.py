"""A real `lading serve` on 127.0.0.1 for API tests, with workspaces and their tokens.

`start_server(home)` starts the server as its own process on a free port (on PostgreSQL when
`LADING_TEST_DATABASE_URL` is set), mints one admin token per named workspace the way an operator
does (`lading workspaceManagement token create` on the server's store, `LADING_WORKSPACE_NAME`
choosing the workspace), and waits for `/ready`. `server.client("alpha")` is an httpx client bearing
that workspace's token.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
# The suite's one secret key (conftest's), shared by every process as a deployment shares one.
SECRET_KEY = base64.b64encode(b"lading-test-suite-secret-key-32b").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)
    workspaces: dict[str, str] = field(default_factory=dict)  # short name → workspace name
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, workspace: str = "alpha", *, token: str | None = None) -> httpx.Client:
        """An httpx client on this server bearing the workspace's token (or the given one)."""
        value = token if token is not None else self.tokens[workspace]
        client = httpx.Client(base_url=f"{self.url}/v1", headers={"authorization": f"Bearer {value}"}, timeout=60)
        self.clients.append(client)
        return client

    def lading(self, *args: str, workspace: str = "alpha", check: bool = True) -> Any:
        """`lading <args>` in embedded mode on the server's own store (what an operator types there)."""
        env = {**self.env, "LADING_WORKSPACE_NAME": self.workspaces.get(workspace, workspace)}
        done = subprocess.run([sys.executable, "-m", "lading", *args], env=env, capture_output=True, timeout=120)
        out = json.loads(done.stdout) if done.stdout.strip() else None
        if check and done.returncode != 0:
            raise AssertionError(f"lading {' '.join(args)} failed: {done.stdout!r} {done.stderr!r}")
        return out

    def add_workspace(self, short: str) -> str:
        """A workspace on this server with an admin token (created on first use, like §0.8 says)."""
        self.workspaces[short] = f"{short}-{uuid.uuid4().hex[:8]}"
        self.tokens[short] = self.lading("workspaceManagement", "token", "create", "--name", f"{short} admin",
                                         workspace=short)["token"]["token"]
        return self.tokens[short]

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LADING_")}
    env.update({"LADING_HOME": str(home), "LADING_CACHE_DIR": os.environ.get("LADING_CACHE_DIR", str(REPO / ".cache")),
                "LADING_WORKER_IDLE_EXIT": "3", "LADING_LEASE_SECONDS": "5",
                "LADING_SECRET_KEY": SECRET_KEY,
                "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")})
    url = os.environ.get("LADING_TEST_DATABASE_URL")
    if url:
        env["LADING_DATABASE_URL"] = url
    return env


def start_server(home: Path, *, workspaces: tuple[str, ...] = ("alpha", "beta"), workers: int = 1,
                 extra_env: dict[str, str] | None = None) -> Server:
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**server_env(home), "LADING_API_URL": url, **(extra_env or {})}
    log = open(home / "serve.log", "ab")  # noqa: SIM115 - owned by the child
    process = subprocess.Popen([sys.executable, "-m", "lading", "serve", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=log, stderr=log)
    log.close()
    server = Server(url=url, home=home, env={k: v for k, v in env.items() if k != "LADING_API_URL"}, process=process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"lading serve exited: {(home / 'serve.log').read_text()}")
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise AssertionError("lading serve did not become ready")
        time.sleep(0.1)
    for short in workspaces:
        server.add_workspace(short)
    return server


def stop_server(server: Server) -> None:
    """Stop the server and the background worker it started on demand."""
    server.stop()
    pid_file = server.home / "worker.pid"
    try:
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        pass


def refused(response: httpx.Response, status: int, reason: str | None) -> dict[str, Any]:
    """The documented error document (api.md §0.3) with this status and reason (any reason when None):
    an `errorMessage` a person can read, never a stack trace or a Python representation."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorMessage"] and body["status"] == status and "Traceback" not in response.text, body
    if reason is not None:
        assert body["reason"] == reason, body
    for python_repr in ("None", "{'"):
        assert python_repr not in body["errorMessage"], body
    return dict(body)


def same(server: Server, remote: Any, *args: str) -> Any:
    """`lading <args>` in remote mode succeeds and prints what the embedded command prints on the
    server's own store (one JSON shape per object on both faces)."""
    code, out = remote(*args)
    assert code == 0, out
    assert out == server.lading(*args), args
    return out
