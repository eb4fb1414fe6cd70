"""Running an agent turn for every surface: chat messages, `agent` nodes, native `agent` steps, agent
actions.

The service layer resolves *what* runs — the release (deployed, draft, pinned or a template), the
per-message overrides, the provider connector and its credentials — into an `AgentSpec`, and turns
the release's actions into model tools. Each tool call runs like `orchestration action execute`: a
recorded run of the ad-hoc graph `start → action → end` (its spans carry the action's credits), which
this process drives to its end in a helper thread while other workers may help. `ai.loop.run_turn`
does the talking.
"""

from __future__ import annotations

import asyncio
import re
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from lading.ai.turn import AgentSpec, AgentTool, ChatTurn, ToolResult
from lading.domain.errors import LadingError, NodeExecutionError
from lading.domain.nodes import TERMINAL_STATUSES
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

# Sub-agents calling sub-agents: the chain of agent uuids a run carries in its call stack.
MAX_AGENT_DEPTH = 8
_TOOL_SLUG = re.compile(r"[^a-zA-Z0-9_]")
# `isBulkAllowed` actions take many inputs in one call, each run as its own recorded run.
BULK_KEY = "items"
MAX_BULK_ITEMS = 50
_FIELD_TYPES = {"number": "number", "integer": "integer", "boolean": "boolean"}
_UNSUPPORTED_CAPABILITIES = {"webSearch": "web search"}


@dataclass(frozen=True)
class ResolvedAgent:
    """The release configuration a turn runs with, and where it came from."""

    config: dict[str, Any]
    agent_uuid: str | None
    release_uuid: str | None


def _fail(message: str) -> NodeExecutionError:
    return NodeExecutionError(message, retryable=False)


# --- which release ---------------------------------------------------------------------------------


def release_config(row: Any) -> dict[str, Any]:
    from lading.ai.releases import complete

    return complete(row.config)


def resolve_saved_agent(session: Session, fields: dict[str, Any]) -> ResolvedAgent:
    """`agentUuid` (its deployed release, or the pinned `releaseUuid`), `releaseUuid` alone, or
    `templateSlug` (the template's configuration, run as is)."""
    ws = session.workspace_uuid
    agent_uuid, release_uuid = fields.get("agentUuid"), fields.get("releaseUuid")
    template_slug = fields.get("templateSlug")
    with session.db.read() as conn:
        if isinstance(release_uuid, str) and release_uuid:
            release = repo.get_release(conn, ws, release_uuid)
            if release is None or (agent_uuid and release.agent_uuid != agent_uuid):
                raise _fail(f"releaseNotFound: release {release_uuid} is not one of the agent's releases")
            if repo.get_agent(conn, ws, release.agent_uuid) is None:
                raise _fail("agentNotFound: Agent not found")
            return ResolvedAgent(release_config(release), release.agent_uuid, release.uuid)
        if isinstance(agent_uuid, str) and agent_uuid:
            agent = repo.get_agent(conn, ws, agent_uuid)
            if agent is None:
                raise _fail(f"agentNotFound: Agent not found ({agent_uuid})")
            release = repo.release_with_status(conn, ws, agent_uuid, "deployed")
            if release is None:
                raise _fail(f"deployedReleaseNotFound: agent '{agent.name}' has never been deployed")
            return ResolvedAgent(release_config(release), agent_uuid, release.uuid)
    if isinstance(template_slug, str) and template_slug:
        from lading.ai.releases import complete
        from lading.ai.templates import get_template, release_config_of

        template = get_template(session.settings.home, template_slug)
        if template is None:
            raise _fail(f"templateNotFound: no AI template '{template_slug}'")
        return ResolvedAgent(complete(release_config_of(template)), None, None)
    raise _fail("an agent step needs agentUuid, releaseUuid or templateSlug")


def native_agent_config(config: dict[str, Any]) -> dict[str, Any]:
    """A native `agent` step's inline settings in release shape (`tools` is an alias of `actions`)."""
    from lading.ai.releases import default_release_config

    settings = config.get("advancedSettings")
    settings = settings if isinstance(settings, dict) else {}
    if not settings.get("connectorUuid"):
        raise _fail("advancedSettings.connectorUuid is required (a language-model connector)")
    out = default_release_config()
    for key in ("connectorUuid", "languageModelSlug", "temperature", "maxSteps", "systemPrompt"):
        if settings.get(key) is not None:
            out[key] = settings[key]
    for key in ("actions", "resources", "capabilities"):
        value = config.get(key, config.get("tools") if key == "actions" else None)
        if value is not None:
            out[key] = value
    if config.get("output") is not None:
        out["output"] = config["output"]
    return out


# --- the model call --------------------------------------------------------------------------------


def _check_number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise _fail(f"{name} must be a number between {low:g} and {high:g}")
    return float(value)


def build_spec(session: Session, config: dict[str, Any], overrides: dict[str, Any] | None = None) -> AgentSpec:
    """The release configuration (plus one message's overrides) with its provider connector resolved:
    the release's `connectorUuid`, else `options.connectorUuidsByIntegrationSlug`, else the workspace's
    newest connector of the provider (or a platform-credits one)."""
    from lading.ai.catalog import resolve_model
    from lading.ai.releases import capability_slugs
    from lading.integrations import get_integration
    from lading.services.ai._resources import merge_resources, with_resource_prompts
    from lading.services.connection import connectors as connections
    from lading.services.orchestration.actions import pick_connector
    from lading.store.repositories import connectors as connector_repo

    merged = {**config, **{k: v for k, v in (overrides or {}).items() if v is not None and k not in
                           ("actions", "resources")}}
    for key, label in _UNSUPPORTED_CAPABILITIES.items():
        if key in capability_slugs(merged.get("capabilities")):
            raise _fail(f"the '{key}' capability ({label}) is not available in this installation yet")
    resources = merge_resources(config.get("resources"), (overrides or {}).get("resources"))
    if any(isinstance(c, dict) and c.get("kind") == "connector" for c in merged.get("mcpClients") or []):
        raise _fail("connector MCP clients in agent releases are not available in this installation yet "
                    "(register the server with `ai mcp-server create --url` and use kind mcpServer)")
    model, integration_slug = resolve_model(merged.get("languageModelSlug"), merged.get("integrationSlug"))
    integration = get_integration(integration_slug)
    if integration is None:
        raise _fail(f"integrationNotFound: unknown language-model integration '{integration_slug}'")
    by_integration = (merged.get("options") or {}).get("connectorUuidsByIntegrationSlug") or {}
    wanted = merged.get("connectorUuid") or by_integration.get(integration.slug)
    try:
        connector_uuid = pick_connector(session, integration, wanted)
        credentials: dict[str, Any] = {}
        if connector_uuid:
            with session.db.read() as conn:
                row = connector_repo.get_connector(conn, session.workspace_uuid, connector_uuid)
                credentials = connections.credentials_for(session, conn, row, integration)
    except LadingError as exc:
        raise _fail(exc.to_document()["errorMessage"]) from exc
    output = merged.get("output")
    return AgentSpec(
        integration_slug=integration.slug, language_model_slug=model,
        system_prompt=with_resource_prompts(str(merged.get("systemPrompt") or ""), resources),
        temperature=_check_number(merged.get("temperature", 0.3), "temperature", 0, 1),
        max_steps=int(_check_number(merged.get("maxSteps", 10), "maxSteps", 1, 50)),
        with_reasoning=bool(merged.get("withReasoning")),
        output=output if isinstance(output, dict) else {"type": "text"},
        credentials=credentials, connector_uuid=connector_uuid)


# --- actions as tools ------------------------------------------------------------------------------


def _merge_actions(release_actions: Any, extra: Any) -> list[dict[str, Any]]:
    """The release's actions plus a message's (same slug: the message's wins)."""
    merged: dict[str, dict[str, Any]] = {}
    for action in [*(release_actions or []), *(extra or [])]:
        if isinstance(action, dict):
            merged[_tool_slug(action)] = action
    return list(merged.values())


def _tool_slug(action: dict[str, Any]) -> str:
    raw = action.get("slug") or action.get("actionSlug") or action.get("name") or action.get("kind") or "action"
    return _TOOL_SLUG.sub("_", str(raw))[:64] or "action"


def _input_schema(session: Session, action: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The action's input schema minus the keys fixed in its `config`, and its catalog description."""
    from lading.services.orchestration import actions as action_service

    try:
        target = action_service.resolve(session, {k: v for k, v in action.items() if k != "config"})
    except LadingError as exc:
        raise _fail(f"failedToReconciliateAgentAiTools: {exc.to_document()['errorMessage']}") from exc
    fixed = action.get("config")
    fixed = fixed if isinstance(fixed, dict) else {}
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    description = ""
    if target.action is not None:
        schema = dict(target.action.config_schema)
        description = target.action.description or target.action.name
    elif target.form_fields:
        fields = [f for f in target.form_fields if isinstance(f, dict) and f.get("slug")]
        schema = {"type": "object", "properties": {
            f["slug"]: {"type": _FIELD_TYPES.get(str(f.get("type")), "string"),
                        "description": f.get("label") or f["slug"]} for f in fields},
            "required": [f["slug"] for f in fields if f.get("required")]}
    elif target.kind == "agent":
        schema = {"type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]}
    properties = {k: v for k, v in (schema.get("properties") or {}).items() if k not in fixed}
    required = [k for k in schema.get("required") or [] if k not in fixed]
    out = {**schema, "properties": properties}
    out.pop("required", None)
    if required:
        out["required"] = required
    return out, description


def build_tools(session: Session, actions: list[dict[str, Any]], call_stack: list[str],
                parent_agent: str | None = None, root_run_uuid: str | None = None) -> list[AgentTool]:
    """The actions as model tools; each call is a run recording `parent_agent` (the calling agent),
    in the calling run's tree (`root_run_uuid`)."""
    tools: list[AgentTool] = []
    for action in actions:
        if action.get("kind") == "agent" and action.get("agentUuid") in call_stack:
            raise _fail(f"recursion detected: agent {action.get('agentUuid')} calls itself")
        schema, catalog_description = _input_schema(session, action)
        description = str(action.get("description") or catalog_description or action.get("name") or "")
        if action.get("isBulkAllowed"):
            schema = _bulk_schema(schema)
            description += f" For several inputs at once, pass them as `{BULK_KEY}` (at most {MAX_BULK_ITEMS})."
        tools.append(AgentTool(slug=_tool_slug(action), description=description, input_schema=schema,
                               call=_action_caller(session, action, call_stack, parent_agent, root_run_uuid)))
    return tools


def _bulk_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`isBulkAllowed`: one input as before, or many under `items` (then `required` moves into them)."""
    single = {k: v for k, v in schema.items() if k != "required"}
    item = dict(schema)
    single["properties"] = {**(schema.get("properties") or {}),
                            BULK_KEY: {"type": "array", "items": item, "maxItems": MAX_BULK_ITEMS,
                                       "description": "Several inputs, each run on its own."}}
    return single


def _action_caller(session: Session, action: dict[str, Any], call_stack: list[str], parent_agent: str | None,
                   root_run_uuid: str | None) -> Any:
    fixed = action.get("config")
    fixed = fixed if isinstance(fixed, dict) else {}

    async def one(arguments: Any) -> ToolResult:
        data = {**(arguments if isinstance(arguments, dict) else {"input": arguments}), **fixed}
        run_uuid = await asyncio.to_thread(_start_action_run, session, action, data, call_stack, parent_agent,
                                           root_run_uuid)
        status, output, error = await _finished(session, run_uuid)
        if status != "success":
            return ToolResult({"error": error or f"the action's run ended {status}"}, is_error=True, run_uuid=run_uuid)
        return ToolResult(output, run_uuid=run_uuid)

    async def call(arguments: Any) -> ToolResult:
        items = arguments.get(BULK_KEY) if isinstance(arguments, dict) and action.get("isBulkAllowed") else None
        if not isinstance(items, list):
            return await one(arguments)
        if not items or len(items) > MAX_BULK_ITEMS:
            return ToolResult({"error": f"`{BULK_KEY}` must hold 1 to {MAX_BULK_ITEMS} inputs"}, is_error=True)
        results = await asyncio.gather(*(one(item) for item in items))
        return ToolResult([{"output": r.output, "isError": r.is_error, "runUuid": r.run_uuid} for r in results],
                          is_error=all(r.is_error for r in results))
    return call


def _start_action_run(session: Session, action: dict[str, Any], data: dict[str, Any], call_stack: list[str],
                      parent_agent: str | None, root_run_uuid: str | None) -> str:
    from lading.services.orchestration import actions as action_service
    from lading.services.orchestration.runs import insert_graph_run

    bare = {k: v for k, v in action.items() if k not in ("config", "slug", "name", "description", "isBulkAllowed")}
    nodes = action_service.build_graph(session, bare, [data])
    run_uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        insert_graph_run(session, conn, nodes=nodes, data=data, run_uuid=run_uuid, now=utcnow(),
                         call_stack=call_stack, parent_agent_uuid=parent_agent, root_run_uuid=root_run_uuid)
    return run_uuid


_POLL_FIRST_S, _POLL_MAX_S = 0.01, 0.25


async def _finished(session: Session, run_uuid: str) -> tuple[str, Any, str | None]:
    """Wait for an action's run without blocking the worker that drives the calling step.

    Why no nested worker: the action's run is in the caller's run tree, so the worker already driving
    that tree (a `lading worker`, or a command waiting inline) claims and runs it; this step only
    watches its status, the way a tool node's parent waits for its child run."""
    from lading.store.repositories import runs as run_repo

    def read() -> Any:
        with session.db.read() as conn:
            return run_repo.get_run(conn, session.workspace_uuid, run_uuid)

    pause = _POLL_FIRST_S
    while True:
        row = await asyncio.to_thread(read)
        if row is not None and row.status in TERMINAL_STATUSES:
            return str(row.status), row.output, row.error_message
        await asyncio.sleep(pause)
        pause = min(pause * 2, _POLL_MAX_S)


# --- MCP clients as tools ---------------------------------------------------------------------------


def _with_mcp_clients(session: Session, resolved: ResolvedAgent, overrides: dict[str, Any] | None,
                      spec: AgentSpec, tools: list[AgentTool]) -> tuple[AgentSpec, list[AgentTool]]:
    """The tools of the release's `mcpClients` (a message's replace them) after the turn's own; a
    client whose server is unreachable now is named in the system prompt instead of failing the turn."""
    from dataclasses import replace

    from lading.services.ai.mcp_clients import client_tools

    given = (overrides or {}).get("mcpClients")
    clients = [c for c in (given if given is not None else resolved.config.get("mcpClients")) or []
               if isinstance(c, dict)]
    if not clients:
        return spec, tools
    try:
        extra, unavailable = client_tools(session, clients, resolved.agent_uuid, {t.slug for t in tools})
    except LadingError as exc:
        raise _fail(f"failedToReconciliateAgentAiTools: {exc.to_document()['errorMessage']}") from exc
    if unavailable:
        spec = replace(spec, system_prompt="\n\n".join([p for p in (spec.system_prompt, *unavailable) if p]))
    return spec, tools + extra


# --- one turn ---------------------------------------------------------------------------------------


async def run_turn(session: Session, resolved: ResolvedAgent, history: list[ChatTurn], *,
                   overrides: dict[str, Any] | None = None, call_stack: list[str] | None = None,
                   on_parts: Any = None, root_run_uuid: str | None = None) -> Any:
    """Resolve the spec and the tools (in a thread: they read the store), then talk to the model.
    `root_run_uuid`: the tree of the run whose step this turn is (the actions the model calls join it)."""
    from lading.ai.loop import run_turn as talk
    from lading.services.ai._resources import merge_resources, resource_tools

    stack = list(call_stack or [])
    if resolved.agent_uuid:
        if stack.count(resolved.agent_uuid) or len(stack) >= MAX_AGENT_DEPTH:
            raise _fail(f"recursion detected: agents nested deeper than {MAX_AGENT_DEPTH} levels or calling "
                        "themselves")
        stack.append(resolved.agent_uuid)

    def prepare() -> tuple[AgentSpec, list[AgentTool]]:
        spec = build_spec(session, resolved.config, overrides)
        actions = _merge_actions(resolved.config.get("actions"), (overrides or {}).get("actions"))
        tools = build_tools(session, actions, stack, resolved.agent_uuid, root_run_uuid)
        from lading.ai.releases import capability_slugs

        if "memory" in capability_slugs(resolved.config.get("capabilities")):
            from lading.services.ai.memories import with_memory

            spec, tools = with_memory(session, resolved.agent_uuid, spec, tools)
        resources = merge_resources(resolved.config.get("resources"), (overrides or {}).get("resources"))
        tools = tools + resource_tools(session, resources)
        return _with_mcp_clients(session, resolved, overrides, spec, tools)

    spec, tools = await asyncio.to_thread(prepare)
    return await talk(spec, history, tools, on_parts)
