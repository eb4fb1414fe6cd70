"""Issue 18 §4: the natives the spec names that the catalogue lacked — `sendEmail` over SMTP (through an
`smtp` connector, against a local SMTP server), `modelAsk` (a language model answers about a model's
records, the fake model server seeing them in its prompt) and `fileSearch` (BM25 over the workspace's
content files) — run in workflows, are validated, priced, documented and searchable."""

from __future__ import annotations

import base64
import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from test_storage_models_cli import make_model

from ai_helpers import KEY, completion, openai_connector
from conftest import j, run_cli
from fakes import fake_provider
from graphs import chain, end, node, start, var

PASSWORD = "smtp-pass-secret-9921"


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


# --- a minimal SMTP server (RFC 5321 subset: EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, NOOP, RSET, QUIT) -----


@dataclass
class Mailbox:
    user: str = "mailer"
    password: str = PASSWORD
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    port: int = 0


def _handler(box: Mailbox) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(f"{line}\r\n".encode())

        def read(self) -> str:
            return self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")

        def credentials_ok(self, user: str, password: str) -> None:
            box.logins.append(user)
            self.reply("235 2.7.0 Authentication successful" if (user, password) == (box.user, box.password)
                       else "535 5.7.8 Authentication credentials invalid")

        def handle(self) -> None:
            self.reply("220 localhost test SMTP")
            sender, recipients = "", []
            while True:
                line = self.read()
                if not line:
                    return
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                elif verb == "AUTH":
                    parts = line.split()
                    if parts[1].upper() == "PLAIN":
                        raw = parts[2] if len(parts) > 2 else (self.reply("334 ") or self.read())
                        _, user, password = base64.b64decode(raw).decode().split("\0")
                    else:
                        self.reply("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self.read()).decode()
                        self.reply("334 UGFzc3dvcmQ6")
                        password = base64.b64decode(self.read()).decode()
                    self.credentials_ok(user, password)
                elif verb == "MAIL":
                    sender, recipients = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    chunks = []
                    while (raw_line := self.rfile.readline()) not in (b".\r\n", b""):
                        chunks.append(raw_line[1:] if raw_line.startswith(b"..") else raw_line)
                    parsed = message_from_bytes(b"".join(chunks), policy=policy.default)
                    box.messages.append((sender, recipients, parsed))  # type: ignore[arg-type]
                    self.reply("250 OK queued")
                elif verb in ("NOOP", "RSET"):
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("502 Command not implemented")

    return Handler


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def smtp_connector(box: Mailbox, slug: str = "mail", **overrides: Any) -> str:
    config = {"host": "127.0.0.1", "port": box.port, "username": box.user, "password": PASSWORD,
              "starttls": False, "fromAddress": "Ops <ops@example.com>", **overrides}
    return ok("connection", "connector", "create", "--integration-slug", "smtp", "--slug", slug, "--name", slug,
              "--config", j(config))["connector"]["uuid"]


def run(nodes: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    return ok("orchestration", "run", "create", "--nodes", j(nodes), "--data", j(data), "--wait-until-finished")


def execution(out: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(e for e in out["run"]["executions"] if e["nodeSlug"] == slug)


def invalid(nodes: list[dict[str, Any]]) -> str:
    code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
    text = json.dumps(out)
    assert code != 0 or '"isValid": false' in text or "nodeInvalid" in text or "connectorNotFound" in text, out
    return text


# --- sendEmail -------------------------------------------------------------------------------------


def test_send_email_native_delivers_through_the_smtp_connector() -> None:
    with smtp_server() as box:
        mail = smtp_connector(box)
        send = node("send", "sendEmail", {
            "connectorUuid": mail, "to": "{{nodes.start.email}}", "cc": ["Sales <sales@example.com>"],
            "bcc": "audit@example.com", "subject": "Welcome, {{nodes.start.name}}",
            "text": "Hello {{nodes.start.name}}!", "html": "<p>Hello <b>{{nodes.start.name}}</b>!</p>"})
        out = run(chain(start(), send, end([var("sent", "{{nodes.send}}")])), {"email": "ada@acme.com", "name": "Ada"})
        assert out["run"]["status"] == "success", out
        sent = out["runContext"]["end"]["sent"]
        assert sent["accepted"] == ["ada@acme.com", "sales@example.com", "audit@example.com"]
        assert sent["rejected"] == [] and sent["messageId"].endswith("@example.com>")
        assert execution(out, "send")["creditsUsedCount"] == 0.1
        assert box.logins == ["mailer"] and len(box.messages) == 1
        sender, recipients, message = box.messages[0]
        assert sender == "ops@example.com" and recipients == sent["accepted"]
        assert message["From"] == "Ops <ops@example.com>" and message["To"] == "ada@acme.com"
        assert message["Cc"] == "Sales <sales@example.com>" and message["Bcc"] is None
        assert message["Subject"] == "Welcome, Ada" and message["Message-ID"] == sent["messageId"]
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert plain is not None and plain.get_content().strip() == "Hello Ada!"
        assert html is not None and "<b>Ada</b>" in html.get_content()
        assert PASSWORD not in json.dumps(out)

        # connector test: valid; a wrong password invalid; STARTTLS demanded of a server without it invalid
        assert ok("connection", "connector", "test", mail)["outcome"] == "valid"
        wrong = smtp_connector(box, "wrong", password="not-the-password")
        refused = ok("connection", "connector", "test", wrong)
        assert refused["outcome"] == "invalid" and "refused the login" in refused["errorMessage"]
        plain_server = smtp_connector(box, "tls", starttls=True)
        assert "STARTTLS" in ok("connection", "connector", "test", plain_server)["errorMessage"]
        assert len(box.messages) == 1  # a check never sends mail

        # a refused login fails the step, without the password
        failed = run(chain(start(), node("send", "sendEmail", {"connectorUuid": wrong, "to": "a@b.com",
                                                               "subject": "s", "text": "t"}), end()), {})
        assert failed["run"]["status"] == "error"
        assert "refused the login" in execution(failed, "send")["errorMessage"]
        assert "not-the-password" not in json.dumps(failed)


def test_send_email_validation() -> None:
    text = invalid(chain(start(), node("send", "sendEmail", {"to": 5}), end()))
    assert "config.connectorUuid" in text and "config.subject" in text and "config.to" in text
    # a connector that does not exist fails the step when it runs (as for `agent`)
    gone = chain(start(), node("send", "sendEmail", {
        "connectorUuid": "00000000-0000-4000-8000-000000000000", "to": "a@b.com", "subject": "s", "text": "t"}),
        end())
    out = run(gone, {})
    assert out["run"]["status"] == "error" and "connectorNotFound" in execution(out, "send")["errorMessage"]
    # an expression is checked when it runs, not before
    fine = chain(start(), node("send", "sendEmail", {"connectorUuid": "{{nodes.start.c}}", "to": "a@b.com",
                                                     "subject": "s", "text": "t"}), end())
    assert ok("orchestration", "node", "validate", "--nodes", j(fine))


# --- modelAsk --------------------------------------------------------------------------------------


def test_model_ask_answers_from_the_model_with_the_records_in_its_prompt() -> None:
    model = make_model("accounts", [{"slug": "domain", "type": "string"}, {"slug": "industry", "type": "string"}],
                       id_column_slug="domain")
    records = [{"domain": "acme.com", "industry": "banking"}, {"domain": "globex.com", "industry": "retail"},
               {"domain": "initech.com", "industry": "banking"}]
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j(records))
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("acme.com and initech.com sell to banks."))
        llm = openai_connector(fake.url)
        ask = node("ask", "modelAsk", {
            "prompt": "Which accounts are in {{nodes.start.sector}}?", "modelUuid": model["uuid"], "limit": 10,
            "selectedColumnSlugs": ["domain", "industry"],
            "advancedSettings": {"connectorUuid": llm, "languageModelSlug": "gpt-4o"}})
        out = run(chain(start(), ask, end([var("ask", "{{nodes.ask}}")])), {"sector": "banking"})
        assert out["run"]["status"] == "success", out
        assert out["runContext"]["end"]["ask"] == {"answer": "acme.com and initech.com sell to banks.",
                                                   "recordsCount": 3, "totalCount": 3}
        assert execution(out, "ask")["creditsUsedCount"] == 0.5
        sent = [r for r in fake.requests if r.path == "/chat/completions"]
        assert len(sent) == 1
        body = sent[0].json()
        user = next(m for m in body["messages"] if m["role"] == "user")
        content = user["content"] if isinstance(user["content"], str) else json.dumps(user["content"])
        assert "Which accounts are in banking?" in content
        for record in records:
            assert record["domain"] in content and "industry" in content
        assert body["model"] == "gpt-4o" and "tools" not in body
        assert KEY not in json.dumps(out)

        # a filter narrows what the model sees
        narrowed = node("ask", "modelAsk", {
            "prompt": "Summarise.", "modelUuid": model["uuid"],
            "filter": {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
                {"kind": "string", "columnSlug": "industry", "operator": "is", "values": ["retail"]}]}]},
            "advancedSettings": {"connectorUuid": llm}})
        out = run(chain(start(), narrowed, end([var("ask", "{{nodes.ask}}")])), {})
        assert out["runContext"]["end"]["ask"]["recordsCount"] == 1
        last = json.dumps(fake.requests[-1].json())
        assert "globex.com" in last and "acme.com" not in last

    # an unknown model fails the step clearly
    missing = node("ask", "modelAsk", {"prompt": "x", "modelUuid": "00000000-0000-4000-8000-000000000000",
                                       "advancedSettings": {"connectorUuid": llm}})
    out = run(chain(start(), missing, end()), {})
    assert out["run"]["status"] == "error" and "Model not found" in execution(out, "ask")["errorMessage"]


def test_model_ask_validation() -> None:
    text = invalid(chain(start(), node("ask", "modelAsk", {"limit": 1000, "advancedSettings": {}}), end()))
    for path in ("config.prompt", "config.modelUuid", "config.limit", "config.advancedSettings.connectorUuid"):
        assert path in text, (path, text)


# --- fileSearch ------------------------------------------------------------------------------------


def test_file_search_ranks_the_right_passage(tmp_path: Path) -> None:
    files = {
        "pricing.md": "Our enterprise plan costs 900 euros per seat per year, billed annually.",
        "security.md": "All customer data is encrypted at rest with AES-256 and in transit with TLS 1.3.",
        "onboarding.md": "New customers get a kickoff call and a dedicated onboarding manager for 30 days.",
    }
    uploaded = {}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        uploaded[name] = ok("content", "file", "upload", "--file-path", str(path))["file"]["uuid"]
    search = node("find", "fileSearch", {"query": "{{nodes.start.q}}", "limit": 2})
    out = run(chain(start(), search, end([var("hits", "{{nodes.find.results}}")])), {"q": "how is data encrypted"})
    assert out["run"]["status"] == "success", out
    hits = out["runContext"]["end"]["hits"]
    assert hits[0]["fileName"] == "security.md" and hits[0]["fileUuid"] == uploaded["security.md"]
    assert "AES-256" in hits[0]["text"] and len(hits) <= 2
    assert execution(out, "find")["creditsUsedCount"] == 0.02

    only = node("find", "fileSearch", {"query": "encrypted customer onboarding",
                                       "items": [{"kind": "file", "fileUuid": uploaded["onboarding.md"]}]})
    out = run(chain(start(), only, end([var("hits", "{{nodes.find.results}}")])), {})
    assert [h["fileName"] for h in out["runContext"]["end"]["hits"]] == ["onboarding.md"]

    gone = node("find", "fileSearch", {"query": "x", "items": [
        {"kind": "library", "libraryUuid": "00000000-0000-4000-8000-000000000000"}]})
    out = run(chain(start(), gone, end()), {})
    assert out["run"]["status"] == "error" and "libraryNotFound" in execution(out, "find")["errorMessage"]


def test_file_search_validation_and_catalog() -> None:
    text = invalid(chain(start(), node("find", "fileSearch", {"limit": 0, "items": [{"kind": "disk"}]}), end()))
    assert "config.query" in text and "config.limit" in text and "config.items[0].kind" in text
    natives = ok("connection", "native-integration", "get")["nativeIntegration"]["actions"]
    assert natives["sendEmail"]["credits"]["costs"] == [{"type": "fixed", "cost": 0.1}]
    assert natives["modelAsk"]["credits"]["costs"] == [{"type": "fixed", "cost": 0.5}]
    assert natives["fileSearch"]["credits"]["costs"][0]["unitsCount"] == 1000
    assert natives["fileSearch"]["category"] == "ai" and natives["sendEmail"]["category"] == "engagement"


def test_natives_docs_are_current() -> None:
    from lading.engine.natives.docs import DOC_PATH, render

    page = (Path(__file__).resolve().parent.parent / DOC_PATH).read_text(encoding="utf-8")
    assert page == render() and "## sendEmail" in page and "## modelAsk" in page and "## fileSearch" in page


def test_native_output_schemas() -> None:
    for slug, keys in (("sendEmail", {"messageId", "accepted", "rejected"}),
                       ("modelAsk", {"answer", "recordsCount", "totalCount"}), ("fileSearch", {"results"})):
        schema = ok("orchestration", "action", "get-output-schema", "--action",
                    j({"kind": "native", "actionSlug": slug}))["schema"]
        assert set(schema["properties"]) == keys, slug
