"""Connector secrets never land in run data, outputs, errors, logs or downloads — even when the
provider echoes the whole request back (headers, raw query string, body), in a 2xx answer or in a
4xx/5xx error; and credentials go only to their connector's host.

Every built-in integration that takes credentials runs as a connector node through the real CLI
against a fake provider (a real HTTP server on 127.0.0.1) that echoes everything it receives. Then
every file under `$LADING_HOME` (the SQLite store, exports, logs), every CLI output, the captured
logs and stderr — and on PostgreSQL every table — are searched for each secret in all its forms.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

import pytest

from lading.integrations import ProviderError
from lading.integrations._runtime import call_action
from lading.integrations.http import INTEGRATION as HTTP

from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import end, node, start, var


def _secret(tag: str) -> str:
    """Random per test (the PostgreSQL database is shared by runs), with characters that get
    URL-encoded (`+`, `/`, `=`) so the encoded forms are exercised too."""
    return f"{tag}+{uuid.uuid4().hex[:12]}/Q="


def forms(secret: str) -> set[str]:
    """The spellings a leak could take."""
    out = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret, safe="").lower(),
           base64.b64encode(secret.encode()).decode().rstrip("="), f"Bearer {secret}"}
    return {f for f in out if f}


def echo_answer(rec: Recorded, status: int = 200) -> Answer:
    """One answer every integration can read, echoing the request in every field it copies out."""
    dump = {"method": rec.method, "target": rec.target, "query": rec.query, "headers": rec.headers,
            "body": rec.body.decode("utf-8", "replace")}
    text = "echo " + json.dumps(dump)
    ok = status < 400
    body: dict[str, Any] = {
        "echo": dump, "text": text, "message": text, "detail": text,
        "error": {"message": text, "type": text} if not ok else None,
        # Slack copies `channel` and `ts`; a failed call names `error`.
        "ok": ok, "channel": text, "ts": text,
        # Hunter returns `data`; HubSpot `results`; Clearbit the object itself.
        "data": {"echo": dump, "email": text, "result": "deliverable"},
        "results": [{"id": "1", "properties": {"echo": text}}], "total": 1,
        "name": text, "domain": "acme.com",
        # OpenAI chat completions and Anthropic messages.
        "id": "msg_1", "model": "m-1", "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text, "refusal": None}}],
        "type": "message", "role": "assistant", "stop_reason": "end_turn",
        "content": [{"type": "text", "text": text}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "input_tokens": 3,
                  "output_tokens": 2},
    }
    if not ok and rec.path.endswith("chat.postMessage"):
        body["error"] = text  # Slack's error code field
    return Answer(status, body, headers={"X-Echo-Auth": rec.headers.get("authorization", ""),
                                         "X-Echo-Key": rec.headers.get("x-api-key", ""),
                                         "X-Echo-Target": rec.target})


def connector(integration: str, slug: str, config: dict[str, Any] | None) -> str:
    args = ["connection", "connector", "create", "--integration-slug", integration, "--slug", slug, "--name", slug]
    if config is not None:
        args += ["--config", j(config)]
    code, out = run_cli(*args)
    assert code == 0, out
    return str(out["connector"]["uuid"])


# (integration, action, node config, connector config without baseUrl, secrets it holds)
def cases(secrets: dict[str, str]) -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
    return [
        ("clearbit", "enrichCompany", {"domain": "acme.com"}, {"apiKey": secrets["clearbit"]}),
        ("hunter", "verifyEmail", {"email": "ann@acme.com"}, {"apiKey": secrets["hunter"]}),
        ("slack", "postMessage", {"channelId": "C1", "body": "hello"}, {"botToken": secrets["slack"]}),
        ("hubspot", "findRecords", {"objectType": "contacts", "propertyName": "email", "value": "ann@acme.com"},
         {"accessToken": secrets["hubspot"]}),
        ("openAi", "instruct", {"prompt": "hi", "model": "gpt-4o-mini"},
         {"apiKey": secrets["openai"], "organization": "org-1"}),
        ("anthropic", "instruct", {"prompt": "hi", "model": "claude-3-5-haiku-latest"},
         {"apiKey": secrets["anthropic"]}),
        ("http", "request", {"method": "POST", "url": "/echo?x=1", "body": {"hello": "world"}},
         {"auth": {"type": "bearer", "token": secrets["http_bearer"]}}),
        ("http", "request", {"url": "/echo"},
         {"auth": {"type": "basic", "username": "ann", "password": secrets["http_basic"]}}),
        ("http", "request", {"url": "/echo", "failOnError": False},
         {"auth": {"type": "header", "name": "X-Api-Key", "value": secrets["http_header"]}}),
        # Platform credentials (credits mode): the key comes from the environment.
        ("clearbit", "enrichCompany", {"domain": "acme.com"}, None),
    ]


def graph(tag: str, base_url: str, secrets: dict[str, str]) -> list[dict[str, Any]]:
    """start → one connector node per case → end; each node's fallback is the next node, so every
    node runs whether the provider answers 2xx or an error."""
    finish = end([var("all", "{{nodes}}")])
    nodes: list[dict[str, Any]] = []
    nxt = finish["uuid"]
    for i, (integration, action, config, creds) in reversed(list(enumerate(cases(secrets)))):
        conf = None if creds is None else {**creds, "baseUrl": base_url}
        uuid_ = connector(integration, f"{tag}_{i}", conf)
        nodes.insert(0, node(f"n{i}", kind="connector", integrationSlug=integration, actionSlug=action,
                             connectorUuid=uuid_, config=config, children=[nxt], fallbackChildUuid=nxt))
        nxt = nodes[0]["uuid"]
    return [start(children=[nxt]), *nodes, finish]


def read_url(url: str) -> str:
    parts = urlsplit(url)
    return Path(unquote(parts.path)).read_text(encoding="utf-8") if parts.scheme == "file" else url


@pytest.mark.embedded_only  # the platform key and provider base URL are set in the CLI process's environment
def test_echoed_secrets_never_stored_printed_or_downloaded(lading_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture,
                                                           capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    names = ["clearbit", "hunter", "slack", "hubspot", "openai", "anthropic", "http_bearer", "http_basic",
             "http_header", "platform"]
    secrets = {n: _secret(n) for n in names}
    monkeypatch.setenv("LADING_INTEGRATION_CLEARBIT_API_KEY", secrets["platform"])
    needles = set().union(*(forms(s) for s in secrets.values()))
    needles.add(base64.b64encode(f"ann:{secrets['http_basic']}".encode()).decode())

    printed: list[str] = []

    def cli(*args: str) -> Any:
        code, out = run_cli(*args)
        printed.append(out if isinstance(out, str) else json.dumps(out))
        assert code == 0, out
        return out

    with fake_provider() as ok, fake_provider() as bad, fake_provider() as broken:
        ok.fallback = echo_answer
        bad.fallback = lambda rec: echo_answer(rec, 401)
        broken.fallback = lambda rec: echo_answer(rec, 500)
        workflows = {}
        for tag, fake in (("ok", ok), ("bad", bad), ("broken", broken)):
            monkeypatch.setenv("LADING_CLEARBIT_BASE_URL", fake.url)  # for the platform-key connector
            out = cli("orchestration", "tool", "create", "--name", f"Echo {tag}")
            wf = out["tool"]["workflowUuid"]
            cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf,
                "--nodes", j(graph(tag, fake.url, secrets)))
            workflows[tag] = wf
            run = cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j({"_id": f"r_{tag}"}),
                      "--wait-until-finished")
            assert run["run"]["status"] == "success", run
            executions = run["run"]["executions"]
            assert len(executions) == len(cases(secrets)) + 2
            if tag == "ok":
                assert all(e["status"] == "success" for e in executions), executions
                assert "********" in json.dumps(run["runContext"])  # the echo came back, masked
            else:
                failed = [e for e in executions if e["status"] == "error"]
                assert len(failed) >= 8, executions  # `failOnError: false` keeps one http node green
                assert any("********" in (e.get("errorMessage") or "") for e in failed), failed
            cli("orchestration", "run", "get", run["run"]["uuid"])
            batch = cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished",
                        "--data", j({"kind": "records", "records": [{"_id": f"b_{tag}"}]}))
            for slug in ["end", *(f"n{i}" for i in range(len(cases(secrets))))]:
                cli("orchestration", "batch", "download", "--uuid", batch["batch"]["uuid"], "--output-node-slug",
                    slug, "--format", "json")
                for kind in ("run", "record"):
                    out = cli("orchestration", kind, "download-outputs", "--workflow-uuid", wf, "--output-node-slug",
                              slug, "--format", "json")
                    printed.append(read_url(out["url"]))
            for kind in ("run", "record"):
                out = cli("orchestration", kind, "download", "--workflow-uuid", wf)
                printed.append(read_url(out["url"]) if isinstance(out, dict) and "url" in out else json.dumps(out))
            cli("orchestration", "run", "list", "--workflow-uuid", wf)
        # The providers really received every secret: the test would prove nothing otherwise.
        received = json.dumps([r.headers for r in ok.requests] + [r.target for r in ok.requests])
        for name in ("clearbit", "hunter", "hubspot", "slack", "openai", "anthropic", "http_bearer", "http_header",
                     "platform"):
            assert secrets[name] in received, name

    captured = capfd.readouterr()
    leaks: list[str] = []
    for i, text in enumerate(printed):
        leaks += [f"cli output #{i}: {n!r}" for n in needles if n in text]
    for where, text in (("stdout", captured.out), ("stderr", captured.err), ("logs", caplog.text)):
        leaks += [f"{where}: {n!r}" for n in needles if n in text]
    for path in sorted(p for p in lading_env.rglob("*") if p.is_file()):
        data = path.read_bytes()
        leaks += [f"{path.relative_to(lading_env)}: {n!r}" for n in needles if n.encode() in data]
    if os.environ.get("LADING_TEST_DATABASE_URL"):
        dump = _postgres_dump()
        leaks += [f"postgres: {n!r}" for n in needles if n in dump]
    assert not leaks, leaks


def _postgres_dump() -> str:
    """Every row of every table (runs, executions/spans, contexts, caches, exports…) as JSON text."""
    from sqlalchemy import text

    from lading.store.database import open_database
    from lading.store.schema import metadata

    db = open_database()
    chunks: list[str] = []
    with db.read() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table.name}" t')).scalars()
            chunks.extend(rows)
    return "\n".join(chunks)


# --- credentials stay on their host ----------------------------------------------------------------

def _request(config: dict[str, Any], credentials: dict[str, Any]) -> Any:
    action = HTTP.action("request")
    assert action is not None
    result, _, _ = asyncio.run(call_action(HTTP, action, config, credentials, None))
    return result.output


def test_credentials_only_go_to_the_connector_host() -> None:
    token = _secret("tok")
    with fake_provider() as home, fake_provider() as other:
        home.route("GET", "/me", Answer(200, {"ok": True}))
        other.fallback = echo_answer
        bearer = {"baseUrl": home.url, "auth": {"type": "bearer", "token": token}}
        assert _request({"url": "/me"}, bearer)["status"] == 200
        assert home.requests[-1].headers["authorization"] == f"Bearer {token}"

        # An absolute URL on another host (another port is another origin): refused, nothing sent.
        with pytest.raises(ProviderError) as refused:
            _request({"url": f"{other.url}/steal"}, bearer)
        assert refused.value.message.startswith("credentialHostNotAllowed:")
        assert refused.value.retryable is False and other.requests == []
        # Connector default headers are tied to the host as well.
        with pytest.raises(ProviderError, match="credentialHostNotAllowed"):
            _request({"url": f"{other.url}/x"}, {"baseUrl": home.url, "headers": {"X-Team": "growth"}})
        # A connector without baseUrl sends its credentials nowhere unless allowedHosts says so.
        with pytest.raises(ProviderError, match="credentialHostNotAllowed"):
            _request({"url": f"{home.url}/me"}, {"auth": {"type": "bearer", "token": token}})

        # allowedHosts lets them through.
        other_host = urlsplit(other.url).netloc
        out = _request({"url": f"{other.url}/allowed"}, {**bearer, "allowedHosts": [other_host]})
        assert out["status"] == 200 and other.requests[-1].headers["authorization"] == f"Bearer {token}"
        assert token not in json.dumps(out) and "********" in json.dumps(out)

        # Without a connector a free absolute URL keeps working.
        assert _request({"url": f"{other.url}/public"}, {})["status"] == 200


def test_redirect_to_another_host_drops_the_credentials() -> None:
    token, key = _secret("tok"), _secret("key")
    with fake_provider() as home, fake_provider() as other:
        other.fallback = echo_answer
        home.route("GET", "/hop", Answer(302, "", headers={"Location": f"{other.url}/landed"}))
        home.route("GET", "/same", Answer(307, "", headers={"Location": "/final"}))
        home.route("GET", "/final", Answer(200, {"ok": True}))
        home.route("GET", "/leaky", Answer(302, "", headers={"Location": f"{other.url}/x?k={quote(key, safe='')}"}))
        for auth in ({"type": "bearer", "token": token}, {"type": "header", "name": "X-Api-Key", "value": key}):
            out = _request({"url": "/hop"}, {"baseUrl": home.url, "auth": auth})
            landed = other.requests[-1]
            assert out["status"] == 200 and landed.path == "/landed"
            assert "authorization" not in landed.headers and "x-api-key" not in landed.headers
        # A redirect on the same host keeps them.
        _request({"url": "/same"}, {"baseUrl": home.url, "auth": {"type": "header", "name": "X-Api-Key",
                                                                 "value": key}})
        assert home.requests[-1].path == "/final" and home.requests[-1].headers["x-api-key"] == key
        # A Location that itself carries the secret to another host is not followed.
        before = len(other.requests)
        with pytest.raises(ProviderError, match="credentialHostNotAllowed"):
            _request({"url": "/leaky"}, {"baseUrl": home.url, "auth": {"type": "header", "name": "X-Api-Key",
                                                                      "value": key}})
        assert len(other.requests) == before
        # Allowed hosts may receive them across a redirect too.
        _request({"url": "/hop"}, {"baseUrl": home.url, "auth": {"type": "header", "name": "X-Api-Key", "value": key},
                                   "allowedHosts": [urlsplit(other.url).netloc]})
        assert other.requests[-1].headers["x-api-key"] == key


def test_refused_host_through_a_workflow_names_the_reason() -> None:
    token = _secret("tok")
    with fake_provider() as home, fake_provider() as other:
        other.fallback = echo_answer
        uuid_ = connector("http", "scoped", {"baseUrl": home.url, "auth": {"type": "bearer", "token": token}})
        call = node("call", kind="connector", integrationSlug="http", actionSlug="request", connectorUuid=uuid_,
                    config={"url": f"{other.url}/x"})
        finish = end()
        call["childrenUuids"] = [finish["uuid"]]
        code, out = run_cli("orchestration", "run", "create", "--nodes", j([start(children=[call["uuid"]]), call,
                                                                            finish]), "--wait-until-finished")
        assert out["run"]["status"] == "error"
        assert out["run"]["executions"][-1]["errorMessage"].startswith("credentialHostNotAllowed:")
        assert other.requests == [] and token not in json.dumps(out)


def test_connector_schema_validates_allowed_hosts() -> None:
    code, out = run_cli("connection", "connector", "create", "--integration-slug", "http", "--slug", "bad_hosts",
                        "--name", "Bad", "--config", j({"allowedHosts": ["https://x.com/path"]}))
    assert code == 1 and out["reason"] == "invalidConnectorConfig" and "allowedHosts" in out["errorMessage"]


def test_scrubber_forms_and_short_secret_policy() -> None:
    from lading.integrations._secrets import MASK, Scrubber

    secret = "pw+9876/ab"
    scrub = Scrubber([secret, "k1"])
    scrub.add_sent("Basic " + base64.b64encode(f"ann:{secret}".encode()).decode())
    embedded = base64.b64encode(f"xx:{secret}:yy".encode()).decode()  # inside a longer base64 text
    for leaked in (secret, "q=pw%2B9876%2Fab", "q=pw%2b9876%2fab", "pw%2B9876/ab", f"Bearer {secret}",
                   base64.b64encode(secret.encode()).decode(), embedded, json.dumps({"a": secret})):
        assert secret not in scrub.text(leaked) and MASK in scrub.text(leaked), leaked
        assert not any(f in scrub.text(leaked) for f in forms(secret) - {secret}), leaked
    # A short secret is masked as a whole value and in its Bearer form, never inside ordinary data.
    assert scrub.value({"key": "k1", "note": "k1 stays in k10", "auth": "Bearer k1"}) == {
        "key": MASK, "note": "k1 stays in k10", "auth": MASK}
    # Nested values and keys; a clean answer comes back as the very same object (no copy).
    assert scrub.value({secret: [{"x": f"a{secret}b"}]}) == {MASK: [{"x": f"a{MASK}b"}]}
    clean = {"name": "Acme", "n": [1, 2]}
    assert Scrubber([secret]).value(clean) is clean
