"""A read-only command loads what it reads with and nothing else (issue 16, target 6).

Each command runs in a fresh process, as `lading` does, and reports the modules it ended with: the other
command groups and nouns, the engine, the worker role, the HTTP server, the integrations and the
libraries only writes or other faces need stay unloaded. A behaviour check, not a timing: the timing is
`bench/cli.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.embedded_only  # the process it starts runs on the test's own embedded store

GRAPH = Path(__file__).resolve().parent.parent / "bench" / "five_node_graph.json"

# Runs `lading <argv>` like the console script, then writes the modules it loaded to `$LOADED_TO`.
PROBE = """
import json, os, sys
from lading.cli.main import main
code = main(sys.argv[1:])
with open(os.environ["LOADED_TO"], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""

# Loaded by none of the read commands below: the other faces, the worker role, the engine's evaluators,
# the connectors, the migrations, the HTTP stack and the other command groups.
NEVER = (
    "lading.worker", "lading.api", "lading.integrations", "lading.ai", "lading.analytics", "lading.data",
    "lading.engine.validation", "lading.engine.expressions", "lading.engine.natives", "lading.engine.executor",
    "lading.cli.interrupt", "lading.cli.connection", "lading.cli.storage", "lading.cli.segmentation",
    "lading.cli.workspace", "lading.cli.billing", "lading.cli.content", "lading.cli.expression",
    "lading.services.orchestration.actions", "lading.services.orchestration.nodes",
    "lading.services.orchestration.plays", "lading.services.connection", "lading.services.storage",
    "click", "alembic", "fastapi", "starlette", "uvicorn", "httpx", "rich", "jsonschema", "py_mini_racer", "croniter",
    "cryptography", "mcp", "chdb", "sqlglot", "wasmtime",
)
# Only the PostgreSQL store needs its dialect and driver.
SQLITE_NEVER = ("sqlalchemy.dialects.postgresql", "psycopg")


def loaded(tmp_path: Path, *argv: str) -> tuple[int, set[str]]:
    """(exit code, modules) of `lading <argv>` in a new process, with the test's environment."""
    report = tmp_path / f"loaded-{len(list(tmp_path.glob('loaded-*')))}.json"
    env = {**os.environ, "LOADED_TO": str(report)}
    subprocess.run([sys.executable, "-c", PROBE, *argv], env=env, check=False, capture_output=True, timeout=120)
    found = json.loads(report.read_text())
    return found["code"], set(found["modules"])


def under(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


@pytest.fixture
def seeded(cli: Callable[..., Any]) -> dict[str, str]:
    """A tool with a deployed graph, a finished run and a finished batch."""
    code, tool = cli("orchestration", "tool", "create", "--name", "startup")
    assert code == 0, tool
    workflow = tool["tool"]["workflowUuid"]
    code, _ = cli("orchestration", "release", "deploy-draft", "--workflow-uuid", workflow, "--nodes", f"@{GRAPH}")
    assert code == 0
    code, run = cli("orchestration", "run", "create", "--workflow-uuid", workflow, "--data", '{"employees": 900}',
                    "--wait-until-finished")
    assert code == 0, run
    code, batch = cli("orchestration", "batch", "create", "--workflow-uuid", workflow, "--data",
                      json.dumps({"kind": "records", "records": [{"employees": 3}]}), "--wait-until-finished",
                      "--polling-interval", "50")
    assert code == 0, batch
    return {"tool": tool["tool"]["uuid"], "workflow": workflow, "run": run["run"]["uuid"],
            "batch": batch["batch"]["uuid"]}


READS: list[tuple[str, Callable[[dict[str, str]], list[str]], str]] = [
    ("run get", lambda ids: ["orchestration", "run", "get", ids["run"]], "runs"),
    ("batch get", lambda ids: ["orchestration", "batch", "get", ids["batch"]], "batches"),
    ("tool list", lambda ids: ["orchestration", "tool", "list"], "tools"),
    ("tool get", lambda ids: ["orchestration", "tool", "get", ids["tool"]], "tools"),
    ("run list", lambda ids: ["orchestration", "run", "list", "--workflow-uuid", ids["workflow"]], "runs"),
    ("workflow get", lambda ids: ["orchestration", "workflow", "get", ids["workflow"]], "workflows"),
    ("release get-deployed",
     lambda ids: ["orchestration", "release", "get-deployed", "--workflow-uuid", ids["workflow"]], "releases"),
]


@pytest.mark.parametrize(("name", "argv", "noun"), READS, ids=[r[0] for r in READS])
def test_a_read_command_loads_only_its_own_branch(tmp_path: Path, seeded: dict[str, str], name: str,
                                                   argv: Callable[[dict[str, str]], list[str]], noun: str) -> None:
    code, modules = loaded(tmp_path, *argv(seeded))
    assert code == 0, name
    heavy = [m for package in NEVER for m in under(modules, package)]
    if not os.environ.get("LADING_TEST_DATABASE_URL"):
        heavy += [m for package in SQLITE_NEVER for m in under(modules, package)]
    assert not heavy, f"`lading {name}` loaded {heavy}"
    # Its own noun's command module, and of the orchestration nouns only that one (and private helpers).
    nouns = {m.rsplit(".", 1)[1] for m in under(modules, "lading.cli.orchestration")} - {"orchestration"}
    assert noun in nouns
    assert {n for n in nouns if not n.startswith("_")} == {noun}


def test_the_whole_tree_still_answers_help(tmp_path: Path) -> None:
    """Loading branches on demand changes nothing a user sees: `--help` lists every group, and a group's
    page every noun (loading them to read their summaries)."""
    root = subprocess.run([sys.executable, "-m", "lading", "--help"], capture_output=True, text=True, timeout=120)
    for group in ("orchestration", "connection", "storage", "segmentation", "workspaceManagement", "billing", "ai",
                  "content", "user", "expression", "whoami", "serve", "worker", "mcp"):
        assert f"  {group} " in root.stdout, group
    assert "\n  workspace " not in root.stdout  # the hidden alias stays hidden
    page = subprocess.run([sys.executable, "-m", "lading", "orchestration", "--help"], capture_output=True,
                          text=True, timeout=120).stdout
    for noun in ("run", "batch", "record", "tool", "play", "workflow", "release", "node", "template", "action"):
        assert f"  {noun} " in page, noun
    assert "draft-release" not in page


def test_a_mistyped_noun_is_a_usage_error_that_loads_no_noun(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path, "orchestration", "tol", "list")
    assert code == 2
    assert not under(modules, "lading.services.orchestration.tools")


# Remote mode answers from the server: nothing of the local store is loaded.
REMOTE_NEVER = ("sqlalchemy", "sqlite3", "lading.store", "lading.services", "lading.engine", "lading.worker",
                "lading.api", "alembic", "fastapi", "uvicorn", "httpx", "rich", "anyio", "pydantic")


REMOTE_READS = [["orchestration", "tool", "list"], ["orchestration", "batch", "list"],
                ["workspaceManagement", "token", "list"]]


@pytest.mark.parametrize("argv", REMOTE_READS, ids=[" ".join(argv[1:]) for argv in REMOTE_READS])
def test_a_remote_read_loads_nothing_of_the_local_store(tmp_path: Path, api_server: Any,
                                                        monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    code, modules = loaded(tmp_path, *argv)
    assert code == 0
    local = [m for package in REMOTE_NEVER for m in under(modules, package)]
    assert not local, f"remote `lading {' '.join(argv)}` loaded {local}"
