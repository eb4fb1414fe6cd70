"""Content files and libraries over HTTP (api.md §7, §0.5, §0.6) against a real `lading serve`: every
route's happy path and documented errors, the multipart upload (new file, in-place replace), the
streamed raw bytes, two-workspace isolation, the `content …` commands in remote mode printing what
they print embedded, and a large upload and download that keep the server's memory flat."""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_server import refused

MiB = 1024 * 1024
FILE_KEYS = ["uuid", "workspaceUuid", "name", "s3Filename", "openAiFileId", "contentType", "size", "isTemporary",
             "folderUuid", "createdAt", "updatedAt", "libraryUuid", "userUuid", "kind", "connectorUuid",
             "isIndexedInOpenAiVectorStore", "externalId", "deletedAt"]
LIBRARY_KEYS = ["uuid", "workspaceUuid", "name", "kind", "connectorUuid", "extractor", "extractorSlug", "config",
                "fileUuids", "folderUuid", "syncedAt", "createdAt", "updatedAt", "lastSyncedAt", "deletedAt",
                "lastSync"]




def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def upload(client: httpx.Client, name: str, content: bytes, content_type: str = "text/plain",
           **fields: str) -> dict[str, Any]:
    answer = _ok(client.post("/content/files/upload", files={"file": (name, content, content_type)}, data=fields))
    assert list(answer) == ["files"] and len(answer["files"]) == 1
    return dict(answer["files"][0])


def folder(client: httpx.Client, name: str, kind: str = "file") -> str:
    return str(_ok(client.post("/workspaceManagement/folders", json={"name": name, "emojiSlug": "folder",
                                                                      "kind": kind}))["folder"]["uuid"])


def library(client: httpx.Client, name: str, file_uuids: list[str], **extra: Any) -> dict[str, Any]:
    return dict(_ok(client.post("/content/libraries/create", json={"name": name, "fileUuids": file_uuids,
                                                                   **extra}))["library"])


def uuids(items: list[dict[str, Any]]) -> list[str]:
    return [item["uuid"] for item in items]


# --- files --------------------------------------------------------------------------------------------


def test_file_upload_get_list_raw_update_remove(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    pricing = folder(alpha, "Pricing")
    notes = b"# Pricing\n\nAcme pays 40 dollars per seat.\n"
    created = upload(alpha, "notes.md", notes, "text/markdown", folderUuid=pricing)
    assert list(created) == FILE_KEYS
    assert (created["name"], created["contentType"], created["size"], created["folderUuid"]) == \
        ("notes.md", "text/markdown", len(notes), pricing)
    assert created["openAiFileId"] == "" and created["kind"] == "native" and created["isIndexedInOpenAiVectorStore"] \
        is False and created["libraryUuid"] is None and created["deletedAt"] is None
    # A generic declared type gives way to the one the name implies (as the embedded command stores it).
    data = upload(alpha, "rows.json", b'[{"a": 1}]', "application/octet-stream")
    assert data["contentType"] == "application/json" and data["folderUuid"] is None

    assert _ok(alpha.get(f"/content/files/{created['uuid']}")) == {"file": created}
    assert _ok(alpha.get(f"/content/files/{created['uuid'].upper()}"))["file"] == created
    listed = _ok(alpha.get("/content/files/list"))["files"]
    assert uuids(listed)[:2] == [data["uuid"], created["uuid"]]  # newest first
    assert uuids(_ok(alpha.get("/content/files/list", params={"folderUuid": pricing}))["files"]) == [created["uuid"]]
    assert _ok(alpha.get("/content/files/list", params={"kind": "connector"}))["files"] == []
    assert _ok(alpha.get("/content/files/list", params={"connectorUuid": str(uuidlib.uuid4())}))["files"] == []
    assert created["uuid"] in uuids(_ok(alpha.get("/content/files/list", params={"kind": "native"}))["files"])
    shelf = library(alpha, "Shelf", [created["uuid"]])
    assert uuids(_ok(alpha.get("/content/files/list", params={"libraryUuid": shelf["uuid"]}))["files"]) == \
        [created["uuid"]]
    assert _ok(alpha.get("/content/files/list", params={"libraryUuid": str(uuidlib.uuid4())}))["files"] == []

    raw = alpha.get(f"/content/files/{created['uuid']}/raw")
    assert raw.status_code == 200 and raw.content == notes
    assert raw.headers["content-type"].startswith("text/markdown")
    assert raw.headers["content-length"] == str(len(notes))

    archive = folder(alpha, "Archive")
    moved = _ok(alpha.put(f"/content/files/{created['uuid']}", json={"name": "pricing.md", "folderUuid": archive}))
    assert (moved["file"]["name"], moved["file"]["folderUuid"], moved["file"]["size"]) == \
        ("pricing.md", archive, len(notes))
    assert _ok(alpha.put(f"/content/files/{created['uuid']}", json={}))["file"]["folderUuid"] == archive  # kept
    root = _ok(alpha.put(f"/content/files/{created['uuid']}", json={"folderUuid": None}))["file"]
    assert root["folderUuid"] is None and root["name"] == "pricing.md"

    _ok(alpha.patch(f"/content/libraries/{shelf['uuid']}", json={"fileUuids": []}))
    _ok(alpha.delete(f"/content/libraries/{shelf['uuid']}"))
    assert _ok(alpha.delete(f"/content/files/{created['uuid']}")) == {"uuid": created["uuid"], "removed": True}
    refused(alpha.get(f"/content/files/{created['uuid']}"), 404, "fileNotFound")
    refused(alpha.get(f"/content/files/{created['uuid']}/raw"), 404, "fileNotFound")
    assert created["uuid"] not in uuids(_ok(alpha.get("/content/files/list"))["files"])


def test_upload_with_uuid_replaces_the_content_in_place(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    docs = folder(alpha, "Docs")
    first = upload(alpha, "plan.txt", b"the old plan mentions walruses", folderUuid=docs)
    shelf = library(alpha, "Plans", [first["uuid"]])
    replaced = upload(alpha, "plan-v2.csv", b"step,owner\nlaunch,Dana\n", "text/csv", uuid=first["uuid"])
    assert replaced["uuid"] == first["uuid"] and replaced["createdAt"] == first["createdAt"]
    assert (replaced["name"], replaced["contentType"], replaced["size"], replaced["folderUuid"]) == \
        ("plan-v2.csv", "text/csv", len(b"step,owner\nlaunch,Dana\n"), docs)  # the folder is kept
    assert alpha.get(f"/content/files/{first['uuid']}/raw").content == b"step,owner\nlaunch,Dana\n"
    assert uuids(_ok(alpha.get("/content/files/list", params={"folderUuid": docs}))["files"]) == [first["uuid"]]
    assert _ok(alpha.get(f"/content/libraries/{shelf['uuid']}"))["library"]["fileUuids"] == [first["uuid"]]
    moved = upload(alpha, "plan-v3.txt", b"v3", uuid=first["uuid"].upper(), folderUuid="null")
    assert moved["uuid"] == first["uuid"] and moved["folderUuid"] is None and moved["size"] == 2
    # An unknown uuid makes a new file, with a uuid of its own.
    unknown = str(uuidlib.uuid4())
    fresh = upload(alpha, "new.txt", b"fresh", uuid=unknown)
    assert fresh["uuid"] not in (unknown, first["uuid"]) and fresh["name"] == "new.txt"
    # A replacement that cannot be read leaves the file as it was.
    refused(alpha.post("/content/files/upload", files={"file": ("broken.pdf", b"%PDF-1.4 nope", "application/pdf")},
                      data={"uuid": first["uuid"]}), 400, "invalidData")
    assert _ok(alpha.get(f"/content/files/{first['uuid']}"))["file"] == moved


def test_file_errors(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    mine = upload(alpha, "a.txt", b"alpha")
    refused(alpha.post("/content/files/upload", files={"other": ("a.txt", b"x", "text/plain")}), 400, "noFile")
    refused(alpha.post("/content/files/upload", data={"file": "not a file"}, files={"x": ("x", b"")}), 400, "noFile")
    refused(alpha.post("/content/files/upload", json={"file": "a.txt"}), 400, "noFile")
    refused(alpha.post("/content/files/upload", files={"file": ("a.txt", b"x", "text/plain")},
                      data={"uuid": "not-a-uuid"}), 400, "invalidData")
    refused(alpha.post("/content/files/upload", files={"file": ("a.txt", b"x", "text/plain")},
                      data={"folderUuid": "not-a-uuid"}), 400, "invalidData")
    refused(alpha.post("/content/files/upload", files={"file": ("a.txt", b"x", "text/plain")},
                      data={"folderUuid": str(uuidlib.uuid4())}), 404, "folderNotFound")
    refused(alpha.post("/content/files/upload", files={"file": ("a.txt", b"x", "text/plain")},
                      data={"folderUuid": folder(alpha, "Tools", "tool")}), 404, "folderNotFound")
    refused(alpha.post("/content/files/upload", files={"file": ("broken.pdf", b"%PDF-1.4 no", "application/pdf")}),
           400, "invalidData")
    refused(httpx.post(f"{api_server.url}/v1/content/files/upload", files={"file": ("a.txt", b"x", "text/plain")}),
           401, "unauthorized")
    for missing in (str(uuidlib.uuid4()), "nope"):
        refused(alpha.get(f"/content/files/{missing}"), 404, "fileNotFound")
        refused(alpha.get(f"/content/files/{missing}/raw"), 404, "fileNotFound")
        refused(alpha.put(f"/content/files/{missing}", json={"name": "x"}), 404, "fileNotFound")
        refused(alpha.delete(f"/content/files/{missing}"), 404, "fileNotFound")
    refused(alpha.put(f"/content/files/{mine['uuid']}", json={"name": " "}), 400, "invalidData")
    refused(alpha.put(f"/content/files/{mine['uuid']}", json={"folderUuid": str(uuidlib.uuid4())}), 404,
           "folderNotFound")
    body = refused(alpha.put(f"/content/files/{mine['uuid']}", json={"nmae": "x"}), 400, "invalidPayload")
    assert "nmae" in str(body)
    refused(alpha.get("/content/files/list", params={"kind": "weird"}), 400, "invalidData")
    assert _ok(alpha.get(f"/content/files/{mine['uuid']}"))["file"] == mine  # nothing changed


# --- libraries ----------------------------------------------------------------------------------------


def test_library_create_list_get_update_remove(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    fa, fb = upload(alpha, "a.txt", b"alpha")["uuid"], upload(alpha, "b.txt", b"beta")["uuid"]
    shelf = folder(alpha, "Libraries")
    created = library(alpha, "Playbooks", [fa, fb], folderUuid=shelf, config={"note": "sales"})
    assert list(created) == LIBRARY_KEYS
    assert (created["kind"], created["fileUuids"], created["folderUuid"], created["config"]) == \
        ("native", [fa, fb], shelf, {"note": "sales"})
    assert created["syncedAt"] is None and created["lastSyncedAt"] is None and created["deletedAt"] is None
    assert created["lastSync"] is None  # a native library never syncs
    assert _ok(alpha.get(f"/content/libraries/{created['uuid']}")) == {"library": created}
    assert created["uuid"] in uuids(_ok(alpha.get("/content/libraries/list"))["libraries"])
    assert created["uuid"] in uuids(_ok(alpha.get("/content/libraries/list", params={"kind": "native"}))["libraries"])
    assert _ok(alpha.get("/content/libraries/list", params={"kind": "connector"}))["libraries"] == []
    assert _ok(alpha.get("/content/libraries/list", params={"connectorUuid": str(uuidlib.uuid4())}))["libraries"] == []

    updated = _ok(alpha.patch(f"/content/libraries/{created['uuid']}", json={"name": "Plays", "fileUuids": [fb]}))
    assert (updated["library"]["name"], updated["library"]["fileUuids"], updated["library"]["config"]) == \
        ("Plays", [fb], {"note": "sales"})
    rooted = _ok(alpha.patch(f"/content/libraries/{created['uuid']}", json={"folderUuid": None,
                                                                           "config": {"note": "ops"}}))["library"]
    assert rooted["folderUuid"] is None and rooted["config"] == {"note": "ops"} and rooted["name"] == "Plays"

    body = refused(alpha.delete(f"/content/libraries/{created['uuid']}"), 409, "libraryHasFiles")
    assert "--file-uuids" in body["errorMessage"]
    assert _ok(alpha.get(f"/content/libraries/{created['uuid']}"))["library"]["fileUuids"] == [fb]
    _ok(alpha.patch(f"/content/libraries/{created['uuid']}", json={"fileUuids": []}))
    assert _ok(alpha.delete(f"/content/libraries/{created['uuid']}")) == {"uuid": created["uuid"], "removed": True}
    refused(alpha.get(f"/content/libraries/{created['uuid']}"), 404, "libraryNotFound")
    assert fb in uuids(_ok(alpha.get("/content/files/list"))["files"])  # its files stay


def test_library_errors(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    before = _ok(alpha.get("/content/libraries/list"))["libraries"]
    out = refused(alpha.post("/content/libraries/create", json={
        "name": "Drive", "extractorSlug": "googleDriveFiles", "config": {}, "connectorUuid": str(uuidlib.uuid4())}),
        404, "integrationNotFound")
    assert "does not exist" in out["errorMessage"] and "hubspot_files" in out["errorMessage"]
    refused(alpha.post("/content/libraries/create", json={"name": "X", "fileUuids": [str(uuidlib.uuid4())]}), 404,
           "fileNotFound")
    refused(alpha.post("/content/libraries/create", json={"name": " "}), 400, "invalidData")
    refused(alpha.post("/content/libraries/create", json={"name": "X", "config": [1]}), 400, "invalidData")
    refused(alpha.post("/content/libraries/create", json={"config": {}}), 400, "invalidPayload")
    refused(alpha.post("/content/libraries/create", json={"name": "X", "folderUuid": str(uuidlib.uuid4())}), 404,
           "folderNotFound")
    refused(alpha.get("/content/libraries/list", params={"kind": "weird"}), 400, "invalidData")
    assert _ok(alpha.get("/content/libraries/list"))["libraries"] == before  # nothing half-made
    for missing in (str(uuidlib.uuid4()), "nope"):
        refused(alpha.get(f"/content/libraries/{missing}"), 404, "libraryNotFound")
        refused(alpha.patch(f"/content/libraries/{missing}", json={"name": "x"}), 404, "libraryNotFound")
        refused(alpha.delete(f"/content/libraries/{missing}"), 404, "libraryNotFound")
    mine = library(alpha, "Mine", [])
    refused(alpha.patch(f"/content/libraries/{mine['uuid']}", json={"fileUuids": ["nope"]}), 404, "fileNotFound")
    refused(alpha.patch(f"/content/libraries/{mine['uuid']}", json={"colour": "red"}), 400, "invalidPayload")
    refused(httpx.get(f"{api_server.url}/v1/content/libraries/list"), 401, "unauthorized")


# --- isolation ------------------------------------------------------------------------------------------


def test_beta_files_and_libraries_are_invisible_to_alpha(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    theirs = upload(beta, "secret.txt", b"beta's secret plan")
    their_library = library(beta, "Theirs", [theirs["uuid"]])
    for path in (f"/content/files/{theirs['uuid']}", f"/content/files/{theirs['uuid']}/raw"):
        refused(alpha.get(path), 404, "fileNotFound")
    refused(alpha.put(f"/content/files/{theirs['uuid']}", json={"name": "mine now"}), 404, "fileNotFound")
    refused(alpha.delete(f"/content/files/{theirs['uuid']}"), 404, "fileNotFound")
    refused(alpha.get(f"/content/libraries/{their_library['uuid']}"), 404, "libraryNotFound")
    refused(alpha.patch(f"/content/libraries/{their_library['uuid']}", json={"name": "x"}), 404, "libraryNotFound")
    refused(alpha.delete(f"/content/libraries/{their_library['uuid']}"), 404, "libraryNotFound")
    refused(alpha.post("/content/libraries/create", json={"name": "Steal", "fileUuids": [theirs["uuid"]]}), 404,
           "fileNotFound")
    # Replacing by beta's uuid makes a new alpha file; beta's file is untouched.
    mine = upload(alpha, "mine.txt", b"alpha bytes", uuid=theirs["uuid"])
    assert mine["uuid"] != theirs["uuid"] and mine["workspaceUuid"] != theirs["workspaceUuid"]
    assert beta.get(f"/content/files/{theirs['uuid']}/raw").content == b"beta's secret plan"
    assert _ok(beta.get(f"/content/files/{theirs['uuid']}"))["file"] == theirs
    assert _ok(alpha.get("/content/files/list", params={"libraryUuid": their_library["uuid"]}))["files"] == []
    alpha_files = _ok(alpha.get("/content/files/list"))["files"]
    alpha_libraries = _ok(alpha.get("/content/libraries/list"))["libraries"]
    assert theirs["uuid"] not in uuids(alpha_files) and their_library["uuid"] not in uuids(alpha_libraries)
    assert {f["workspaceUuid"] for f in alpha_files + alpha_libraries} == {mine["workspaceUuid"]}
    assert _ok(beta.get(f"/content/libraries/{their_library['uuid']}"))["library"] == their_library


# --- the CLI in remote mode -------------------------------------------------------------------------------


def embedded_cli(server: Any, *args: str) -> tuple[int, Any]:
    """`lading <args>` embedded on the server's store in workspace alpha: (exit code, JSON)."""
    import json
    import subprocess
    import sys

    env = {**server.env, "LADING_WORKSPACE_NAME": server.workspaces["alpha"]}
    done = subprocess.run([sys.executable, "-m", "lading", *args], env=env, capture_output=True, timeout=120)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None


def _without(document: Any, *keys: str) -> Any:
    return {k: v for k, v in document.items() if k not in keys} if isinstance(document, dict) else document


def test_content_commands_remote_print_what_they_print_embedded(api_server: Any, cli: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nRemote and embedded alike.\n")
    embedded = api_server.lading("content", "file", "upload", "--file-path", str(notes))["file"]
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])

    def both(*args: str) -> Any:
        """`lading <args>` remote (this process, over HTTP) and embedded (on the server's store): the
        same exit code and JSON."""
        code, remote = cli(*args)
        assert (code, remote) == embedded_cli(api_server, *args), args
        return remote

    code, remote = cli("content", "file", "upload", "--file-path", str(notes))
    assert code == 0 and list(remote) == ["file"]
    moving = ("uuid", "s3Filename", "createdAt", "updatedAt")
    assert _without(remote["file"], *moving) == _without(embedded, *moving)
    uploaded = remote["file"]
    assert both("content", "file", "get", uploaded["uuid"]) == {"file": uploaded}
    assert both("content", "file", "get", embedded["uuid"])["file"] == embedded
    assert uuids(both("content", "file", "list")["files"])[:2] == [uploaded["uuid"], embedded["uuid"]]

    docs = str(api_server.lading("workspaceManagement", "folder", "create", "--name", "Remote docs",
                                 "--emoji-slug", "folder", "--kind", "file")["folder"]["uuid"])
    code, in_folder = cli("content", "file", "upload", "--file", str(notes), "--folder-uuid", docs)
    assert code == 0 and in_folder["file"]["folderUuid"] == docs
    assert both("content", "file", "list", "--folder-uuid", docs) == {"files": [in_folder["file"]]}
    code, renamed = cli("content", "file", "update", "--uuid", uploaded["uuid"], "--name", "renamed.md",
                        "--folder-uuid", docs)
    assert code == 0 and (renamed["file"]["name"], renamed["file"]["folderUuid"]) == ("renamed.md", docs)
    code, rooted = cli("ai", "file", "update", uploaded["uuid"], "--folder-uuid", "null")
    assert code == 0 and rooted["file"]["folderUuid"] is None and rooted["file"]["name"] == "renamed.md"
    assert both("content", "file", "get", uploaded["uuid"]) == rooted

    code, created = cli("content", "library", "create", "--name", "Remote", "--file-uuids",
                        f"{uploaded['uuid']},{embedded['uuid']}", "--config", '{"a": 1}', "--folder-uuid", docs)
    assert code == 0 and created["library"]["fileUuids"] == [uploaded["uuid"], embedded["uuid"]]
    shelf = created["library"]["uuid"]
    assert both("content", "library", "get", shelf) == created
    assert both("content", "library", "list", "--kind", "native")["libraries"][0] == created["library"]
    code, updated = cli("content", "library", "update", shelf, "--name", "Remote 2", "--file-uuids",
                        uploaded["uuid"], "--folder-uuid", "null")
    assert code == 0 and updated["library"]["fileUuids"] == [uploaded["uuid"]] and updated["library"]["folderUuid"] \
        is None and updated["library"]["config"] == {"a": 1}
    assert both("content", "library", "get", shelf) == updated

    # Failures: the same document and exit code either way.
    for args in (("content", "file", "get", "nope"), ("content", "file", "get", str(uuidlib.uuid4())),
                 ("content", "file", "remove", "nope"),
                 ("content", "file", "update", "--uuid", uploaded["uuid"], "--name", " "),
                 ("content", "file", "upload", "--file-path", str(tmp_path / "absent.txt")),
                 ("content", "file", "upload", "--file-path", str(notes), "--folder-uuid", str(uuidlib.uuid4())),
                 ("content", "library", "list", "--kind", "weird"),
                 ("content", "library", "remove", shelf),  # libraryHasFiles
                 ("content", "library", "create", "--name", "X", "--file-uuids", "nope"),
                 ("content", "library", "create", "--name", "X", "--config", "[1]"),
                 ("content", "library", "create", "--name", "Drive", "--connector-uuid", str(uuidlib.uuid4()),
                  "--extractor-slug", "googleDriveFiles"),
                 ("content", "library", "update", "--uuid", "nope", "--name", "x")):
        code, remote = cli(*args)
        assert code != 0 and (code, remote) == embedded_cli(api_server, *args), args
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    code, remote = cli("content", "file", "upload", "--file-path", str(broken))
    assert (code, remote) == embedded_cli(api_server, "content", "file", "upload", "--file-path", str(broken))
    assert code == 1 and remote["reason"] == "invalidData"
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:  # sparse: refused before a byte is sent
        handle.truncate(100 * MiB + 1)
    code, remote = cli("content", "file", "upload", "--file-path", str(big))
    assert (code, remote) == embedded_cli(api_server, "content", "file", "upload", "--file-path", str(big))
    assert code == 1 and remote["reason"] == "fileTooLarge"

    assert cli("content", "library", "update", shelf, "--file-uuids", "") == \
        (0, {"library": {**_ok(api_server.client("alpha").get(f"/content/libraries/{shelf}"))["library"]}})
    assert cli("content", "library", "remove", shelf) == (0, {"uuid": shelf, "removed": True})
    assert cli("content", "file", "remove", uploaded["uuid"]) == (0, {"uuid": uploaded["uuid"], "removed": True})
    code, gone = cli("content", "library", "get", shelf)
    assert code == 1 and gone["reason"] == "libraryNotFound"


# --- large files: memory stays flat ---------------------------------------------------------------------


def _peak_rss_reset(pid: int) -> int:
    """Reset the process's peak RSS (VmHWM) to its current RSS and answer that RSS, in bytes."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_kib(pid, "VmRSS") * 1024


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def _multipart(name: str, size: int, digest: Any, boundary: str = "lading-test-boundary") -> Iterator[bytes]:
    """A multipart body whose one `file` part is `size` generated bytes, made 1 MiB at a time (never
    whole in this process either), its bytes fed to `digest`."""
    yield (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
           f"Content-Type: application/octet-stream\r\n\r\n").encode()
    block = bytes(range(256)) * (MiB // 256)
    sent = 0
    while sent < size:
        piece = block[: min(MiB, size - sent)]
        piece = sent.to_bytes(8, "big") + piece[8:] if len(piece) >= 8 else piece  # no two chunks alike
        digest.update(piece)
        sent += len(piece)
        yield piece
    yield f"\r\n--{boundary}--\r\n".encode()


def test_large_upload_and_download_keep_the_server_memory_flat(api_server: Any) -> None:
    pid = api_server.process.pid
    alpha = api_server.client("alpha")
    headers = {"content-type": "multipart/form-data; boundary=lading-test-boundary"}
    # Warm up first (modules imported on first use, the store's caches), so the peaks below measure the
    # files moved, not the server's first steps.
    warm = _ok(alpha.post("/content/files/upload", content=_multipart("warm.bin", 2 * MiB, hashlib.md5()),
                          headers=headers))["files"][0]
    assert len(alpha.get(f"/content/files/{warm['uuid']}/raw").content) == 2 * MiB
    _ok(alpha.delete(f"/content/files/{warm['uuid']}"))
    size = 99 * MiB  # just under the 100 MiB cap of a content file
    before = _peak_rss_reset(pid)
    sent = hashlib.sha256()
    answer = _ok(alpha.post("/content/files/upload", content=_multipart("large.bin", size, sent), headers=headers,
                            timeout=300))
    stored = answer["files"][0]
    assert stored["size"] == size and stored["contentType"] == "application/octet-stream"
    upload_growth = _status_kib(pid, "VmHWM") * 1024 - before

    before = _peak_rss_reset(pid)
    received = hashlib.sha256()
    count = 0
    with alpha.stream("GET", f"/content/files/{stored['uuid']}/raw", timeout=300) as response:
        assert response.status_code == 200 and response.headers["content-length"] == str(size)
        for chunk in response.iter_bytes():
            received.update(chunk)
            count += len(chunk)
    assert count == size and received.hexdigest() == sent.hexdigest()
    download_growth = _status_kib(pid, "VmHWM") * 1024 - before

    # 200 MB, streamed with no declared length: refused at the cap, nothing kept, memory flat.
    listed = _ok(alpha.get("/content/files/list"))["files"]
    before = _peak_rss_reset(pid)
    refused(alpha.post("/content/files/upload", content=_multipart("huge.bin", 200 * 1000 * 1000, hashlib.md5()),
                      headers=headers, timeout=300), 413, "fileTooLarge")
    refused_growth = _status_kib(pid, "VmHWM") * 1024 - before
    assert _ok(alpha.get("/content/files/list"))["files"] == listed

    # The server's peak stays far below the files it moved: a whole-file buffer would add ≥ 99 MiB; what
    # does grow is bounded by the store's own caches (SQLite keeps up to 16 MiB of pages per connection).
    for growth in (upload_growth, download_growth, refused_growth):
        assert growth < 40 * MiB, (upload_growth // MiB, download_growth // MiB, refused_growth // MiB)
    _ok(alpha.delete(f"/content/files/{stored['uuid']}"))
