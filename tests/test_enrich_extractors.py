"""Extractors (issue 18 item 5): HubSpot and Salesforce models filled by sync from fake providers on
127.0.0.1 holding up to 50,000 records (generated on demand from their index).

Shown: the first sync is full and the next incremental (only what changed since the cursor is
served); a sync SIGKILLed mid-way in a `lading storage model refresh` subprocess and restarted ends with
each record exactly once with the right values, the fake having served at most one page twice; a 429
with `Retry-After` is waited out; the model's schedule fires a sync; `segment fetch --sync` syncs first;
the sync history shows each run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sync_helpers import worker_finishes

from conftest import j, run_cli

TOKEN = "pat-na1-extract-secret-77"
RENEWED = "oauth-access-token-renewed-0001"
REFRESH = "oauth-refresh-token-extract-0002"
BASE = datetime(2024, 1, 1, tzinfo=UTC)
SRC = Path(__file__).resolve().parent.parent / "src"


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def iso(moment: datetime, sf: bool = False) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return text + ("+0000" if sf else "Z")


def parse(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    text = text.replace("Z", "+00:00")
    if text[-5] in "+-" and ":" not in text[-5:]:
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


class FakeCrm:
    """Records 1..n generated from their index; `change(ids)` bumps their modification time and name.
    `served` counts records answered, `throttle` answers every k-th request 429 (Retry-After 0.5 s)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.changed: dict[int, datetime] = {}
        self.versions: dict[int, int] = {}
        self.on_search: Any = None
        self.delay = 0.0
        self.served = 0
        self.requests = 0
        self.throttle = 0
        self.limited: list[float] = []
        self.after_limit: list[float] = []
        self.renewals: list[str] = []  # refresh tokens sent to the OAuth token endpoint
        self.valid_token = TOKEN
        self.expire_at = 0  # from this request on, only the renewed token is accepted
        self.lock = threading.Lock()

    def modified(self, i: int) -> datetime:
        return self.changed.get(i) or BASE + timedelta(seconds=i)

    def name(self, i: int) -> str:
        version = self.versions.get(i, 1)
        return f"Company {i}" + (f" v{version}" if version > 1 else "")

    def change(self, ids: list[int], days: int = 30) -> None:
        when = BASE + timedelta(days=days)
        for k, i in enumerate(ids):
            self.changed[i] = when + timedelta(milliseconds=k)
            self.versions[i] = self.versions.get(i, 1) + 1

    def count(self, records: int) -> None:
        with self.lock:
            self.served += records


class FakeHubSpot(FakeCrm):
    def props(self, i: int) -> dict[str, Any]:
        return {"name": self.name(i), "domain": f"c{i}.example", "numberofemployees": str(i % 500),
                "is_public": "true" if i % 2 else "false", "hs_lastmodifieddate": iso(self.modified(i))}

    def record(self, i: int, wanted: list[str]) -> dict[str, Any]:
        props = self.props(i)
        return {"id": str(i), "properties": {k: props.get(k) for k in wanted}, "createdAt": iso(BASE),
                "updatedAt": iso(self.modified(i)), "archived": False}

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if path == "/crm/v3/properties/companies":
            return 200, {"results": [
                {"name": "name", "label": "Name", "type": "string"},
                {"name": "domain", "label": "Domain", "type": "string"},
                {"name": "numberofemployees", "label": "Employees", "type": "number"},
                {"name": "is_public", "label": "Public", "type": "bool"},
                {"name": "hs_lastmodifieddate", "label": "Last modified", "type": "datetime"}]}
        if method == "GET" and path == "/crm/v3/objects/companies":
            limit = min(int(query.get("limit", ["10"])[0]), 100)
            after = int(query.get("after", ["0"])[0])
            wanted = query.get("properties", [""])[0].split(",")
            ids = range(after + 1, min(after + limit, self.n) + 1)
            self.count(len(ids))
            out: dict[str, Any] = {"results": [self.record(i, wanted) for i in ids]}
            if ids and ids[-1] < self.n:
                out["paging"] = {"next": {"after": str(ids[-1])}}
            return 200, out
        if method == "POST" and path == "/crm/v3/objects/companies/search":
            if not body.get("filterGroups"):
                return 200, {"total": self.n, "results": [self.record(1, [])]}
            flt = body["filterGroups"][0]["filters"][0]
            since = parse(str(flt["value"]))
            after = int(body.get("after") or 0)
            if after >= 10_000:
                return 400, {"status": "error", "message": "search is limited to 10,000 results"}
            hits = sorted((i for i in range(1, self.n + 1)
                           if (self.modified(i) > since if flt["operator"] == "GT" else self.modified(i) >= since)),
                          key=lambda i: (self.modified(i), i))
            page = hits[after:after + min(int(body.get("limit") or 10), 200)]
            self.count(len(page))
            if self.on_search is not None:
                self.on_search(page)
            out = {"total": len(hits), "results": [self.record(i, body.get("properties") or []) for i in page]}
            if after + len(page) < len(hits):
                out["paging"] = {"next": {"after": str(after + len(page))}}
            return 200, out
        return 404, {"status": "error", "message": f"no route {method} {path}"}


class FakeSalesforce(FakeCrm):
    PREFIX = "/services/data/v59.0"

    def describe(self) -> dict[str, Any]:
        return {"fields": [{"name": "Id", "label": "Account ID", "type": "id"},
                           {"name": "Name", "label": "Account Name", "type": "string"},
                           {"name": "AnnualRevenue", "label": "Annual Revenue", "type": "currency"},
                           {"name": "IsActive__c", "label": "Active", "type": "boolean"},
                           {"name": "SystemModstamp", "label": "System Modstamp", "type": "datetime"}]}

    def record(self, i: int) -> dict[str, Any]:
        return {"attributes": {"type": "Account", "url": f"{self.PREFIX}/sobjects/Account/{i:018d}"},
                "Id": f"001{i:015d}", "Name": self.name(i), "AnnualRevenue": i * 10.5, "IsActive__c": i % 3 == 0,
                "SystemModstamp": iso(self.modified(i), sf=True)}

    def page(self, ids: list[int], offset: int, size: int, key: str) -> dict[str, Any]:
        chunk = ids[offset:offset + size]
        self.count(len(chunk))
        done = offset + len(chunk) >= len(ids)
        out: dict[str, Any] = {"totalSize": len(ids), "done": done, "records": [self.record(i) for i in chunk]}
        if not done:
            out["nextRecordsUrl"] = f"{self.PREFIX}/query/{key}-{offset + len(chunk)}"
        return out

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any, size: int = 2000
               ) -> tuple[int, Any]:
        if path == f"{self.PREFIX}/sobjects/Account/describe":
            return 200, self.describe()
        if path == f"{self.PREFIX}/query":
            soql = query["q"][0]
            if soql == "SELECT COUNT() FROM Account":
                return 200, {"totalSize": self.n, "done": True, "records": []}
            assert soql.startswith("SELECT Id, Name, AnnualRevenue, IsActive__c, SystemModstamp FROM Account"), soql
            assert soql.endswith("ORDER BY SystemModstamp ASC"), soql
            since = soql.split("SystemModstamp > ")[1].split(" ")[0] if " WHERE " in soql else None
            return 200, self.page(self.ids(since), 0, size, since or "all")
        if path.startswith(f"{self.PREFIX}/query/"):
            key, _, offset = path.rsplit("/", 1)[1].rpartition("-")
            return 200, self.page(self.ids(None if key == "all" else key), int(offset), size, key)
        return 404, [{"message": f"no route {path}", "errorCode": "NOT_FOUND"}]

    def ids(self, since: str | None) -> list[int]:
        moment = parse(since) if since else None
        return sorted((i for i in range(1, self.n + 1) if moment is None or self.modified(i) > moment),
                      key=lambda i: (self.modified(i), i))


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(fake: FakeCrm) -> str:
        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                if fake.delay:
                    time.sleep(fake.delay)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if parts.path == "/oauth/v1/token":  # HubSpot's OAuth token endpoint: a refresh renews TOKEN
                    form = parse_qs(raw.decode())
                    fake.renewals.append(form.get("refresh_token", [""])[0])
                    good = form.get("grant_type") == ["refresh_token"] and form.get("refresh_token") == [REFRESH]
                    self._send(200 if good else 400, {"access_token": RENEWED, "expires_in": 1800} if good
                               else {"error": "invalid_grant"})
                    return
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests += 1
                    if fake.limited and len(fake.after_limit) < len(fake.limited):
                        fake.after_limit.append(time.monotonic())
                    throttled = fake.throttle and fake.requests % fake.throttle == 0
                    if throttled:
                        fake.limited.append(time.monotonic())
                with fake.lock:
                    if fake.expire_at and fake.requests >= fake.expire_at:
                        fake.valid_token = RENEWED  # the stored access token expires now
                if self.headers.get("Authorization") != f"Bearer {fake.valid_token}":
                    status, answer = 401, {"status": "error", "message": "bad token"}
                elif throttled:
                    status, answer = 429, {"status": "error", "message": "rate limited"}
                else:
                    kwargs: dict[str, Any] = {}
                    options = self.headers.get("Sforce-Query-Options") or ""
                    if options.startswith("batchSize="):
                        kwargs["size"] = int(options.split("=")[1])
                    status, answer = fake.answer(self.command, parts.path, parse_qs(parts.query), body,  # type: ignore[attr-defined]
                                                 **kwargs)
                self._send(status, answer)

            def _send(self, status: int, answer: Any) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0.5")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def connector(integration: str, base_url: str) -> dict[str, Any]:
    out = ok("connection", "connector", "create", "--integration-slug", integration, "--slug", f"{integration}_crm",
             "--name", integration, "--config", j({"accessToken": TOKEN, "baseUrl": base_url}))
    assert out["dataset"]["kind"] == "connector"
    return dict(out)


def hubspot_model(base_url: str, **extra: str) -> dict[str, Any]:
    made = connector("hubspot", base_url)
    args = ["storage", "model", "create", "--slug", "companies", "--name", "Companies", "--dataset-uuid",
            made["dataset"]["uuid"], "--extractor-slug", "hubspot", "--config", j({"objectType": "companies"})]
    for flag, value in extra.items():
        args += [f"--{flag.replace('_', '-')}", value]
    return dict(ok(*args)["model"])


def salesforce_model(base_url: str, page_size: int = 2000) -> dict[str, Any]:
    made = connector("salesforce", base_url)
    return dict(ok("storage", "model", "create", "--slug", "accounts", "--name", "Accounts", "--dataset-uuid",
                   made["dataset"]["uuid"], "--extractor-slug", "salesforce",
                   "--config", j({"object": "Account", "pageSize": page_size}))["model"])


def rows(model: dict[str, Any], columns: str, where: str = "") -> list[dict[str, Any]]:
    from lading.services.wiring import open_session
    from lading.store.repositories import storage as repo

    session = open_session()
    with session.db.read() as conn:
        dataset = repo.get_dataset(conn, model["workspaceUuid"], model["datasetUuid"])
    sql = f"SELECT {columns} FROM {dataset.slug}.{model['slug']} {where}"
    out = ok("storage", "query", "execute", sql)
    return list(out["rows"] if "rows" in out else out["records"])


def count(model: dict[str, Any]) -> tuple[int, int]:
    found = rows(model, 'count(*) AS n, count(DISTINCT "_id") AS d')[0]
    return int(found["n"]), int(found["d"])


def test_hubspot_full_then_incremental(serve: Any) -> None:
    fake = FakeHubSpot(1_500)
    model = hubspot_model(serve(fake))
    slugs = {c["slug"]: c["type"] for c in model["columns"]}
    assert slugs == {"id": "string", "created_at": "date", "updated_at": "date", "archived": "boolean",
                     "name": "string", "domain": "string", "numberofemployees": "number", "is_public": "boolean",
                     "hs_lastmodifieddate": "date"}
    assert (model["kind"], model["idColumnSlug"], model["titleColumnSlug"], model["timeColumnSlug"]) == (
        "connector", "id", "name", "updated_at")
    assert model["lastRun"] is None and TOKEN not in json.dumps(model)

    first = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert first["status"] == "success", first
    assert (first["mode"], first["pagesCount"], first["recordsCount"], first["insertedRecordsCount"]) == (
        "full", 15, 1_500, 1_500)
    assert first["cursor"] == iso(BASE + timedelta(seconds=1_500)) and first["cursorFrom"] is None
    assert count(model) == (1_500, 1_500)
    sample = rows(model, "id, name, numberofemployees, is_public", "WHERE id = '777'")[0]
    assert sample == {"id": "777", "name": "Company 777", "numberofemployees": 277, "is_public": True}

    fake.served = 0
    fake.change(list(range(100, 1_100, 10)))  # 100 records
    second = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert second["status"] == "success", second
    assert (second["mode"], second["cursorFrom"], second["recordsCount"], second["updatedRecordsCount"],
            second["insertedRecordsCount"]) == ("incremental", first["cursor"], 100, 100, 0)
    assert fake.served == 100
    assert count(model) == (1_500, 1_500)
    assert rows(model, "name", "WHERE id = '110'")[0]["name"] == "Company 110 v2"
    assert rows(model, "name", "WHERE id = '111'")[0]["name"] == "Company 111"

    fake.served = 0
    third = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (third["status"], third["recordsCount"], fake.served) == ("success", 0, 0)

    history = ok("storage", "run", "list", "--model-uuid", model["uuid"])["runs"]
    assert [r["uuid"] for r in history] == [third["uuid"], second["uuid"], first["uuid"]]
    assert ok("storage", "run", "get", first["uuid"])["run"]["recordsCount"] == 1_500


def test_salesforce_full_then_incremental_with_soql_paging(serve: Any) -> None:
    fake = FakeSalesforce(4_500)
    model = salesforce_model(serve(fake), page_size=1_000)
    assert [c["slug"] for c in model["columns"]] == ["id", "name", "annual_revenue", "is_active__c",
                                                      "system_modstamp"]
    first = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (first["status"], first["pagesCount"], first["recordsCount"]) == ("success", 5, 4_500), first
    assert count(model) == (4_500, 4_500)
    sample = rows(model, "id, name, annual_revenue, is_active__c", f"WHERE id = '001{42:015d}'")[0]
    assert sample == {"id": f"001{42:015d}", "name": "Company 42", "annual_revenue": 441, "is_active__c": True}

    fake.served = 0
    fake.change(list(range(1, 4_500, 45)))  # 100 records
    second = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (second["mode"], second["recordsCount"], second["updatedRecordsCount"], fake.served) == (
        "incremental", 100, 100, 100), second
    assert count(model) == (4_500, 4_500)


@pytest.mark.embedded_only
@pytest.mark.parametrize("provider", ["hubspot", "salesforce"])
def test_sync_killed_mid_way_resumes_exactly_once(serve: Any, provider: str) -> None:
    from lading.services.wiring import open_session
    from lading.store.repositories import storage_runs

    n = 50_000
    fake: FakeCrm = FakeHubSpot(n) if provider == "hubspot" else FakeSalesforce(n)
    url = serve(fake)
    model = hubspot_model(url) if provider == "hubspot" else salesforce_model(url, page_size=2_000)
    page = 100 if provider == "hubspot" else 2_000
    kill_after = 40 if provider == "hubspot" else 6
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "lading", "storage", "model", "refresh", model["uuid"]],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    session = open_session()
    deadline = time.monotonic() + 120
    pages = 0
    while pages < kill_after:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        with session.db.read() as conn:
            run = storage_runs.last_run(conn, session.workspace_uuid, model["uuid"])
        pages = run.pages_count if run is not None else 0
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with session.db.read() as conn:
        killed = storage_runs.last_run(conn, session.workspace_uuid, model["uuid"])
    assert killed.status == "running" and killed.pages_count < n // page
    served_before = fake.served
    assert served_before <= (killed.pages_count + 2) * page  # at most the page in flight and the next one

    resumed = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert resumed["uuid"] == killed.uuid and resumed["status"] == "success", resumed
    assert resumed["resumedCount"] == 1 and resumed["pagesCount"] == n // page
    assert resumed["recordsCount"] == n  # counted at commit: each committed page once
    assert count(model) == (n, n)
    # Only what was in flight at the kill was fetched twice.
    assert n <= fake.served <= n + 2 * page
    if provider == "hubspot":
        got = rows(model, "id, name, numberofemployees", "WHERE id IN ('1', '4321', '50000') ORDER BY name")
        assert got == [{"id": "1", "name": "Company 1", "numberofemployees": 1},
                       {"id": "4321", "name": "Company 4321", "numberofemployees": 321},
                       {"id": "50000", "name": "Company 50000", "numberofemployees": 0}]
    else:
        got = rows(model, "name, annual_revenue", f"WHERE id = '001{31_337:015d}'")
        assert got == [{"name": "Company 31337", "annual_revenue": 329_038.5}]

    fake.served = 0
    fake.change(list(range(7, n, n // 100))[:100])
    again = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (again["mode"], again["recordsCount"], again["updatedRecordsCount"], fake.served) == (
        "incremental", 100, 100, 100), again
    assert count(model) == (n, n)


@pytest.mark.embedded_only  # starts a worker on the test's own store
def test_a_worker_resumes_a_killed_sync_without_being_asked(serve: Any, tmp_path: Any) -> None:
    """Nobody refreshes the model again: a running worker's scheduler leader finds the sync whose driver
    died and finishes it from its last committed page."""
    from lading.services.wiring import open_session
    from lading.store.repositories import storage_runs

    n, page = 6_000, 100
    fake = FakeHubSpot(n)
    model = hubspot_model(serve(fake))
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "lading", "storage", "model", "refresh", model["uuid"]],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    session = open_session()
    deadline = time.monotonic() + 120
    run = None
    while run is None or run.pages_count < 5:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        with session.db.read() as conn:
            run = storage_runs.last_run(conn, session.workspace_uuid, model["uuid"])
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run = worker_finishes(run.uuid, tmp_path)
    assert (run.status, run.resumed_count, run.pages_count, run.records_count) == ("success", 1, n // page, n)
    assert count(model) == (n, n)
    assert n <= fake.served <= n + 2 * page


@pytest.mark.embedded_only  # sets the OAuth app of the CLI process
def test_an_oauth_token_expired_mid_sync_is_renewed_once(serve: Any, monkeypatch: Any) -> None:
    """The access token expires in the middle of a sync: the next page meets a 401, the token is renewed
    with the connector's refresh token (once), kept sealed, and the sync goes on from that page."""
    fake = FakeHubSpot(1_000)
    url = serve(fake)
    monkeypatch.setenv("LADING_HUBSPOT_BASE_URL", url)  # where HubSpot's OAuth token endpoint is
    monkeypatch.setenv("LADING_INTEGRATION_HUBSPOT_CLIENT_ID", "client-1")
    monkeypatch.setenv("LADING_INTEGRATION_HUBSPOT_CLIENT_SECRET", "client-secret-extract-0003")
    made = ok("connection", "connector", "create", "--integration-slug", "hubspot", "--slug", "hubspot_oauth",
              "--name", "HubSpot", "--config", j({"accessToken": TOKEN, "refreshToken": REFRESH, "baseUrl": url}))
    model = ok("storage", "model", "create", "--slug", "companies", "--name", "Companies", "--dataset-uuid",
               made["dataset"]["uuid"], "--extractor-slug", "hubspot",
               "--config", j({"objectType": "companies"}))["model"]
    fake.expire_at = fake.requests + 4  # a few pages into the 10 of the sync
    run = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (run["status"], run["recordsCount"], run["pagesCount"]) == ("success", 1_000, 10), run
    assert fake.renewals == [REFRESH]
    assert count(model) == (1_000, 1_000)
    fake.change([3, 4])
    again = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (again["status"], again["recordsCount"]) == ("success", 2)
    assert fake.renewals == [REFRESH]  # the renewed token was kept for the next sync
    shown = json.dumps(ok("connection", "connector", "get", made["connector"]["uuid"]))
    assert RENEWED not in shown and REFRESH not in shown and TOKEN not in shown


def test_rate_limit_429_retry_after_is_honoured(serve: Any) -> None:
    fake = FakeHubSpot(800)
    model = hubspot_model(serve(fake))
    fake.throttle = 3
    run = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert run["status"] == "success" and run["recordsCount"] == 800, run
    assert count(model) == (800, 800)
    assert len(fake.limited) >= 2
    waits = [after - limited for limited, after in zip(fake.limited, fake.after_limit, strict=False)]
    assert waits and min(waits) >= 0.45, waits


def test_schedule_fires_a_sync_and_segment_fetch_sync(serve: Any) -> None:
    from lading.settings import load_settings
    from lading.store.database import open_database
    from lading.worker.scheduler import fire_due, load_schedules, wait_for_syncs

    fake = FakeHubSpot(300)
    model = hubspot_model(serve(fake), schedule=j({"type": "cron", "cron": "0 * * * *"}))
    assert model["schedule"] == {"type": "cron", "cron": "0 * * * *"}
    db = open_database()
    mine = [s for s in load_schedules(db) if s.owner_uuid == model["uuid"]]
    assert [s.kind for s in mine] == ["model"]
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)
    fired = fire_due(db, load_settings(), later, mine)
    assert fired and fired[0]["kind"] == "model" and fired[0]["runUuid"], fired
    wait_for_syncs()
    assert ok("storage", "run", "get", fired[0]["runUuid"])["run"]["status"] == "success"
    assert fire_due(db, load_settings(), later, [s for s in load_schedules(db) if s.owner_uuid == model["uuid"]]) == []
    history = ok("storage", "run", "list", "--model-uuid", model["uuid"])["runs"]
    assert [(r["trigger"], r["recordsCount"]) for r in history] == [("schedule", 300)]
    assert count(model) == (300, 300)

    fake.change([5, 6, 7])
    fetched = ok("segmentation", "segment", "fetch", "--model-uuid", model["uuid"], "--sync",
                 "--filter", j({"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
                     {"kind": "string", "columnSlug": "name", "operator": "endsWith", "values": ["v2"]}]}]}))
    assert fetched["count"] == 3, fetched
    history = ok("storage", "run", "list", "--model-uuid", model["uuid"])["runs"]
    assert (history[0]["trigger"], history[0]["mode"], history[0]["recordsCount"]) == ("segmentFetch", "incremental", 3)
    ok("storage", "model", "update", "--uuid", model["uuid"], "--schedule", "none")


def test_refusals(serve: Any) -> None:
    fake = FakeHubSpot(10)
    url = serve(fake)
    made = connector("hubspot", url)
    ds = made["dataset"]["uuid"]
    code, out = run_cli("storage", "model", "create", "--slug", "x", "--name", "X", "--dataset-uuid", ds,
                        "--extractor-slug", "pipedream")
    assert code != 0 and out["reason"] == "extractorNotFound"
    code, out = run_cli("storage", "model", "create", "--slug", "x", "--name", "X", "--dataset-uuid", ds,
                        "--extractor-slug", "hubspot", "--config", j({"objectType": "companies", "bogus": 1}))
    assert code != 0 and out["reason"] == "invalidConfig"
    code, out = run_cli("storage", "model", "create", "--slug", "x", "--name", "X", "--dataset-uuid", ds,
                        "--extractor-slug", "salesforce", "--config", j({"object": "Account"}))
    assert code != 0 and out["reason"] == "invalidDataset"
    code, out = run_cli("storage", "model", "create", "--slug", "x", "--name", "X", "--dataset-uuid", ds,
                        "--extractor-slug", "hubspot", "--config", j({"objectType": "tickets"}))
    assert code != 0 and out["reason"] == "extractorFailed" and TOKEN not in json.dumps(out)
    model = dict(ok("storage", "model", "create", "--slug", "c", "--name", "C", "--dataset-uuid", ds,
                    "--extractor-slug", "hubspot_companies")["model"])
    assert model["config"] == {"objectType": "companies"}
    code, out = run_cli("storage", "model", "update", "--uuid", model["uuid"], "--schedule", j({"type": "cron",
                                                                                                "cron": "nope"}))
    assert code != 0 and out["reason"] == "invalidSchedule"
    ok("storage", "model", "update", "--uuid", model["uuid"], "--is-paused", "true")
    code, out = run_cli("storage", "model", "refresh", model["uuid"])
    assert code != 0 and out["reason"] == "modelIsPaused"
    # A provider refusing the token: the run ends `error` with the provider's message, no secret.
    ok("connection", "connector", "update", "--uuid", made["connector"]["uuid"], "--config",
       j({"accessToken": "wrong-token", "baseUrl": url}))
    ok("storage", "model", "update", "--uuid", model["uuid"], "--is-paused", "false")
    last = ok("storage", "model", "get", model["uuid"])["model"]["lastRun"]
    assert last["status"] == "error" and "401" in last["errorMessage"] and "wrong-token" not in last["errorMessage"]
    code, out = run_cli("storage", "run", "cancel", last["uuid"])
    assert code != 0 and out["reason"] == "runAlreadyFinished"
    default = next(d for d in ok("storage", "dataset", "list")["datasets"] if d["kind"] == "native")
    native = ok("storage", "model", "create", "--slug", "n", "--name", "N", "--dataset-uuid", default["uuid"])["model"]
    code, out = run_cli("storage", "model", "refresh", native["uuid"])
    assert code != 0 and out["reason"] == "refreshNotSupported"


def test_help() -> None:
    for args in (("storage", "run", "--help"), ("storage", "run", "list", "--help"),
                 ("storage", "model", "refresh", "--help")):
        code, out = run_cli(*args)
        assert code == 0 and "Usage" in out, out


def test_preview_and_count_read_the_provider(serve: Any) -> None:
    hub, sf = FakeHubSpot(1_234), FakeSalesforce(321)
    hub_ds = connector("hubspot", serve(hub))["dataset"]["uuid"]
    sf_ds = connector("salesforce", serve(sf))["dataset"]["uuid"]
    from lading.services.storage import models
    from lading.services.wiring import open_session

    session = open_session()
    preview = models.preview_model(session, dataset_uuid=hub_ds, extractor_slug="hubspot_companies", config={})
    assert preview["count"] == 10 and preview["records"][0]["name"] == "Company 1"
    assert models.preview_count(session, dataset_uuid=hub_ds, extractor_slug="hubspot",
                                config={"objectType": "companies"}) == {"count": 1_234}
    assert models.preview_count(session, dataset_uuid=sf_ds, extractor_slug="salesforce",
                                config={"object": "Account"}) == {"count": 321}
    assert models.preview_model(session, dataset_uuid=sf_ds, extractor_slug="salesforce",
                                config={"object": "Account"})["columns"][0]["slug"] == "id"


def test_records_modified_while_an_incremental_sync_pages_are_not_lost(serve: Any) -> None:
    """Offset paging would skip unread records when read ones move to the end; the keyset search reads
    every record, and the ones changed again arrive in their latest version (now or next sync)."""
    fake = FakeHubSpot(2_000)
    model = hubspot_model(serve(fake))
    assert ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]["status"] == "success"
    fake.change(list(range(1, 2_001, 2)))  # 1,000 records, 10 search pages
    pages: list[list[int]] = []

    def meddle(page: list[int]) -> None:
        pages.append(page)
        if len(pages) == 2:  # records already read are modified again: they move to the end
            fake.change(pages[0][:50], days=31)

    fake.on_search = meddle
    run = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    fake.on_search = None
    ok("storage", "model", "refresh", model["uuid"])
    stored = {r["id"]: r["name"] for r in rows(model, "id, name")}
    assert run["status"] == "success" and len(stored) == 2_000
    assert all(stored[str(i)] == fake.name(i) for i in range(1, 2_001)), run


def test_cancel_stops_a_running_sync_and_config_keeps_its_object(serve: Any) -> None:
    from lading.services.storage import models
    from lading.services.wiring import open_session

    fake = FakeHubSpot(3_000)
    model = hubspot_model(serve(fake))
    code, out = run_cli("storage", "model", "update", "--uuid", model["uuid"], "--config",
                        j({"objectType": "deals"}))
    assert code != 0 and out["reason"] == "invalidConfig" and "objectType" in out["errorMessage"]
    ok("storage", "model", "update", "--uuid", model["uuid"], "--config", j({"objectType": "companies",
                                                                            "pageSize": 50}))
    fake.delay = 0.05
    worker = threading.Thread(target=lambda: models.refresh_model(open_session(), model["uuid"]))
    worker.start()
    deadline = time.monotonic() + 30
    while True:
        runs = ok("storage", "run", "list", "--model-uuid", model["uuid"], "--status", "running")["runs"]
        if runs and runs[0]["pagesCount"] >= 3:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = ok("storage", "run", "cancel", runs[0]["uuid"])["run"]
    assert cancelled["status"] == "cancelled"
    worker.join(30)
    assert not worker.is_alive()
    stopped = ok("storage", "run", "get", runs[0]["uuid"])["run"]
    assert stopped["status"] == "cancelled" and stopped["pagesCount"] < 60
    fake.delay = 0
    again = ok("storage", "model", "refresh", model["uuid"])["model"]["lastRun"]
    assert (again["status"], again["mode"], again["pagesCount"]) == ("success", "full", 60)
    assert count(model) == (3_000, 3_000)
