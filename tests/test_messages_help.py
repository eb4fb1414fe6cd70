"""Messages and help a person can use (issue 15 §5), through the real CLI and the real server.

- every error document carries `errorMessage` and `reason`, usage errors included, and speaks JSON: no
  `None`, no `{'a': …}`, no traceback, whatever the input;
- `--help` never cuts a JSON example, a flag's description or a command's summary at the terminal
  width, and marks required flags `[required]`;
- `billing usage get-metrics` without `--from/--to` answers the current UTC month (CLI, API, remote);
- `orchestration query execute` answers `SHOW TABLES` and `DESCRIBE [TABLE] <table>` for the four runtime
  tables only, in the shape of a query result, and refuses every other discovery statement as before;
- shell completion (bash, zsh) completes group names;
- the ASCII diagram names each step by its slug, and an agent step by the agent's name.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, j, run_cli

PYTHON_REPR = re.compile(r"\bNone\b|\{'|\['|\bTrue\b|\bFalse\b|Traceback|File \"/")


def speaks_json(text: str) -> None:
    assert not PYTHON_REPR.search(text), text


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, (args, out)
    return out


# --- 1. error documents ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("orchestration", "run", "list", "--bogus"),
    ("segmentation", "segment", "create", "--name", "x"),
    ("orchestration", "run", "list", "--limit", "abc"),
    ("orchestration", "run", "list", "--limit", "99999999999999999999"),
    ("orchestration", "nope"),
    ("orchestration", "node", "validate", "--nodes", "{not json"),
    ("orchestration", "node", "diagram", "--nodes", "[]", "--format", "svg"),
])
def test_usage_errors_are_error_documents_with_a_reason(args: tuple[str, ...]) -> None:
    code, out = run_cli(*args)
    assert code == 2, out
    assert isinstance(out, dict), out  # one JSON document, never Typer's boxed usage text
    assert out["reason"] == "invalidPayload" and out["errorMessage"].startswith("error: ")
    assert out["status"] == 400
    speaks_json(json.dumps(out))


def test_usage_errors_keep_the_parsers_words() -> None:
    code, out = run_cli("orchestration", "run", "list", "--from-user")
    assert code == 2 and out["errorMessage"] == "error: unknown option '--from-user'"
    code, out = run_cli("segmentation", "segment", "create", "--name", "x")
    assert out["errorMessage"] == "error: required option '--model-uuid <model-uuid>' not specified"


def _model() -> str:
    dataset = next(d["uuid"] for d in ok("storage", "dataset", "list")["datasets"] if d["slug"] == "default")
    return str(ok("storage", "model", "create", "--slug", "people", "--name", "People", "--dataset-uuid", dataset,
                  "--columns", j([{"slug": "name", "type": "string"}]))["model"]["uuid"])


def _condition_filter(condition: Any) -> str:
    return j({"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [condition]}]})


def bad_inputs(model: str) -> Iterator[tuple[str, ...]]:
    """Ill-shaped JSON for many commands: nulls where objects are expected, objects where lists are."""
    yield "orchestration", "node", "validate", "--nodes", j({"nodes": []})
    yield "orchestration", "node", "validate", "--nodes", j([{"kind": None, "slug": None}])
    yield "orchestration", "node", "validate", "--nodes", j([None, 1, "x"])
    yield "orchestration", "node", "diagram", "--nodes", j({"nodes": None})
    yield "orchestration", "node", "diagram", "--nodes", j([None])
    yield "segmentation", "segment", "fetch", "--model-uuid", model, "--filter", _condition_filter({"kind": None})
    yield "segmentation", "segment", "fetch", "--model-uuid", model, "--filter", _condition_filter([1, 2])
    yield "segmentation", "segment", "fetch", "--model-uuid", model, "--filter", j({"conjonction": None,
                                                                                     "groups": None})
    yield "segmentation", "segment", "create", "--name", "s", "--model-uuid", model, "--filter", j([])
    yield "segmentation", "segment", "fetch", "--model-uuid", model, "--filter", j(None)
    yield "storage", "record", "upsert", "--model-uuid", model, "--records", j({"_id": "a"})
    yield "storage", "record", "upsert", "--model-uuid", model, "--records", j([None, {"_id": None}])
    yield "storage", "model", "create", "--slug", "m2", "--name", "M", "--columns", j([{"slug": None}])
    yield "storage", "model", "create", "--slug", "m3", "--name", "M", "--columns", j({"slug": "a"})
    yield "orchestration", "tool", "create", "--name", "T", "--form-fields", j({"a": None})
    yield "orchestration", "tool", "create", "--name", "T", "--form-fields", j([{"slug": None, "type": None}])
    yield "expression", "evaluate", "--expression", j({"kind": None}), "--variables", j({})
    yield "expression", "evaluate", "--expression", j([True]), "--variables", j(None)
    yield "orchestration", "query", "execute", "SELECT nope FROM runs"
    yield "orchestration", "query", "execute", "SELEC 1"
    yield "storage", "query", "execute", "--query", "SELECT * FROM default.nowhere"
    yield "storage", "query", "execute", "--query", "DROP TABLE x"
    yield "billing", "usage", "get-metrics", "--from", "2025-02-30"


def test_bad_input_is_answered_in_json_terms() -> None:
    model = _model()
    for args in bad_inputs(model):
        code, out = run_cli(*args)
        assert isinstance(out, dict), (args, out)
        text = json.dumps(out, ensure_ascii=False)
        speaks_json(text)
        if code != 0:
            assert code in (1, 2), (args, out)
            assert out.get("errorMessage") and out.get("reason"), (args, out)
            assert out.get("status", 400) < 500, (args, out)


def test_sql_errors_carry_a_reason(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    for path, sql in (("/storage/query", "SELECT * FROM default.nowhere"), ("/storage/query", "DELETE FROM x"),
                      ("/orchestration/query", "SELECT nope FROM runs"), ("/orchestration/query", "SHOW DATABASES")):
        response = alpha.post(path, json={"query": sql})
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["errorMessage"] and body["reason"], body
        speaks_json(response.text)


# --- 2. help --------------------------------------------------------------------------------------


def _tree() -> Iterator[tuple[tuple[str, ...], Any]]:
    import typer

    from lading.cli.app import app

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if not getattr(sub, "hidden", False):
                yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def json_examples(text: str) -> list[str]:
    """Bracketed spans holding a JSON-ish example (a quoted key or value), outermost only."""
    found: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char in "{[":
            if depth == 0:
                start = i
            depth += 1
        elif char in "}]" and depth:
            depth -= 1
            if depth == 0 and '"' in text[start:i + 1]:
                found.append(text[start:i + 1])
    return found


def _help_sources(command: Any) -> list[str]:
    import inspect

    texts = [inspect.cleandoc(command.help)] if command.help else []
    texts += [param.help for param in command.params if getattr(param, "help", None)]
    return texts


@pytest.mark.parametrize("columns", ["60", "200"])
def test_help_never_cuts_an_example_and_marks_required_flags(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    seen_examples = 0
    for path, command in _tree():
        code, text = run_cli(*path, "--help")
        assert code == 0 and isinstance(text, str) and text.startswith("Usage: lading"), (path, text)
        assert "╭" not in text and "…\n" not in text, (path, text)  # no box, no cut line
        for source in _help_sources(command):
            for example in json_examples(source):
                whole = re.sub(r"\s*\n\s*", " ", example)
                assert whole in text, (path, columns, whole, text)
                seen_examples += 1
        required = [p for p in command.params if p.required and not getattr(p, "hidden", False)]
        assert text.count("[required]") == len(required), (path, text)
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "hidden", False) or not sub.help:
                continue
            summary = " ".join(_first_paragraph(sub.help).split())
            assert summary in " ".join(text.split()), (path, name, summary)
    assert seen_examples > 20  # the tree does hold JSON examples (filters, nodes, documents)


def _first_paragraph(help_text: str) -> str:
    import inspect

    return inspect.cleandoc(help_text).partition("\f")[0].split("\n\n")[0]


def test_help_lines_fit_the_terminal_except_an_unbreakable_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    code, text = run_cli("segmentation", "segment", "create", "--help")
    assert code == 0
    assert '{"conjonction":"and","groups":[…]}' in text
    for line in text.splitlines():
        if len(line) > 60:
            assert json_examples(line) or line.startswith("Usage:"), line


def test_wrapping_keeps_bracketed_spans_whole() -> None:
    from lading.cli.helptext import fill, tokens

    assert tokens('a {"x": [1, 2]} b') == ["a", '{"x": [1, 2]}', "b"]
    assert tokens("an (unclosed [ bracket here") == ["an", "(unclosed", "[", "bracket", "here"]
    lines = fill('prints {"metrics": [{"date", "items": []}]} per day', 20)
    assert '{"metrics": [{"date", "items": []}]}' in lines and all(len(x) <= 20 or "{" in x for x in lines)


# --- 3. billing metrics default to the current UTC month ------------------------------------------


def test_period_defaults_to_the_current_utc_month() -> None:
    from lading.services.billing.usage import period

    today = date(2026, 12, 4)
    assert period(None, None, today) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period("2026-11-15", None, today) == (date(2026, 11, 15), date(2026, 12, 31))
    assert period("2027-02-10", None, today) == (date(2027, 2, 10), date(2027, 2, 28))
    assert period(None, "2026-02-10", today) == (date(2026, 2, 1), date(2026, 2, 10))
    assert period("2026-03-01", "2026-03-02", today) == (date(2026, 3, 1), date(2026, 3, 2))


def _this_month() -> tuple[str, str]:
    from lading.services.billing.usage import period

    start, end = period(None, None, datetime.now(UTC).date())
    return start.isoformat(), end.isoformat()


def test_get_metrics_without_dates_is_this_month() -> None:
    start, end = _this_month()
    assert ok("billing", "usage", "get-metrics") == ok("billing", "usage", "get-metrics", "--from", start, "--to", end)
    code, text = run_cli("billing", "usage", "get-metrics", "--help")
    assert "current UTC month" in text


def test_get_metrics_without_dates_over_http_and_remote(api_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    start, end = _this_month()
    alpha = api_server.client("alpha")
    answer = alpha.get("/billing/usage/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.json() == alpha.get("/billing/usage/metrics", params={"from": start, "to": end}).json()
    embedded = api_server.lading("billing", "usage", "get-metrics")
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    assert ok("billing", "usage", "get-metrics") == embedded == answer.json()


# --- 4. schema discovery in query execute ---------------------------------------------------------

TABLE_COLUMNS = {"runs": {"uuid", "workflow_uuid", "status", "created_at", "record_id"},
                 "spans": {"run_uuid", "node_slug", "execution_status", "execution_started_at"},
                 "batches": {"uuid", "status", "created_at"},
                 "records": {"record_id", "workflow_uuid"}}


def test_show_tables_and_describe_answer_the_four_runtime_tables(lading_env: Path) -> None:
    assert ok("orchestration", "query", "execute", "SHOW TABLES") == {
        "rows": [{"name": "batches"}, {"name": "records"}, {"name": "runs"}, {"name": "spans"}]}
    assert ok("orchestration", "query", "execute", "  show tables; ")["rows"][0] == {"name": "batches"}
    for table, must in TABLE_COLUMNS.items():
        for sql in (f"DESCRIBE TABLE {table}", f"DESCRIBE {table}", f"desc {table};", f"DESCRIBE `{table}`"):
            rows = ok("orchestration", "query", "execute", sql)["rows"]
            assert all(set(row) == {"name", "type"} and row["type"] for row in rows), rows
            names = [row["name"] for row in rows]
            assert must <= set(names) and len(names) == len(set(names)), (sql, names)
            text = json.dumps(rows)
            assert "lading_view" not in text and "sqlite" not in text and "postgres" not in text
            assert str(lading_env) not in text
    types = {row["name"]: row["type"] for row in ok("orchestration", "query", "execute", "DESCRIBE runs")["rows"]}
    assert types["uuid"] == "UUID" and types["created_at"].startswith("DateTime64")


@pytest.mark.parametrize(("sql", "code"), [
    ("DESCRIBE nope", 60), ("DESCRIBE RUNS", 60), ("DESCRIBE TABLE system.tables", 497), ("DESCRIBE (SELECT 1)", 497),
    ("SHOW DATABASES", 497), ("SHOW CREATE TABLE runs", 497), ("SHOW TABLES FROM system", 497),
    ("SHOW TABLES; DROP TABLE runs", 62), ("DESCRIBE runs; SELECT 1", 62), ("EXPLAIN SELECT 1", 497),
])
def test_other_discovery_statements_stay_refused(sql: str, code: int) -> None:
    exit_code, out = run_cli("orchestration", "query", "execute", sql)
    assert exit_code == 1 and out["errorMessage"].startswith(f"Code: {code}.") and out["reason"], out


def test_discovery_over_http_and_remote(api_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    alpha = api_server.client("alpha")
    for sql in ("SHOW TABLES", "DESCRIBE TABLE runs", "DESCRIBE spans"):
        answer = alpha.post("/orchestration/query", json={"query": sql})
        assert answer.status_code == 200, answer.text
        assert answer.json() == api_server.lading("orchestration", "query", "execute", sql)
        monkeypatch.setenv("LADING_API_URL", api_server.url)
        monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
        assert ok("orchestration", "query", "execute", sql) == answer.json()
    refused = alpha.post("/orchestration/query", json={"query": "DESCRIBE system.tables"})
    assert refused.status_code == 400 and refused.json()["reason"] == "ACCESS_DENIED"


# --- 5. shell completion --------------------------------------------------------------------------


def _lading_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH starts with a `lading` that runs this checkout (as an installed one would)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "lading"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lading "$@"\n')
    shim.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO / "src")
    env["HOME"] = str(tmp_path / "user")
    env["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"  # name the shell instead of detecting it
    (tmp_path / "user").mkdir()
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


@pytest.mark.embedded_only
def test_bash_completion_completes_group_and_command_names(tmp_path: Path) -> None:
    env = _lading_on_path(tmp_path)
    script = tmp_path / "lading.bash"
    script.write_text(_run(["lading", "--show-completion", "bash"], env))
    assert "complete -o default -F _lading_completion lading" in script.read_text()
    words = {"lading orch": ("1", "orchestration"), "lading orchestration ru": ("2", "run"),
             "lading seg": ("1", "segmentation"), "lading orchestration query ex": ("3", "execute")}
    for line, (cword, expected) in words.items():
        probe = (f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={cword}; _lading_completion lading; '
                 'printf "%s\\n" "${COMPREPLY[@]}"')
        assert _run(["bash", "-c", probe], env).split() == [expected], line
    # The protocol the script speaks to `lading` (Typer names it `complete_bash`), directly.
    direct = dict(env, _LADING_COMPLETE="complete_bash", COMP_WORDS="lading orch", COMP_CWORD="1")
    assert "orchestration" in _run(["lading"], direct)


@pytest.mark.embedded_only
def test_zsh_completion_script_and_install(tmp_path: Path) -> None:
    env = _lading_on_path(tmp_path)
    script = _run(["lading", "--show-completion", "zsh"], env)
    assert script.startswith("#compdef lading") and "_LADING_COMPLETE=complete_zsh" in script
    answer = _run(["lading"], dict(env, _LADING_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="lading orch"))
    assert '"orchestration":' in answer
    assert "zsh completion installed" in _run(["lading", "--install-completion", "zsh"], env)
    assert (tmp_path / "user" / ".zfunc" / "_lading").read_text().startswith("#compdef lading")
    assert "bash completion installed" in _run(["lading", "--install-completion", "bash"], env)
    assert "lading" in (tmp_path / "user" / ".bashrc").read_text()


def test_a_group_alone_prints_its_help_page() -> None:
    code, text = run_cli("orchestration")
    assert code == 2 and isinstance(text, str) and text.startswith("Usage: lading orchestration")
    assert "query     Read-only SQL over the runtime tables" in text


def test_root_help_offers_completion() -> None:
    code, text = run_cli("--help")
    assert code == 0 and "--install-completion" in text and "--show-completion" in text


# --- 6. the ASCII diagram names steps by slug and agent -------------------------------------------


def _agent_graph(agent_uuid: str) -> list[dict[str, Any]]:
    def node(n: int, slug: str, kind: str, action: str | None, children: list[int], **extra: Any) -> dict[str, Any]:
        found: dict[str, Any] = {"uuid": f"{n:08x}-0000-4000-8000-000000000000", "slug": slug, "kind": kind,
                                 "config": {}, "fallbackOnFailure": False,
                                 "childrenUuids": [f"{c:08x}-0000-4000-8000-000000000000" for c in children]}
        if action:
            found["actionSlug"] = action
        found.update(extra)
        return found

    return [node(1, "start", "native", "start", [2]), node(2, "lookup_vars", "native", "variables", [3]),
            node(3, "research", "agent", None, [4], agentUuid=agent_uuid, config={"prompt": "hi"}),
            node(4, "end", "native", "end", [])]


def test_ascii_diagram_labels_steps_by_slug_and_agent_name(api_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = api_server.lading("ai", "agent", "create", "--name", "Researcher")["agent"]
    graph = j(_agent_graph(agent["uuid"]))
    embedded = api_server.lading("orchestration", "node", "diagram", "--nodes", graph, "--format", "ascii")
    text = embedded["diagram"]
    assert "lookup_vars" in text and "research" in text and "agent Researcher" in text, text
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    assert ok("orchestration", "node", "diagram", "--nodes", graph, "--format", "ascii") == embedded
    # Another workspace's agent is not named: its uuid stays short, nothing of beta shows in alpha.
    beta_agent = api_server.lading("ai", "agent", "create", "--name", "BetaSecretAgent", workspace="beta")["agent"]
    foreign = api_server.client("alpha").post("/orchestration/nodes/diagram",
                                              json={"nodes": _agent_graph(beta_agent["uuid"]), "format": "ascii"})
    assert foreign.status_code == 200, foreign.text
    assert "BetaSecretAgent" not in foreign.text and f"agent {beta_agent['uuid'][:8]}" in foreign.json()["diagram"]
