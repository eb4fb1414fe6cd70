"""Talking to agents end to end through the CLI, against a local server answering like the OpenAI
chat-completions API: chats and messages (waiting and in the background), actions the model calls
(each a recorded run), errors of the provider and of the step cap, agent nodes, native agent steps
and agent actions in workflows, structured answers, and workspace isolation."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from ai_helpers import KEY, agent, completion, ok, openai_connector, send, tool_call
from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import chain, end, node, start, var


def deploy(agent_uuid: str) -> dict[str, Any]:
    return ok("ai", "release", "deploy-draft", "--agent-uuid", agent_uuid)["release"]




def sent_messages(rec: Recorded) -> list[dict[str, Any]]:
    return rec.json()["messages"]


def test_seed_chat_flow_multi_turn_and_history() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", [completion("The VP of Sales at Acme is Dana Smith."),
                                                 completion("She joined in 2021.")])
        openai_connector(fake.url)
        uuid = agent()
        listed = ok("ai", "agent", "list")["agents"]
        assert [a["uuid"] for a in listed] == [uuid] and listed[0]["name"] == "Researcher"
        chat = ok("ai", "chat", "create", "--trigger", j({"type": "draft"}), "--agent-uuid", uuid,
                  "--name", "Research session")["chat"]
        assert chat["agentUuid"] == uuid and chat["name"] == "Research session" and chat["trigger"] == {"type": "draft"}

        out = send(chat["uuid"], "Find the VP of Sales at Acme Corp")
        user, answer = out["userMessage"], out["assistantMessage"]
        assert user["status"] == "success" and user["role"] == "user"
        assert answer["status"] == "success" and answer["role"] == "assistant" and answer["errorMessage"] is None
        assert answer["parts"] == [{"type": "text", "text": "The VP of Sales at Acme is Dana Smith."}]
        assert ok("ai", "message", "get", answer["uuid"])["message"] == answer

        first = fake.requests[0]
        assert first.headers["authorization"] == f"Bearer {KEY}"
        body = first.json()
        assert body["model"] == "gpt-4o" and body["temperature"] == 0.3
        assert body["messages"][0] == {"role": "system", "content": "You research companies."}
        assert body["messages"][-1]["role"] == "user"
        assert "Find the VP of Sales at Acme Corp" in json.dumps(body["messages"][-1])

        send(chat["uuid"], "When did she join?", "--temperature", "0.9")
        second = fake.requests[1].json()
        assert second["temperature"] == 0.9  # the message's override, once
        texts = json.dumps(second["messages"])
        assert texts.index("Find the VP of Sales") < texts.index("Dana Smith") < texts.index("When did she join?")

        messages = ok("ai", "message", "list", "--chat-uuid", chat["uuid"])["messages"]
        assert [(m["role"], m["status"]) for m in messages] == [("user", "success"), ("assistant", "success")] * 2
        assert ok("ai", "chat", "list", "--agent-uuid", uuid)["chats"][0]["uuid"] == chat["uuid"]
        assert ok("ai", "chat", "get", chat["uuid"])["chat"]["uuid"] == chat["uuid"]


def test_model_calls_a_tool_action_recorded_as_a_run() -> None:
    doubler = ok("orchestration", "tool", "create", "--name", "Doubler")["tool"]
    nodes = chain(start(), end([var("doubled", "{{nodes.start.n * 2}}", "number")]))
    ok("orchestration", "release", "update-draft", "--workflow-uuid", doubler["workflowUuid"], "--nodes", j(nodes),
       "--form-fields", j([{"slug": "n", "label": "Number", "type": "number", "required": True}]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", doubler["workflowUuid"])

    def answer(rec: Recorded) -> Answer:
        messages = sent_messages(rec)
        if messages[-1]["role"] == "tool":
            return completion(f"Doubled: {json.loads(messages[-1]['content'])['doubled']}")
        return completion(None, [tool_call("call_1", "double", {"n": 21})])

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", answer)
        openai_connector(fake.url)
        uuid = agent(actions=[{"kind": "tool", "toolUuid": doubler["uuid"], "slug": "double", "name": "Double",
                               "description": "Doubles a number"}])
        deploy(uuid)
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid)["chat"]
        assert chat["trigger"] == {"type": "deployed"}
        parts = send(chat["uuid"], "Double 21")["assistantMessage"]["parts"]

        assert [p["type"] for p in parts] == ["action-call", "action-result", "text"]
        call, result, text = parts
        assert call == {"type": "action-call", "callId": "call_1", "slug": "double", "input": {"n": 21}}
        assert result["callId"] == "call_1" and result["isError"] is False and result["output"] == {"doubled": 42}
        assert text == {"type": "text", "text": "Doubled: 42"}
        run = ok("orchestration", "run", "get", result["runUuid"])["run"]
        assert run["status"] == "success"
        # The action's executions name the agent that called it; the chat's own step does not.
        spans = ok("orchestration", "query", "execute",
                   "SELECT run_uuid, toString(parent_agent_uuid) AS agent FROM spans ORDER BY execution_started_at")
        by_run = {row[0] if isinstance(row, list) else row["run_uuid"]: row for row in spans["rows"]}
        assert json.dumps(by_run[result["runUuid"]]).count(uuid) == 1
        assert all(uuid not in json.dumps(row) for key, row in by_run.items() if key != result["runUuid"])

        tools = fake.requests[0].json()["tools"]
        assert [t["function"]["name"] for t in tools] == ["double"]
        assert tools[0]["function"]["description"] == "Doubles a number"
        assert "n" in tools[0]["function"]["parameters"]["properties"]


def test_provider_error_and_step_cap_end_in_error() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions",
                   Answer(429, {"error": {"type": "insufficient_quota", "code": "insufficient_quota",
                                          "message": "You exceeded your current quota"}}))
        openai_connector(fake.url)
        uuid = agent()
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid, "--trigger", j({"type": "draft"}))["chat"]
        out = send(chat["uuid"], "Hello")  # exit 0 even though the answer ended in error
        failed = out["assistantMessage"]
        assert failed["status"] == "error" and "insufficient_quota" in failed["errorMessage"]
        assert KEY not in json.dumps(out)

        fake.route("POST", "/chat/completions", completion(None, [tool_call("c", "missing_tool", {})]))
        out = send(chat["uuid"], "Loop forever", "--max-steps", "3")
        failed = out["assistantMessage"]
        assert failed["status"] == "error" and "maximum steps" in failed["errorMessage"]
        calls = [p for p in failed["parts"] if p["type"] == "action-result"]
        assert calls and all(p["isError"] for p in calls)


def test_background_answer_is_polled() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("Background answer"))
        openai_connector(fake.url)
        uuid = agent()
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid, "--trigger", j({"type": "draft"}))["chat"]
        out = ok("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts",
                 j([{"type": "text", "text": "hi"}]))
        assert out["assistantMessage"]["status"] in ("pending", "generating", "success")
        deadline = time.monotonic() + 60
        while True:
            message = ok("ai", "message", "get", out["assistantMessage"]["uuid"])["message"]
            if message["status"] in ("success", "error") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert message["status"] == "success", message
        assert message["parts"] == [{"type": "text", "text": "Background answer"}]


SCHEMA = {"type": "object", "properties": {"industry": {"type": "string"}, "employees": {"type": "integer"}},
          "required": ["industry"]}


def test_agent_node_native_agent_step_and_agent_action() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", lambda rec: completion(
            json.dumps({"industry": "Software", "employees": 120}) if rec.json().get("response_format")
            else f"echo: {sent_messages(rec)[-1]['content']}"))
        llm = openai_connector(fake.url)
        uuid = agent(output={"type": "jsonSchema", "jsonSchema": SCHEMA})
        deploy(uuid)

        classify = node("classify", kind="agent", agentUuid=uuid, config={"prompt": "Classify {{nodes.start.domain}}"})
        nodes = chain(start(), classify, end([var("industry", "{{nodes.classify.answer.industry}}")]))
        run = ok("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"domain": "acme.com"}),
                 "--wait-until-finished")["run"]
        assert run["status"] == "success", run
        detail = ok("orchestration", "run", "get", run["uuid"])
        assert detail["runContext"]["classify"] == {"answer": {"industry": "Software", "employees": 120}}
        assert detail["runContext"]["end"] == {"industry": "Software"}
        assert "Classify acme.com" in json.dumps(fake.requests[-1].json()["messages"])
        spans = [e for e in detail["run"]["executions"] if e["nodeSlug"] == "classify"]
        assert spans[0]["nodeKind"] == "agent" and spans[0]["creditsUsedCount"] > 0

        native = node("ask", "agent", {"prompt": "Say {{nodes.start.word}}",
                                       "advancedSettings": {"connectorUuid": llm, "languageModelSlug": "gpt-4o-mini"}})
        nodes = chain(start(), native, end([var("answer", "{{nodes.ask.answer}}")]))
        run = ok("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"word": "hello"}),
                 "--wait-until-finished")["run"]
        assert run["status"] == "success", run
        assert ok("orchestration", "run", "get", run["uuid"])["runContext"]["end"] == {"answer": "echo: Say hello"}
        assert fake.requests[-1].json()["model"] == "gpt-4o-mini"

        action = {"kind": "agent", "agentUuid": uuid}
        schema = ok("orchestration", "action", "get-output-schema", "--action", j(action))
        assert schema == {"schema": {"type": "object", "properties": {"answer": SCHEMA}}}
        out = ok("orchestration", "action", "execute", "--action", j(action), "--data", j({"prompt": "Classify x.io"}),
                 "--wait-until-finished")
        assert out["run"]["status"] == "success", out
        assert ok("orchestration", "run", "get", out["run"]["uuid"])["runContext"]["action"] == {
            "answer": {"industry": "Software", "employees": 120}}


def test_errors_and_removed_agents() -> None:
    code, out = run_cli("ai", "chat", "create", "--agent-uuid", "5f0c8a55-8a2b-4e0c-9d7e-1c9a33b2f001")
    assert code == 1 and out["reason"] == "agentNotFound"
    code, out = run_cli("ai", "chat", "get", "5f0c8a55-8a2b-4e0c-9d7e-1c9a33b2f001")
    assert code == 1 and out["reason"] == "chatNotFound" and "Chat not found" in out["errorMessage"]
    code, out = run_cli("ai", "message", "create", "--chat-uuid", "nope", "--parts", j([{"type": "text", "text": "x"}]))
    assert code == 1 and out["reason"] == "chatNotFound"
    uuid = agent()
    code, out = run_cli("ai", "chat", "create", "--agent-uuid", uuid, "--trigger", j({"type": "deployed"}))
    assert code == 1 and out["reason"] == "deployedReleaseNotFound"
    code, out = run_cli("ai", "chat", "create", "--agent-uuid", uuid, "--trigger", j({"type": "later"}))
    assert code == 1 and out["reason"] == "invalidData"
    chat = ok("ai", "chat", "create", "--agent-uuid", uuid)["chat"]
    assert chat["trigger"] == {"type": "draft"}
    for parts in ('[{"type":"image","url":"x"}]', "[]", '{"type":"text"}', '[{"type":"text"}]'):
        code, out = run_cli("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts", parts)
        assert code == 1 and out["reason"] == "invalidParts", parts
    code, out = run_cli("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts", "[{")
    assert code == 2 and "errorMessage" in out
    assert ok("ai", "message", "list", "--chat-uuid", chat["uuid"])["messages"] == []  # nothing half-written

    ok("ai", "agent", "remove", uuid)
    assert ok("ai", "chat", "get", chat["uuid"])["chat"]["uuid"] == chat["uuid"]  # chats stay readable
    code, out = run_cli("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts",
                        j([{"type": "text", "text": "still there?"}]))
    assert code == 1 and out["reason"] == "agentNotFound"


@pytest.mark.embedded_only  # switches the workspace through the CLI's environment
def test_chats_and_messages_are_workspace_scoped(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("mine"))
        openai_connector(fake.url)
        uuid = agent()
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid)["chat"]
        message = send(chat["uuid"], "hello")["assistantMessage"]
        monkeypatch.setenv("LADING_WORKSPACE_NAME", "another-team")
        assert ok("ai", "chat", "list")["chats"] == []
        for args in (("ai", "chat", "get", chat["uuid"]), ("ai", "message", "get", message["uuid"]),
                     ("ai", "message", "list", "--chat-uuid", chat["uuid"]),
                     ("ai", "chat", "create", "--agent-uuid", uuid)):
            code, out = run_cli(*args)
            assert code == 1 and out["reason"] in ("chatNotFound", "messageNotFound", "agentNotFound"), args


def test_bulk_allowed_action_runs_each_item() -> None:
    doubler = ok("orchestration", "tool", "create", "--name", "Doubler")["tool"]
    nodes = chain(start(), end([var("doubled", "{{nodes.start.n * 2}}", "number")]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", doubler["workflowUuid"], "--nodes", j(nodes))

    def answer(rec: Recorded) -> Answer:
        messages = sent_messages(rec)
        if messages[-1]["role"] == "tool":
            return completion("done")
        return completion(None, [tool_call("call_b", "double", {"items": [{"n": 1}, {"n": 2}, {"n": 3}]})])

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", answer)
        openai_connector(fake.url)
        uuid = agent(actions=[{"kind": "tool", "toolUuid": doubler["uuid"], "slug": "double", "isBulkAllowed": True}])
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid)["chat"]
        parts = send(chat["uuid"], "Double 1, 2 and 3")["assistantMessage"]["parts"]
        result = next(p for p in parts if p["type"] == "action-result")
        assert [r["output"] for r in result["output"]] == [{"doubled": 2}, {"doubled": 4}, {"doubled": 6}]
        assert len({r["runUuid"] for r in result["output"]}) == 3 and result["isError"] is False
        schema = fake.requests[0].json()["tools"][0]["function"]["parameters"]
        assert schema["properties"]["items"]["type"] == "array"


def test_attached_files_reach_the_model_with_their_text(tmp_path: Any) -> None:
    notes = tmp_path / "account-notes.md"
    notes.write_text("# Acme\nRenewal is due in March; the champion is Dana Smith.\n")
    file = ok("content", "file", "upload", "--file-path", str(notes))["file"]
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("Dana Smith, in March."))
        openai_connector(fake.url)
        uuid = agent()
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid)["chat"]
        out = ok("ai", "message", "create", "--chat-uuid", chat["uuid"], "--wait-until-finished", "--parts",
                 j([{"type": "text", "text": "Who is the champion?"}, {"type": "file", "fileUuid": file["uuid"]}]))
        attached = out["userMessage"]["parts"][1]
        assert attached["name"] == "account-notes.md" and attached["contentType"] == "text/markdown"
        sent = json.dumps(fake.requests[-1].json()["messages"][-1])
        assert "account-notes.md" in sent and "the champion is Dana Smith" in sent
        code, out = run_cli("ai", "message", "create", "--chat-uuid", chat["uuid"], "--parts",
                            j([{"type": "file", "fileUuid": "5f0c8a55-8a2b-4e0c-9d7e-1c9a33b2f0aa"}]))
        assert code == 1 and out["reason"] == "fileNotFound"
        assert len(ok("ai", "message", "list", "--chat-uuid", chat["uuid"])["messages"]) == 2  # nothing added
