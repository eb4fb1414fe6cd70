"""Connector libraries (issue 18 item 5, "connector libraries for content files"; C §2.7 `kind connector`):
HubSpot files and Salesforce ContentVersions synced into content libraries from fake file APIs on
127.0.0.1.

Shown: creating a connector library runs its first sync — its files appear as `kind connector` content
files with their library, connector and provider id, byte for byte, and `fileSearch` finds their
passages; a second sync after 2 files changed upstream and 1 was deleted downloads only those 2 and
removes the 1 (the changed ones keep their uuid); a sync SIGKILLed mid-way in a `lading` subprocess
and restarted ends with each file exactly once; a file over the cap is skipped and reported; the
refusals (unknown connector or extractor, a record extractor, a bad config, another workspace's
connector, a synced file renamed or removed) in the documented shape; a dead connector ends the sync
`error` with a readable message; the routes with httpx, alpha/beta isolated, and the remote CLI
printing what the embedded one prints.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sync_helpers import worker_finishes

from conftest import j, run_cli
from graphs import chain, end, node, start, var

TOKEN = "pat-na1-files-secret-4242"
SRC = Path(__file__).resolve().parent.parent / "src"
SF = "/services/data/v59.0"


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def refused(args: tuple[str, ...], reason: str, code: int | None = None) -> dict[str, Any]:
    got, out = run_cli(*args)
    assert got != 0 and isinstance(out, dict) and out.get("reason") == reason, (got, out)
    assert set(out) >= {"errorMessage", "reason"} and "Traceback" not in json.dumps(out)
    if code is not None:
        assert got == code, (got, out)
    return out


class FakeFiles:
    """Provider files 1..n (`body(i)` their bytes); `change(i)` writes a new version, `delete(i)` drops
    one. `downloads` counts each file's downloads, `delay` slows the listing pages."""

    def __init__(self, n: int) -> None:
        self.files: dict[int, dict[str, Any]] = {}
        for i in range(1, n + 1):
            self.put(i, 1)
        self.downloads: dict[int, int] = {}
        self.delay = 0.0
        self.token = TOKEN
        self.cdn_auth: list[str | None] = []
        self.lock = threading.Lock()

    def put(self, i: int, version: int, body: bytes | None = None, ext: str = "md") -> None:
        text = body if body is not None else (
            f"# Playbook {i} v{version}\n\nSection about topic{i} and the renewal clause number {i * 7}.\n"
            + ("The zebracorn escalation path is described here.\n" if i == 3 else "")).encode()
        self.files[i] = {"name": f"playbook-{i}", "ext": ext, "body": text, "version": version,
                         "updated": f"2024-01-{min(version, 28):02d}T00:00:{i % 60:02d}.000Z"}

    def change(self, i: int) -> None:
        self.put(i, self.files[i]["version"] + 1)

    def delete(self, i: int) -> None:
        del self.files[i]

    def downloaded(self, i: int) -> None:
        with self.lock:
            self.downloads[i] = self.downloads.get(i, 0) + 1

    # HubSpot Files API v3 --------------------------------------------------------------------------
    def hubspot(self, method: str, path: str, query: dict[str, list[str]], base: str) -> tuple[int, Any]:
        if path == "/files/v3/files/search":
            if self.delay:
                time.sleep(self.delay)
            limit = int(query.get("limit", ["10"])[0])
            after = int(query.get("after", ["0"])[0])
            ids = sorted(i for i in self.files if i > after)[:limit]
            out: dict[str, Any] = {"results": [
                {"id": str(i), "name": self.files[i]["name"], "extension": self.files[i]["ext"],
                 "path": f"/playbooks/{self.files[i]['name']}.{self.files[i]['ext']}",
                 "size": len(self.files[i]["body"]), "updatedAt": self.files[i]["updated"],
                 "createdAt": "2024-01-01T00:00:00.000Z", "archived": False} for i in ids]}
            if ids and any(i > ids[-1] for i in self.files):
                out["paging"] = {"next": {"after": str(ids[-1])}}
            return 200, out
        found = re.fullmatch(r"/files/v3/files/(\d+)/signed-url", path)
        if found and int(found.group(1)) in self.files:
            return 200, {"url": f"{base}/cdn/{found.group(1)}?signature=abc", "expiresAt": "2099-01-01T00:00:00Z"}
        return 404, {"status": "error", "message": f"no route {path}"}

    # Salesforce ContentVersion ---------------------------------------------------------------------
    def salesforce(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path == f"{SF}/query":
            if self.delay:
                time.sleep(self.delay)
            soql = query["q"][0]
            assert soql.startswith("SELECT Id, ContentDocumentId, Title, FileExtension, ContentSize, SystemModstamp "
                                   "FROM ContentVersion WHERE IsLatest = true"), soql
            after = re.search(r"ContentDocumentId > '069(\d+)'", soql)
            limit = int(re.search(r"LIMIT (\d+)$", soql).group(1))  # type: ignore[union-attr]
            ids = sorted(i for i in self.files if after is None or i > int(after.group(1)))[:limit]
            return 200, {"totalSize": len(ids), "done": True, "records": [
                {"attributes": {"type": "ContentVersion"}, "Id": f"068{i:012d}v{self.files[i]['version']}",
                 "ContentDocumentId": f"069{i:015d}", "Title": self.files[i]["name"],
                 "FileExtension": self.files[i]["ext"], "ContentSize": len(self.files[i]["body"]),
                 "SystemModstamp": self.files[i]["updated"].replace("Z", "+0000")} for i in ids]}
        found = re.fullmatch(rf"{SF}/sobjects/ContentVersion/068(\d{{12}})v(\d+)/VersionData", path)
        if found and int(found.group(1)) in self.files:
            return 200, self.files[int(found.group(1))]["body"]
        return 404, [{"message": f"no route {path}", "errorCode": "NOT_FOUND"}]


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start_fake(fake: FakeFiles, provider: str) -> str:
        holder: dict[str, str] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                cdn = re.fullmatch(r"/cdn/(\d+)", parts.path)
                if cdn:  # the signed URL: no credentials expected
                    fake.cdn_auth.append(self.headers.get("Authorization"))
                    i = int(cdn.group(1))
                    fake.downloaded(i)
                    self._send(200, fake.files[i]["body"])
                    return
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._send(401, {"status": "error", "message": "bad token"} if provider == "hubspot"
                               else [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
                    return
                if provider == "hubspot":
                    status, answer = fake.hubspot("GET", parts.path, query, holder["base"])
                else:
                    status, answer = fake.salesforce("GET", parts.path, query)
                    found = re.fullmatch(rf"{SF}/sobjects/ContentVersion/068(\d{{12}})v\d+/VersionData", parts.path)
                    if found and status == 200:
                        fake.downloaded(int(found.group(1)))
                self._send(status, answer)

            def _send(self, status: int, answer: Any) -> None:
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if isinstance(answer, bytes)
                                 else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        holder["base"] = f"http://127.0.0.1:{server.server_address[1]}"
        return holder["base"]

    yield start_fake
    for server in servers:
        server.shutdown()
        server.server_close()


def connector(integration: str, base_url: str, token: str = TOKEN, slug: str | None = None) -> str:
    out = ok("connection", "connector", "create", "--integration-slug", integration,
             "--slug", slug or f"{integration}_files", "--name", integration,
             "--config", j({"accessToken": token, "baseUrl": base_url}))
    return str(out["connector"]["uuid"])


def library(connector_uuid: str, extractor: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    return dict(ok("content", "library", "create", "--name", "Playbooks", "--connector-uuid", connector_uuid,
                   "--extractor-slug", extractor, "--config", j(config or {}))["library"])


def files_of(library_uuid: str) -> list[dict[str, Any]]:
    return list(ok("content", "file", "list", "--library-uuid", library_uuid)["files"])


def raw_bytes(uuid: str) -> bytes:
    from lading.services.content.files import read_bytes
    from lading.services.wiring import open_session

    return b"".join(read_bytes(open_session(), uuid).chunks)


def test_hubspot_library_sync_full_then_incremental(serve: Any) -> None:
    fake = FakeFiles(7)
    url = serve(fake, "hubspot")
    conn = connector("hubspot", url)
    made = library(conn, "hubspot_files", {"pageSize": 3, "folderPath": "/playbooks"})
    assert made["kind"] == "connector" and made["connectorUuid"] == conn and made["extractorSlug"] == "hubspot_files"
    sync = made["lastSync"]
    assert (sync["status"], sync["mode"], sync["filesCount"], sync["downloadedCount"], sync["pagesCount"]) == (
        "success", "full", 7, 7, 3), sync
    assert made["syncedAt"] and made["lastSyncedAt"] == made["syncedAt"] and len(made["fileUuids"]) == 7
    assert fake.downloads == {i: 1 for i in range(1, 8)} and set(fake.cdn_auth) == {None}

    listed = files_of(made["uuid"])
    by_external = {f["externalId"]: f for f in listed}
    assert set(by_external) == {str(i) for i in range(1, 8)}
    for i, f in ((int(k), v) for k, v in by_external.items()):
        assert (f["kind"], f["libraryUuid"], f["connectorUuid"], f["name"]) == (
            "connector", made["uuid"], conn, f"playbook-{i}.md")
        assert raw_bytes(f["uuid"]) == fake.files[i]["body"]
    assert {f["uuid"] for f in ok("content", "file", "list", "--kind", "connector")["files"]} == {
        f["uuid"] for f in listed}
    assert ok("content", "file", "list", "--kind", "native")["files"] == []
    assert len(ok("content", "file", "list", "--connector-uuid", conn)["files"]) == 7

    # fileSearch through the library finds a synced file's passage.
    search = node("find", "fileSearch", {"query": "zebracorn escalation",
                                         "items": [{"kind": "library", "libraryUuid": made["uuid"]}]})
    out = ok("orchestration", "run", "create", "--nodes",
             j(chain(start(), search, end([var("hits", "{{nodes.find.results}}")]))), "--data", "{}",
             "--wait-until-finished")
    hits = out["runContext"]["end"]["hits"]
    assert hits[0]["fileUuid"] == by_external["3"]["uuid"] and "zebracorn" in hits[0]["text"], hits

    # 2 files change upstream, 1 is deleted: only those 2 are downloaded, the 1 leaves the library.
    fake.change(2)
    fake.change(5)
    fake.delete(6)
    again = ok("content", "library", "sync", made["uuid"])["library"]
    sync = again["lastSync"]
    assert (sync["status"], sync["mode"], sync["filesCount"], sync["downloadedCount"], sync["unchangedCount"],
            sync["removedCount"]) == ("success", "incremental", 6, 2, 4, 1), sync
    assert fake.downloads == {1: 1, 2: 2, 3: 1, 4: 1, 5: 2, 6: 1, 7: 1}
    after = {f["externalId"]: f for f in files_of(made["uuid"])}
    assert set(after) == {"1", "2", "3", "4", "5", "7"}
    assert after["2"]["uuid"] == by_external["2"]["uuid"] and raw_bytes(after["2"]["uuid"]) == fake.files[2]["body"]
    assert b"v2" in raw_bytes(after["5"]["uuid"])
    code, gone = run_cli("content", "file", "get", by_external["6"]["uuid"])
    assert code != 0 and gone["reason"] == "fileNotFound"
    assert ok("content", "library", "get", made["uuid"])["library"]["fileUuids"] == again["fileUuids"]

    # A synced file belongs to its library's extractor.
    refused(("content", "file", "update", "--uuid", after["1"]["uuid"], "--name", "x.md"), "fileIsSynced")
    refused(("content", "file", "remove", after["1"]["uuid"]), "fileIsSynced")
    # A new config re-syncs: only .txt files now, none exist — every file leaves.
    updated = ok("content", "library", "update", made["uuid"], "--config", j({"extensions": ["txt"]}))["library"]
    assert updated["lastSync"]["trigger"] == "config" and updated["lastSync"]["removedCount"] == 6
    assert updated["fileUuids"] == []
    # Removing a connector library removes its files.
    fake.put(9, 1)
    ok("content", "library", "update", made["uuid"], "--config", j({}))
    assert len(files_of(made["uuid"])) == 7
    assert ok("content", "library", "remove", made["uuid"]) == {"uuid": made["uuid"], "removed": True}
    assert ok("content", "file", "list", "--kind", "connector")["files"] == []


def test_salesforce_content_versions_library(serve: Any) -> None:
    fake = FakeFiles(5)
    fake.put(4, 1, body=b"\x89PNG\r\n\x1a\n" + bytes(range(256)), ext="png")
    url = serve(fake, "salesforce")
    conn = connector("salesforce", url)
    made = library(conn, "salesforce_content_versions", {"pageSize": 2})
    assert made["lastSync"]["status"] == "success" and made["lastSync"]["filesCount"] == 5, made
    listed = {f["externalId"]: f for f in files_of(made["uuid"])}
    assert set(listed) == {f"069{i:015d}" for i in range(1, 6)}
    assert listed[f"069{4:015d}"]["name"] == "playbook-4.png"
    for i in range(1, 6):
        assert raw_bytes(listed[f"069{i:015d}"]["uuid"]) == fake.files[i]["body"]
    fake.change(1)
    fake.delete(5)
    sync = ok("content", "library", "sync", made["uuid"])["library"]["lastSync"]
    assert (sync["downloadedCount"], sync["removedCount"], sync["unchangedCount"]) == (1, 1, 3), sync
    assert fake.downloads == {1: 2, 2: 1, 3: 1, 4: 1, 5: 1}


def test_a_file_over_the_cap_is_skipped_and_reported(serve: Any, monkeypatch: Any) -> None:
    fake = FakeFiles(3)
    url = serve(fake, "hubspot")
    conn = connector("hubspot", url)
    from lading.services.content import files as content_files

    monkeypatch.setattr(content_files, "MAX_FILE_BYTES", 150)  # the 100 MiB cap, scaled down for the test
    fake.put(2, 1, body=b"x" * 200, ext="txt")
    made = library(conn, "hubspot_files")
    sync = made["lastSync"]
    if os.environ.get("LADING_TEST_MODE") == "remote":  # the server's cap is the real one
        assert sync["skipped"] == [] and sync["downloadedCount"] == 3
        return
    assert sync["status"] == "success" and sync["downloadedCount"] == 2, sync
    assert sync["skipped"] == [{"externalId": "2", "name": "playbook-2.txt",
                                "reason": "200 bytes, over the 100 MiB a content file may hold"}]
    assert fake.downloads.get(2) is None  # its listed size was enough to skip it
    assert {f["externalId"] for f in files_of(made["uuid"])} == {"1", "3"}


def sync_killed_after_two_pages(library_uuid: str) -> Any:
    """`content library sync` in a `lading` subprocess (embedded, on this test's store), SIGKILLed once
    its run has committed two pages; returns the run left `running` by the dead driver."""
    from lading.services.wiring import open_session
    from lading.store.repositories import storage_runs

    env = {k: v for k, v in os.environ.items() if k not in ("LADING_API_URL", "LADING_TOKEN")}
    env["PYTHONPATH"] = str(SRC)
    proc = subprocess.Popen([sys.executable, "-m", "lading", "content", "library", "sync", library_uuid],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    session = open_session()
    deadline = time.monotonic() + 60
    run = None
    while run is None or run.status != "running" or run.pages_count < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        with session.db.read() as db:
            run = storage_runs.last_library_run(db, session.workspace_uuid, library_uuid)
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with session.db.read() as db:
        return storage_runs.last_library_run(db, session.workspace_uuid, library_uuid)


def test_a_killed_sync_resumes_with_each_file_once(serve: Any) -> None:
    n = 12
    fake = FakeFiles(n)
    url = serve(fake, "hubspot")
    conn = connector("hubspot", url)
    made = library(conn, "hubspot_files", {"pageSize": 2})
    assert made["lastSync"]["filesCount"] == n
    for i in range(1, n + 1):
        fake.change(i)
    fake.downloads.clear()
    fake.delay = 0.4
    killed = sync_killed_after_two_pages(made["uuid"])
    assert killed.status == "running" and killed.pages_count < n // 2
    fake.delay = 0.0
    resumed = ok("content", "library", "sync", made["uuid"])["library"]
    sync = resumed["lastSync"]
    assert sync["uuid"] == killed.uuid and sync["status"] == "success" and sync["resumedCount"] == 1, sync
    assert sync["pagesCount"] == n // 2 and sync["filesCount"] == n and sync["downloadedCount"] == n
    listed = files_of(made["uuid"])
    assert sorted(int(f["externalId"]) for f in listed) == list(range(1, n + 1))  # each file exactly once
    assert all(b"v2" in raw_bytes(f["uuid"]) for f in listed)
    # Only the page in flight at the kill was downloaded twice.
    assert sum(fake.downloads.values()) <= n + 2 and set(fake.downloads) == set(range(1, n + 1))


def test_a_worker_resumes_a_killed_library_sync_without_being_asked(serve: Any, tmp_path: Path) -> None:
    """Nobody syncs the library again: a running worker's scheduler leader finds the sync whose driver
    died and finishes it from its last committed page, each file stored once."""
    n = 12
    fake = FakeFiles(n)
    made = library(connector("hubspot", serve(fake, "hubspot")), "hubspot_files", {"pageSize": 2})
    for i in range(1, n + 1):
        fake.change(i)
    fake.delay = 0.4
    killed = sync_killed_after_two_pages(made["uuid"])
    fake.delay = 0.0
    run = worker_finishes(killed.uuid, tmp_path)
    assert (run.status, run.resumed_count, run.pages_count, run.records_count) == ("success", 1, n // 2, n)
    listed = files_of(made["uuid"])
    assert sorted(int(f["externalId"]) for f in listed) == list(range(1, n + 1))
    assert all(b"v2" in raw_bytes(f["uuid"]) for f in listed)


def test_refusals_and_failed_syncs(serve: Any) -> None:
    fake = FakeFiles(2)
    url = serve(fake, "hubspot")
    hub = connector("hubspot", url)
    sf = connector("salesforce", url)
    missing = "00000000-0000-4000-8000-000000000000"
    base = ("content", "library", "create", "--name", "L")
    refused((*base, "--connector-uuid", missing, "--extractor-slug", "hubspot_files", "--config", "{}"),
            "connectorNotFound", 1)
    refused((*base, "--connector-uuid", hub, "--extractor-slug", "hubspot", "--config", "{}"),
            "integrationNotCompatible")
    refused((*base, "--connector-uuid", hub, "--extractor-slug", "hubspot_companies", "--config", "{}"),
            "integrationNotCompatible")
    refused((*base, "--connector-uuid", sf, "--extractor-slug", "hubspot_files", "--config", "{}"),
            "integrationNotCompatible")
    refused((*base, "--connector-uuid", hub, "--extractor-slug", "dropbox_files", "--config", "{}"),
            "integrationNotFound", 1)
    bad = refused((*base, "--connector-uuid", hub, "--extractor-slug", "hubspot_files",
                   "--config", j({"pageSize": 0, "colour": "red"})), "invalidData")
    assert "pageSize" in bad["errorMessage"]
    refused((*base, "--connector-uuid", sf, "--extractor-slug", "salesforce_files",
             "--config", j({"where": "Title = 'x'; DROP"})), "invalidData")
    refused((*base, "--extractor-slug", "hubspot_files"), "invalidData")
    assert ok("content", "library", "list")["libraries"] == []  # nothing written by any refusal
    assert fake.downloads == {}

    # An unstructured-data extractor does not fill models.
    dataset = ok("storage", "dataset", "list")["datasets"]
    hub_dataset = next(d for d in dataset if d.get("connectorUuid") == hub)
    refused(("storage", "model", "create", "--slug", "files", "--name", "Files", "--dataset-uuid",
             hub_dataset["uuid"], "--extractor-slug", "hubspot_files", "--config", "{}"), "integrationNotCompatible")
    integration = ok("connection", "integration", "get", "hubspot")["integration"]
    assert integration["extractors"]["hubspot_files"]["dataKind"] == "files"
    assert integration["extractors"]["hubspot"]["dataKind"] == "records"
    assert "salesforce_files" in ok("connection", "integration", "get", "salesforce")["integration"]["extractors"]

    # Invalid credentials: the sync ends `error` with the provider's readable message on the library.
    made = library(hub, "hubspot_files")
    fake.token = "rotated"
    failed = ok("content", "library", "sync", made["uuid"])["library"]
    assert failed["lastSync"]["status"] == "error", failed
    message = failed["lastSync"]["errorMessage"]
    assert "401" in message and "credentials" in message and "Traceback" not in message and TOKEN not in message
    assert len(files_of(made["uuid"])) == 2  # a failed sync removes nothing
    # The connector removed: the sync fails saying so.
    fake.token = TOKEN
    ok("connection", "connector", "remove", hub)
    gone = ok("content", "library", "sync", made["uuid"])["library"]["lastSync"]
    assert gone["status"] == "error" and "connector" in gone["errorMessage"] and "removed" in gone["errorMessage"]
    # A native library does not sync.
    native = ok("content", "library", "create", "--name", "N")["library"]
    refused(("content", "library", "sync", native["uuid"]), "syncNotSupported")
    refused(("content", "library", "sync", missing), "libraryNotFound", 1)


def test_help() -> None:
    code, text = run_cli("content", "library", "sync", "--help")
    assert code == 0 and "connector library" in str(text)


# --- the HTTP API -----------------------------------------------------------------------------------


@pytest.mark.embedded_only  # the module's own server
def test_routes_and_isolation(serve: Any, api_server: Any, remote: Any) -> None:
    fake = FakeFiles(3)
    url = serve(fake, "hubspot")
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    made_conn = alpha.post("/connection/connectors", json={
        "integrationSlug": "hubspot", "slug": "hub_files", "name": "Hub",
        "config": {"accessToken": TOKEN, "baseUrl": url}})
    assert made_conn.status_code == 200, made_conn.text
    conn = made_conn.json()["connector"]["uuid"]
    # beta cannot use alpha's connector
    theirs = beta.post("/content/libraries/create", json={"name": "x", "extractorSlug": "hubspot_files",
                                                          "config": {}, "connectorUuid": conn})
    assert theirs.status_code == 404 and theirs.json()["reason"] == "connectorNotFound", theirs.text
    bad = alpha.post("/content/libraries/create", json={"name": "x", "extractorSlug": "hubspot_files",
                                                        "config": {"pageSize": "many"}, "connectorUuid": conn})
    assert bad.status_code == 400 and bad.json()["reason"] == "invalidData"
    created = alpha.post("/content/libraries/create", json={"name": "Docs", "extractorSlug": "hubspot_files",
                                                            "config": {}, "connectorUuid": conn})
    assert created.status_code == 200, created.text
    lib = created.json()["library"]
    assert lib["lastSync"]["status"] == "success" and len(lib["fileUuids"]) == 3
    listed = alpha.get("/content/files/list", params={"libraryUuid": lib["uuid"]}).json()["files"]
    assert {f["kind"] for f in listed} == {"connector"}
    for f in listed:
        raw = alpha.get(f"/content/files/{f['uuid']}/raw")
        assert raw.status_code == 200 and raw.content == fake.files[int(f["externalId"])]["body"]
        assert beta.get(f"/content/files/{f['uuid']}/raw").status_code == 404
    assert alpha.get("/content/files/list", params={"kind": "connector", "connectorUuid": conn}).json()["files"]
    synced = alpha.post(f"/content/libraries/{lib['uuid']}/sync")
    assert synced.status_code == 200 and synced.json()["library"]["lastSync"]["unchangedCount"] == 3
    assert beta.post(f"/content/libraries/{lib['uuid']}/sync").json()["reason"] == "libraryNotFound"
    assert beta.get("/content/files/list", params={"kind": "connector"}).json()["files"] == []
    locked = alpha.delete(f"/content/files/{listed[0]['uuid']}")
    assert locked.status_code == 409 and locked.json()["reason"] == "fileIsSynced"

    # The remote CLI prints what the embedded one prints on the same store.
    code, remote_out = remote("content", "library", "get", lib["uuid"])
    assert code == 0 and remote_out == api_server.lading("content", "library", "get", lib["uuid"])
    code, remote_files = remote("content", "file", "list", "--library-uuid", lib["uuid"])
    assert code == 0 and remote_files == api_server.lading("content", "file", "list", "--library-uuid", lib["uuid"])

    removed = alpha.delete(f"/content/libraries/{lib['uuid']}")
    assert removed.status_code == 200
    assert alpha.get("/content/files/list", params={"kind": "connector"}).json()["files"] == []
