"""Workspace files over HTTP (api.md §0.5, §9): multipart upload, column listing, the chunked upload
protocol with its signed public part URLs, caps, isolation, a batch over an uploaded file, and the file
commands in remote mode — all against a real `lading serve`."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from api_server import refused
from graphs import chain, end, node, start, var

MiB = 1024 * 1024
UPLOAD_KEYS = ["s3Filename", "contentType", "name"]




def store_engine(server: Any) -> Any:
    """An SQLAlchemy engine on the server's own store, to look at what an upload left there."""
    import sqlalchemy

    url = os.environ.get("LADING_TEST_DATABASE_URL")
    if url:
        return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return sqlalchemy.create_engine(f"sqlite:///{server.home / 'lading.db'}", connect_args={"timeout": 30})


def stored_bytes(server: Any, s3_filename: str) -> bytes:
    import sqlalchemy

    engine = store_engine(server)
    with engine.connect() as conn:
        chunks = conn.execute(sqlalchemy.text("SELECT seq, data FROM file_chunks WHERE s3_filename = :k ORDER BY seq"),
                              {"k": s3_filename}).all()
    engine.dispose()
    assert [seq for seq, _ in chunks] == list(range(len(chunks)))
    return b"".join(bytes(data) for _, data in chunks)


def stored_keys(server: Any, workspace_uuid: str) -> set[str]:
    import sqlalchemy

    engine = store_engine(server)
    with engine.connect() as conn:
        keys = conn.execute(sqlalchemy.text("SELECT s3_filename FROM files WHERE workspace_uuid = :w"),
                            {"w": workspace_uuid}).scalars().all()
    engine.dispose()
    return set(keys)


def workspace_uuid(server: Any, workspace: str = "alpha") -> str:
    return str(server.client(workspace).get("/whoami").json()["workspace"]["uuid"])


def upload(client: httpx.Client, name: str, content: bytes, content_type: str = "text/csv") -> dict[str, Any]:
    response = client.post("/workspaceManagement/files/upload", files={"file": (name, content, content_type)})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_upload_then_list_columns(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    uploaded = upload(alpha, "leads.csv", b"domain,name\nacme.com,Acme\n")
    assert list(uploaded) == UPLOAD_KEYS
    assert uploaded["name"] == "leads.csv" and uploaded["contentType"] == "text/csv"
    assert uploaded["s3Filename"].startswith(workspace_uuid(api_server) + "/")
    columns = alpha.get("/workspaceManagement/files/listColumns", params={"s3Filename": uploaded["s3Filename"]})
    assert columns.json() == {"columns": [{"type": "string", "name": "domain"}, {"type": "string", "name": "name"}]}
    # A generic content type is replaced by the one the name implies (what batches read by).
    lines = upload(alpha, "rows.jsonl", b'{"a": 1, "b": 2}\n', "application/octet-stream")
    assert lines["contentType"] == "application/x-ndjson"
    assert alpha.get("/workspaceManagement/files/listColumns",
                     params={"s3Filename": lines["s3Filename"]}).json()["columns"] == [
        {"type": "string", "name": "a"}, {"type": "string", "name": "b"}]
    # A client path never reaches the key: only the file's own name does.
    sneaky = upload(alpha, "../../etc/leads.csv", b"x\n1\n")
    assert sneaky["name"] == "leads.csv" and ".." not in sneaky["s3Filename"]


def test_upload_errors(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    refused(alpha.post("/workspaceManagement/files/upload", files={"other": ("a.csv", b"a\n1\n", "text/csv")}),
           400, "noFile")
    refused(alpha.post("/workspaceManagement/files/upload", data={"file": "not a file"}, files={"x": ("x", b"")}),
           400, "noFile")
    refused(alpha.post("/workspaceManagement/files/upload", json={"file": "a.csv"}), 400, "noFile")
    refused(httpx.post(f"{api_server.url}/v1/workspaceManagement/files/upload",
                      files={"file": ("a.csv", b"a\n", "text/csv")}), 401, "unauthorized")


def test_upload_over_100_mib_is_refused_and_nothing_is_kept(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    before = stored_keys(api_server, workspace_uuid(api_server))
    # Just over the file cap, within the body cap: the route refuses it.
    big = b"a" * (100 * MiB + 1)
    refused(alpha.post("/workspaceManagement/files/upload", files={"file": ("big.csv", big, "text/csv")}),
           413, "fileTooLarge")
    # Over the body cap as declared: refused before the body is read (a raw request, as no HTTP client
    # sends a length it does not then send).
    status, body = _declared_only(api_server, "/v1/workspaceManagement/files/upload", 101 * MiB,
                                  "multipart/form-data; boundary=x")
    assert status == 413 and body["reason"] == "fileTooLarge" and body["errorMessage"]

    # Over the body cap with no declared length (chunked transfer): stopped mid-stream.
    def streamed() -> Any:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n'
        for _ in range(101):
            yield b"a" * MiB
        yield b"\r\n--x--\r\n"

    refused(alpha.post("/workspaceManagement/files/upload", content=streamed(),
                      headers={"content-type": "multipart/form-data; boundary=x"}), 413, "fileTooLarge")
    assert stored_keys(api_server, workspace_uuid(api_server)) == before


def _declared_only(server: Any, path: str, length: int, content_type: str) -> tuple[int, dict[str, Any]]:
    """Send only the head of a request declaring `length` bytes of body; the status and JSON answered."""
    import socket

    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {server.tokens['alpha']}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(head.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body)


def test_list_columns_errors_and_isolation(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    theirs = upload(beta, "theirs.csv", b"secret\n1\n")["s3Filename"]
    refused(alpha.get("/workspaceManagement/files/listColumns", params={"s3Filename": theirs}), 404, "fileNotFound")
    refused(alpha.get("/workspaceManagement/files/listColumns", params={"s3Filename": "nope.csv"}), 404,
           "fileNotFound")
    empty = upload(alpha, "empty.csv", b"")["s3Filename"]
    refused(alpha.get("/workspaceManagement/files/listColumns", params={"s3Filename": empty}), 400, "noColumnsFound")
    refused(alpha.get("/workspaceManagement/files/listColumns"), 400, "invalidPayload")
    assert beta.get("/workspaceManagement/files/listColumns", params={"s3Filename": theirs}).status_code == 200


def _start(client: httpx.Client, filename: str = "big.csv") -> dict[str, str]:
    started = client.post("/workspaceManagement/files/multipart/create",
                          json={"contentType": "text/csv", "filename": filename})
    assert started.status_code == 200, started.text
    body = started.json()
    assert set(body) == {"s3Filename", "uploadId"}
    return {"s3Filename": body["s3Filename"], "uploadId": body["uploadId"]}


def _sign(client: httpx.Client, key: dict[str, str], number: int) -> str:
    signed = client.post("/workspaceManagement/files/multipart/sign", json={**key, "partNumber": number})
    assert signed.status_code == 200, signed.text
    return str(signed.json()["url"])


def _put(url: str, data: bytes) -> httpx.Response:
    return httpx.put(url, content=data, timeout=60)  # no bearer: the URL's signature is the authority


def test_chunked_upload_assembles_parts_in_order(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    content = b"n,name\n" + b"".join(f"{i},row {i}\n".encode() for i in range(300))
    pieces = [content[:1000], content[1000:1001], content[1001:]]
    key = _start(alpha)
    assert key["s3Filename"].startswith(workspace_uuid(api_server) + "/") and key["s3Filename"].endswith("/big.csv")
    etags, urls = {}, {}
    parts_path = f"{api_server.url}/v1/workspaceManagement/files/multipart/parts/{key['uploadId']}"
    for number in (3, 1, 2):  # in any order, as parallel clients send them
        urls[number] = url = _sign(alpha, key, number)
        assert url.startswith(f"{parts_path}/{number}?expires=") and "&signature=" in url
        answered = _put(url, pieces[number - 1])
        assert answered.status_code == 200, answered.text
        assert answered.headers["etag"] == hashlib.md5(pieces[number - 1]).hexdigest()
        assert "etag" in answered.headers["access-control-expose-headers"].lower()
        etags[number] = answered.headers["etag"]
    # A retried part replaces the earlier bytes.
    retried = _put(_sign(alpha, key, 2), pieces[1])
    assert retried.headers["etag"] == etags[2]
    parts = [{"partNumber": n, "etag": f'"{etags[n]}"' if n == 1 else etags[n]} for n in (2, 1, 3)]
    done = alpha.post("/workspaceManagement/files/multipart/complete", json={**key, "parts": parts})
    assert done.status_code == 200, done.text
    assert done.json() == {"s3Filename": key["s3Filename"]}
    assert stored_bytes(api_server, key["s3Filename"]) == content
    assert not {k for k in stored_keys(api_server, workspace_uuid(api_server)) if key["uploadId"] in k and
                k != key["s3Filename"]}
    columns = alpha.get("/workspaceManagement/files/listColumns", params={"s3Filename": key["s3Filename"]}).json()
    assert [c["name"] for c in columns["columns"]] == ["n", "name"]
    # The upload is finished: its part URLs and its id are gone.
    refused(_put(urls[1], b"x"), 404, "uploadNotFound")
    refused(alpha.post("/workspaceManagement/files/multipart/complete", json={**key, "parts": parts}), 404,
           "uploadNotFound")


def test_chunked_upload_refusals(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    key = _start(alpha, "refused.csv")
    url = _sign(alpha, key, 1)
    # Tampered or expired links are refused before any byte is kept.
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    tampered = f"{api_server.url}{parts.path}?{urlencode({'expires': query['expires'][0], 'signature': '0' * 64})}"
    refused(_put(tampered, b"x"), 403, "forbidden")
    expired = f"{api_server.url}{parts.path}?{urlencode({'expires': '1', 'signature': query['signature'][0]})}"
    refused(_put(expired, b"x"), 403, "forbidden")
    other_part = url.replace(f"/{key['uploadId']}/1?", f"/{key['uploadId']}/2?")
    refused(_put(other_part, b"x"), 403, "forbidden")
    refused(_put(f"{api_server.url}{parts.path}", b"x"), 403, "forbidden")
    refused(alpha.post("/workspaceManagement/files/multipart/sign", json={**key, "partNumber": 0}), 400,
           "invalidPartNumber")
    refused(alpha.post("/workspaceManagement/files/multipart/sign", json={**key, "partNumber": 10_001}), 400,
           "invalidPartNumber")
    refused(alpha.post("/workspaceManagement/files/multipart/create", json={"filename": "x.csv"}), 400,
           "invalidPayload")
    good = _put(url, b"a,b\n1,2\n")
    assert good.status_code == 200
    # Completing with a part that was never sent, or with a wrong ETag, fails and keeps the upload.
    refused(alpha.post("/workspaceManagement/files/multipart/complete",
                      json={**key, "parts": [{"partNumber": 1, "etag": good.headers["etag"]},
                                             {"partNumber": 2, "etag": "abc"}]}), 400, "invalidPart")
    refused(alpha.post("/workspaceManagement/files/multipart/complete",
                      json={**key, "parts": [{"partNumber": 1, "etag": "0" * 32}]}), 400, "invalidPart")
    refused(alpha.post("/workspaceManagement/files/multipart/complete", json={**key, "parts": []}), 400, "invalidPart")
    # Another workspace cannot see, sign, finish or abort it; a mismatched key is not it either.
    for route, extra in (("sign", {"partNumber": 1}), ("complete", {"parts": [{"partNumber": 1, "etag": "x"}]}),
                         ("abort", {})):
        refused(beta.post(f"/workspaceManagement/files/multipart/{route}", json={**key, **extra}), 404,
                "uploadNotFound")
        wrong = {**key, "s3Filename": key["s3Filename"] + "x"}
        refused(alpha.post(f"/workspaceManagement/files/multipart/{route}", json={**wrong, **extra}), 404,
               "uploadNotFound")
    assert alpha.post("/workspaceManagement/files/multipart/abort", json=key).json() == {}
    refused(_put(url, b"late"), 404, "uploadNotFound")
    refused(alpha.post("/workspaceManagement/files/multipart/abort", json=key), 404, "uploadNotFound")
    assert not {k for k in stored_keys(api_server, workspace_uuid(api_server)) if key["uploadId"] in k}


def test_part_url_answers_browser_preflight(api_server: Any) -> None:
    key = _start(api_server.client("alpha"), "browser.csv")
    url = _sign(api_server.client("alpha"), key, 1)
    preflight = httpx.options(url, headers={"origin": "https://app.example", "access-control-request-method": "PUT"})
    assert preflight.status_code == 204
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert "etag" in preflight.headers["access-control-expose-headers"].lower()


def test_openapi_lists_file_routes(api_server: Any) -> None:
    paths = httpx.get(f"{api_server.url}/openapi.json").json()["paths"]
    upload_route = paths["/v1/workspaceManagement/files/upload"]["post"]
    assert "multipart/form-data" in upload_route["requestBody"]["content"]
    assert {"/v1/workspaceManagement/files/listColumns", "/v1/workspaceManagement/files/multipart/create",
            "/v1/workspaceManagement/files/multipart/sign", "/v1/workspaceManagement/files/multipart/complete",
            "/v1/workspaceManagement/files/multipart/abort",
            "/v1/workspaceManagement/files/multipart/parts/{upload_id}/{part_number}"} <= set(paths)


def test_batch_over_an_uploaded_file(api_server: Any) -> None:
    """The file an API upload stored feeds `batch create {"kind":"file"}` (run here with the embedded
    CLI on the server's store; the batch route belongs to the orchestration routes)."""
    alpha = api_server.client("alpha")
    uploaded = upload(alpha, "numbers.csv", b"n\n1\n2\n3\n")
    graph = chain(start(), node("double", "script", {"script": "return Number(nodes.start.n) * 2;"}),
                  end([var("double", "{{nodes.double.result}}")]))
    tool = api_server.lading("orchestration", "tool", "create", "--name", "Doubler")["tool"]
    api_server.lading("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"],
                      "--nodes", json.dumps(graph))
    batch = api_server.lading("orchestration", "batch", "create", "--workflow-uuid", tool["workflowUuid"],
                              "--data", json.dumps({"kind": "file", "s3Filename": uploaded["s3Filename"]}),
                              "--wait-until-finished")["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 3 and batch["failedRunsCount"] == 0


def _without_details(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "details"}


def test_file_commands_remote_print_what_they_print_embedded(api_server: Any, cli: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    small = tmp_path / "people.csv"
    small.write_text("email,company\na@acme.com,Acme\n")
    embedded = api_server.lading("workspaceManagement", "file", "upload", "--file-path", str(small))
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    code, remote = cli("workspaceManagement", "file", "upload", "--file-path", str(small))
    assert code == 0, remote
    assert list(remote) == list(embedded) == UPLOAD_KEYS
    assert {k: remote[k] for k in ("contentType", "name")} == {k: embedded[k] for k in ("contentType", "name")}
    assert remote["s3Filename"].rsplit("/", 1)[0].split("/")[0] == embedded["s3Filename"].split("/")[0]
    assert stored_bytes(api_server, remote["s3Filename"]) == small.read_bytes()
    for key in (remote["s3Filename"], embedded["s3Filename"]):
        code, out = cli("workspaceManagement", "file", "list-columns", "--s3-filename", key)
        assert code == 0 and out == api_server.lading("workspaceManagement", "file", "list-columns",
                                                      "--s3-filename", key)
    code, out = cli("workspaceManagement", "file", "list-columns", "--s3-filename", "missing.csv")
    local = api_server.lading("workspaceManagement", "file", "list-columns", "--s3-filename", "missing.csv",
                              check=False)
    assert code == 1 and _without_details(out) == _without_details(local) and out["reason"] == "fileNotFound"
    code, out = cli("workspaceManagement", "file", "upload", "--file-path", str(tmp_path / "absent.csv"))
    local = api_server.lading("workspaceManagement", "file", "upload", "--file-path", str(tmp_path / "absent.csv"),
                              check=False)
    assert code == 1 and out == local and out["reason"] == "invalidData"


def test_remote_upload_of_a_large_file_goes_in_parts(api_server: Any, cli: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "large.csv"
    row = b"0123456789abcdef,some company name,https://example.com/a/long/path\n"
    with big.open("wb") as handle:
        handle.write(b"id,company,url\n")
        for _ in range(52 * MiB // (len(row) * 1024) + 1):
            handle.write(row * 1024)
    assert big.stat().st_size >= 52 * MiB
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    from lading.cli.workspace import files as file_commands

    sent: list[int] = []
    send_part = file_commands._send_part

    def counted(remote: Any, key: dict[str, str], source: Path, number: int) -> str:
        sent.append(number)
        return send_part(remote, key, source, number)

    monkeypatch.setattr(file_commands, "_send_part", counted)
    code, out = cli("workspaceManagement", "file", "upload", "--file-path", str(big))
    assert code == 0, out
    assert sorted(sent) == list(range(1, -(-big.stat().st_size // (8 * MiB)) + 1))  # 8 MiB parts
    assert out["name"] == "large.csv" and out["contentType"] == "text/csv"
    # The chunked protocol made the file (its key is the upload's), byte for byte.
    assert hashlib.md5(stored_bytes(api_server, out["s3Filename"])).hexdigest() == \
        hashlib.md5(big.read_bytes()).hexdigest()
    upload_id = out["s3Filename"].split("/")[1]
    assert not {k for k in stored_keys(api_server, workspace_uuid(api_server)) if k.startswith(f"uploads/{upload_id}")}
    code, columns = cli("workspaceManagement", "file", "list-columns", "--s3-filename", out["s3Filename"])
    assert [c["name"] for c in columns["columns"]] == ["id", "company", "url"]


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def test_a_200_mb_chunked_upload_keeps_the_server_memory_flat(api_server: Any) -> None:
    """25 parts of 8 MiB (the client's part size) land as one 200 MB file while the server's peak RSS
    grows by a small fraction of it: parts are streamed to the store and assembled from it."""
    alpha = api_server.client("alpha")
    pid = api_server.process.pid
    row = b"".join(f"{i},company {i:08d}\n".encode() for i in range(1000))
    part_size = 8 * 1024 * 1024
    part = (row * (part_size // len(row) + 1))[:part_size]
    parts_count = 25
    key = _start(alpha, "huge.csv")
    digest = hashlib.sha256()
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak RSS starts again from the current RSS
    before = _rss_kib(pid, "VmRSS")
    etags = []
    for number in range(1, parts_count + 1):
        data = (b"n,name\n" + part[7:]) if number == 1 else part
        digest.update(data)
        answered = _put(_sign(alpha, key, number), data)
        assert answered.status_code == 200, answered.text
        etags.append({"partNumber": number, "etag": answered.headers["etag"]})
    done = alpha.post("/workspaceManagement/files/multipart/complete", json={**key, "parts": etags}, timeout=300)
    assert done.status_code == 200, done.text
    growth_mib = (_rss_kib(pid, "VmHWM") - before) / 1024
    assert growth_mib < 64, f"the server's peak RSS grew by {growth_mib:.0f} MiB for a 200 MiB upload"
    stored = stored_bytes(api_server, key["s3Filename"])
    assert len(stored) == parts_count * part_size and hashlib.sha256(stored).digest() == digest.digest()
    columns = alpha.get("/workspaceManagement/files/listColumns", params={"s3Filename": key["s3Filename"]})
    assert [c["name"] for c in columns.json()["columns"]] == ["n", "name"]
