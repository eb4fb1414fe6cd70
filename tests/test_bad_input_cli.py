"""Bad input never becomes an internal error: a corpus of malformed, ill-typed, huge, empty and
hostile values driven through every command of every group of the real CLI (in-process).

The command tree is read from the CLI itself, so a new command or flag joins the corpus without
editing this file. For each command, each parameter in turn gets every bad value of its kind while
the other required parameters hold plausible values (real objects of the test's workspace where a
uuid is expected, so validation behind the "does it exist" check is reached too).

Every answer must be one JSON document; a failure must use a documented exit code (1 service-side,
2 usage, 3 auth), carry `errorMessage` and — except for the parser's usage errors — `reason`, never
be a 500, and never show a stack trace, a Python representation or SQL text. Accepting an odd but
valid value (a unicode name) is fine; only the shape of the answer is judged.
"""

from __future__ import annotations

import io
import json
import re
import sys
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import j, run_cli

GROUPS = ("orchestration", "storage", "segmentation", "connection", "ai", "content", "billing",
          "workspaceManagement", "user", "expression", "system-of-record")
# Long-running processes, not request/answer commands.
SKIPPED = {("serve",), ("worker",), ("mcp",)}
# Commands that start work (runs, agent turns): every uuid they take is unknown, so nothing is started.
STARTS_WORK = {("orchestration", "run", "create"), ("orchestration", "batch", "create"),
               ("orchestration", "action", "execute"), ("orchestration", "action", "execute-batch"),
               ("orchestration", "node", "execute"), ("ai", "message", "create")}
JSON_FLAGS = {"--action", "--actions", "--capabilities", "--column", "--columns", "--computed-config", "--config",
              "--context", "--data", "--executions-filter", "--filter", "--form-fields", "--node", "--nodes",
              "--params", "--parts", "--rate-limit", "--records", "--relationships", "--resources", "--schedule",
              "--sort", "--trigger", "--triggers", "--mcp-clients", "--suggested-actions", "--options", "--output",
              "--heartbeat", "--expression", "--variables"}
FILE_FLAGS = {"--file", "--file-path"}
# Flags of a waiting or interactive mode: left at their defaults.
NOT_FUZZED = {"--wait-until-finished", "--polling-interval", "--background", "--help", "--version", "--refresh",
              "--sync", "--enrich", "--raw", "--draft", "--is-finished", "--is-group-parent", "--dry-run", "--strict",
              "--create-columns"}

FORBIDDEN = [
    ("a stack trace", re.compile(r"Traceback|File \"/")),
    ("a Python repr", re.compile(r"\bNone\b|\{'|\['|\(\'|<[a-zA-Z_.]+ object at 0x")),
    ("SQL text", re.compile(r"\bSELECT\b|\bINSERT\b|\bUPDATE\b \S+ SET|CREATE TABLE|ALTER TABLE|\[SQL:")),
    ("a driver name", re.compile(r"sqlite3\.|psycopg|sqlalchemy|sqlalche\.me")),
]

GOOD = {
    "--filter": j({"conjonction": "and", "groups": []}),
    "--column": j({"slug": "fresh", "type": "string"}),
    "--columns": "[]",
    "--records": j([{"_id": "r1", "name": "Ann"}]),
    "--nodes": "[]",
    "--parts": j([{"type": "text", "text": "hi"}]),
    "--relationships": "[]",
    "--sort": "[]",
    "--kinds": "added",
    "--ids": "r1",
    "--scope": "workspace",
    "--content": "remember this",
    "--to-index": "0",
    "--output-node-slug": "out",
    "--s3-filename": "missing.csv",
    "--integration-slug": "hubspot",
    "--slug": "fine_slug",
    "--name": "Fine name",
    "--mem0-id": "m1",
    "--column-slug": "name",
    "--expression": j({"kind": "templateExpression", "expression": "{{record.name}}"}),
    "--variables": j({"record": {"name": "Ann"}}),
}


@dataclass
class World:
    """Real objects of the test workspace, and files of each awkward kind."""

    ids: dict[str, str]
    files: dict[str, Path]


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, (args, out)
    return out


def build_world(tmp_path: Path) -> World:
    files = {"csv": tmp_path / "rows.csv", "text": tmp_path / "notes.txt", "binary": tmp_path / "blob.bin",
             "empty": tmp_path / "empty.csv", "json_nul": tmp_path / "nul.json", "missing": tmp_path / "nope.csv",
             "dir": tmp_path}
    files["csv"].write_text("_id,name,score\nr1,Ann,3\n")
    files["text"].write_text("some notes")
    files["binary"].write_bytes(bytes(range(256)) * 8)
    files["empty"].write_bytes(b"")
    files["json_nul"].write_bytes(b'[{"name": "a\\u0000b", "n\\u0000": 1}]')
    dataset = next(d["uuid"] for d in ok("storage", "dataset", "list")["datasets"] if d["slug"] == "default")
    model = ok("storage", "model", "create", "--slug", "people", "--name", "People", "--dataset-uuid", dataset,
               "--columns", j([{"slug": "name", "type": "string"}, {"slug": "score", "type": "number"}]))["model"]
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
       j([{"_id": "r1", "name": "Ann", "score": 3}]))
    segment = ok("segmentation", "segment", "create", "--name", "All", "--model-uuid", model["uuid"],
                 "--filter", GOOD["--filter"])["segment"]
    tool = ok("orchestration", "tool", "create", "--name", "Tool")["tool"]
    release = ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"])
    agent = ok("ai", "agent", "create", "--name", "Agent")["agent"]
    chat = ok("ai", "chat", "create", "--agent-uuid", agent["uuid"])["chat"]
    file = ok("content", "file", "upload", "--file-path", str(files["text"]))["file"]
    library = ok("content", "library", "create", "--name", "Lib", "--file-uuids", file["uuid"])["library"]
    play = ok("orchestration", "play", "create", "--name", "Play", "--model-uuid", model["uuid"])["play"]
    release_uuid = (release.get("release") or {}).get("uuid") or str(uuidlib.uuid4())
    ids = {"dataset": dataset, "model": model["uuid"], "segment": segment["uuid"], "tool": tool["uuid"],
           "workflow": tool["workflowUuid"], "release": release_uuid, "agent": agent["uuid"], "chat": chat["uuid"],
           "file": file["uuid"], "library": library["uuid"], "play": play["uuid"]}
    return World(ids=ids, files=files)


# --- the command tree -------------------------------------------------------------------------------


def walk_commands(group: str) -> Iterator[tuple[tuple[str, ...], Any]]:
    import typer

    from lading.cli.app import app

    root = typer.main.get_command(app)

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        subs = getattr(command, "commands", None)
        if subs is None:
            yield path, command
            return
        for name, sub in subs.items():
            if not getattr(sub, "hidden", False):
                yield from walk(sub, (*path, name))

    yield from walk(root.commands[group], (group,))


def flag(param: Any) -> str:
    opts = getattr(param, "opts", None) or [param.name]
    return str(opts[0])


def is_option(param: Any) -> bool:
    return flag(param).startswith("-")


def number_kind(param: Any) -> str | None:
    bare = getattr(param, "bare_type", None)
    kind = bare() if callable(bare) else bare
    name = getattr(kind, "__name__", str(kind))
    return name if name in ("int", "float") else None


def real_uuid(path: tuple[str, ...], name: str, world: World) -> str:
    """A uuid of a real object fitting the parameter, or an unknown one."""
    if path in STARTS_WORK:
        return str(uuidlib.uuid4())
    name = name.lstrip("-").replace("_", "-")
    for noun in ("model", "dataset", "segment", "workflow", "release", "agent", "chat", "library", "play"):
        if name.startswith(noun):
            return world.ids[noun]
    if name in ("file-uuids",):
        return world.ids["file"]
    if name in ("uuid", "uuid-arg"):
        noun = path[-2]
        return world.ids.get({"workflow": "workflow", "file": "file"}.get(noun, noun), str(uuidlib.uuid4()))
    return str(uuidlib.uuid4())


def good_value(path: tuple[str, ...], param: Any, world: World) -> str:
    name = flag(param)
    if name in GOOD:
        return GOOD[name]
    if name in JSON_FLAGS:
        return "{}"
    if name in FILE_FLAGS:
        return str(world.files["csv" if path[1] == "record" else "text"])
    if "uuid" in name or name == "uuid":
        return real_uuid(path, name, world)
    if path[-1] == "execute" and name == "sql":
        return "SELECT 1"
    kind = number_kind(param)
    if kind is not None:
        return "10"
    return "x"


def bad_values(path: tuple[str, ...], param: Any, world: World) -> list[str]:
    """The corpus for one parameter: what its kind admits least."""
    name = flag(param)
    hostile = ["", "a\x00b", "x" * 20_000, "名前 💥 \u202e"]
    if name in JSON_FLAGS:
        return [
            "{", "nope", "[1, 2, 3]", '"text"', "-1e999", "null", "{}", j({"a": None}), j([None]),
            j([{"x": {"y": None}}]),
            j({"slug": 7, "name": None, "type": [], "kind": {}, "uuid": 1, "conditions": None}),
            j({"text": "x" * 100_000}), j({"name": "a\x00b"}), "[" * 5000 + "]" * 5000,
            "@" + str(world.files["missing"]), "@" + str(world.files["binary"]), "@" + str(world.files["empty"]), "",
        ]
    if name in FILE_FLAGS:
        return [str(world.files[k]) for k in ("missing", "binary", "empty", "json_nul", "dir")] + ["", "a\x00b"]
    kind = number_kind(param)
    if kind == "int":
        return ["-1", "0", "99999999999999999999999", "abc"]
    if kind == "float":
        return ["nan", "-inf", "1e400", "-1", "abc"]
    if "uuid" in name:
        return [str(uuidlib.uuid4()), "not-a-uuid", *hostile, f"{uuidlib.uuid4()},{uuidlib.uuid4()}"]
    if path[-1] in ("execute", "download") and name == "sql":
        return ["SELEC nonsense", "DROP TABLE x", "SELECT * FROM nowhere.nothing", "SELECT 1; SELECT 2", *hostile]
    return hostile


def cases(group: str, world: World) -> Iterator[list[str]]:
    for path, command in walk_commands(group):
        if path in SKIPPED:
            continue
        params = [p for p in command.params if flag(p) not in NOT_FUZZED and not getattr(p, "is_flag", False)]
        required = [p for p in params if p.required]
        for target in params:
            for bad in bad_values(path, target, world):
                args: list[str] = list(path)
                for param in params:
                    if param is not target and not param.required:
                        continue
                    value = bad if param is target else good_value(path, param, world)
                    args += [flag(param), value] if is_option(param) else [value]
                yield args
        if not required:
            yield list(path)


# --- judging ----------------------------------------------------------------------------------------


def invoke(args: list[str]) -> tuple[int, str, str]:
    from lading.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, io.StringIO("")
    try:
        code = main(args)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def shown(args: list[str]) -> str:
    return " ".join(a if len(a) < 60 else a[:40] + f"…({len(a)} chars)" for a in args).replace("\x00", "\\0")


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def problem(args: list[str], code: int, stdout: str, stderr: str) -> str | None:
    """What is wrong with one answer, or None."""
    streams = args[-1] in ("download", "diagram") or any(a in ("download", "diagram") for a in args[1:3])
    try:
        document = json.loads(stdout)
    except ValueError:
        # Downloads stream JSON lines (none when nothing matches); everything else prints one document.
        if not (code == 0 and streams and all(_is_json(line) for line in stdout.splitlines())):
            return f"not one JSON document on stdout: {stdout[:200]!r}"
        document = None
    if code == 0:
        text = stderr
    else:
        if code not in (1, 2, 3):
            return f"undocumented exit code {code}"
        if not isinstance(document, dict) or not isinstance(document.get("errorMessage"), str) or \
                not document["errorMessage"]:
            return f"no errorMessage: {stdout[:200]}"
        if document.get("statusCode") == 500 or document.get("reason") == "unknown":
            return f"internal error: {document['errorMessage'][:300]}"
        # Documented reason-less failures: analytics SQL (`Code: <n>. …`, analytics spec §6.1) and storage
        # SQL's unknown table (`Table not found: <dataset>.<model>`, data spec §6).
        documented = document["errorMessage"].startswith(("Code: ", "Table not found: "))
        if code != 2 and not document.get("reason") and not documented:
            return f"no reason: {document['errorMessage'][:300]}"
        text = document["errorMessage"] + stderr
    echoed = " ".join(args)
    sql_command = len(args) > 2 and args[1] == "query" and args[2] in ("execute", "download")
    for what, pattern in FORBIDDEN:
        if sql_command and what == "SQL text":
            continue  # the user writes SQL there; the guard's answers speak of SELECT
        match = pattern.search(text)
        if match and match.group(0) not in echoed:
            start = max(match.start() - 80, 0)
            return f"shows {what}: …{text[start:match.end() + 80]}…"
    return None


@pytest.mark.parametrize("group", GROUPS)
def test_bad_input_gets_a_documented_error(group: str, tmp_path: Path) -> None:
    world = build_world(tmp_path)
    problems: list[str] = []
    count = 0
    for args in cases(group, world):
        count += 1
        code, stdout, stderr = invoke(args)
        found = problem(args, code, stdout, stderr)
        if found:
            problems.append(f"lading {shown(args)} → exit {code}: {found}")
    assert count > 0
    assert not problems, f"{len(problems)} of {count} cases:\n" + "\n".join(problems)


def test_the_corpus_covers_every_group() -> None:
    """Each documented group is in the corpus (a new top-level group must be added to GROUPS)."""
    import typer

    from lading.cli.app import app

    root = typer.main.get_command(app)
    groups = {name for name, sub in root.commands.items()
              if getattr(sub, "commands", None) is not None and not getattr(sub, "hidden", False)}
    assert groups == set(GROUPS)


@pytest.mark.embedded_only  # breaks a service inside this process, which a server does not share
def test_the_last_line_of_defence_shows_no_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception still answers the documented shape, with no text of the exception."""
    from lading.services.storage import datasets as storage

    def boom(session: Any) -> Any:
        raise RuntimeError("(sqlite3.OperationalError) near 'SELECT': {'a': None}")

    monkeypatch.setattr(storage, "list_datasets", boom)
    code, out = run_cli("storage", "dataset", "list")
    assert code == 1
    assert out["reason"] == "unknown" and out["statusCode"] == 500
    assert "sqlite3" not in out["errorMessage"] and "None" not in out["errorMessage"]


def test_a_record_value_with_a_nul_character_fails_its_row_on_both_stores(tmp_path: Path) -> None:
    """PostgreSQL cannot store NUL in text or JSON; the row is reported, the rest of the file lands."""
    dataset = next(d["uuid"] for d in ok("storage", "dataset", "list")["datasets"] if d["slug"] == "default")
    model = ok("storage", "model", "create", "--slug", "people", "--name", "People", "--dataset-uuid", dataset,
               "--columns", j([{"slug": "name", "type": "string"}, {"slug": "meta", "type": "object"}]))["model"]
    path = tmp_path / "rows.json"
    path.write_text(j([{"_id": "ok", "name": "Ann"}, {"_id": "bad1", "name": "a\x00b"},
                       {"_id": "bad2", "meta": {"k": ["x\x00"]}}, {"_id": "bad\x003", "name": "Bob"}]))
    code, out = run_cli("storage", "record", "import", "--model-uuid", model["uuid"], "--file", str(path))
    assert code == 0, out
    assert out["import"]["insertedRecordsCount"] == 1 and out["import"]["skippedRecordsCount"] == 3
    assert all("NUL" in e["message"] for e in out["import"]["errors"])
    code, out = run_cli("storage", "record", "remove", "--model-uuid", model["uuid"], "--ids", "ok,x\x00y")
    assert code in (0, 1) and out.get("reason") != "unknown", out
    code, out = run_cli("storage", "model", "update", "--uuid", model["uuid"], "--name", "a\x00b")
    assert code in (0, 1) and out.get("reason") != "unknown", out
