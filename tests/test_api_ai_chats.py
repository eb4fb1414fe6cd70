"""Chats, messages, votes, memories and documents over HTTP (api.md §6), against a real `lading serve`
whose agents talk to a fake OpenAI-style model API (a real HTTP server on 127.0.0.1): every route,
its documented errors, two-workspace isolation, and the CLI's remote mode printing what the
embedded CLI prints."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ai_helpers import KEY, completion
from api_server import refused
from fakes import Answer, FakeProvider, Recorded, fake_provider

FINAL = {"success", "error", "cancelled"}
CHAT_CLIENT_KEYS = {"slug", "traceUuid", "workspaceUuid", "userUuid", "releaseUuid", "heartbeat", "evaluator",
                    "activeStreamUuid", "creditsUsedCount", "deletedAt", "lastMessage"}
MESSAGE_CLIENT_KEYS = {"type", "role", "workspaceUuid", "agentUuid", "releaseUuid", "userUuid", "actions", "resources",
                       "capabilities", "mcpClients", "systemPrompt", "withReasoning", "temperature", "maxSteps",
                       "integrationSlug", "connectorUuid", "languageModelSlug", "evaluatedTools", "usage", "output",
                       "evaluation", "meta", "suggestedActions", "temporalWorkflowId", "updatedAt", "finishedAt",
                       "deletedAt"}
VOTE_KEYS = {"workspaceUuid", "userUuid", "chatUuid", "messageUuid", "isUpvoted", "updatedAt"}
SLOW_SECONDS = 4.0




def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _model(rec: Recorded) -> Answer:
    """The fake model: echoes the last user text; takes its time when asked to be slow."""
    last = json.dumps(rec.json()["messages"][-1])
    if "slow" in last:
        time.sleep(SLOW_SECONDS)
    return completion(f"answer #{len(rec.json()['messages'])}")


def _text(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text}]


class World:
    """A connector to the fake model and two agents per workspace (one deployed, one draft only)."""

    def __init__(self, server: Any, fake: FakeProvider) -> None:
        self.server, self.fake = server, fake
        self.alpha, self.beta = server.client("alpha"), server.client("beta")
        self.agent, self.draft_agent = self._agents("alpha")
        self.beta_agent, _ = self._agents("beta")
        self.beta_chat = _ok(self.beta.post("/ai/chats", json={"agentUuid": self.beta_agent,
                                                               "trigger": {"type": "draft"}}))["chat"]
        sent = _ok(self.beta.post("/ai/messages", json={"chatUuid": self.beta_chat["uuid"], "parts": _text("hi")}))
        self.beta_message = wait_answer(self.beta, sent["assistantMessage"]["uuid"])

    def _agents(self, workspace: str) -> tuple[str, str]:
        lading = self.server.lading
        lading("connection", "connector", "create", "--integration-slug", "openAi", "--slug", "llm", "--name", "LLM",
               "--config", json.dumps({"apiKey": KEY, "baseUrl": self.fake.url}), workspace=workspace)
        made = []
        for name in ("Deployed", "Draft only"):
            uuid = lading("ai", "agent", "create", "--name", name, workspace=workspace)["agent"]["uuid"]
            lading("ai", "release", "update-draft", "--agent-uuid", uuid, "--system-prompt", "Be brief.",
                   "--language-model-slug", "gpt-4o", workspace=workspace)
            made.append(uuid)
        lading("ai", "release", "deploy-draft", "--agent-uuid", made[0], workspace=workspace)
        return made[0], made[1]


def wait_answer(client: httpx.Client, uuid: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = _ok(client.get(f"/ai/messages/{uuid}"))["message"]
        if message["status"] in FINAL:
            return message
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with fake_provider() as provider:
        provider.route("POST", "/chat/completions", _model)
        yield provider


@pytest.fixture(scope="module")
def world(api_server: Any, fake: FakeProvider) -> World:
    return World(api_server, fake)


# --- chats ------------------------------------------------------------------------------------------


def test_chat_create_get_list_rename_remove(world: World) -> None:
    alpha = world.alpha
    chat = _ok(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "app"},
                                             "name": "Pipeline review"}))["chat"]
    assert chat["agentUuid"] == world.agent and chat["trigger"] == {"type": "app"} and chat["name"] == "Pipeline review"
    assert set(chat) >= CHAT_CLIENT_KEYS and chat["lastMessage"] is None and chat["creditsUsedCount"] == 0
    assert chat["deletedAt"] is None and chat["activeStreamUuid"] is None and chat["userUuid"]
    assert _ok(alpha.get(f"/ai/chats/{chat['uuid']}"))["chat"] == chat

    draft = _ok(alpha.post("/ai/chats", json={"agentUuid": world.draft_agent, "trigger": {"type": "draft"}}))["chat"]
    listed = _ok(alpha.get("/ai/chats/list"))["chats"]
    assert [c["uuid"] for c in listed[:2]] == [draft["uuid"], chat["uuid"]]  # newest first
    by_agent = _ok(alpha.get("/ai/chats/list", params={"agentUuid": world.draft_agent}))["chats"]
    assert {c["agentUuid"] for c in by_agent} == {world.draft_agent}
    for params in ({"triggerType": "app"}, {"name": "PIPELINE"}):
        assert [c["uuid"] for c in _ok(alpha.get("/ai/chats/list", params=params))["chats"]] == [chat["uuid"]]
    assert len(_ok(alpha.get("/ai/chats/list", params={"limit": 1}))["chats"]) == 1
    assert _ok(alpha.get("/ai/chats/list", params={"createdAfter": "2999-01-01"}))["chats"] == []

    renamed = _ok(alpha.put(f"/ai/chats/{chat['uuid']}", json={"name": "Renamed"}))["chat"]
    assert renamed["name"] == "Renamed" and renamed["uuid"] == chat["uuid"]
    assert _ok(alpha.put(f"/ai/chats/{chat['uuid']}", json={"name": None}))["chat"]["name"] is None

    assert _ok(alpha.delete(f"/ai/chats/{chat['uuid']}")) == {"uuid": chat["uuid"], "removed": True}
    refused(alpha.get(f"/ai/chats/{chat['uuid']}"), 404, "chatNotFound")
    refused(alpha.delete(f"/ai/chats/{chat['uuid']}"), 404, "chatNotFound")
    assert chat["uuid"] not in {c["uuid"] for c in _ok(alpha.get("/ai/chats/list"))["chats"]}


def test_chat_errors(world: World) -> None:
    alpha = world.alpha
    refused(alpha.post("/ai/chats", json={"agentUuid": world.draft_agent, "trigger": {"type": "chat", "uuid": "x"}}),
           404, "deployedReleaseNotFound")
    refused(alpha.post("/ai/chats", json={"agentUuid": "nope", "trigger": {"type": "draft"}}), 404, "agentNotFound")
    refused(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "later"}}), 400, "invalidData")
    refused(alpha.post("/ai/chats", json={"trigger": {"type": "draft"}}), 400, "invalidPayload")
    refused(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}, "bogus": 1}),
           400, "invalidPayload")
    draft_release = world.server.lading("ai", "release", "get-draft", "--agent-uuid", world.draft_agent)["release"]
    refused(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"},
                                         "releaseUuid": draft_release["uuid"]}), 404, "releaseNotFound")
    pinned = _ok(alpha.post("/ai/chats", json={"agentUuid": world.draft_agent, "trigger": {"type": "app"},
                                               "releaseUuid": draft_release["uuid"]}))["chat"]
    assert pinned["releaseUuid"] == draft_release["uuid"]  # pinned: no deployed release needed
    refused(alpha.get("/ai/chats/nope"), 404, "chatNotFound")
    refused(alpha.put("/ai/chats/nope", json={"name": "x"}), 404, "chatNotFound")
    refused(alpha.get("/ai/chats/list", params={"limit": 1001}), 400, "invalidData")
    refused(alpha.get("/ai/chats/list", params={"createdAfter": "yesterday"}), 400, "invalidPayload")
    assert httpx.get(f"{world.server.url}/v1/ai/chats/list").status_code == 401


# --- messages ---------------------------------------------------------------------------------------


def test_message_create_is_pending_at_once_and_the_server_answers(world: World) -> None:
    alpha = world.alpha
    chat = _ok(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}}))["chat"]
    sent = _ok(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("Who is Dana?"),
                                                "temperature": 0.9, "maxSteps": 3}))
    user, pending = sent["userMessage"], sent["assistantMessage"]
    assert user["status"] == "success" and user["role"] == user["type"] == "user"
    assert user["parts"] == _text("Who is Dana?")
    assert pending["status"] in {"pending", "generating", "success"} and pending["type"] == "assistant"
    assert set(pending) >= MESSAGE_CLIENT_KEYS and pending["agentUuid"] == world.agent
    assert pending["temperature"] == 0.9 and pending["maxSteps"] == 3 and pending["temporalWorkflowId"]
    answer = wait_answer(alpha, pending["uuid"])
    assert answer["status"] == "success" and answer["parts"][0]["type"] == "text" and answer["finishedAt"]
    assert answer["usage"]["tokensUsedCount"] == 120 and answer["usage"]["inputTokensCount"] == 100
    assert answer["releaseUuid"] == user["releaseUuid"] and answer["releaseUuid"]

    _ok(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("And then?")}))
    listed = _ok(alpha.get("/ai/messages/list", params={"chatUuid": chat["uuid"]}))["messages"]
    assert [m["role"] for m in listed] == ["user", "assistant", "user", "assistant"]  # oldest first
    assert listed[0]["uuid"] == user["uuid"]
    paged = _ok(alpha.get("/ai/messages/list", params={"chatUuid": chat["uuid"], "limit": 2, "offset": 1}))["messages"]
    assert [m["uuid"] for m in paged] == [m["uuid"] for m in listed[1:3]]
    wait_answer(alpha, listed[3]["uuid"])
    got = _ok(alpha.get(f"/ai/chats/{chat['uuid']}"))["chat"]
    assert got["lastMessage"]["uuid"] == listed[3]["uuid"] and "parts" not in got["lastMessage"]
    assert got["activeStreamUuid"] is None and got["creditsUsedCount"] >= 0
    statuses = _ok(alpha.get("/ai/chats/list", params={"messageStatuses[]": "success"}))["chats"]
    assert chat["uuid"] in {c["uuid"] for c in statuses}
    assert chat["uuid"] not in {c["uuid"] for c in _ok(alpha.get("/ai/chats/list", params={
        "messageStatuses[]": ["pending", "error"]}))["chats"]}


def test_message_with_agent_uuid_opens_a_chat(world: World) -> None:
    sent = _ok(world.alpha.post("/ai/messages", json={"agentUuid": world.agent, "parts": _text("Hello")}))
    chat_uuid = sent["userMessage"]["chatUuid"]
    chat = _ok(world.alpha.get(f"/ai/chats/{chat_uuid}"))["chat"]
    assert chat["agentUuid"] == world.agent and chat["trigger"] == {"type": "deployed"}
    assert wait_answer(world.alpha, sent["assistantMessage"]["uuid"])["status"] == "success"


def test_message_errors(world: World) -> None:
    alpha = world.alpha
    chat = _ok(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}}))["chat"]
    refused(alpha.post("/ai/messages", json={"parts": _text("x")}), 400, "invalidPayload")
    refused(alpha.post("/ai/messages", json={"chatUuid": "nope", "parts": _text("x")}), 404, "chatNotFound")
    refused(alpha.post("/ai/messages", json={"agentUuid": "nope", "parts": _text("x")}), 404, "agentNotFound")
    for parts in ([{"type": "image", "url": "x"}], [], {"type": "text"}, [{"type": "text"}],
                  [{"type": "s3File", "name": "a.txt", "s3Filename": "nope", "contentType": "text/plain"}]):
        refused(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": parts}), 400, "invalidParts")
    refused(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"]}), 400, "invalidPayload")
    refused(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("x"), "temperature": 3}),
           400, "invalidData")
    assert _ok(alpha.get("/ai/messages/list", params={"chatUuid": chat["uuid"]}))["messages"] == []  # nothing written
    refused(alpha.get("/ai/messages/nope"), 404, "messageNotFound")
    refused(alpha.get("/ai/messages/list"), 400, "invalidPayload")
    refused(alpha.get("/ai/messages/list", params={"chatUuid": "nope"}), 404, "chatNotFound")
    refused(alpha.get("/ai/messages/list", params={"chatUuid": chat["uuid"], "limit": 5000}), 400, "invalidData")


def test_s3_file_part_is_a_content_file(world: World, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Acme's fiscal year starts in April.")
    stored = world.server.lading("content", "file", "upload", "--file-path", str(note))["file"]
    chat = _ok(world.alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}}))["chat"]
    part = {"type": "s3File", "name": "note.txt", "s3Filename": stored["s3Filename"], "contentType": "text/plain"}
    sent = _ok(world.alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": [*_text("Read it"), part]}))
    attached = sent["userMessage"]["parts"][1]
    assert attached["type"] == "file" and attached["fileUuid"] == stored["uuid"] and attached["name"] == "note.txt"
    wait_answer(world.alpha, sent["assistantMessage"]["uuid"])
    assert "fiscal year starts in April" in json.dumps(world.fake.requests[-1].json()["messages"])
    beta_chat = world.beta_chat["uuid"]  # another workspace's file is not one of beta's
    refused(world.beta.post("/ai/messages", json={"chatUuid": beta_chat, "parts": [part]}), 400, "invalidParts")


def test_one_answer_at_a_time_cancel_and_remove(world: World) -> None:
    alpha = world.alpha
    chat = _ok(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}}))["chat"]
    first = _ok(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("quick")}))
    wait_answer(alpha, first["assistantMessage"]["uuid"])
    slow = _ok(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("slow please")}))
    busy = refused(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("again")}),
                  409, "lastMessageNotFinished")
    assert busy["status"] == 409
    assert _ok(alpha.get(f"/ai/chats/{chat['uuid']}"))["chat"]["activeStreamUuid"] == slow["assistantMessage"]["uuid"]

    deadline = time.monotonic() + 30
    while _ok(alpha.get(f"/ai/messages/{slow['assistantMessage']['uuid']}"))["message"]["status"] != "generating":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = _ok(alpha.post("/ai/messages/cancel", json={"uuids": [slow["assistantMessage"]["uuid"],
                                                                      slow["userMessage"]["uuid"]]}))["messages"]
    assert [m["status"] for m in cancelled] == ["cancelling", "success"]  # a user message is left as it is
    assert wait_answer(alpha, slow["assistantMessage"]["uuid"])["status"] == "cancelled"
    again = _ok(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("quick again")}))
    wait_answer(alpha, again["assistantMessage"]["uuid"])
    refused(alpha.post("/ai/messages/cancel", json={"uuids": ["nope"]}), 404, "messageNotFound")
    refused(alpha.post("/ai/messages/cancel", json={"uuids": []}), 400, "invalidPayload")

    refused(alpha.delete(f"/ai/messages/{first['assistantMessage']['uuid']}"), 400, "messageNotUser")
    assert _ok(alpha.delete(f"/ai/messages/{first['userMessage']['uuid']}")) == {
        "uuid": first["userMessage"]["uuid"], "removed": True}
    left = [m["uuid"] for m in _ok(alpha.get("/ai/messages/list", params={"chatUuid": chat["uuid"]}))["messages"]]
    assert first["userMessage"]["uuid"] not in left and first["assistantMessage"]["uuid"] not in left
    assert slow["userMessage"]["uuid"] in left and len(left) == 4
    refused(alpha.get(f"/ai/messages/{first['assistantMessage']['uuid']}"), 404, "messageNotFound")
    refused(alpha.delete(f"/ai/messages/{first['userMessage']['uuid']}"), 404, "messageNotFound")


def test_pending_answer_cancels_at_once(world: World) -> None:
    alpha = world.alpha
    chat = _ok(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}}))["chat"]
    sent = _ok(alpha.post("/ai/messages", json={"chatUuid": chat["uuid"], "parts": _text("slow one")}))
    done = _ok(alpha.post("/ai/messages/cancel", json={"uuids": [sent["assistantMessage"]["uuid"]]}))["messages"][0]
    assert done["status"] in {"cancelling", "cancelled"}
    assert wait_answer(alpha, done["uuid"])["status"] == "cancelled"


# --- votes ------------------------------------------------------------------------------------------


def test_votes_upsert_and_list(world: World) -> None:
    alpha = world.alpha
    sent = _ok(alpha.post("/ai/messages", json={"agentUuid": world.agent, "parts": _text("vote on me")}))
    chat_uuid, answer = sent["userMessage"]["chatUuid"], wait_answer(alpha, sent["assistantMessage"]["uuid"])
    up = _ok(alpha.put("/ai/votes", json={"chatUuid": chat_uuid, "messageUuid": answer["uuid"], "isUpvoted": True}))
    vote = up["vote"]
    assert set(vote) >= VOTE_KEYS and vote["isUpvoted"] is True and vote["messageUuid"] == answer["uuid"]
    down = _ok(alpha.put("/ai/votes", json={"chatUuid": chat_uuid, "messageUuid": answer["uuid"],
                                            "isUpvoted": False}))["vote"]
    assert down["uuid"] == vote["uuid"] and down["isUpvoted"] is False  # one vote per user and message
    assert _ok(alpha.get("/ai/votes/list", params={"chatUuid": chat_uuid}))["votes"] == [down]

    other = _ok(alpha.post("/ai/chats", json={"agentUuid": world.agent, "trigger": {"type": "draft"}}))["chat"]
    refused(alpha.put("/ai/votes", json={"chatUuid": other["uuid"], "messageUuid": answer["uuid"], "isUpvoted": True}),
           404, "messageNotFound")
    refused(alpha.put("/ai/votes", json={"chatUuid": "nope", "messageUuid": answer["uuid"], "isUpvoted": True}),
           404, "chatNotFound")
    refused(alpha.put("/ai/votes", json={"chatUuid": chat_uuid, "messageUuid": answer["uuid"]}), 400, "invalidPayload")
    refused(alpha.get("/ai/votes/list"), 400, "invalidPayload")
    refused(alpha.get("/ai/votes/list", params={"chatUuid": "nope"}), 404, "chatNotFound")


# --- memories and documents -------------------------------------------------------------------------


def test_memories_list_update_remove(world: World) -> None:
    alpha = world.alpha
    mine = _ok(alpha.post("/ai/memories", json={"scope": "user", "content": "I like short answers."}))["memory"]
    agents = _ok(alpha.post("/ai/memories", json={"scope": "agent", "agentUuid": world.agent,
                                                  "content": "Acme is a customer."}))["memory"]
    assert mine["scope"] == "user" and mine["userUuid"] and agents["agentUuid"] == world.agent
    assert [m["mem0Id"] for m in _ok(alpha.get("/ai/memories/list", params={"scope": "user"}))["memories"]] == [
        mine["mem0Id"]]
    listed = _ok(alpha.get("/ai/memories/list", params={"scope": "agent", "agentUuid": world.agent}))["memories"]
    assert [m["mem0Id"] for m in listed] == [agents["mem0Id"]]

    changed = _ok(alpha.put(f"/ai/memories/{mine['mem0Id']}", json={"scope": "user", "content": "Longer is fine."}))
    assert changed["memory"]["content"] == "Longer is fine." and changed["memory"]["mem0Id"] == mine["mem0Id"]
    refused(alpha.put(f"/ai/memories/{mine['mem0Id']}", json={"scope": "agent", "agentUuid": world.agent,
                                                             "content": "x"}), 404, "memoryNotFound")
    refused(alpha.put("/ai/memories/nope", json={"scope": "user", "content": "x"}), 404, "memoryNotFound")
    refused(alpha.put(f"/ai/memories/{mine['mem0Id']}", json={"scope": "user"}), 400, "invalidPayload")
    refused(alpha.get("/ai/memories/list", params={"scope": "agent"}), 400, "invalidPayload")
    refused(alpha.get("/ai/memories/list", params={"scope": "team"}), 400, "invalidData")
    everything = {m["mem0Id"] for m in _ok(alpha.get("/ai/memories/list"))["memories"]}  # no scope (issue 19)
    assert {mine["mem0Id"], agents["mem0Id"]} <= everything
    refused(alpha.get("/ai/memories/list", params={"scope": "agent", "agentUuid": world.beta_agent}), 404,
           "agentNotFound")

    refused(alpha.delete(f"/ai/memories/{agents['mem0Id']}", params={"scope": "user"}), 404, "memoryNotFound")
    removed = _ok(alpha.delete(f"/ai/memories/{agents['mem0Id']}",
                               params={"scope": "agent", "agentUuid": world.agent}))
    assert removed == {"mem0Id": agents["mem0Id"], "removed": True}
    refused(alpha.delete(f"/ai/memories/{agents['mem0Id']}", params={"scope": "agent", "agentUuid": world.agent}),
           404, "memoryNotFound")
    # Another workspace's memory is not found, whatever the scope.
    beta_memory = _ok(world.beta.post("/ai/memories", json={"scope": "user", "content": "beta only"}))["memory"]
    refused(alpha.put(f"/ai/memories/{beta_memory['mem0Id']}", json={"scope": "user", "content": "x"}), 404,
           "memoryNotFound")
    refused(alpha.delete(f"/ai/memories/{beta_memory['mem0Id']}", params={"scope": "user"}), 404, "memoryNotFound")
    assert beta_memory["mem0Id"] not in {m["mem0Id"] for m in _ok(alpha.get("/ai/memories/list",
                                                                            params={"scope": "user"}))["memories"]}


def test_documents_are_not_supported(world: World) -> None:
    for method, path in (("GET", "/ai/documents/list"), ("GET", "/ai/documents/abc"), ("POST", "/ai/documents"),
                         ("POST", "/ai/documents/reset")):
        response = world.alpha.request(method, path, json={} if method == "POST" else None)
        assert refused(response, 501, "notSupported")["errorMessage"] == "notSupported"
        assert httpx.request(method, f"{world.server.url}/v1{path}").status_code == 401


# --- isolation ----------------------------------------------------------------------------------------


def test_another_workspaces_chats_messages_and_votes_are_not_found(world: World) -> None:
    alpha, chat, message = world.alpha, world.beta_chat["uuid"], world.beta_message["uuid"]
    refused(alpha.get(f"/ai/chats/{chat}"), 404, "chatNotFound")
    refused(alpha.put(f"/ai/chats/{chat}", json={"name": "mine now"}), 404, "chatNotFound")
    refused(alpha.delete(f"/ai/chats/{chat}"), 404, "chatNotFound")
    refused(alpha.post("/ai/chats", json={"agentUuid": world.beta_agent, "trigger": {"type": "draft"}}), 404,
           "agentNotFound")
    refused(alpha.post("/ai/messages", json={"chatUuid": chat, "parts": _text("hi")}), 404, "chatNotFound")
    refused(alpha.post("/ai/messages", json={"agentUuid": world.beta_agent, "parts": _text("hi")}), 404,
            "agentNotFound")
    refused(alpha.get(f"/ai/messages/{message}"), 404, "messageNotFound")
    refused(alpha.delete(f"/ai/messages/{message}"), 404, "messageNotFound")
    refused(alpha.post("/ai/messages/cancel", json={"uuids": [message]}), 404, "messageNotFound")
    refused(alpha.get("/ai/messages/list", params={"chatUuid": chat}), 404, "chatNotFound")
    refused(alpha.put("/ai/votes", json={"chatUuid": chat, "messageUuid": message, "isUpvoted": True}), 404,
           "chatNotFound")
    refused(alpha.get("/ai/votes/list", params={"chatUuid": chat}), 404, "chatNotFound")
    assert chat not in {c["uuid"] for c in _ok(alpha.get("/ai/chats/list", params={"limit": 1000}))["chats"]}
    assert _ok(alpha.get("/ai/chats/list", params={"agentUuid": world.beta_agent}))["chats"] == []
    # beta still sees its own
    assert _ok(world.beta.get(f"/ai/chats/{chat}"))["chat"]["name"] is None


# --- the CLI in remote mode -----------------------------------------------------------------------------


def _embedded(server: Any, *args: str) -> tuple[int, Any]:
    env = {**server.env, "LADING_WORKSPACE_NAME": server.workspaces["alpha"]}
    done = subprocess.run([sys.executable, "-m", "lading", *args], env=env, capture_output=True, timeout=120)
    return done.returncode, json.loads(done.stdout)


def _remote(monkeypatch: pytest.MonkeyPatch, server: Any) -> None:
    monkeypatch.setenv("LADING_API_URL", server.url)
    monkeypatch.setenv("LADING_TOKEN", server.tokens["alpha"])


def test_remote_cli_reads_like_the_embedded_cli(world: World, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    alpha = world.alpha
    sent = _ok(alpha.post("/ai/messages", json={"agentUuid": world.agent, "parts": _text("for the CLI")}))
    chat_uuid = sent["userMessage"]["chatUuid"]
    answer = wait_answer(alpha, sent["assistantMessage"]["uuid"])
    memory = _ok(alpha.post("/ai/memories", json={"scope": "agent", "agentUuid": world.agent,
                                                  "content": "remote"}))["memory"]
    commands = [
        ("ai", "chat", "get", chat_uuid),
        ("ai", "chat", "list", "--agent-uuid", world.agent, "--limit", "3"),
        ("ai", "chat", "get", world.beta_chat["uuid"]),
        ("ai", "chat", "list", "--limit", "0"),
        ("ai", "message", "get", answer["uuid"]),
        ("ai", "message", "list", "--chat-uuid", chat_uuid),
        ("ai", "message", "list", "--chat-uuid", "nope"),
        ("ai", "memory", "list", "--scope", "agent", "--agent-uuid", world.agent),
        ("ai", "memory", "list", "--scope", "workspace"),
        ("ai", "memory", "list", "--scope", "agent"),
        ("ai", "memory", "remove", "--mem0-id", memory["mem0Id"], "--scope", "user"),
        ("ai", "chat", "create", "--agent-uuid", world.draft_agent, "--trigger", '{"type":"deployed"}'),
        ("ai", "message", "create", "--chat-uuid", chat_uuid, "--parts", '[{"type":"image"}]'),
    ]
    expected = [_embedded(world.server, *c) for c in commands]
    _remote(monkeypatch, world.server)
    for command, (code, want) in zip(commands, expected, strict=True):
        got_code, got = cli(*command)
        if isinstance(want, dict) and "errorMessage" in want:  # the server's document adds `details`
            got = {k: v for k, v in got.items() if k in want}
        assert (got_code, got) == (code, want), command


def test_remote_cli_writes_and_waits(world: World, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _remote(monkeypatch, world.server)
    code, chat = cli("ai", "chat", "create", "--agent-uuid", world.agent, "--trigger", '{"type":"draft"}',
                     "--name", "remote")
    assert code == 0 and chat["chat"]["name"] == "remote" and chat["chat"]["trigger"] == {"type": "draft"}
    chat_uuid = chat["chat"]["uuid"]
    code, out = cli("ai", "message", "create", "--chat-uuid", chat_uuid, "--parts", json.dumps(_text("wait for me")),
                    "--temperature", "0.5", "--wait-until-finished", "--polling-interval", "100")
    assert code == 0 and out["assistantMessage"]["status"] == "success" and out["userMessage"]["status"] == "success"
    assert out["assistantMessage"]["temperature"] == 0.5
    code, listed = cli("ai", "message", "list", "--chat-uuid", chat_uuid)
    assert listed["messages"] == [out["userMessage"], out["assistantMessage"]]
    monkeypatch.delenv("LADING_API_URL")
    assert _embedded(world.server, "ai", "message", "get", out["assistantMessage"]["uuid"]) == (
        0, {"message": out["assistantMessage"]})
    _remote(monkeypatch, world.server)
    code, created = cli("ai", "message", "create", "--chat-uuid", chat_uuid, "--parts", json.dumps(_text("no wait")))
    assert code == 0 and created["assistantMessage"]["status"] in {"pending", "generating", "success"}
    wait_answer(world.alpha, created["assistantMessage"]["uuid"])

    code, made = cli("ai", "memory", "update", "--scope", "user", "--content", "Remote memory")
    assert code == 0 and made["memory"]["scope"] == "user"
    mem0 = made["memory"]["mem0Id"]
    code, changed = cli("ai", "memory", "update", "--scope", "user", "--content", "Changed", "--mem0-id", mem0)
    assert code == 0 and changed["memory"]["content"] == "Changed" and changed["memory"]["mem0Id"] == mem0
    code, shared = cli("ai", "memory", "update", "--scope", "workspace", "--content", "Shared")
    assert code == 0 and shared["memory"]["scope"] == "workspace"
    code, removed = cli("ai", "memory", "remove", "--mem0-id", mem0, "--scope", "user")
    assert (code, removed) == (0, {"mem0Id": mem0, "removed": True})
    code, err = cli("ai", "memory", "remove", "--mem0-id", mem0, "--scope", "user")
    assert code == 1 and err["reason"] == "memoryNotFound"
    code, err = cli("ai", "memory", "update", "--scope", "agent", "--content", "x")
    assert code == 2 and "--agent-uuid" in err["errorMessage"]
