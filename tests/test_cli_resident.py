"""The resident CLI helper (`lading.cli.resident`, decision 172): after the first read command, read
commands are answered by a forked copy of a process that already imported the CLI. What a user relies
on: the same output and exit code as a command run whole, in the caller's home, directory and
environment; writes never taken over; a helper that goes away, goes stale or is not safe to use only
costs time; and it leaves by itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import lading.cli.resident as resident

# The console script (`lading = lading.cli.main:main`), reporting the modules this process imported.
PROBE = """
import atexit, json, os, sys
atexit.register(lambda: json.dump(sorted(sys.modules), open(os.environ["LOADED_TO"], "w")))
from lading.cli.main import main
main()
"""


@pytest.fixture
def helper_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The helper on, with sockets in a directory of this test's; the helper it started stopped after."""
    directory = Path(f"/tmp/lading-test-{os.getpid()}-{time.monotonic_ns()}")
    monkeypatch.setenv("LADING_CLI_HELPER", "1")
    monkeypatch.setenv("LADING_CLI_HELPER_DIR", str(directory))
    yield directory
    pid = helper_pid(directory)
    if pid:
        os.kill(pid, signal.SIGTERM)
    subprocess.run(["rm", "-rf", str(directory)], check=False)


def lading(tmp_path: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
           ) -> tuple[int, str, str, list[str]]:
    """(exit code, stdout, stderr, modules the `lading` process itself imported)."""
    report = tmp_path / f"modules-{time.monotonic_ns()}.json"
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, **(env or {}), "LOADED_TO": str(report)})
    return done.returncode, done.stdout, done.stderr, json.loads(report.read_text())


def helper_pid(directory: Path) -> int | None:
    """The pid the helper's lock file names, while it is that helper (a pid is reused once it ends)."""
    for lock in directory.glob("*.lock"):
        try:
            pid = int(lock.read_text())
            if b"lading.cli.resident_helper" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except (OSError, ValueError):
            continue
    return None


def wait_for_helper(directory: Path, tmp_path: Path) -> int:
    """Until a read command is answered by the helper (it takes a few seconds to load); its pid."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        code, _, _, modules = lading(tmp_path, "orchestration", "tool", "list")
        pid = helper_pid(directory)
        if code == 0 and "sqlalchemy" not in modules and pid:
            return pid
        time.sleep(0.5)
    raise AssertionError("no helper answered within a minute")


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if b"lading.cli.resident_helper" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True  # ended (a zombie reads empty), its pid maybe reused
        except OSError:
            return True
        time.sleep(0.2)
    return False


def test_read_commands_answer_the_same_through_the_helper(helper_dir: Path, tmp_path: Path,
                                                          lading_env: Path) -> None:
    code, out, _, _ = lading(tmp_path, "orchestration", "tool", "create", "--name", "Resident")
    assert code == 0, out
    tool = json.loads(out)["tool"]
    code, first, _, modules = lading(tmp_path, "orchestration", "tool", "get", tool["uuid"])
    assert code == 0 and "sqlalchemy" in modules  # the first read runs whole, and starts the helper
    wait_for_helper(helper_dir, tmp_path)

    reads = [("orchestration", "tool", "get", tool["uuid"]), ("orchestration", "tool", "list"),
             ("orchestration", "workflow", "get", tool["workflowUuid"]), ("whoami",),
             ("orchestration", "run", "get", "missing-run"),  # exit 1, the error document
             ("orchestration", "run", "list", "--limit", "abc"),  # exit 2, a usage error
             ("orchestration", "run", "get", "--help")]
    for args in reads:
        by_helper = lading(tmp_path, *args)
        whole = lading(tmp_path, *args, env={"LADING_CLI_HELPER": "0"})
        assert by_helper[:3] == whole[:3], args
        assert "sqlalchemy" not in by_helper[3] and "typer" not in by_helper[3], args
        assert "typer" in whole[3]
    assert lading(tmp_path, "orchestration", "tool", "get", tool["uuid"])[1] == first
    assert lading(tmp_path, "orchestration", "run", "get", "missing-run")[0] == 1


def test_each_command_runs_in_its_callers_home_directory_and_environment(helper_dir: Path, tmp_path: Path,
                                                                         lading_env: Path) -> None:
    # Another home and workspace (on PostgreSQL the store is shared; the workspace name tells them apart).
    other_home = tmp_path / "other-home"
    other = {"LADING_HOME": str(other_home), "LADING_WORKSPACE_NAME": f"{os.environ['LADING_WORKSPACE_NAME']}-other"}
    code, out, _, _ = lading(tmp_path, "orchestration", "tool", "create", "--name", "Only in the other home",
                             env=other)
    assert code == 0, out
    lading(tmp_path, "orchestration", "tool", "list")
    wait_for_helper(helper_dir, tmp_path)
    code, mine, _, modules = lading(tmp_path, "orchestration", "tool", "list")
    assert code == 0 and "sqlalchemy" not in modules and json.loads(mine) == {"tools": []}
    code, theirs, _, _ = lading(tmp_path, "orchestration", "tool", "list", env=other)
    assert [t["name"] for t in json.loads(theirs)["tools"]] == ["Only in the other home"]
    # A relative home is taken in the caller's working directory (where the SQLite store is made; a
    # PostgreSQL store needs nothing of the home to read).
    (tmp_path / "cwd").mkdir()
    code, _, _, modules = lading(tmp_path, "orchestration", "tool", "list", cwd=tmp_path / "cwd",
                                 env={"LADING_HOME": "relative-home"})
    assert code == 0 and "sqlalchemy" not in modules
    assert (tmp_path / "cwd" / "relative-home").is_dir() or bool(os.environ.get("LADING_TEST_DATABASE_URL"))


def test_writes_never_go_to_the_helper(helper_dir: Path, tmp_path: Path, lading_env: Path) -> None:
    assert not resident.is_read(["orchestration", "tool", "create", "--name", "x"])
    assert not resident.is_read(["orchestration", "run", "create", "--wait-until-finished"])
    assert not resident.is_read(["--help"]) and not resident.is_read(["orchestration", "--json", "get"])
    assert resident.is_read(["orchestration", "batch", "get", "b-1"]) and resident.is_read(["whoami"])
    lading(tmp_path, "orchestration", "tool", "list")
    wait_for_helper(helper_dir, tmp_path)
    code, out, _, modules = lading(tmp_path, "orchestration", "tool", "create", "--name", "Written whole")
    assert code == 0 and "sqlalchemy" in modules, out


def test_a_killed_helper_only_costs_time_and_is_replaced(helper_dir: Path, tmp_path: Path,
                                                         lading_env: Path) -> None:
    lading(tmp_path, "orchestration", "tool", "list")
    first = wait_for_helper(helper_dir, tmp_path)
    os.kill(first, signal.SIGKILL)
    assert gone(first, 10)
    code, out, _, modules = lading(tmp_path, "orchestration", "tool", "list")  # its socket is left behind
    assert code == 0 and json.loads(out) == {"tools": []} and "sqlalchemy" in modules
    assert wait_for_helper(helper_dir, tmp_path) != first


def test_the_helper_leaves_when_idle_and_when_its_code_changes(helper_dir: Path, tmp_path: Path,
                                                               lading_env: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_CLI_HELPER_IDLE_SECONDS", "2")
    lading(tmp_path, "orchestration", "tool", "list")
    idle = wait_for_helper(helper_dir, tmp_path)
    assert gone(idle, 20)

    monkeypatch.setenv("LADING_CLI_HELPER_IDLE_SECONDS", "600")
    lading(tmp_path, "orchestration", "tool", "list")
    pid = wait_for_helper(helper_dir, tmp_path)
    source = Path(resident.__file__)
    stamp = source.stat()
    try:
        os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
        assert gone(pid, 20), "the helper kept serving after one of its modules changed"
    finally:
        os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def test_a_directory_others_can_enter_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    lading_env: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("LADING_CLI_HELPER", "1")
    monkeypatch.setenv("LADING_CLI_HELPER_DIR", str(shared))
    for _ in range(2):
        code, out, _, modules = lading(tmp_path, "orchestration", "tool", "list")
        assert code == 0 and json.loads(out) == {"tools": []} and "sqlalchemy" in modules
    time.sleep(1)
    assert list(shared.iterdir()) == []


def test_the_helper_answers_only_its_own_user(helper_dir: Path, tmp_path: Path, lading_env: Path) -> None:
    """The socket is its user's alone (mode 0600, in a 0700 directory)."""
    lading(tmp_path, "orchestration", "tool", "list")
    wait_for_helper(helper_dir, tmp_path)
    assert helper_dir.stat().st_mode & 0o777 == 0o700
    (sock,) = helper_dir.glob("*.sock")
    assert sock.stat().st_mode & 0o777 == 0o600


def test_a_directory_too_deep_for_a_socket_starts_no_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           lading_env: Path) -> None:
    deep = tmp_path / ("d" * 120)
    monkeypatch.setenv("LADING_CLI_HELPER", "1")
    monkeypatch.setenv("LADING_CLI_HELPER_DIR", str(deep))
    code, out, err, modules = lading(tmp_path, "orchestration", "tool", "list")
    assert code == 0 and json.loads(out) == {"tools": []} and err == "" and "sqlalchemy" in modules
    time.sleep(1)
    assert not deep.exists()
