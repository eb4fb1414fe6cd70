"""Edges where the remote CLI must still answer what the embedded one does: ids a URL cannot carry as
typed, and a query result the server cut (analytics §6.4: a warning on stderr; the server says so in a
response header, the body stays `{"rows"}`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, start, var


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from api_server import start_server, stop_server

    server = start_server(tmp_path_factory.mktemp("capped") / "home", workspaces=("alpha",),
                          extra_env={"LADING_QUERY_MAX_RESULT_ROWS": "2"})
    yield server
    stop_server(server)


def remote(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_API_URL", server.url)
    monkeypatch.setenv("LADING_TOKEN", server.tokens["alpha"])


@pytest.mark.parametrize("typed", ["", "a b", "a?b", "a#b", "a%00b", "a\x00b", ".", ".."])
@pytest.mark.parametrize("command", [("orchestration", "run", "get"), ("orchestration", "batch", "cancel"),
                                     ("orchestration", "play", "remove"), ("workspaceManagement", "folder", "get")])
def test_odd_ids_answer_as_embedded(capped_server: Any, monkeypatch: pytest.MonkeyPatch, typed: str,
                                    command: tuple[str, ...]) -> None:
    embedded = run_cli(*command, typed)
    remote(capped_server, monkeypatch)
    assert run_cli(*command, typed) == embedded
    assert embedded[0] == 1 and embedded[1]["reason"], embedded  # …NotFound (a NUL on PostgreSQL: invalidData)


def test_remote_query_warns_when_the_server_truncates(capped_server: Any, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    remote(capped_server, monkeypatch)
    nodes = j(chain(start(), end([var("id", "{{nodes.start._id}}")])))
    for record in ("a", "b", "c"):
        code, out = run_cli("orchestration", "run", "create", "--nodes", nodes, "--data", j({"_id": record}),
                            "--wait-until-finished")
        assert code == 0 and out["run"]["status"] == "success", out
    capsys.readouterr()

    code, out = run_cli("orchestration", "query", "execute", "SELECT toString(uuid) AS uuid FROM runs")
    assert code == 0 and len(out["rows"]) == 2
    assert "warning: result truncated at 2 rows" in capsys.readouterr().err
    code, out = run_cli("orchestration", "query", "execute", "SELECT count() AS n FROM runs")
    assert code == 0 and out == {"rows": [{"n": 3}]}
    assert "truncated" not in capsys.readouterr().err

    # The API's answer is the documented body; the header is all a client may ignore.
    response = capped_server.client("alpha").post("/orchestration/query", json={"query": "SELECT 1 AS x FROM runs"})
    assert response.status_code == 200 and response.json() == {"rows": [{"x": 1}, {"x": 1}]}
    assert response.headers["x-lading-result-truncated"] == "2"
