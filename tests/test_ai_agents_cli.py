"""AI agents, releases, templates and language models through the real CLI (spec §2.1–2.4, §2.12)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from conftest import j, run_cli

AGENT_FIELDS = ["uuid", "workspaceUuid", "userUuid", "name", "icon", "description", "triggers", "deployedRelease",
                "folderUuid", "template", "isReadOnly", "createdAt", "updatedAt", "deletedAt"]
RELEASE_FIELDS = {"uuid", "agentUuid", "workspaceUuid", "userUuid", "version", "status", "description", "parentUuid",
                  "templateSlug", "systemPrompt", "languageModelSlug", "integrationSlug", "connectorUuid",
                  "temperature", "maxSteps", "withReasoning", "actions", "resources", "mcpClients", "capabilities",
                  "suggestedActions", "options", "output", "heartbeat", "evaluator", "deployedAt", "createdAt",
                  "updatedAt"}
TEMPLATE_FIELDS = {"slug", "name", "description", "kind", "scope", "isPreset", "icon", "languageModelSlug",
                   "integrationSlug", "temperature", "maxSteps", "withReasoning", "systemPrompt", "actions",
                   "resources", "capabilities", "suggestedActions", "output", "heartbeat", "categories", "author",
                   "createdAt", "updatedAt", "workspaceUuid", "evaluator", "deletedAt"}
MEMORY, WEB_SEARCH = {"slug": "memory", "config": {}}, {"slug": "webSearch", "config": {}}


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def fails(reason: str, *args: str, code: int = 1) -> dict[str, Any]:
    got, out = run_cli(*args)
    assert (got, out.get("reason") if isinstance(out, dict) else out) == (code, reason), out
    return out


def make_agent(name: str = "Researcher", *flags: str) -> dict[str, Any]:
    return ok("ai", "agent", "create", "--name", name, *flags)["agent"]


def draft(agent_uuid: str) -> dict[str, Any]:
    return ok("ai", "release", "get-draft", "--agent-uuid", agent_uuid)["release"]


def make_tool(name: str) -> str:
    return ok("orchestration", "tool", "create", "--name", name)["tool"]["uuid"]


def make_connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    return ok("connection", "connector", "create", "--integration-slug", integration, "--slug", slug, "--name", slug,
              "--config", j(config))["connector"]["uuid"]


def releases(agent_uuid: str) -> list[tuple[str, str]]:
    return [(r["version"], r["status"]) for r in ok("ai", "release", "list", "--agent-uuid", agent_uuid)["releases"]]


# --- lifecycle ----------------------------------------------------------------------------------

def test_agent_lifecycle_draft_update_deploy_versions_and_archive() -> None:
    agent = make_agent("Researcher", "--description", "Finds leads")
    assert list(agent) == AGENT_FIELDS
    assert agent["icon"] == {"color": "grey", "face": "🤖"} and agent["triggers"] == []
    assert agent["deployedRelease"] is None and agent["template"] is None and agent["isReadOnly"] is False
    first = draft(agent["uuid"])
    assert set(first) == RELEASE_FIELDS and first["agentUuid"] == agent["uuid"]
    assert (first["status"], first["version"], first["systemPrompt"]) == ("draft", "1", "")
    assert (first["languageModelSlug"], first["integrationSlug"]) == ("gpt-4o-mini", "openAi")
    assert (first["temperature"], first["maxSteps"], first["withReasoning"]) == (0.3, 10, False)
    assert first["actions"] == first["resources"] == first["mcpClients"] == first["capabilities"] == []
    assert first["output"] == {"type": "text"} and first["heartbeat"] is None and first["deployedAt"] is None
    assert draft(agent["uuid"])["uuid"] == first["uuid"]  # get-draft does not create a second one

    tool_uuid = make_tool("Enrich")
    actions = [{"kind": "tool", "slug": "enrich", "toolUuid": tool_uuid, "description": "Enrich a domain"},
               {"kind": "connector", "slug": "company_data", "integrationSlug": "clearbit",
                "actionSlug": "enrichCompany"}]
    schema = {"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}
    updated = ok("ai", "release", "update-draft", "--agent-uuid", agent["uuid"], "--system-prompt", "Be brief.",
                 "--temperature", "0.2", "--max-steps", "12", "--with-reasoning", "true", "--actions", j(actions),
                 "--capabilities", "memory,webSearch", "--output", j({"type": "jsonSchema", "jsonSchema": schema}),
                 "--heartbeat", j({"intervalMinutes": 60, "maxMessages": 5}),
                 "--suggested-actions", j([{"label": "Go", "prompt": "Research acme.com"}]))["release"]
    assert updated["uuid"] == first["uuid"] and updated["status"] == "draft"
    assert (updated["systemPrompt"], updated["temperature"], updated["maxSteps"]) == ("Be brief.", 0.2, 12)
    assert updated["withReasoning"] is True and updated["capabilities"] == [MEMORY, WEB_SEARCH]
    assert updated["suggestedActions"] == [{"text": "Research acme.com", "actions": []}]
    assert [a["slug"] for a in updated["actions"]] == ["enrich", "company_data"]
    assert updated["actions"][0]["isBulkAllowed"] is False and updated["actions"][0]["name"] == "enrich"
    assert updated["output"] == {"type": "jsonSchema", "jsonSchema": schema}
    assert updated["heartbeat"] == {"intervalMinutes": 60, "maxMessages": 5, "prompt": None}
    # Omitted flags keep their value; an array flag replaces the whole array.
    again = ok("ai", "release", "update-draft", "--agent-uuid", agent["uuid"], "--actions", j(actions[1:]),
               "--heartbeat", "null")["release"]
    assert again["systemPrompt"] == "Be brief." and again["temperature"] == 0.2
    assert [a["slug"] for a in again["actions"]] == ["company_data"] and again["heartbeat"] is None

    v1 = ok("ai", "release", "deploy-draft", "--agent-uuid", agent["uuid"], "--description", "first")["release"]
    assert (v1["uuid"], v1["status"], v1["version"], v1["description"]) == (first["uuid"], "deployed", "1", "first")
    assert v1["deployedAt"] is not None
    new_draft = draft(agent["uuid"])
    assert new_draft["uuid"] != v1["uuid"] and new_draft["parentUuid"] == v1["uuid"]
    assert (new_draft["status"], new_draft["systemPrompt"], new_draft["actions"]) == ("draft", "Be brief.",
                                                                                      v1["actions"])
    shown = ok("ai", "agent", "get", agent["uuid"])["agent"]["deployedRelease"]
    assert shown["uuid"] == v1["uuid"] and shown["version"] == "1"
    assert set(shown) == RELEASE_FIELDS - {"agentUuid", "status", "updatedAt", "workspaceUuid", "parentUuid"}

    v2 = ok("ai", "release", "deploy-draft", "--agent-uuid", agent["uuid"], "--temperature", "0.9")["release"]
    assert (v2["version"], v2["status"], v2["temperature"], v2["uuid"]) == ("2", "deployed", 0.9, new_draft["uuid"])
    assert releases(agent["uuid"]) == [("3", "draft"), ("2", "deployed"), ("1", "archived")]
    assert ok("ai", "release", "get", v1["uuid"])["release"]["status"] == "archived"
    listed = ok("ai", "agent", "list")["agents"]
    assert [(a["uuid"], a["deployedRelease"]["version"]) for a in listed] == [(agent["uuid"], "2")]
    # update-draft with --parent-uuid names one of the agent's releases.
    parented = ok("ai", "release", "update-draft", "--agent-uuid", agent["uuid"], "--parent-uuid", v1["uuid"])
    assert parented["release"]["parentUuid"] == v1["uuid"]


def test_agent_update_and_remove() -> None:
    agent = make_agent("Writer")
    folder = ok("workspaceManagement", "folder", "create", "--name", "Writers", "--emoji-slug", "pen",
                "--kind", "agent")["folder"]["uuid"]
    file_folder = ok("workspaceManagement", "folder", "create", "--name", "Docs", "--emoji-slug", "book",
                     "--kind", "file")["folder"]["uuid"]
    # An agent enters only an agent folder of its workspace (C §3.5).
    fails("folderNotFound", "ai", "agent", "update", "--uuid", agent["uuid"], "--folder-uuid", file_folder)
    fails("folderNotFound", "ai", "agent", "update", "--uuid", agent["uuid"], "--folder-uuid", str(uuid.uuid4()))
    out = ok("ai", "agent", "update", "--uuid", agent["uuid"], "--name", "Scribe", "--icon-color", "green",
             "--icon-face", "✍️", "--folder-uuid", folder)["agent"]
    assert (out["name"], out["icon"], out["folderUuid"]) == ("Scribe", {"color": "green", "face": "✍️"}, folder)
    assert out["description"] is None
    assert [a["uuid"] for a in ok("ai", "agent", "list", "--folder-uuid", folder)["agents"]] == [agent["uuid"]]
    out = ok("ai", "agent", "update", agent["uuid"], "--folder-uuid", "null", "--description", "d")["agent"]
    assert out["folderUuid"] is None and out["name"] == "Scribe" and out["description"] == "d"
    other = make_agent("Other")
    assert ok("ai", "agent", "remove", agent["uuid"]) == {"uuid": agent["uuid"], "removed": True}
    assert [a["uuid"] for a in ok("ai", "agent", "list")["agents"]] == [other["uuid"]]
    assert {r["agentUuid"] for r in ok("ai", "release", "list")["releases"]} == {other["uuid"]}
    for args in (("agent", "get", agent["uuid"]), ("agent", "remove", agent["uuid"]),
                 ("agent", "update", "--uuid", agent["uuid"], "--name", "x"),
                 ("release", "list", "--agent-uuid", agent["uuid"]),
                 ("release", "get-draft", "--agent-uuid", agent["uuid"]),
                 ("release", "deploy-draft", "--agent-uuid", agent["uuid"])):
        out = fails("agentNotFound", "ai", *args)
        assert "Agent not found" in out["errorMessage"]


def test_list_pagination() -> None:
    made = [make_agent(f"A{i}")["uuid"] for i in range(3)]
    assert [a["uuid"] for a in ok("ai", "agent", "list", "--limit", "2")["agents"]] == made[::-1][:2]
    assert [a["uuid"] for a in ok("ai", "agent", "list", "--limit", "2", "--offset", "2")["agents"]] == [made[0]]
    fails("invalidData", "ai", "agent", "list", "--limit", "0")
    fails("invalidData", "ai", "release", "list", "--limit", "1001")


# --- validation and errors ----------------------------------------------------------------------

@pytest.mark.parametrize(("flags", "reason"), [
    (("--temperature", "1.5"), "invalidData"),
    (("--temperature", "-0.1"), "invalidData"),
    (("--max-steps", "0"), "invalidData"),
    (("--max-steps", "51"), "invalidData"),
    (("--capabilities", j(["memory", "telepathy"])), "failedToReconciliateAgentAiTools"),
    (("--actions", j([{"kind": "tool", "slug": "t"}])), "failedToReconciliateAgentAiTools"),
    (("--actions", j([{"kind": "agent", "slug": "a"}])), "failedToReconciliateAgentAiTools"),
    (("--actions", j([{"kind": "connector", "slug": "c", "actionSlug": "x"}])), "failedToReconciliateAgentAiTools"),
    (("--actions", j([{"kind": "tool", "slug": "bad-slug", "toolUuid": str(uuid.uuid4())}])),
     "failedToReconciliateAgentAiTools"),
    (("--actions", j([{"kind": "tool", "slug": "t", "toolUuid": str(uuid.uuid4())},
                      {"kind": "tool", "slug": "t", "toolUuid": str(uuid.uuid4())}])),
     "failedToReconciliateAgentAiTools"),
    (("--actions", j([{"kind": "workflow", "slug": "w"}])), "failedToReconciliateAgentAiTools"),
    (("--resources", j([{"kind": "model", "slug": "m"}])), "failedToReconciliateAgentAiTools"),
    (("--mcp-clients", j([{"kind": "custom", "name": "x", "url": "ftp://x"}])), "failedToReconciliateAgentAiTools"),
    (("--output", j({"type": "xml"})), "invalidData"),
    (("--output", j({"type": "jsonSchema", "jsonSchema": {"type": 12}})), "invalidData"),
    (("--heartbeat", j({"intervalMinutes": 0, "maxMessages": 3})), "invalidData"),
    (("--suggested-actions", j([{"label": "x"}])), "invalidData"),
    (("--options", j({"somethingElse": {}})), "invalidData"),
    (("--integration-slug", "slack"), "invalidData"),
    (("--connector-uuid", "not-a-uuid"), "invalidData"),
])
def test_update_draft_rejects_bad_fields_and_keeps_the_draft(flags: tuple[str, ...], reason: str) -> None:
    agent = make_agent()
    before = draft(agent["uuid"])
    fails(reason, "ai", "release", "update-draft", "--agent-uuid", agent["uuid"], *flags)
    assert draft(agent["uuid"]) == before


def test_usage_errors_exit_2() -> None:
    agent = make_agent()
    draft = ("ai", "release", "update-draft", "--agent-uuid", agent["uuid"])
    fails("invalidPayload", *draft, "--with-reasoning", "maybe", code=2)
    fails("invalidPayload", *draft, "--actions", "[oops", code=2)
    fails("invalidPayload", *draft, "--temperature", "hot", code=2)
    fails("invalidPayload", "ai", "agent", "create", code=2)


def test_icon_validation() -> None:
    fails("invalidData", "ai", "agent", "create", "--name", "x", "--icon-color", "pink")
    fails("invalidData", "ai", "agent", "create", "--name", "x", "--icon-face", "robot")
    fails("invalidData", "ai", "agent", "create", "--name", " ")
    agent = make_agent("x", "--icon-color", "red", "--icon-face", "🦊")
    assert agent["icon"] == {"color": "red", "face": "🦊"}
    fails("invalidData", "ai", "agent", "update", "--uuid", agent["uuid"], "--icon-color", "black")
    assert ok("ai", "agent", "get", agent["uuid"])["agent"]["icon"]["color"] == "red"


def test_model_selection() -> None:
    agent = make_agent()
    a = agent["uuid"]
    out = ok("ai", "release", "update-draft", "--agent-uuid", a, "--language-model-slug",
             "claude-3-5-sonnet-latest")["release"]
    assert (out["languageModelSlug"], out["integrationSlug"]) == ("claude-3-5-sonnet-latest", "anthropic")
    # Switching provider alone picks the default model when the current one belongs to the other provider.
    out = ok("ai", "release", "update-draft", "--agent-uuid", a, "--integration-slug", "openai")["release"]
    assert (out["languageModelSlug"], out["integrationSlug"]) == ("gpt-4o-mini", "openAi")
    # Unknown (local) models pass through to the given provider.
    out = ok("ai", "release", "update-draft", "--agent-uuid", a, "--language-model-slug", "llama3.1")["release"]
    assert (out["languageModelSlug"], out["integrationSlug"]) == ("llama3.1", "openAi")
    out = ok("ai", "release", "update-draft", "--agent-uuid", a, "--language-model-slug", "claude-3-5-haiku-20241022")
    assert out["release"]["integrationSlug"] == "anthropic"


@pytest.mark.embedded_only
def test_default_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_DEFAULT_LANGUAGE_MODEL", "claude-opus-4-20250514")
    out = draft(make_agent()["uuid"])
    assert (out["languageModelSlug"], out["integrationSlug"]) == ("claude-opus-4-20250514", "anthropic")


def test_parent_must_be_a_release_of_the_agent() -> None:
    mine, other = make_agent("Mine"), make_agent("Other")
    for parent in (str(uuid.uuid4()), draft(other["uuid"])["uuid"], "nonsense"):
        fails("invalidParent", "ai", "release", "update-draft", "--agent-uuid", mine["uuid"], "--parent-uuid", parent)
        fails("invalidParent", "ai", "release", "deploy-draft", "--agent-uuid", mine["uuid"], "--parent-uuid", parent)
    assert releases(mine["uuid"]) == [("1", "draft")]


def test_deploy_checks_every_reference_and_changes_nothing_on_failure() -> None:
    agent = make_agent()
    a = agent["uuid"]
    before = draft(a)
    missing = str(uuid.uuid4())
    cases = [
        ("invalidConnector", ("--connector-uuid", missing)),
        ("invalidConnector", ("--options", j({"connectorUuidsByIntegrationSlug": {"clearbit": missing}}))),
        ("failedToReconciliateAgentAiTools", ("--actions", j([{"kind": "tool", "slug": "t", "toolUuid": missing}]))),
        ("failedToReconciliateAgentAiTools", ("--actions", j([{"kind": "tool", "slug": "t",
                                                               "templateSlug": "no-such-template"}]))),
        ("failedToReconciliateAgentAiTools", ("--actions", j([{"kind": "agent", "slug": "a", "agentUuid": missing}]))),
        ("failedToReconciliateAgentAiTools", ("--actions", j([{"kind": "connector", "slug": "c",
                                                               "integrationSlug": "clearbit",
                                                               "actionSlug": "noSuchAction"}]))),
        ("failedToReconciliateAgentAiTools", ("--actions", j([{"kind": "connector", "slug": "c",
                                                               "integrationSlug": "clearbit",
                                                               "actionSlug": "enrichCompany",
                                                               "connectorUuid": missing}]))),
        ("failedToReconciliateAgentAiTools", ("--resources", j([{"kind": "model", "slug": "m",
                                                                 "modelUuid": missing}]))),
        ("fileNotFound", ("--resources", j([{"kind": "file", "slug": "docs",
                                             "items": [{"kind": "file", "fileUuid": missing}]}]))),
    ]
    for reason, flags in cases:
        fails(reason, "ai", "release", "deploy-draft", "--agent-uuid", a, "--temperature", "0.9", *flags)
    assert draft(a) == before and releases(a) == [("1", "draft")]
    assert ok("ai", "agent", "get", a)["agent"]["deployedRelease"] is None

    # The same kinds of references, existing in this workspace, deploy.
    slack = make_connector("slack", "slack_main", {"botToken": "xoxb-1"})
    clearbit = make_connector("clearbit", "cb_main", {"apiKey": "k"})
    openai = make_connector("openAi", "oa_main", {"apiKey": "sk-1"})
    helper = make_agent("Helper")
    fails("invalidConnector", "ai", "release", "deploy-draft", "--agent-uuid", a, "--connector-uuid", slack)
    actions = [{"kind": "tool", "slug": "t", "toolUuid": make_tool("T")},
               {"kind": "tool", "slug": "from_template", "templateSlug": "company-enrichment"},
               {"kind": "agent", "slug": "helper", "agentUuid": helper["uuid"]},
               {"kind": "agent", "slug": "classifier", "templateSlug": "company-classifier"},
               {"kind": "connector", "slug": "c", "integrationSlug": "clearbit", "actionSlug": "enrichCompany",
                "connectorUuid": clearbit}]
    out = ok("ai", "release", "deploy-draft", "--agent-uuid", a, "--connector-uuid", openai, "--actions", j(actions),
             "--options", j({"connectorUuidsByIntegrationSlug": {"slack": slack}}))["release"]
    assert (out["version"], out["connectorUuid"], len(out["actions"])) == ("1", openai, 5)
    # A removed sub-agent makes the next deploy fail.
    ok("ai", "agent", "remove", helper["uuid"])
    fails("failedToReconciliateAgentAiTools", "ai", "release", "deploy-draft", "--agent-uuid", a)
    assert releases(a) == [("2", "draft"), ("1", "deployed")]


def test_draft_release_not_found_for_an_agent_without_draft() -> None:
    """An agent stored without a draft (e.g. by an older client): deploy says so; get-draft opens one."""
    from lading.services.wiring import open_session
    from lading.store.clock import utcnow
    from lading.store.repositories import ai as repo

    session = open_session()
    agent_uuid, now = str(uuid.uuid4()), utcnow()
    with session.db.write() as conn:
        repo.insert_agent(conn, session.workspace_uuid, {
            "uuid": agent_uuid, "name": "Bare", "description": None, "icon_color": "grey", "icon_face": "🤖",
            "folder_uuid": None, "template_slug": None, "deployed_release_uuid": None, "created_at": now,
            "updated_at": now})
    fails("draftReleaseNotFound", "ai", "release", "deploy-draft", "--agent-uuid", agent_uuid)
    assert draft(agent_uuid)["version"] == "1"
    assert ok("ai", "release", "deploy-draft", "--agent-uuid", agent_uuid)["release"]["version"] == "1"


def test_release_not_found() -> None:
    fails("releaseNotFound", "ai", "release", "get", str(uuid.uuid4()))


def test_mcp_credentials_are_sealed_and_never_printed() -> None:
    from lading.services.ai.releases import unseal_mcp_authentication
    from lading.services.wiring import open_session
    from lading.store.repositories import ai as repo

    agent = make_agent()
    client = {"kind": "custom", "name": "crm", "url": "https://mcp.example.test/mcp",
              "authentication": {"issuedAt": "2025-01-01T00:00:00Z", "accessToken": "secret-token-123"}}
    out = ok("ai", "release", "update-draft", "--agent-uuid", agent["uuid"], "--mcp-clients", j([client]))["release"]
    assert "secret-token-123" not in json.dumps(out)
    assert out["mcpClients"][0]["authentication"] == {"issuedAt": "2025-01-01T00:00:00Z", "accessToken": "********"}
    # Sending the printed (masked) client back keeps the stored credential.
    ok("ai", "release", "update-draft", "--agent-uuid", agent["uuid"], "--mcp-clients", j(out["mcpClients"]))
    session = open_session()
    with session.db.read() as conn:
        row = repo.get_release(conn, session.workspace_uuid, out["uuid"])
    assert "secret-token-123" not in json.dumps(row.config)
    stored = row.config["mcpClients"][0]
    assert unseal_mcp_authentication(session, agent["uuid"], stored)["accessToken"] == "secret-token-123"


# --- workspaces ---------------------------------------------------------------------------------

@pytest.mark.embedded_only
def test_workspace_isolation(monkeypatch: pytest.MonkeyPatch) -> None:
    mine = make_agent("Secret researcher", "--description", "knows the pipeline")
    my_release = draft(mine["uuid"])
    my_connector = make_connector("openAi", "oa", {"apiKey": "sk-mine"})
    monkeypatch.setenv("LADING_WORKSPACE_NAME", f"other-{uuid.uuid4().hex[:8]}")
    assert ok("ai", "agent", "list") == {"agents": []}
    assert ok("ai", "release", "list") == {"releases": []}
    for args in (("agent", "get", mine["uuid"]), ("agent", "remove", mine["uuid"]),
                 ("agent", "update", "--uuid", mine["uuid"], "--name", "stolen"),
                 ("release", "get-draft", "--agent-uuid", mine["uuid"]),
                 ("release", "update-draft", "--agent-uuid", mine["uuid"], "--system-prompt", "x"),
                 ("release", "deploy-draft", "--agent-uuid", mine["uuid"])):
        fails("agentNotFound", "ai", *args)
    fails("releaseNotFound", "ai", "release", "get", my_release["uuid"])
    theirs = make_agent("Theirs")
    fails("failedToReconciliateAgentAiTools", "ai", "release", "deploy-draft", "--agent-uuid", theirs["uuid"],
          "--actions", j([{"kind": "agent", "slug": "spy", "agentUuid": mine["uuid"]}]))
    fails("failedToReconciliateAgentAiTools", "ai", "release", "deploy-draft", "--agent-uuid", theirs["uuid"],
          "--actions", j([{"kind": "agent", "slug": "spy", "releaseUuid": my_release["uuid"]}]))
    fails("invalidConnector", "ai", "release", "deploy-draft", "--agent-uuid", theirs["uuid"],
          "--connector-uuid", my_connector)
    fails("invalidParent", "ai", "release", "update-draft", "--agent-uuid", theirs["uuid"],
          "--parent-uuid", my_release["uuid"])
    found = ok("orchestration", "action", "list", "--kind", "agent")["results"]
    assert [r["action"] for r in found] == [{"kind": "agent", "agentUuid": theirs["uuid"]}]


def test_action_list_finds_agents_by_name_and_description() -> None:
    researcher = make_agent("Lead researcher", "--description", "Finds decision makers")
    make_agent("Email writer", "--description", "Drafts outreach")
    hits = ok("orchestration", "action", "list", "--kind", "agent", "decision")["results"]
    assert [(h["name"], h["action"]) for h in hits] == [
        ("Lead researcher", {"kind": "agent", "agentUuid": researcher["uuid"]})]
    hits = ok("orchestration", "action", "list", "--kind", "agent", "researcher")["results"]
    assert [h["action"]["agentUuid"] for h in hits] == [researcher["uuid"]]
    assert len(ok("orchestration", "action", "list", "--kind", "agent")["results"]) == 2


# --- templates and models -----------------------------------------------------------------------

def test_shipped_templates_and_agent_from_template() -> None:
    templates = {t["slug"]: t for t in ok("ai", "template", "list")["templates"]}
    shipped = {"lead-researcher": ("gpt-4o", 0.3), "company-classifier": ("gpt-4.1-mini", 0.1),
               "email-drafter": ("gpt-4o", 0.7)}
    assert {s: (templates[s]["languageModelSlug"], templates[s]["temperature"]) for s in shipped} == shipped
    for template in templates.values():
        assert set(template) == TEMPLATE_FIELDS and template["kind"] == "agent" and template["isPreset"] is True
        assert len(template["systemPrompt"]) > 200 and template["integrationSlug"] == "openAi"
    got = ok("ai", "template", "get", "email-drafter")["template"]
    assert got == templates["email-drafter"]
    fails("templateNotFound", "ai", "template", "get", "nope")
    fails("templateNotFound", "ai", "agent", "create", "--name", "x", "--template-slug", "nope")
    assert ok("ai", "agent", "list") == {"agents": []}

    agent = make_agent("Researcher", "--template-slug", "lead-researcher")
    assert agent["template"] == {"slug": "lead-researcher", "isAvailable": True, "scope": "public"}
    assert agent["icon"] == templates["lead-researcher"]["icon"]
    release = draft(agent["uuid"])
    for key in ("systemPrompt", "languageModelSlug", "integrationSlug", "temperature", "maxSteps", "actions",
                "capabilities", "suggestedActions"):
        assert release[key] == templates["lead-researcher"][key], key
    # A template's actions name no workspace object: the copied draft deploys as is.
    assert ok("ai", "release", "deploy-draft", "--agent-uuid", agent["uuid"])["release"]["version"] == "1"


@pytest.mark.embedded_only
def test_user_templates_from_home(lading_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = lading_env / "templates"
    folder.mkdir(parents=True)
    (folder / "renewals.json").write_text(json.dumps({
        "slug": "renewal-watcher", "name": "Renewal watcher", "description": "Flags renewals at risk",
        "languageModelSlug": "claude-3-5-sonnet-latest", "temperature": 0.2, "systemPrompt": "Watch renewals.",
        "categories": ["expansion"], "capabilities": ["memory"]}))
    (folder / "broken.json").write_text("{not json")
    (folder / "too-hot.json").write_text(json.dumps({"slug": "too-hot", "name": "Hot", "temperature": 3}))
    (folder / "clash.json").write_text(json.dumps({"slug": "email-drafter", "name": "Mine"}))
    listed = ok("ai", "template", "list")["templates"]
    warnings = capsys.readouterr().err
    assert "broken.json" in warnings and "too-hot.json" in warnings and "clash.json" in warnings
    slugs = [t["slug"] for t in listed]
    assert "renewal-watcher" in slugs and "too-hot" not in slugs and slugs.count("email-drafter") == 1
    mine = ok("ai", "template", "get", "renewal-watcher")["template"]
    assert set(mine) == TEMPLATE_FIELDS
    assert (mine["scope"], mine["isPreset"], mine["integrationSlug"], mine["maxSteps"]) == ("private", False,
                                                                                         "anthropic", 10)
    assert mine["author"] == {"name": None, "title": None, "company": {"name": None, "url": None}}
    agent = make_agent("Watcher", "--template-slug", "renewal-watcher")
    release = draft(agent["uuid"])
    assert (release["systemPrompt"], release["temperature"], release["capabilities"]) == ("Watch renewals.", 0.2,
                                                                                         [MEMORY])


def test_language_model_catalog() -> None:
    from lading.integrations.anthropic import PRICING as ANTHROPIC
    from lading.integrations.open_ai import PRICING as OPEN_AI

    models = ok("ai", "language-model", "list")["languageModels"]
    assert {m["integrationSlug"] for m in models} == {"openAi", "anthropic"}
    assert {"gpt-4o", "gpt-4.1-mini", "gpt-4o-mini", "claude-3-5-sonnet-latest"} <= {m["slug"] for m in models}
    for model in models:
        # The HTTP client's LanguageModel (api.md §5) plus the CLI's provider and capability flags.
        assert set(model) == {"slug", "name", "description", "contextWindowTokensLimit", "outputTokensLimit",
                              "isReasoning", "integrationSlug", "supportsTools", "supportsJsonSchema", "credits"}
        pricing = OPEN_AI if model["integrationSlug"] == "openAi" else ANTHROPIC
        assert model["credits"] == {"cost": {"type": "package", "cost": pricing.rate(model["slug"]), "unit": "token",
                                             "unitsCount": 1000}}
    anthropic = ok("ai", "language-model", "list", "--integration-slug", "anthropic")["languageModels"]
    assert anthropic and {m["integrationSlug"] for m in anthropic} == {"anthropic"}
    assert anthropic == [m for m in models if m["integrationSlug"] == "anthropic"]
    assert ok("ai", "language-model", "list", "--integration-slug", "openai")["languageModels"] == [
        m for m in models if m["integrationSlug"] == "openAi"]
    assert ok("ai", "language-model", "list", "--integration-slug", "slack") == {"languageModels": []}
    fails("integrationNotFound", "ai", "language-model", "list", "--integration-slug", "nope")


# --- the seed commands and help -----------------------------------------------------------------

def test_seed_lines_agent_list_and_template_list() -> None:
    """`ai agent list  # all agents (uuid, name)`, `ai template list  # (slug, name, languageModelSlug)`."""
    made = make_agent("Pipeline helper")
    assert [(a["uuid"], a["name"]) for a in ok("ai", "agent", "list")["agents"]] == [(made["uuid"],
                                                                                      "Pipeline helper")]
    rows = [(t["slug"], t["name"], t["languageModelSlug"]) for t in ok("ai", "template", "list")["templates"]]
    assert ("lead-researcher", "Lead researcher", "gpt-4o") in rows and len(rows) >= 3


COMMANDS = [(), ("agent",), ("agent", "list"), ("agent", "get"), ("agent", "create"), ("agent", "update"),
            ("agent", "remove"), ("release",), ("release", "list"), ("release", "get"), ("release", "get-draft"),
            ("release", "update-draft"), ("release", "deploy-draft"), ("template",), ("template", "list"),
            ("template", "get"), ("language-model",), ("language-model", "list")]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command: tuple[str, ...]) -> None:
    code, out = run_cli("ai", *command, "--help")
    assert code == 0 and isinstance(out, str) and "Usage" in out


def test_every_spec_flag_is_accepted() -> None:
    _, text = run_cli("ai", "release", "deploy-draft", "--help")
    for flag in ("--agent-uuid", "--integration-slug", "--language-model-slug", "--actions", "--mcp-clients",
                 "--resources", "--capabilities", "--suggested-actions", "--description", "--system-prompt",
                 "--temperature", "--max-steps", "--with-reasoning", "--options", "--output", "--heartbeat",
                 "--parent-uuid"):
        assert flag in text, flag
