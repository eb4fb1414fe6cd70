"""Wall time of the CLI's read-only commands, interpreter start included (issue 16, target 6: ≤ 250 ms).

Each command runs as the user types it: a fresh process of the `lading` console script (the file pip
writes: `from lading.cli.main import main; sys.exit(main())`), on an embedded SQLite store seeded with a
tool, a deployed graph, a run and a batch. For every command the median of `--runs` (≥ 5) wall times is
printed with the CPU time of the process and the ratio to the target, then the `python -X importtime`
evidence of one command: the 15 modules heaviest by cumulative import time (medians of 3 runs) and which
heavy libraries it loaded at all.

Rows:
- embedded, run whole: the `src` tree (`--src`, default this checkout's) as an installed package uses it
  (bytecode compiled on first use), each command a whole process (`LADING_CLI_HELPER=0`);
- embedded, resident helper: the default — the first read command of a session runs whole and starts the
  helper (its time is printed), later ones are answered by a forked copy of the helper (decision 172);
- read-only, compiled: a copy of `src` compiled at install (`python -m compileall`, what the README's
  install command does after `pip install -e .`), then made read-only and run with
  `PYTHONDONTWRITEBYTECODE=1`: nothing is compiled per call;
- read-only, never compiled: the same copy without bytecode: every call compiles every module it imports
  (what an editable install without the compile step costs in such an environment);
- remote (`--remote`, the default): the same commands against a running `lading serve` on the same store.

The machine is shared: the load average is printed beside the figures; compare medians and ratios.

    .venv/bin/python bench/cli.py [--runs 5] [--no-remote] [--no-readonly] [--importtime-command "…"]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GRAPH = Path(__file__).with_name("five_node_graph.json")
TARGET_MS = 250.0
# The console script pip writes for `[project.scripts] lading = "lading.cli.main:main"`.
ENTRY_POINT = "import sys\nfrom lading.cli.main import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
# Libraries (and Lading packages) a read command has no use for; the importtime section says which it loaded.
HEAVY = ("sqlalchemy", "pydantic", "httpx", "rich", "alembic", "fastapi", "starlette", "uvicorn", "py_mini_racer",
         "jsonschema", "croniter", "cryptography", "chdb", "sqlglot", "mcp", "wasmtime", "psycopg", "anyio",
         "lading.engine", "lading.worker", "lading.integrations", "lading.ai", "lading.analytics", "lading.data",
         "lading.api")


def read_commands(ids: dict[str, str]) -> list[list[str]]:
    """The read-only commands timed: the issue's three first, then the other groups' get/list verbs."""
    return [
        ["orchestration", "run", "get", ids["run"]],
        ["orchestration", "batch", "get", ids["batch"]],
        ["orchestration", "tool", "list"],
        ["orchestration", "tool", "get", ids["tool"]],
        ["orchestration", "run", "list", "--workflow-uuid", ids["workflow"]],
        ["orchestration", "run", "count", "--workflow-uuid", ids["workflow"]],
        ["orchestration", "batch", "list"],
        ["orchestration", "workflow", "get", ids["workflow"]],
        ["orchestration", "release", "get-deployed", "--workflow-uuid", ids["workflow"]],
        ["orchestration", "play", "list"],
        ["orchestration", "template", "list"],
        ["connection", "connector", "list"],
        ["storage", "dataset", "list"],
        ["segmentation", "segment", "list"],
        ["workspaceManagement", "folder", "list"],
        ["ai", "agent", "list"],
        ["content", "library", "list"],
        ["whoami"],
    ]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


class Lading:
    """Runs the console script with a given `src` tree and environment."""

    def __init__(self, home: Path, src: Path, extra_env: dict[str, str] | None = None) -> None:
        self.script = home / "lading"
        if not self.script.exists():
            self.script.write_text(ENTRY_POINT)
        self.helpers = home.parent / "helpers"  # this bench's resident helpers, stopped at its end
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LADING_", "PYTHON"))}
        self.env.update({"LADING_HOME": str(home), "PYTHONPATH": str(src), "LADING_WORKSPACE_NAME": "bench",
                         "LADING_CLI_HELPER": "0", "LADING_CLI_HELPER_DIR": str(self.helpers),
                         **(extra_env or {})})

    def run(self, *args: str, python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, *python_flags, str(self.script), *args], env=self.env,
                              capture_output=True, check=False)

    def json(self, *args: str) -> Any:
        done = self.run(*args)
        if done.returncode != 0:
            raise SystemExit(f"lading {' '.join(args)} failed ({done.returncode}): {done.stdout!r} {done.stderr!r}")
        return json.loads(done.stdout)

    def time(self, args: list[str], runs: int) -> tuple[float, float, int]:
        """(median wall ms, median CPU ms, exit code) of `runs` calls, after one call not counted."""
        self.run(*args)
        walls, cpus, code = [], [], 0
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = self.run(*args)
            walls.append((time.perf_counter() - started) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
            code = code or done.returncode
        return statistics.median(walls), statistics.median(cpus), code


def helper_pids(directory: Path) -> list[int]:
    """The resident helpers the lock files in `directory` name, while they run (a pid is reused)."""
    pids = []
    for lock in directory.glob("*.lock"):
        try:
            pid = int(lock.read_text())
            if b"lading.cli.resident_helper" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
        except (OSError, ValueError):
            continue
    return pids


def stop_helpers(directory: Path) -> None:
    for pid in helper_pids(directory):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


def resident(home: Path, src: Path, commands: list[list[str]], runs: int) -> None:
    """The default path: the first read command runs whole and starts the helper; the rest are answered
    by it. The first call is timed on its own, then the table once the helper answers."""
    stop_helpers(home.parent / "helpers")
    with_helper = Lading(home, src, {"LADING_CLI_HELPER": "1"})
    started = time.perf_counter()
    with_helper.run(*commands[0])
    first = (time.perf_counter() - started) * 1000
    deadline = time.monotonic() + 60
    while not list(with_helper.helpers.glob("*.sock")) or not helper_pids(with_helper.helpers):
        if time.monotonic() > deadline:
            raise SystemExit("the resident helper did not start within a minute")
        time.sleep(0.2)
    time.sleep(1.0)  # the helper binds its socket, then imports the CLI
    print(f"\nfirst read of a session (runs whole and starts the resident helper): {first:.0f} ms "
          f"`lading {' '.join(commands[0][:3])} …` ({load()})")
    table("embedded SQLite through the resident helper (the default after the first read)", with_helper, commands,
          runs)


def seed(lading: Lading) -> dict[str, str]:
    """A tool with a deployed graph, one finished run and one finished batch of three records."""
    tool = lading.json("orchestration", "tool", "create", "--name", "bench")["tool"]
    workflow = tool["workflowUuid"]
    lading.json("orchestration", "release", "deploy-draft", "--workflow-uuid", workflow, "--nodes", f"@{GRAPH}")
    run = lading.json("orchestration", "run", "create", "--workflow-uuid", workflow, "--data",
                      '{"employees": 900}', "--wait-until-finished")["run"]
    records = [{"employees": n} for n in (10, 600, 9000)]
    batch = lading.json("orchestration", "batch", "create", "--workflow-uuid", workflow, "--data",
                        json.dumps({"kind": "records", "records": records}), "--wait-until-finished",
                        "--polling-interval", "50")["batch"]
    return {"tool": tool["uuid"], "workflow": workflow, "run": run["uuid"], "batch": batch["uuid"]}


def table(title: str, lading: Lading, commands: list[list[str]], runs: int) -> list[float]:
    print(f"\n{title} — median of {runs} ({load()})")
    print(f"  {'command':<58} {'wall ms':>8} {'cpu ms':>7} {'÷ target':>8}")
    walls = []
    for args in commands:
        wall, cpu, code = lading.time(args, runs)
        walls.append(wall)
        shown = " ".join(a if len(a) < 30 else a[:8] + "…" for a in args)
        note = "" if code == 0 else f"  (exit {code})"
        print(f"  {shown:<58} {wall:>8.0f} {cpu:>7.0f} {wall / TARGET_MS:>8.2f}{note}", flush=True)
    print(f"  {'worst':<58} {max(walls):>8.0f} {'':>7} {max(walls) / TARGET_MS:>8.2f}   "
          f"{'under' if max(walls) <= TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target")
    return walls


def importtime(lading: Lading, args: list[str], top: int) -> None:
    """The modules the command imports, from `python -X importtime` (medians of 3 runs)."""
    cumulative: dict[str, list[int]] = defaultdict(list)
    own: dict[str, list[int]] = defaultdict(list)
    depth: dict[str, int] = {}
    for _ in range(3):
        for line in lading.run(*args, python_flags=("-X", "importtime")).stderr.decode().splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            itself, cumul, name = line[len("import time:"):].split("|")
            cumulative[name.strip()].append(int(cumul))
            own[name.strip()].append(int(itself))
            depth[name.strip()] = (len(name) - len(name.lstrip()) - 1) // 2
    medians = {name: statistics.median(values) for name, values in cumulative.items()}
    selfs = {name: statistics.median(values) for name, values in own.items()}
    heaviest = sorted(medians, key=lambda n: -medians[n])[:top]
    print(f"\n`python -X importtime` of `lading {' '.join(args)}` ({load()}): {len(medians)} modules, "
          f"{sum(selfs.values()) / 1000:.0f} ms of imports in all; the {top} heaviest by cumulative ms (median of 3; "
          "importtime itself adds overhead; nesting shown by indent):")
    for name in heaviest:
        print(f"  {medians[name] / 1000:>7.1f}  {'  ' * depth[name]}{name}")
    loaded = [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in medians)]
    absent = [h for h in HEAVY if h not in loaded]
    print(f"  loaded: {', '.join(loaded) or '(none of the heavy list)'}")
    print(f"  not loaded: {', '.join(absent)}")


def readonly_tree(base: Path, src: Path, compiled: bool) -> Path:
    """A read-only copy of `src`, compiled at install (as the README's install does) or never compiled."""
    tree = base / ("src-compiled" if compiled else "src-plain")
    shutil.copytree(src, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if compiled:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree)], check=True)
    for path in [tree, *tree.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    return tree


def writable(tree: Path) -> None:
    for path in [tree, *tree.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def remote(home: Path, src: Path, commands: list[list[str]], runs: int) -> None:
    """The same commands against `lading serve` on the same store, with a workspace token."""
    local = Lading(home, src)
    token = local.json("workspaceManagement", "token", "create", "--name", "bench-cli")["token"]["token"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "lading", "serve", "--port", str(port)],
                              env={**local.env, "LADING_API_URL": url}, stdout=subprocess.DEVNULL,
                              stderr=(home / "serve.log").open("ab"))
    try:
        client = Lading(home, src, {"LADING_API_URL": url, "LADING_TOKEN": token})
        deadline = time.monotonic() + 60
        while client.run("whoami").returncode != 0:
            if time.monotonic() > deadline:
                raise SystemExit(f"lading serve did not answer; see {home / 'serve.log'}")
            time.sleep(0.2)
        table("remote (`lading serve` on the same store, LADING_API_URL + LADING_TOKEN)", client, commands, runs)
        importtime(client, commands[0], 15)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed calls per command (median; ≥ 5)")
    parser.add_argument("--remote", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--readonly", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--importtime-top", type=int, default=15)
    parser.add_argument("--src", type=Path, default=REPO / "src",
                        help="the package tree to time (another checkout's `src` for a before/after)")
    args = parser.parse_args()
    src = args.src.resolve()

    base = Path(tempfile.mkdtemp(prefix="lading-cli-bench-"))
    home = base / "home"
    home.mkdir()
    try:
        lading = Lading(home, src)
        ids = seed(lading)
        commands = read_commands(ids)
        start = [sys.executable, "-c", "pass"]
        walls = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run(start, check=True)
            walls.append((time.perf_counter() - started) * 1000)
        print(f"python -c pass (interpreter start alone): {statistics.median(walls):.0f} ms ({load()})")
        table("embedded SQLite, each command run whole (LADING_CLI_HELPER=0; bytecode compiled on first use)",
              lading, commands, args.runs)
        importtime(lading, commands[0], args.importtime_top)
        importtime(lading, ["orchestration", "tool", "list"], args.importtime_top)
        resident(home, src, commands, args.runs)
        if args.readonly:
            for compiled in (True, False):
                tree = readonly_tree(base, src, compiled)
                env = {"PYTHONDONTWRITEBYTECODE": "1"}
                ro = Lading(home, tree, env)
                label = "compiled at install" if compiled else "NEVER compiled (every call compiles)"
                chosen = commands if compiled else commands[:3]
                table(f"read-only tree, PYTHONDONTWRITEBYTECODE=1, {label}", ro, chosen, args.runs)
                writable(tree)
        if args.remote:
            remote(home, src, commands, args.runs)
    finally:
        stop_helpers(base / "helpers")
        for tree in base.glob("src-*"):
            writable(tree)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
