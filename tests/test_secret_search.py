"""No connector credential, token or signing key shows anywhere a user, a log or a download can see.

Each integration of the catalog (and the natives that use credentials: agent steps with a model
provider's key, MCP clients with an access token) gets a recognisable secret
(`sk-LADINGSECRET-<name>-<random>-7f3a`) and is called through the real CLI against a fake provider on
127.0.0.1 that answers 200 (echoing the request back), 401, 500, or is not listening at all. The
runs are read, downloaded and queried (`orchestration query execute` over `spans` and `runs`), the
background worker executes some of them (its `worker.log`), and a few go through `lading serve` and
the remote CLI (the server's log). Then every file under `$LADING_HOME` (the SQLite database's raw
bytes included: the store holds secrets encrypted only), every CLI output, stderr, the captured logs,
every downloaded file, the server's home and log, and on PostgreSQL every table's text are searched
for each secret in every spelling it could take. Zero hits.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import j, read_export, run_cli
from fakes import Answer, FakeProvider, Recorded, fake_provider
from graphs import end, node, start, var

MARK = "LADINGSECRET"


def secret(name: str) -> str:
    """Recognisable and unique per test (the PostgreSQL database outlives one test)."""
    return f"sk-{MARK}-{name}-{uuid.uuid4().hex[:8]}-7f3a"


def _b64_cores(raw: bytes) -> set[str]:
    """Base64 text that any base64 encoding containing `raw` contains, whatever its alignment."""
    out = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        core = encoded[(shift * 4 + 2) // 3:(shift + len(raw)) * 4 // 3]
        out |= {core, core.replace("+", "-").replace("/", "_")}
    return {c for c in out if len(c) >= 8}


def needles(secrets: dict[str, str]) -> set[str]:
    """Every spelling a leak could take: as is, URL-encoded, base64 (any alignment: a Basic header
    carries `user:password`), and the bare marker, so even a truncated or re-cased secret shows."""
    out = {MARK, MARK.lower()} | _b64_cores(MARK.encode())
    for value in secrets.values():
        out |= {value, quote(value, safe=""), value.upper()} | _b64_cores(value.encode())
    return out


def signing_key_forms() -> set[str]:
    """The installation's secret key (it encrypts credentials and, derived, signs export URLs) in the
    forms it could leak in: its base64 text, its raw bytes, the derived URL-signing key."""
    import hashlib
    import hmac

    from lading.integrations._vault import current_key

    key = current_key()
    signing = hmac.new(key, b"lading export urls v1", hashlib.sha256).digest()
    forms = {base64.b64encode(key).decode(), signing.hex(), base64.b64encode(signing).decode()}
    if key.isascii():
        forms.add(key.decode())
    return forms


def echo(rec: Recorded, status: int = 200) -> Answer:
    """An answer every integration reads, echoing the whole request (headers, raw target, body) in
    every field an integration copies into its output or its error message."""
    dump = {"method": rec.method, "target": rec.target, "headers": rec.headers,
            "body": rec.body.decode("utf-8", "replace")}
    text = "echo " + json.dumps(dump)
    ok = status < 400
    body: dict[str, Any] = {
        "echo": dump, "text": text, "message": text, "detail": text, "ok": ok, "channel": "C1", "ts": text,
        "error": text if not ok else None, "errors": [{"id": "x", "code": status, "details": text}],
        "data": {"echo": dump, "email": "ann@acme.com", "result": "deliverable"},
        "results": [{"id": "1", "properties": {"echo": text}}], "total": 1, "name": text, "domain": "acme.com",
        "id": "msg_1", "model": "m-1", "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text, "refusal": None}}],
        "type": "message", "role": "assistant", "stop_reason": "end_turn", "content": [{"type": "text", "text": text}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "input_tokens": 3,
                  "output_tokens": 2},
    }
    return Answer(status, body, headers={"X-Echo-Auth": rec.headers.get("authorization", ""),
                                         "X-Echo-Key": rec.headers.get("x-api-key", ""), "X-Echo-Target": rec.target})


def closed_port_url() -> str:
    """A base URL nothing listens on: the provider is unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


NAMES = ["clearbit", "hunter", "slack", "hubspot", "openAi", "anthropic", "httpBearer", "httpBasic", "httpHeader",
         "agentOpenAi", "agentAnthropic", "chatOpenAi"]


def connector_cases(s: dict[str, str]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(integration, action, node config, connector config without baseUrl): one per catalog entry
    that takes credentials, the http integration in each of its auth forms."""
    return [
        ("clearbit", "enrichCompany", {"domain": "acme.com"}, {"apiKey": s["clearbit"]}),
        ("hunter", "verifyEmail", {"email": "ann@acme.com"}, {"apiKey": s["hunter"]}),
        ("slack", "postMessage", {"channelId": "C1", "body": "hello"}, {"botToken": s["slack"]}),
        ("hubspot", "findRecords", {"objectType": "contacts", "propertyName": "email", "value": "ann@acme.com"},
         {"accessToken": s["hubspot"]}),
        ("openAi", "instruct", {"prompt": "hi", "model": "gpt-4o-mini"}, {"apiKey": s["openAi"]}),
        ("anthropic", "instruct", {"prompt": "hi", "model": "claude-3-5-haiku-latest"}, {"apiKey": s["anthropic"]}),
        ("http", "request", {"method": "POST", "url": "/echo?x=1", "body": {"hello": "world"}},
         {"auth": {"type": "bearer", "token": s["httpBearer"]}}),
        ("http", "request", {"url": "/echo"},
         {"auth": {"type": "basic", "username": "ann", "password": s["httpBasic"]}}),
        ("http", "request", {"url": "/echo"},
         {"auth": {"type": "header", "name": "X-Api-Key", "value": s["httpHeader"]}}),
    ]


class Search:
    """Everything a user or an operator could read, collected as the test goes, then searched."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets
        self.texts: list[tuple[str, str]] = []
        self.extra: set[str] = set()  # other needles (an API token)

    def add(self, where: str, value: Any) -> None:
        self.texts.append((where, value if isinstance(value, str) else json.dumps(value)))

    def cli(self, *args: str, expect: int | None = 0) -> Any:
        code, out = run_cli(*args)
        self.add(f"lading {' '.join(args[:3])}", out)
        if expect is not None:
            assert code == expect, (args, out)
        return out

    def query(self, sql: str) -> None:
        """`orchestration query execute` in a process of its own, as a user runs it: embedded, chDB
        opens the SQLite store with its own SQLite library, and closing it drops the POSIX locks this
        test process holds on the same file (SQLite's documented multiple-library hazard), letting
        another process delete the WAL under this one's connections. Remote, the server runs it."""
        import subprocess
        import sys

        if os.environ.get("LADING_API_URL"):
            self.cli("orchestration", "query", "execute", sql)
            return
        done = subprocess.run([sys.executable, "-m", "lading", "orchestration", "query", "execute", sql],
                              capture_output=True, text=True, timeout=300, check=False)
        self.add("lading orchestration query execute (stdout)", done.stdout)
        self.add("lading orchestration query execute (stderr)", done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr

    def download(self, answer: Any) -> None:
        """The files a download command answered (`{url}` or `{urls}`), read as a user would."""
        urls = [answer["url"]] if isinstance(answer, dict) and "url" in answer else \
            list(answer.get("urls") or []) if isinstance(answer, dict) else []
        for url in urls:
            self.add(f"download {url[:60]}", read_export(url))

    def tree(self, root: Path, label: str) -> None:
        # `secret.key` is where the installation keeps its key (0600) when no LADING_SECRET_KEY is set.
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "secret.key"):
            self.texts.append((f"{label}/{path.relative_to(root)}", path.read_bytes().decode("latin-1")))

    def leaks(self) -> list[str]:
        found = needles(self.secrets) | signing_key_forms() | self.extra
        out = []
        for where, text in self.texts:
            for n in found:
                at = text.find(n)
                if at >= 0:
                    out.append(f"{where}: {n!r} in …{text[max(0, at - 120):at + 60]!r}")
        return out


def connector(search: Search, integration: str, slug: str, config: dict[str, Any]) -> str:
    out = search.cli("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                     "--name", slug, "--config", j(config))
    return str(out["connector"]["uuid"])


def graph(search: Search, tag: str, base_url: str, s: dict[str, str]) -> list[dict[str, Any]]:
    """start → one connector node per case → two native agent steps (OpenAI, Anthropic keys) → end;
    each node falls back to the next one, so every node runs whether its call succeeds or fails."""
    finish = end([var("all", "{{nodes}}")])
    steps: list[dict[str, Any]] = []
    for i, (integration, action, config, creds) in enumerate(connector_cases(s)):
        uuid_ = connector(search, integration, f"{tag}_{i}", {**creds, "baseUrl": base_url})
        steps.append(node(f"n{i}", kind="connector", integrationSlug=integration, actionSlug=action,
                          connectorUuid=uuid_, config=config))
    for name, integration, model in (("agentOpenAi", "openAi", "gpt-4o-mini"),
                                     ("agentAnthropic", "anthropic", "claude-3-5-haiku-latest")):
        llm = connector(search, integration, f"{tag}_{name}", {"apiKey": s[name], "baseUrl": base_url})
        steps.append(node(name, "agent", {"prompt": "Say hi", "advancedSettings": {
            "connectorUuid": llm, "languageModelSlug": model}}))
    nxt = finish["uuid"]
    for step in reversed(steps):
        step["childrenUuids"], step["fallbackChildUuid"] = [nxt], nxt
        nxt = step["uuid"]
    return [start(children=[nxt]), *steps, finish]


def read_everything(search: Search, wf: str, run_uuid: str, batch_uuid: str | None, slugs: list[str]) -> None:
    """Every face a run's data shows through: get, list, downloads, the runtime SQL tables."""
    search.cli("orchestration", "run", "get", run_uuid)
    search.cli("orchestration", "run", "list", "--workflow-uuid", wf)
    for kind in ("run", "record"):
        search.download(search.cli("orchestration", kind, "download", "--workflow-uuid", wf))
    for slug in slugs:
        for kind in ("run", "record"):
            search.download(search.cli("orchestration", kind, "download-outputs", "--workflow-uuid", wf,
                                       "--output-node-slug", slug, "--format", "json"))
        if batch_uuid:
            search.download(search.cli("orchestration", "batch", "download", "--uuid", batch_uuid,
                                       "--output-node-slug", slug, "--format", "json"))
    for table in ("spans", "runs"):
        search.query(f"SELECT * FROM {table} LIMIT 1000")


def wait_for(run_uuid: str, home: Path) -> dict[str, Any]:
    """The run once the background worker has finished it (up to a few minutes on a loaded machine)."""
    for _ in range(1800):
        code, out = run_cli("orchestration", "run", "get", run_uuid)
        assert code == 0, out
        if out["run"]["status"] not in ("queued", "running", "pending", "waiting", "scheduled"):
            return dict(out)
        time.sleep(0.1)
    log = home / "worker.log"
    raise AssertionError((out["run"]["status"], log.read_text()[-2000:] if log.exists() else "no worker log"))


def single_calls(search: Search, wf: str, release: str, nodes: list[dict[str, Any]]) -> None:
    """Each connector step on its own (`node execute`) and as an action (`action execute`)."""
    for step in nodes:
        if step["kind"] != "connector":
            continue
        search.cli("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid", release,
                   "--node", j(step), "--computed-config", j(step["config"]), "--context", j({"nodes": {}}),
                   expect=None)
        action = {"kind": "connector", "integrationSlug": step["integrationSlug"], "actionSlug": step["actionSlug"],
                  "connectorUuid": step["connectorUuid"]}
        search.cli("orchestration", "action", "execute", "--action", j(action), "--data", j(step["config"]),
                   "--wait-until-finished", expect=None)


def chat(search: Search, tag: str, base_url: str, s: dict[str, str]) -> None:
    """An agent answering a chat message with its OpenAI connector's key."""
    llm = connector(search, "openAi", f"{tag}_chat", {"apiKey": s["chatOpenAi"], "baseUrl": base_url})
    agent = search.cli("ai", "agent", "create", "--name", f"Chatty {tag}")["agent"]["uuid"]
    search.cli("ai", "release", "update-draft", "--agent-uuid", agent, "--system-prompt", "Be brief.",
               "--language-model-slug", "gpt-4o", "--connector-uuid", llm)
    search.cli("ai", "release", "deploy-draft", "--agent-uuid", agent)
    chat_uuid = search.cli("ai", "chat", "create", "--agent-uuid", agent)["chat"]["uuid"]
    search.cli("ai", "message", "create", "--chat-uuid", chat_uuid, "--parts", j([{"type": "text", "text": "Hi"}]),
               "--wait-until-finished", expect=None)
    search.cli("ai", "chat", "get", chat_uuid)


@pytest.fixture
def providers() -> Iterator[dict[str, str]]:
    """Base URLs of a provider that answers (echoing), refuses (401), breaks (500), or is not there."""
    with fake_provider() as ok, fake_provider() as refused, fake_provider() as broken:
        ok.fallback = echo
        refused.fallback = lambda rec: echo(rec, 401)
        broken.fallback = lambda rec: echo(rec, 500)
        yield {"ok": ok.url, "refused": refused.url, "broken": broken.url, "unreachable": closed_port_url(),
               "_fakes": [ok, refused, broken]}  # type: ignore[dict-item]


def _received(fakes: list[FakeProvider]) -> str:
    return json.dumps([[r.headers, r.target, r.body.decode("utf-8", "replace")] for f in fakes for r in f.requests])


@pytest.mark.embedded_only  # reads the CLI process's own home, logs and background worker
def test_every_integration_keeps_its_secret(lading_env: Path, providers: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    caplog.set_level(logging.DEBUG)  # httpx logs every request URL at INFO, httpcore headers at DEBUG
    monkeypatch.setenv("LADING_DEBUG", "1")  # an unexpected failure prints its traceback on stderr
    s = {n: secret(n) for n in NAMES}
    search = Search(s)
    slugs = [f"n{i}" for i in range(len(connector_cases(s)))] + ["agentOpenAi", "agentAnthropic", "end"]
    for tag in ("ok", "refused", "broken", "unreachable"):
        tool = search.cli("orchestration", "tool", "create", "--name", f"Secrets {tag}")
        wf = tool["tool"]["workflowUuid"]
        nodes = graph(search, tag, providers[tag], s)
        release = search.cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf,
                             "--nodes", j(nodes))["release"]["uuid"]
        run = search.cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j({"_id": f"r_{tag}"}),
                         "--wait-until-finished")["run"]
        single_calls(search, wf, release, nodes)
        chat(search, tag, providers[tag], s)
        spans = {e["nodeSlug"]: e for e in run["executions"]}
        if tag == "ok":
            assert all(e["status"] == "success" for e in run["executions"]), run["executions"]
            assert "********" in json.dumps(run)  # the echoed credentials came back masked
        else:
            failed = [e for e in run["executions"] if e["status"] == "error"]
            assert {e["nodeSlug"] for e in failed} == set(slugs[:-1]), spans  # every call failed
            assert all(e.get("errorMessage") for e in failed)
        # A batch, run by the background worker (no waiting): its log is `worker.log`.
        batch = search.cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                           "--data", j({"kind": "records", "records": [{"_id": f"b_{tag}"}]}))["batch"]
        background = search.cli("orchestration", "run", "create", "--workflow-uuid", wf,
                                "--data", j({"_id": f"w_{tag}"}))["run"]
        search.add("run get (background)", wait_for(background["uuid"], lading_env))
        search.cli("orchestration", "batch", "get", batch["uuid"])
        search.cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished",
                   "--data", j({"kind": "records", "records": [{"_id": f"c_{tag}"}]}))
        read_everything(search, wf, run["uuid"], batch["uuid"], slugs)
        search.cli("connection", "connector", "list")
    # The providers really received every secret: the search would prove nothing otherwise.
    received = _received(providers["_fakes"])
    assert all(value in received for value in (s[n] for n in NAMES if n != "httpBasic")), received[:300]
    assert base64.b64encode(f"ann:{s['httpBasic']}".encode()).decode() in received

    search.cli("doctor", expect=None)
    search.cli("whoami")
    records_and_segments(search, s, providers["ok"])
    mcp_client_calls(search, s, providers)
    bad_connector_configs(search, s)

    captured = capfd.readouterr()
    search.add("stdout", captured.out)
    search.add("stderr", captured.err)
    search.add("logs", caplog.text)
    assert (lading_env / "worker.log").exists()
    search.tree(lading_env, "$LADING_HOME")
    if os.environ.get("LADING_TEST_DATABASE_URL"):
        search.add("postgres", postgres_dump())
    leaks = search.leaks()
    assert not leaks, "\n".join(leaks[:40])


def records_and_segments(search: Search, s: dict[str, str], base_url: str) -> None:
    """A provider's echo written into a model by a `modelUpsert` step, then read back as records,
    a segment download and a storage query download."""
    datasets = search.cli("storage", "dataset", "list")["datasets"]
    dataset = next(d for d in datasets if d["slug"] == "default")
    model = search.cli("storage", "model", "create", "--slug", "echoes", "--name", "Echoes", "--dataset-uuid",
                       dataset["uuid"], "--extractor-slug", "native", "--config", "{}", "--columns",
                       j([{"slug": "answer", "type": "string"}, {"slug": "headers", "type": "string"}]))["model"]
    http = connector(search, "http", "echo_records",
                     {"baseUrl": base_url, "auth": {"type": "bearer", "token": s["httpBearer"]}})
    call = node("call", kind="connector", integrationSlug="http", actionSlug="request", connectorUuid=http,
                config={"url": "/echo"})
    save = node("save", "modelUpsert", {"modelUuid": model["uuid"], "data": {
        "_id": "e1", "answer": "{{nodes.call.body.text}}", "headers": "{{nodes.call.headers}}"}})
    finish = end()
    call["childrenUuids"], save["childrenUuids"] = [save["uuid"]], [finish["uuid"]]
    run = search.cli("orchestration", "run", "create", "--nodes", j([start(children=[call["uuid"]]), call, save,
                                                                     finish]), "--wait-until-finished")["run"]
    assert run["status"] == "success", run
    everything = {"conjonction": "and", "groups": []}
    for fmt in ("csv", "json"):
        search.download(search.cli("segmentation", "segment", "download", "--model-uuid", model["uuid"],
                                   "--filter", j(everything), "--format", fmt))
        search.download(search.cli("storage", "query", "download", f"SELECT * FROM {dataset['slug']}.echoes",
                                   "--format", fmt))
    records = search.cli("storage", "query", "execute", f"SELECT * FROM {dataset['slug']}.echoes", expect=None)
    assert "********" in json.dumps(records)  # the echo reached the records, masked


# --- MCP clients (the natives' outside servers) -----------------------------------------------------


def mcp_answer(token: str, status: int | None = None) -> Callable[[Recorded], Answer]:
    """A streamable-HTTP MCP server checking `Bearer <token>`; `status` makes it fail with that code
    (echoing the request, token included, in its error)."""
    def handle(rec: Recorded) -> Answer:
        if status is not None:
            return echo(rec, status)
        if rec.headers.get("authorization") != f"Bearer {token}":
            return echo(rec, 401)
        if rec.method == "DELETE":
            return Answer(200, {})
        message = rec.json()
        if message.get("method") == "initialize":
            return Answer(200, {"jsonrpc": "2.0", "id": message["id"], "result": {
                "protocolVersion": "2025-03-26", "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake", "version": "1"}}}, headers={"mcp-session-id": "s-1"})
        if "id" not in message:
            return Answer(202, None)
        if message.get("method") == "tools/list":
            return Answer(200, {"jsonrpc": "2.0", "id": message["id"], "result": {"tools": [
                {"name": "search", "description": f"echo {rec.headers}", "inputSchema": {"type": "object"}}]}})
        return Answer(200, {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -1, "message": f"{rec.headers}"}})
    return handle


def mcp_client_calls(search: Search, s: dict[str, str], providers: dict[str, Any]) -> None:
    """`ai mcp-client connect` against a server that works, refuses, breaks, is not there; and an
    agent release keeping the client's token (sealed, printed masked)."""
    token = s["mcp"] = secret("mcp")
    with fake_provider() as good, fake_provider() as refusing, fake_provider() as broken:
        good.fallback = mcp_answer(token)
        refusing.fallback = mcp_answer(token, 401)
        broken.fallback = mcp_answer(token, 500)
        for url, expect in ((good.url, 0), (refusing.url, 1), (broken.url, 1), (providers["unreachable"], 1)):
            client = {"kind": "custom", "name": "crm", "url": f"{url}/mcp?session=1",
                      "authentication": {"issuedAt": "2025-01-01T00:00:00Z", "accessToken": token}}
            search.cli("ai", "mcp-client", "connect", "--name", client["name"], "--url", client["url"],
                       "--authentication", j(client["authentication"]), expect=expect)
        assert token in _received([good])
    agent = search.cli("ai", "agent", "create", "--name", "Keeper")["agent"]["uuid"]
    search.cli("ai", "release", "update-draft", "--agent-uuid", agent, "--mcp-clients", j([client]))
    search.cli("ai", "release", "get-draft", "--agent-uuid", agent, expect=None)
    search.cli("ai", "agent", "get", agent)


def bad_connector_configs(search: Search, s: dict[str, str]) -> None:
    """A refused connector config names what is wrong, never the secret it was given."""
    bad = s["badConfig"] = secret("badConfig")
    for integration, config in (
            ("http", {"auth": {"type": "bearer", "token": bad, "extra": 1}}),
            ("http", {"auth": {"type": "nope", "token": bad}}),
            ("http", {"auth": {"type": "header", "name": "X-Key", "value": bad}, "headers": {"X": 5}}),
            ("hunter", {"apiKey": bad, "baseUrl": 5}),
            ("hunter", {"apiKey": [bad]}),
            ("slack", {"botToken": [bad, {"x": bad}]})):
        # Accepted or refused, the answer never holds the secret (a schema error quoting the value would).
        search.cli("connection", "connector", "create", "--integration-slug", integration, "--slug",
                   f"bad_{uuid.uuid4().hex[:6]}", "--name", "Bad", "--config", j(config), expect=None)


def postgres_dump() -> str:
    """Every row of every table as JSON text."""
    from sqlalchemy import text

    from lading.store.database import open_database
    from lading.store.schema import metadata

    db = open_database()
    chunks: list[str] = []
    with db.read() as conn:
        for table in metadata.sorted_tables:
            chunks.extend(conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table.name}" t')).scalars())
    return "\n".join(chunks)


# --- through `lading serve` and the remote CLI ------------------------------------------------------


def test_remote_cli_and_server_keep_the_secrets(api_server: Any, remote: Callable[..., Any],
                                                providers: dict[str, Any]) -> None:
    s = {n: secret(n) for n in NAMES}
    search = Search(s)
    slugs = [f"n{i}" for i in range(len(connector_cases(s)))] + ["agentOpenAi", "agentAnthropic", "end"]
    for tag in ("ok", "refused", "unreachable"):
        tag = f"remote_{tag}_{uuid.uuid4().hex[:6]}"
        base = providers[tag.split("_")[1]]
        wf = search.cli("orchestration", "tool", "create", "--name", tag)["tool"]["workflowUuid"]
        search.cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf,
                   "--nodes", j(graph(search, tag, base, s)))
        run = search.cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j({"_id": tag}),
                         "--wait-until-finished")["run"]
        batch = search.cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished",
                           "--data", j({"kind": "records", "records": [{"_id": f"b_{tag}"}]}))["batch"]
        read_everything(search, wf, run["uuid"], batch["uuid"], slugs)
    assert s["hunter"] in _received(providers["_fakes"])
    search.cli("doctor", expect=None)
    search.cli("whoami")
    search.extra.add(api_server.tokens["alpha"])  # the API token the remote CLI sends on every request
    # The workspace's own model key: accepted, never answered back.
    alpha = api_server.client("alpha")
    key = s["workspaceKey"] = secret("workspaceKey")
    search.add("PUT workspaces/current", alpha.put("/workspaces/current", json={"openAiApiKey": key}).text)
    search.add("GET workspaces/current", alpha.get("/workspaces/current").text)
    # The HTTP API's own error documents for a bad connector config.
    bad = s["badConfig"] = secret("badConfig")
    answer = alpha.post("/connection/connectors", json={"integrationSlug": "http", "slug": "bad", "name": "Bad",
                                                       "config": {"auth": {"type": "nope", "token": bad}}})
    assert answer.status_code == 400
    search.add("POST connectors (bad)", answer.text)
    search.tree(api_server.home, "server home")  # serve.log, the SQLite store, exports
    if os.environ.get("LADING_TEST_DATABASE_URL"):
        search.add("postgres", postgres_dump())
    leaks = search.leaks()
    assert not leaks, "\n".join(leaks[:40])


# --- OAuth: the app's client secret, the code's tokens ----------------------------------------------


@pytest.mark.embedded_only  # the OAuth app and HubSpot's base URL are set in the CLI process's environment
def test_oauth_tokens_and_client_secret_stay_hidden(lading_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture,
                                                    capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    s = {n: secret(n) for n in ("clientSecret", "access", "refresh", "code")}
    search = Search(s)

    def token_endpoint(rec: Recorded) -> Answer:
        form = rec.form()
        if form.get("code") == ["refused"]:  # a refusal quoting the whole request, long enough to be cut
            said = "x" * 280 + f" {rec.body.decode()}"
            return Answer(400, {"error": "invalid_grant", "error_description": said})
        return Answer(200, {"access_token": s["access"], "refresh_token": s["refresh"], "expires_in": 1800,
                            "token_type": "bearer"})

    with fake_provider() as hubspot:
        hubspot.route("POST", "/oauth/v1/token", token_endpoint)
        hubspot.fallback = echo
        monkeypatch.setenv("LADING_HUBSPOT_BASE_URL", hubspot.url)
        monkeypatch.setenv("LADING_INTEGRATION_HUBSPOT_CLIENT_ID", "cli-app")
        monkeypatch.setenv("LADING_INTEGRATION_HUBSPOT_CLIENT_SECRET", s["clientSecret"])
        consent = search.cli("connection", "integration", "initiate-oauth", "hubspot", "--redirect-uri",
                             "http://localhost:8765/callback")["consentUrl"]
        state = consent.split("state=")[1].split("&")[0]
        hub = connector(search, "hubspot", "hub", {"accessToken": secret("pat")})
        search.cli("connection", "integration", "complete-oauth", "--connector-uuid", hub, "--code", "refused",
                   "--state", state, expect=None)
        consent = search.cli("connection", "integration", "initiate-oauth", "hubspot", "--redirect-uri",
                             "http://localhost:8765/callback")["consentUrl"]
        state = consent.split("state=")[1].split("&")[0]
        search.cli("connection", "integration", "complete-oauth", "--connector-uuid", hub, "--code", s["code"],
                   "--state", state)
        search.cli("connection", "connector", "autocomplete", "--connector-uuid", hub, "--slug",
                   "listObjectProperties", "--params", j({"objectType": "contacts"}), expect=None)
        search.cli("connection", "connector", "get", hub)
        received = _received([hubspot])
        assert s["access"] in received and s["clientSecret"] in received
    captured = capfd.readouterr()
    search.add("stdout", captured.out)
    search.add("stderr", captured.err)
    search.add("logs", caplog.text)
    search.tree(lading_env, "$LADING_HOME")
    if os.environ.get("LADING_TEST_DATABASE_URL"):
        search.add("postgres", postgres_dump())
    leaks = search.leaks()
    assert not leaks, "\n".join(leaks[:40])
