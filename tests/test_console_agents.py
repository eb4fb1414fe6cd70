"""The console's Agents pages over httpx against a real `lading serve` whose agents talk to a fake
OpenAI-style model (a real HTTP server on 127.0.0.1): the list, a chat opened from an agent's page,
the answer's Server-Sent Events stream (an action call and its result, then the text, then the end),
one answer at a time, CSRF refusals, and beta seeing none of alpha's agents or chats (404 on their URLs,
the stream included)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ai_helpers import KEY, completion, tool_call
from console_helpers import csrf_in, sign_in
from fakes import Answer, Recorded, fake_provider

STEP_SECONDS = 0.8  # the fake model's pause before each answer, so the parts arrive in steps


def model(rec: Recorded) -> Answer:
    """Asked to remember something, the fake model calls `remember`, then answers in text."""
    messages = rec.json()["messages"]
    time.sleep(STEP_SECONDS)
    if messages[-1]["role"] == "tool":
        return completion("Noted: Dana prefers email.")
    if "remember" in json.dumps(messages[-1]).lower():
        return completion(None, [tool_call("call_1", "remember", {"content": "Dana prefers email."})])
    return completion("Hello from the fake model.")


def make_agent(server: Any, workspace: str, url: str, name: str) -> str:
    lading = server.lading
    lading("connection", "connector", "create", "--integration-slug", "openAi", "--slug", "llm", "--name", "LLM",
           "--config", json.dumps({"apiKey": KEY, "baseUrl": url}), workspace=workspace)
    uuid = str(lading("ai", "agent", "create", "--name", name, workspace=workspace)["agent"]["uuid"])
    lading("ai", "release", "update-draft", "--agent-uuid", uuid, "--system-prompt", "Be brief.",
           "--language-model-slug", "gpt-4o", "--capabilities", json.dumps(["memory"]), workspace=workspace)
    return uuid


@pytest.fixture(scope="module")
def world(api_server: Any) -> Iterator[dict[str, Any]]:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", model)
        yield {"alpha_agent": make_agent(api_server, "alpha", fake.url, "Alpha researcher"),
               "beta_agent": make_agent(api_server, "beta", fake.url, "Beta researcher"),
               "alpha": sign_in(api_server, "alpha"), "beta": sign_in(api_server, "beta"), "fake": fake}


def start_chat(client: httpx.Client, agent_uuid: str, text: str) -> str:
    page = client.get(f"/agents/{agent_uuid}")
    assert page.status_code == 200, page.text
    answer = client.post(f"/agents/{agent_uuid}/chats", data={"csrf": csrf_in(page.text), "text": text})
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/agents/chats/([0-9a-f-]{36})", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def stream_url(client: httpx.Client, chat_uuid: str) -> str | None:
    page = client.get(f"/agents/chats/{chat_uuid}")
    assert page.status_code == 200, page.text
    found = re.search(r'data-stream="([^"]+)"', page.text)
    return found.group(1) if found else None


def events(client: httpx.Client, url: str, timeout: float = 60) -> list[tuple[str, Any]]:
    """The stream's events as (name, data) until it ends."""
    out: list[tuple[str, Any]] = []
    with client.stream("GET", url, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: ") and name:
                out.append((name, json.loads(line[len("data: "):])))
                name = None
    return out


def test_agents_are_listed_per_workspace(world: dict[str, Any]) -> None:
    page = world["alpha"].get("/agents")
    assert page.status_code == 200
    assert "Alpha researcher" in page.text and "Beta researcher" not in page.text
    assert f'href="/agents/{world["alpha_agent"]}"' in page.text
    assert "Alpha researcher" not in world["beta"].get("/agents").text


def test_an_answer_streams_its_parts_then_ends(world: dict[str, Any]) -> None:
    client = world["alpha"]
    chat = start_chat(client, world["alpha_agent"], "Please remember that Dana prefers email.")
    url = stream_url(client, chat)
    assert url and url.startswith(f"/agents/chats/{chat}/messages/") and url.endswith("/events")
    got = events(client, url)
    names = [n for n, _ in got]
    assert names[-1] == "done" and got[-1][1]["status"] == "success"
    assert "reset" not in names
    shown: list[Any] = []
    steps = 0
    for name, data in got:
        if name == "parts":
            assert data["from"] == len(shown)
            shown += data["parts"]
            steps += 1
    assert [p["type"] for p in shown] == ["action-call", "action-result", "text"]
    assert shown[0]["slug"] == "remember" and shown[2]["text"] == "Noted: Dana prefers email."
    assert steps >= 2  # the action call came before the text: the answer arrived as it grew
    statuses = [d["status"] for n, d in got if n == "status"]
    assert statuses[-1] == "success" and len(statuses) >= 2
    # Once final, the page shows the answer as stored and streams nothing.
    assert stream_url(client, chat) is None
    page = client.get(f"/agents/chats/{chat}").text
    assert "Noted: Dana prefers email." in page and "Called <code>remember</code>" in page
    # A finished message's stream ends at once.
    again = events(client, url)
    assert [n for n, _ in again][-1] == "done"
    assert [p["type"] for n, d in again if n == "parts" for p in d["parts"]] == ["action-call", "action-result",
                                                                                 "text"]


def test_a_second_message_waits_for_the_answer_then_continues_the_chat(world: dict[str, Any]) -> None:
    client = world["alpha"]
    chat = start_chat(client, world["alpha_agent"], "Hello there")
    page = client.get(f"/agents/chats/{chat}")
    busy = client.post(f"/agents/chats/{chat}/messages", data={"csrf": csrf_in(page.text), "text": "And?"})
    assert busy.status_code == 409 and "still being answered" in busy.text
    url = stream_url(client, chat)
    assert url
    assert events(client, url)[-1][1]["status"] == "success"
    sent = client.post(f"/agents/chats/{chat}/messages", data={"csrf": csrf_in(page.text), "text": "Thanks"})
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"/agents/chats/{chat}#m-")
    url = stream_url(client, chat)
    assert url and events(client, url)[-1][1]["status"] == "success"
    text = client.get(f"/agents/chats/{chat}").text
    assert text.count("Hello from the fake model.") == 2 and "Thanks" in text
    empty = client.post(f"/agents/chats/{chat}/messages", data={"csrf": csrf_in(page.text), "text": "  "})
    assert empty.status_code == 400 and "Write a message first." in empty.text
    agent_page = client.get(f"/agents/{world['alpha_agent']}").text
    assert f'href="/agents/chats/{chat}"' in agent_page


def test_beta_sees_none_of_alphas_chats(api_server: Any, world: dict[str, Any]) -> None:
    alpha, beta = world["alpha"], world["beta"]
    chat = start_chat(alpha, world["alpha_agent"], "Hello")
    url = stream_url(alpha, chat)
    assert url
    events(alpha, url)
    for path in (f"/agents/{world['alpha_agent']}", f"/agents/chats/{chat}", url):
        answer = beta.get(path)
        assert answer.status_code == 404, (path, answer.text)
        assert "Hello from the fake model." not in answer.text
    csrf = csrf_in(beta.get("/agents").text)
    sent = beta.post(f"/agents/chats/{chat}/messages", data={"csrf": csrf, "text": "let me in"})
    assert sent.status_code == 404
    opened = beta.post(f"/agents/{world['alpha_agent']}/chats", data={"csrf": csrf, "text": "let me in"})
    assert opened.status_code == 404
    # A stream of alpha's message under beta's own chat is refused too.
    beta_chat = start_chat(beta, world["beta_agent"], "Hello")
    message = url.split("/messages/")[1].split("/")[0]
    assert beta.get(f"/agents/chats/{beta_chat}/messages/{message}/events").status_code == 404
    # Signed out, the stream is a redirect to sign in, never the parts.
    anonymous = httpx.Client(base_url=api_server.url, timeout=30)
    api_server.clients.append(anonymous)
    assert anonymous.get(url).status_code == 303


def test_sending_without_the_csrf_token_is_refused(world: dict[str, Any]) -> None:
    client = world["alpha"]
    for data in ({"text": "hi"}, {"text": "hi", "csrf": "forged"}):
        assert client.post(f"/agents/{world['alpha_agent']}/chats", data=data).status_code == 403
    chat = start_chat(client, world["alpha_agent"], "Hello")
    assert client.post(f"/agents/chats/{chat}/messages", data={"text": "hi"}).status_code == 403
    url = stream_url(client, chat)
    if url:
        events(client, url)
