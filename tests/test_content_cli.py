"""Content files and libraries through the real CLI (`content file|library …`, alias `ai file …`):
CRUD, the 100 MiB cap, text extraction of each searchable type (observed through an agent's
`search_<slug>` tool), deploy-time reference checks, workspace isolation, and agents answering with
`file` and `model` resources against a local server speaking the OpenAI chat-completions API."""

from __future__ import annotations

import json
import os
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import completion, openai_connector, tool_call
from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def fails(reason: str, *args: str) -> dict[str, Any]:
    code, out = run_cli(*args)
    assert code != 0 and isinstance(out, dict) and out.get("reason") == reason, (args, out)
    return out


def upload(path: Path, *extra: str) -> dict[str, Any]:
    return ok("content", "file", "upload", "--file-path", str(path), *extra)["file"]


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF whose text layer holds `lines` (Helvetica)."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
               "/Contents 4 0 R >>",
               f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


# --- chat helpers (shared ones in ai_helpers) ------------------------------------------------------





def agent(**draft: Any) -> str:
    uuid = ok("ai", "agent", "create", "--name", "Librarian")["agent"]["uuid"]
    flags = ["--system-prompt", "You answer from documents.", "--language-model-slug", "gpt-4o"]
    for key, value in draft.items():
        flags += [f"--{key.replace('_', '-')}", j(value)]
    ok("ai", "release", "update-draft", "--agent-uuid", uuid, *flags)
    return uuid


def ask(agent_uuid: str, text: str) -> dict[str, Any]:
    chat = ok("ai", "chat", "create", "--agent-uuid", agent_uuid)["chat"]
    return ok("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts", j([{"type": "text", "text": text}]),
              "--wait-until-finished")["assistantMessage"]


def calls_then_answer(calls: list[dict[str, Any]]) -> Any:
    """The model calls these tools once, then answers with the tool results it saw."""
    def answer(rec: Recorded) -> Answer:
        messages = rec.json()["messages"]
        if messages[-1]["role"] == "tool":
            return completion("done")
        return completion(None, calls)
    return answer


# --- files ------------------------------------------------------------------------------------------

def file_folder(name: str, kind: str = "file") -> str:
    """A real folder (resources enter only an existing folder of their kind)."""
    return str(ok("workspaceManagement", "folder", "create", "--name", name, "--emoji-slug", "folder",
                  "--kind", kind)["folder"]["uuid"])


def test_file_upload_get_update_list_remove_and_the_ai_alias(tmp_path: Path) -> None:
    folder, other = file_folder("Pricing"), file_folder("Archive")
    notes = tmp_path / "notes.md"
    notes.write_text("# Pricing\n\nAcme pays 40 dollars per seat.\n")
    created = upload(notes, "--folder-uuid", folder)
    assert created["name"] == "notes.md" and created["contentType"] == "text/markdown"
    assert created["size"] == len(notes.read_bytes()) and created["isTemporary"] is False
    assert created["openAiFileId"] == "" and created["folderUuid"] == folder
    assert created["s3Filename"] and created["workspaceUuid"]
    data = tmp_path / "rows.json"
    data.write_text('[{"a": 1}]')
    second = ok("ai", "file", "upload", "--file", str(data))["file"]  # alias group and alias flag
    assert second["contentType"] == "application/json" and second["folderUuid"] is None

    assert ok("content", "file", "get", created["uuid"])["file"] == created
    assert {f["uuid"] for f in ok("content", "file", "list")["files"]} == {created["uuid"], second["uuid"]}
    assert ok("ai", "file", "list")["files"] == ok("content", "file", "list")["files"]
    assert [f["uuid"] for f in ok("content", "file", "list", "--folder-uuid", folder)["files"]] == [created["uuid"]]

    moved = ok("content", "file", "update", "--uuid", created["uuid"], "--name", "pricing.md",
               "--folder-uuid", other)["file"]
    assert (moved["name"], moved["folderUuid"], moved["size"]) == ("pricing.md", other, created["size"])
    root = ok("ai", "file", "update", created["uuid"], "--folder-uuid", "null")["file"]
    assert root["folderUuid"] is None and root["name"] == "pricing.md"
    fails("invalidData", "content", "file", "update", "--uuid", created["uuid"], "--name", " ")
    fails("invalidData", "content", "file", "upload", "--file-path", str(notes), "--folder-uuid", "not-a-uuid")
    fails("folderNotFound", "content", "file", "upload", "--file-path", str(notes), "--folder-uuid",
          str(uuidlib.uuid4()))
    fails("folderNotFound", "content", "file", "update", "--uuid", created["uuid"], "--folder-uuid",
          file_folder("Tools", "tool"))
    fails("invalidData", "content", "file", "upload", "--file-path", str(tmp_path / "missing.txt"))
    code, out = run_cli("content", "file", "upload")
    assert code == 2 and "--file-path" in out["errorMessage"]

    assert ok("ai", "file", "remove", created["uuid"]) == {"uuid": created["uuid"], "removed": True}
    fails("fileNotFound", "content", "file", "get", created["uuid"])
    fails("fileNotFound", "content", "file", "remove", created["uuid"])
    fails("fileNotFound", "content", "file", "update", "--uuid", "nope", "--name", "x")
    assert [f["uuid"] for f in ok("content", "file", "list")["files"]] == [second["uuid"]]


def test_files_over_100_mib_are_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(100 * 1024 * 1024 + 1)
    out = fails("fileTooLarge", "content", "file", "upload", "--file-path", str(big))
    assert "100 MiB" in out["errorMessage"]
    assert ok("content", "file", "list")["files"] == []


def test_unreadable_pdf_is_refused_whole(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    fails("invalidData", "content", "file", "upload", "--file-path", str(broken))
    assert ok("content", "file", "list")["files"] == []


# --- libraries --------------------------------------------------------------------------------------

def test_native_libraries_and_connector_libraries_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("alpha")
    b.write_text("beta")
    fa, fb = upload(a)["uuid"], upload(b)["uuid"]
    folder = file_folder("Libraries")
    library = ok("content", "library", "create", "--name", "Playbooks", "--file-uuids", f"{fa},{fb}",
                 "--folder-uuid", folder, "--config", j({"note": "sales"}))["library"]
    assert (library["kind"], library["fileUuids"], library["folderUuid"]) == ("native", [fa, fb], folder)
    assert library["connectorUuid"] is None and library["config"] == {"note": "sales"}
    assert library["syncedAt"] is None and library["workspaceUuid"]
    assert ok("content", "library", "get", library["uuid"])["library"] == library
    assert [x["uuid"] for x in ok("content", "library", "list", "--kind", "native")["libraries"]] == [library["uuid"]]
    assert ok("content", "library", "list", "--kind", "connector")["libraries"] == []
    fails("invalidData", "content", "library", "list", "--kind", "weird")

    out = fails("integrationNotFound", "content", "library", "create", "--name", "Drive",
                "--connector-uuid", str(uuidlib.uuid4()), "--extractor-slug", "googleDriveFiles")
    assert "does not exist" in out["errorMessage"] and "hubspot_files" in out["errorMessage"]
    fails("fileNotFound", "content", "library", "create", "--name", "X", "--file-uuids", str(uuidlib.uuid4()))
    assert len(ok("content", "library", "list")["libraries"]) == 1

    updated = ok("content", "library", "update", "--uuid", library["uuid"], "--name", "Plays",
                 "--file-uuids", fb)["library"]
    assert (updated["name"], updated["fileUuids"], updated["config"]) == ("Plays", [fb], {"note": "sales"})
    fails("fileNotFound", "content", "library", "update", "--uuid", library["uuid"], "--file-uuids", "nope")
    assert ok("content", "library", "get", library["uuid"])["library"]["fileUuids"] == [fb]
    out = fails("libraryHasFiles", "content", "library", "remove", library["uuid"])  # it still lists fb
    assert out["statusCode"] == 409
    ok("content", "file", "remove", fb)  # a removed file leaves the libraries listing it
    assert ok("content", "library", "get", library["uuid"])["library"]["fileUuids"] == []
    assert ok("content", "library", "remove", library["uuid"]) == {"uuid": library["uuid"], "removed": True}
    fails("libraryNotFound", "content", "library", "get", library["uuid"])
    fails("libraryNotFound", "content", "library", "update", "--uuid", library["uuid"], "--name", "x")
    assert [f["uuid"] for f in ok("content", "file", "list")["files"]] == [fa]


@pytest.mark.embedded_only  # switches workspace through the CLI's environment (remote: tests/test_api_content.py)
def test_files_and_libraries_are_workspace_scoped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("secret plan")
    mine = upload(doc)
    library = ok("content", "library", "create", "--name", "Mine", "--file-uuids", mine["uuid"])["library"]
    home_team = os.environ["LADING_WORKSPACE_NAME"]
    monkeypatch.setenv("LADING_WORKSPACE_NAME", "another-team")
    assert ok("content", "file", "list")["files"] == [] and ok("content", "library", "list")["libraries"] == []
    for args in (("content", "file", "get", mine["uuid"]), ("content", "file", "remove", mine["uuid"]),
                 ("content", "file", "update", "--uuid", mine["uuid"], "--name", "x"),
                 ("content", "library", "create", "--name", "Theirs", "--file-uuids", mine["uuid"])):
        fails("fileNotFound", *args)
    fails("libraryNotFound", "content", "library", "get", library["uuid"])
    fails("libraryNotFound", "content", "library", "remove", library["uuid"])
    a = ok("ai", "agent", "create", "--name", "Other")["agent"]["uuid"]
    fails("fileNotFound", "ai", "release", "deploy-draft", "--agent-uuid", a, "--resources",
          j([{"kind": "file", "slug": "docs", "items": [{"kind": "file", "fileUuid": mine["uuid"]}]}]))
    monkeypatch.setenv("LADING_WORKSPACE_NAME", home_team)
    assert ok("content", "file", "get", mine["uuid"])["file"]["name"] == "doc.txt"


def test_deploy_checks_files_folders_and_libraries(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("hello")
    folder, empty_folder = file_folder("Docs"), str(uuidlib.uuid4())
    file_uuid = upload(doc, "--folder-uuid", folder)["uuid"]
    library = ok("content", "library", "create", "--name", "L", "--file-uuids", file_uuid)["library"]["uuid"]
    a = ok("ai", "agent", "create", "--name", "A")["agent"]["uuid"]

    def resource(*items: dict[str, str]) -> str:
        return j([{"kind": "file", "slug": "docs", "items": list(items)}])

    fails("libraryNotFound", "ai", "release", "deploy-draft", "--agent-uuid", a, "--resources",
          resource({"kind": "library", "libraryUuid": str(uuidlib.uuid4())}))
    fails("folderNotFound", "ai", "release", "deploy-draft", "--agent-uuid", a, "--resources",
          resource({"kind": "folder", "folderUuid": empty_folder}))
    deployed = ok("ai", "release", "deploy-draft", "--agent-uuid", a, "--resources", resource(
        {"kind": "file", "fileUuid": file_uuid}, {"kind": "folder", "folderUuid": folder},
        {"kind": "library", "libraryUuid": library}))["release"]
    assert deployed["status"] == "deployed" and len(deployed["resources"][0]["items"]) == 3


# --- agents searching files, reading models ----------------------------------------------------------

def test_search_tool_finds_the_right_passage_in_each_file_type(tmp_path: Path) -> None:
    files = {
        "guide.pdf": pdf_bytes(["Onboarding guide", "Customers receive a zephyrine welcome kit."]),
        "accounts.csv": b"company,plan\nGlobex,quokka enterprise\nInitech,starter\n",
        "readme.txt": b"The warranty covers marmalade incidents for two years.\n",
        "handbook.md": b"# Travel\n\nEmployees fly economy to Ouagadougou.\n\n# Food\n\nLunch is free.\n",
        "page.html": b"<html><head><style>.x{color:red}</style><script>var hiddenword = 1;</script></head>"
                     b"<body><h1>Refunds</h1><p>Refunds take <b>fourteen</b> ventriloquist days.</p></body></html>",
        "catalog.json": b'[{"sku": "A1", "name": "Saxophone stand"}, {"sku": "B2", "name": "Cello bow"}]',
        "logo.png": b"\x89PNG\r\n\x1a\n zephyrine marmalade",
    }
    uuids = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        uuids[name] = upload(tmp_path / name)["uuid"]
    assert ok("content", "file", "get", uuids["logo.png"])["file"]["contentType"] == "image/png"
    library = ok("content", "library", "create", "--name", "Everything", "--file-uuids",
                 ",".join(uuids.values()))["library"]["uuid"]
    queries = {"guide.pdf": "zephyrine kit", "accounts.csv": "quokka", "readme.txt": "marmalade warranty",
               "handbook.md": "Ouagadougou", "page.html": "ventriloquist refunds", "catalog.json": "saxophone",
               "nothing": "hiddenword color"}
    calls = [tool_call(f"c{i}", "search_docs", {"query": q}) for i, q in enumerate(queries.values())]
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", calls_then_answer(calls))
        openai_connector(fake.url)
        a = agent(resources=[{"kind": "file", "slug": "docs", "name": "Docs", "prompt": "Cite the file you used.",
                              "items": [{"kind": "library", "libraryUuid": library}]}])
        ok("ai", "release", "deploy-draft", "--agent-uuid", a)
        answer = ask(a, "Tell me everything")
        assert answer["status"] == "success", answer
        results = [p for p in answer["parts"] if p["type"] == "action-result"]
        assert len(results) == len(queries) and not any(r["isError"] for r in results)
        for expected, result in zip(queries, results, strict=True):
            hits = result["output"]["results"]
            if expected == "nothing":  # HTML scripts and styles are not text; PNG bytes are never read
                assert hits == []
                continue
            assert hits and hits[0]["fileName"] == expected and hits[0]["fileUuid"] == uuids[expected], (expected, hits)
            assert queries[expected].split()[0].lower() in hits[0]["text"].lower()
        first = fake.requests[0].json()
        assert first["messages"][0]["content"] == "You answer from documents.\n\nCite the file you used."
        tool = first["tools"][0]["function"]
        assert tool["name"] == "search_docs" and tool["parameters"]["required"] == ["query"]
        assert "<b>" not in json.dumps(results) and ".x{" not in json.dumps(results)


def test_message_resources_search_a_folder_and_rank_by_relevance(tmp_path: Path) -> None:
    folder = file_folder("Knowledge")
    (tmp_path / "a.txt").write_text("Renewals are handled by Dana. Renewals renewals renewals.")
    (tmp_path / "b.txt").write_text("Dana also plays tennis on Fridays, after the renewals meeting.")
    (tmp_path / "c.txt").write_text("Renewals happen yearly.")
    for name in ("a.txt", "b.txt"):
        upload(tmp_path / name, "--folder-uuid", folder)
    upload(tmp_path / "c.txt")  # outside the folder: never searched
    with fake_provider() as fake:
        calls = [tool_call("c1", "search_kb", {"query": "renewals"})]
        fake.route("POST", "/chat/completions", calls_then_answer(calls))
        openai_connector(fake.url)
        a = agent()
        chat = ok("ai", "chat", "create", "--agent-uuid", a, "--trigger", j({"type": "draft"}))["chat"]
        resources = [{"kind": "file", "slug": "kb", "items": [{"kind": "folder", "folderUuid": folder}]}]
        answer = ok("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts",
                    j([{"type": "text", "text": "who handles renewals?"}]), "--resources", j(resources),
                    "--wait-until-finished")["assistantMessage"]
        hits = next(p for p in answer["parts"] if p["type"] == "action-result")["output"]["results"]
        assert [h["fileName"] for h in hits] == ["a.txt", "b.txt"]  # c.txt is outside the folder
        missing = [{"kind": "file", "slug": "kb",
                    "items": [{"kind": "library", "libraryUuid": str(uuidlib.uuid4())}]}]
        failed = ok("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts",
                    j([{"type": "text", "text": "again"}]), "--resources", j(missing),
                    "--wait-until-finished")["assistantMessage"]
        assert failed["status"] == "error" and "libraryNotFound" in failed["errorMessage"]


LEADS = [{"kind": "string", "slug": "name"}, {"kind": "string", "slug": "country"},
         {"kind": "number", "slug": "score"}, {"kind": "string", "slug": "secret"}]


def test_model_resource_returns_rows_restricted_by_its_filter_columns_and_limit() -> None:
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    columns = [{"slug": c["slug"], "type": c["kind"]} for c in LEADS]
    model = ok("storage", "model", "create", "--slug", "leads", "--name", "Leads", "--dataset-uuid", ds,
               "--columns", j(columns))["model"]["uuid"]
    rows = [{"_id": f"r{i}", "name": n, "country": c, "score": s, "secret": "s3cr3t"}
            for i, (n, c, s) in enumerate([("Ann", "US", 90), ("Bob", "FR", 80), ("Cid", "US", 40),
                                           ("Dee", "US", 70), ("Eve", "US", 60)])]
    ok("storage", "record", "upsert", "--model-uuid", model, "--records", j(rows))
    us = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]}]}]}
    high = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "number", "columnSlug": "score", "operator": "greaterThan", "value": 50}]}]}
    by_secret = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "string", "columnSlug": "secret", "operator": "is", "values": ["s3cr3t"]}]}]}
    calls = [tool_call("c1", "query_leads", {}), tool_call("c2", "query_leads", {"filter": high}),
             tool_call("c3", "query_leads", {"filter": by_secret})]
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", calls_then_answer(calls))
        openai_connector(fake.url)
        a = agent(resources=[{"kind": "model", "slug": "leads", "name": "Leads", "modelUuid": model, "filter": us,
                              "selectedColumnSlugs": ["name", "score"], "limit": 3, "isReadOnly": False}])
        ok("ai", "release", "deploy-draft", "--agent-uuid", a)
        answer = ask(a, "Who are our best US leads?")
        assert answer["status"] == "success", answer
        everyone, narrowed, hidden = [p for p in answer["parts"] if p["type"] == "action-result"]
        assert everyone["output"]["columns"] == ["_id", "name", "score"]
        assert everyone["output"]["records"] == [{"_id": "r0", "name": "Ann", "score": 90},
                                                 {"_id": "r2", "name": "Cid", "score": 40},
                                                 {"_id": "r3", "name": "Dee", "score": 70}]
        assert everyone["output"]["count"] == 3  # four US rows, capped by the resource's limit
        assert [r["name"] for r in narrowed["output"]["records"]] == ["Ann", "Dee", "Eve"]
        assert hidden["isError"] is True and "secret" in hidden["output"]["error"]
        assert "s3cr3t" not in json.dumps([everyone, narrowed, hidden])
        tool = fake.requests[0].json()["tools"][0]["function"]
        assert tool["name"] == "query_leads" and "Read-only" in tool["description"]
        assert "secret" not in tool["description"]
