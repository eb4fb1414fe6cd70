"""Memories through the CLI: create, change and remove them in each scope (workspace, user, agent),
a memory looked up in the wrong scope or for another agent or workspace is not found, bad input is
refused without writing anything, and an agent with the `memory` capability remembers through its
`remember` tool and reads its memories back in the system prompt of a later turn."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from ai_helpers import agent, completion, ok, openai_connector, send, tool_call
from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import chain, end, node, start, var


def fails(reason: str | None, *args: str, code: int = 1) -> dict[str, Any]:
    got, out = run_cli(*args)
    assert got == code, out
    if reason is not None:
        assert out["reason"] == reason, out
    return out








def remember(scope: str, content: str, *extra: str) -> dict[str, Any]:
    return ok("ai", "memory", "update", "--scope", scope, "--content", content, *extra)["memory"]


def listed(scope: str, *extra: str) -> list[dict[str, Any]]:
    return ok("ai", "memory", "list", "--scope", scope, *extra)["memories"]


def test_workspace_and_user_memories_crud_and_wrong_scope() -> None:
    me = ok("whoami")
    shared = remember("workspace", "Our fiscal year starts in April.")
    assert shared["scope"] == "workspace" and shared["content"] == "Our fiscal year starts in April."
    assert shared["agentUuid"] is None and shared["userUuid"] is None
    assert shared["workspaceUuid"] == me["workspace"]["uuid"] and isinstance(shared["mem0Id"], str)
    assert shared["createdAt"] == shared["updatedAt"]
    mine = remember("user", "I prefer short answers.")
    assert mine["scope"] == "user" and mine["userUuid"] == me["user"]["uuid"] and mine["agentUuid"] is None

    newer = remember("workspace", "Enterprise deals need legal review.")
    assert [m["mem0Id"] for m in listed("workspace")] == [newer["mem0Id"], shared["mem0Id"]]
    assert [m["mem0Id"] for m in listed("user")] == [mine["mem0Id"]]

    changed = remember("workspace", "Our fiscal year starts in May.", "--mem0-id", shared["mem0Id"])
    assert changed["mem0Id"] == shared["mem0Id"] and changed["content"] == "Our fiscal year starts in May."
    assert changed["createdAt"] == shared["createdAt"] and changed["updatedAt"] >= shared["updatedAt"]
    assert listed("workspace")[0] == changed  # most recently written first

    # A memory exists in one scope only: elsewhere it is not found, and nothing changes.
    fails("memoryNotFound", "ai", "memory", "update", "--scope", "user", "--mem0-id", shared["mem0Id"],
          "--content", "hijacked")
    out = fails("memoryNotFound", "ai", "memory", "remove", "--scope", "workspace", "--mem0-id", mine["mem0Id"])
    assert out["errorMessage"] == "memoryNotFound: Memory not found"
    fails("memoryNotFound", "ai", "memory", "update", "--scope", "workspace", "--mem0-id", "no-such-memory",
          "--content", "x")
    assert listed("workspace")[0]["content"] == "Our fiscal year starts in May."
    assert [m["content"] for m in listed("user")] == ["I prefer short answers."]

    assert ok("ai", "memory", "remove", "--scope", "user", "--mem0-id", mine["mem0Id"]) == \
        {"mem0Id": mine["mem0Id"], "removed": True}
    assert listed("user") == []
    fails("memoryNotFound", "ai", "memory", "remove", "--scope", "user", "--mem0-id", mine["mem0Id"])


def test_agent_memories_belong_to_one_agent() -> None:
    first, second = agent("First"), agent("Second")
    memory = remember("agent", "Acme uses Salesforce.", "--agent-uuid", first)
    assert memory["scope"] == "agent" and memory["agentUuid"] == first and memory["userUuid"] is None
    assert [m["mem0Id"] for m in listed("agent", "--agent-uuid", first)] == [memory["mem0Id"]]
    assert listed("agent", "--agent-uuid", second) == []
    assert listed("workspace") == [] and listed("user") == []

    fails("memoryNotFound", "ai", "memory", "update", "--scope", "agent", "--agent-uuid", second, "--mem0-id",
          memory["mem0Id"], "--content", "Acme uses HubSpot.")
    fails("memoryNotFound", "ai", "memory", "remove", "--scope", "agent", "--agent-uuid", second, "--mem0-id",
          memory["mem0Id"])
    fails("memoryNotFound", "ai", "memory", "remove", "--scope", "workspace", "--mem0-id", memory["mem0Id"])
    changed = remember("agent", "Acme uses HubSpot.", "--agent-uuid", first, "--mem0-id", memory["mem0Id"])
    assert changed["content"] == "Acme uses HubSpot." and changed["agentUuid"] == first

    unknown = "00000000-0000-4000-8000-000000000000"
    for args in (("list", "--scope", "agent", "--agent-uuid", unknown),
                 ("update", "--scope", "agent", "--agent-uuid", unknown, "--content", "x"),
                 ("remove", "--scope", "agent", "--agent-uuid", unknown, "--mem0-id", memory["mem0Id"])):
        out = fails("agentNotFound", "ai", "memory", *args)
        assert out["errorMessage"] == "agentNotFound: Agent not found"
    ok("ai", "agent", "remove", second)
    fails("agentNotFound", "ai", "memory", "update", "--scope", "agent", "--agent-uuid", second, "--content", "x")

    assert ok("ai", "memory", "remove", "--scope", "agent", "--agent-uuid", first, "--mem0-id",
              memory["mem0Id"])["removed"] is True
    assert listed("agent", "--agent-uuid", first) == []


def test_bad_input_is_refused_and_writes_nothing() -> None:
    uuid = agent()
    out = fails("invalidPayload", "ai", "memory", "list", "--scope", "agent", code=2)
    assert out["errorMessage"].startswith("error: required option '--agent-uuid <uuid>' not specified")
    fails("invalidPayload", "ai", "memory", "update", "--scope", "agent", "--content", "x", code=2)
    out = fails("invalidPayload", "ai", "memory", "update", "--scope", "workspace", code=2)
    assert out["errorMessage"] == "error: required option '--content <content>' not specified"
    assert run_cli("ai", "memory", "list")[0] == 0  # no scope: every memory you may see (issue 19)
    fails("invalidPayload", "ai", "memory", "remove", "--scope", "workspace", code=2)  # which memory?
    out = fails("invalidData", "ai", "memory", "list", "--scope", "team")
    assert "workspace, user, agent" in out["errorMessage"]
    fails("invalidData", "ai", "memory", "update", "--scope", "workspace", "--content", "x", "--agent-uuid", uuid)
    fails("invalidData", "ai", "memory", "update", "--scope", "workspace", "--content", "   ")
    out = fails("invalidData", "ai", "memory", "update", "--scope", "user", "--content", "x" * 4001)
    assert "4000" in out["errorMessage"]
    kept = remember("workspace", "kept")
    fails("invalidData", "ai", "memory", "update", "--scope", "workspace", "--mem0-id", kept["mem0Id"],
          "--content", "")
    assert listed("workspace") == [kept] and listed("user") == [] and listed("agent", "--agent-uuid", uuid) == []


@pytest.mark.embedded_only  # switches the workspace through the CLI's environment
def test_memories_are_workspace_scoped(monkeypatch: pytest.MonkeyPatch) -> None:
    uuid = agent()
    shared = remember("workspace", "Ours only.")
    mine = remember("user", "Mine only.")
    theirs = remember("agent", "The agent's only.", "--agent-uuid", uuid)
    home_workspace = os.environ["LADING_WORKSPACE_NAME"]
    monkeypatch.setenv("LADING_WORKSPACE_NAME", f"{home_workspace}-other")
    assert listed("workspace") == [] and listed("user") == []
    fails("agentNotFound", "ai", "memory", "list", "--scope", "agent", "--agent-uuid", uuid)
    for scope, memory in (("workspace", shared), ("user", mine)):
        fails("memoryNotFound", "ai", "memory", "update", "--scope", scope, "--mem0-id", memory["mem0Id"],
              "--content", "overwritten")
        fails("memoryNotFound", "ai", "memory", "remove", "--scope", scope, "--mem0-id", memory["mem0Id"])
    monkeypatch.setenv("LADING_WORKSPACE_NAME", home_workspace)
    assert listed("workspace") == [shared] and listed("user") == [mine]
    assert listed("agent", "--agent-uuid", uuid) == [theirs]


def _system_prompt(rec: Recorded) -> str:
    first = rec.json()["messages"][0]
    assert first["role"] == "system"
    return str(first["content"])


def test_agent_remembers_and_reads_its_memories_in_a_later_turn() -> None:
    def answer(rec: Recorded) -> Answer:
        messages = rec.json()["messages"]
        if messages[-1]["role"] == "tool":
            return completion("Noted.")
        if "remember" in json.dumps(messages[-1]).lower():
            return completion(None, [tool_call("call_1", "remember", {"content": "Dana prefers email over calls."})])
        return completion("Dana prefers email.")

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", answer)
        openai_connector(fake.url)
        uuid = agent(capabilities=["memory"])
        other = agent("Other", capabilities=["memory"])
        plain = agent("Plain")
        remember("workspace", "We sell to mid-market SaaS companies.")
        remember("user", "The user is called Sam.")
        remember("agent", "Other agent's secret note.", "--agent-uuid", other)
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid, "--trigger", j({"type": "draft"}))["chat"]

        parts = send(chat["uuid"], "Please remember that Dana prefers email.")["assistantMessage"]["parts"]
        assert [p["type"] for p in parts] == ["action-call", "action-result", "text"]
        assert parts[0]["slug"] == "remember" and parts[1]["isError"] is False
        saved = listed("agent", "--agent-uuid", uuid)
        assert [m["content"] for m in saved] == ["Dana prefers email over calls."]
        assert parts[1]["output"] == {"mem0Id": saved[0]["mem0Id"], "remembered": True}
        first = fake.requests[0]
        assert "remember" in [t["function"]["name"] for t in first.json()["tools"]]
        assert "Dana prefers email over calls." not in _system_prompt(first)  # not known yet

        send(chat["uuid"], "How does Dana like to be contacted?")
        later = _system_prompt(fake.requests[-1])
        assert later.startswith("You research companies.")
        for text in ("[agent] Dana prefers email over calls.", "[workspace] We sell to mid-market SaaS companies.",
                     "[user] The user is called Sam."):
            assert text in later, later
        assert "Other agent's secret note." not in later
        assert later.index("Dana prefers email") < later.index("mid-market")  # newest first

        # The model remembering the same fact again keeps one memory.
        send(chat["uuid"], "Remember that again, please.")
        assert [m["content"] for m in listed("agent", "--agent-uuid", uuid)] == ["Dana prefers email over calls."]

        # An agent without the capability gets neither the tool nor the memories.
        plain_chat = ok("ai", "chat", "create", "--agent-uuid", plain, "--trigger", j({"type": "draft"}))["chat"]
        send(plain_chat["uuid"], "Who are we selling to?")
        request = fake.requests[-1]
        assert _system_prompt(request) == "You research companies."
        assert "tools" not in request.json() or not request.json()["tools"]


def test_agent_nodes_read_bounded_memories_and_native_steps_refuse_the_capability() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("done"))
        llm = openai_connector(fake.url)
        uuid = agent(capabilities=["memory"])
        ok("ai", "release", "deploy-draft", "--agent-uuid", uuid)
        for letter in "abc":  # 2500 characters each: the prompt's 6000-character budget holds two of them
            remember("workspace", letter * 2500)
        remember("agent", "Always answer in French.", "--agent-uuid", uuid)
        ask = node("ask", kind="agent", agentUuid=uuid, config={"prompt": "Summarise acme.com"})
        nodes = chain(start(), ask, end([var("a", "{{nodes.ask.answer}}")]))
        run = ok("orchestration", "run", "create", "--nodes", j(nodes), "--wait-until-finished")["run"]
        assert run["status"] == "success", run
        prompt = _system_prompt(fake.requests[-1])
        assert "[agent] Always answer in French." in prompt
        assert "c" * 2500 in prompt and "b" * 2500 in prompt and "a" * 2500 not in prompt  # newest first, bounded
        sent = len(fake.requests)

        native = node("inline", "agent", {"prompt": "Hi", "capabilities": ["memory"],
                                          "advancedSettings": {"connectorUuid": llm, "languageModelSlug": "gpt-4o"}})
        run = ok("orchestration", "run", "create", "--nodes", j(chain(start(), native, end([]))),
                 "--wait-until-finished")["run"]
        assert run["status"] == "error"
        assert "needs a saved agent" in json.dumps(ok("orchestration", "run", "get", run["uuid"]))
        assert len(fake.requests) == sent  # refused before calling the model


def test_a_background_answer_reads_the_senders_memories_in_a_shared_workspace() -> None:
    """With a teammate in the workspace, the worker answering a chat cannot guess the user: the
    message records its sender, so the sender's user memories (and not the teammate's) are read."""
    import time
    import uuid as uuidlib

    from lading.services.wiring import open_session
    from lading.store.clock import utcnow
    from lading.store.repositories import ai_memories as memory_repo
    from lading.store.schema import users

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("Hello Sam."))
        openai_connector(fake.url)
        uuid = agent(capabilities=["memory"])
        remember("user", "The user is called Sam.")
        session = open_session()
        teammate = str(uuidlib.uuid4())
        with session.db.write() as conn:
            conn.execute(users.insert().values(uuid=teammate, workspace_uuid=session.workspace_uuid,
                                               email="kim@example.com", role="member", created_at=utcnow()))
            memory_repo.insert_memory(conn, session.workspace_uuid, {
                "mem0_id": uuidlib.uuid4().hex, "scope": "user", "agent_uuid": None, "user_uuid": teammate,
                "content": "The user is called Kim.", "created_at": utcnow(), "updated_at": utcnow()})
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid, "--trigger", j({"type": "draft"}))["chat"]
        sent = ok("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts",
                  j([{"type": "text", "text": "Who am I?"}]))["assistantMessage"]  # answered in the background
        deadline = time.monotonic() + 60
        while ok("ai", "message", "get", sent["uuid"])["message"]["status"] not in ("success", "error"):
            assert time.monotonic() < deadline, "the background worker did not answer"
            time.sleep(0.2)
        assert ok("ai", "message", "get", sent["uuid"])["message"]["status"] == "success"
        prompt = _system_prompt(fake.requests[-1])
        assert "[user] The user is called Sam." in prompt and "Kim" not in prompt
