"""`lading ai …`: agents, their releases, chats and messages, AI templates and the language-model catalog."""

from __future__ import annotations

from typing import Any

import typer

from lading.cli.ai.chats import chat_app, message_app
from lading.cli.ai.mcp_servers import mcp_server_app
from lading.cli.ai.memories import memory_app
from lading.cli.common import help_settings, session
from lading.cli.content.files import file_app
from lading.cli.output import emit, parse_json_flag, split_list
from lading.settings import load_settings

ai_app = typer.Typer(help="AI agents, releases, templates and language models.", no_args_is_help=True,
                     context_settings=help_settings())
agent_app = typer.Typer(help="AI agents of the workspace.", no_args_is_help=True, context_settings=help_settings())
release_app = typer.Typer(help="Versioned configurations of an agent (draft, deployed, archived).",
                          no_args_is_help=True, context_settings=help_settings())
template_app = typer.Typer(help="Read-only agent configurations to start from.", no_args_is_help=True,
                           context_settings=help_settings())
model_app = typer.Typer(help="Language models agents can use.", no_args_is_help=True,
                        context_settings=help_settings())
ai_app.add_typer(agent_app, name="agent")
ai_app.add_typer(release_app, name="release")
ai_app.add_typer(template_app, name="template")
ai_app.add_typer(model_app, name="language-model")
ai_app.add_typer(chat_app, name="chat")
ai_app.add_typer(message_app, name="message")
ai_app.add_typer(memory_app, name="memory")
ai_app.add_typer(mcp_server_app, name="mcp-server")
ai_app.add_typer(file_app, name="file", help="Alias of `lading content file …`.")

COLORS_HELP = "grey, green, purple, yellow, blue or red (default grey)."


def _bool(flag: str, raw: str | None) -> bool | None:
    from lading.domain.errors import UsageError

    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise UsageError(f"error: option '{flag}' must be true or false (got '{raw}')")


# --- agents -------------------------------------------------------------------------------------

@agent_app.command("list")
def agent_list(
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="Only agents in this folder."),
    limit: int = typer.Option(100, "--limit", help="At most this many (max 1000)."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List agents, newest first."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.list_agents(session(), folder_uuid=folder_uuid, limit=limit, offset=offset))


@agent_app.command("get")
def agent_get(uuid: str = typer.Argument(...)) -> None:
    """One agent, with its deployed release."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.get_agent(session(), uuid))


@agent_app.command("create")
def agent_create(
    name: str = typer.Option(..., "--name"),
    icon_color: str = typer.Option(None, "--icon-color", help=COLORS_HELP),
    icon_face: str = typer.Option(None, "--icon-face", help="An emoji (default 🤖)."),
    description: str = typer.Option(None, "--description"),
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    template_slug: str = typer.Option(None, "--template-slug",
                                      help="Start the draft from this AI template (`ai template list`)."),
) -> None:
    """Create an agent and its first draft release (empty, or copied from --template-slug)."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.create_agent(session(), name=name, icon_color=icon_color, icon_face=icon_face,
                                description=description, folder_uuid=folder_uuid, template_slug=template_slug))


@agent_app.command("update")
def agent_update(
    uuid_arg: str = typer.Argument(None, metavar="[UUID]"),
    uuid: str = typer.Option(None, "--uuid", help="The agent (required; may be given positionally)."),
    name: str = typer.Option(None, "--name"),
    description: str = typer.Option(None, "--description"),
    icon_color: str = typer.Option(None, "--icon-color", help=COLORS_HELP),
    icon_face: str = typer.Option(None, "--icon-face", help="An emoji."),
    folder_uuid: str = typer.Option(None, "--folder-uuid", help="`null` moves the agent to the root."),
) -> None:
    """Change an agent's name, description, icon or folder (omitted flags keep their value)."""
    from lading.domain.errors import UsageError
    from lading.services.ai import agents as ai_agents

    target = uuid or uuid_arg
    if not target:
        raise UsageError("error: required option '--uuid <uuid>' not specified")
    changes: dict[str, Any] = {}
    for key, value in (("name", name), ("description", description), ("icon_color", icon_color),
                       ("icon_face", icon_face)):
        if value is not None:
            changes[key] = value
    if folder_uuid is not None:
        changes["folder_uuid"] = None if folder_uuid == "null" else folder_uuid
    emit(ai_agents.update_agent(session(), target, **changes))


@agent_app.command("remove")
def agent_remove(uuid: str = typer.Argument(...)) -> None:
    """Remove an agent (its chats stay readable; new messages fail with agentNotFound)."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.remove_agent(session(), uuid))


# --- releases -----------------------------------------------------------------------------------

_AGENT = typer.Option(..., "--agent-uuid", help="The agent.")
_SYSTEM_PROMPT = typer.Option(None, "--system-prompt")
_MODEL = typer.Option(None, "--language-model-slug", help="e.g. gpt-4o, gpt-4.1-mini, claude-3-5-sonnet-latest, "
                                                          "or any model your provider serves.")
_INTEGRATION = typer.Option(None, "--integration-slug", help="Model provider: openAi or anthropic.")
_CONNECTOR = typer.Option(None, "--connector-uuid", help="Provider connector (`null` = resolve per run).")
_TEMPERATURE = typer.Option(None, "--temperature", help="0 (deterministic) to 1 (creative).")
_MAX_STEPS = typer.Option(None, "--max-steps", help="1 to 50 model turns plus action calls per message.")
_REASONING = typer.Option(None, "--with-reasoning", help="true or false.")
_ACTIONS = typer.Option(None, "--actions", help='JSON array of actions: {"kind":"tool"|"connector"|"agent",'
                                                 '"slug","name","description","isBulkAllowed","config",…}.')
_RESOURCES = typer.Option(None, "--resources", help='JSON array of {"kind":"file"|"model","slug",…} resources.')
_MCP = typer.Option(None, "--mcp-clients", help='JSON array of {"kind":"custom","name","url",…} or '
                                                '{"kind":"connector","name","connectorUuid",…}.')
_CAPABILITIES = typer.Option(None, "--capabilities", help='JSON array (or a,b) of memory, webSearch.')
_SUGGESTED = typer.Option(None, "--suggested-actions", help='JSON array of {"label","prompt"}.')
_OPTIONS = typer.Option(None, "--options", help='{"connectorUuidsByIntegrationSlug":{…},'
                                                '"modelUuidsByIntegrationSlug":{…}}')
_OUTPUT = typer.Option(None, "--output", help='{"type":"text"} or {"type":"jsonSchema","jsonSchema":{…}}.')
_HEARTBEAT = typer.Option(None, "--heartbeat", help='{"intervalMinutes","maxMessages","prompt"} or null.')
_PARENT = typer.Option(None, "--parent-uuid", help="A release of this agent the draft derives from.")


def _changes(system_prompt: str | None, language_model_slug: str | None, integration_slug: str | None,
             connector_uuid: str | None, temperature: float | None, max_steps: int | None,
             with_reasoning: str | None, actions: str | None, resources: str | None, mcp_clients: str | None,
             capabilities: str | None, suggested_actions: str | None, options: str | None, output: str | None,
             heartbeat: str | None) -> dict[str, Any]:
    """The release fields given on the command line (omitted flags are absent, not null)."""
    changes: dict[str, Any] = {}
    plain = {"systemPrompt": system_prompt, "languageModelSlug": language_model_slug,
             "integrationSlug": integration_slug, "temperature": temperature, "maxSteps": max_steps,
             "withReasoning": _bool("--with-reasoning", with_reasoning)}
    changes.update({k: v for k, v in plain.items() if v is not None})
    if connector_uuid is not None:
        changes["connectorUuid"] = None if connector_uuid == "null" else connector_uuid
    if capabilities is not None:
        stripped = capabilities.strip()
        changes["capabilities"] = (parse_json_flag("--capabilities", capabilities) if stripped.startswith("[")
                                   else split_list(capabilities))
    for key, flag, raw in (("actions", "--actions", actions), ("resources", "--resources", resources),
                           ("mcpClients", "--mcp-clients", mcp_clients),
                           ("suggestedActions", "--suggested-actions", suggested_actions),
                           ("options", "--options", options), ("output", "--output", output),
                           ("heartbeat", "--heartbeat", heartbeat)):
        if raw is not None:
            changes[key] = parse_json_flag(flag, raw)
    return changes


@release_app.command("list")
def release_list(
    agent_uuid: str = typer.Option(None, "--agent-uuid", help="Only this agent's releases."),
    limit: int = typer.Option(100, "--limit", help="At most this many (max 1000)."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List releases, newest first."""
    from lading.services.ai import releases as ai_releases

    emit(ai_releases.list_releases(session(), agent_uuid=agent_uuid, limit=limit, offset=offset))


@release_app.command("get")
def release_get(uuid: str = typer.Argument(...)) -> None:
    """One release."""
    from lading.services.ai import releases as ai_releases

    emit(ai_releases.get_release(session(), uuid))


@release_app.command("get-draft")
def release_get_draft(agent_uuid: str = _AGENT) -> None:
    """The agent's draft, created when missing (a copy of the deployed release, else empty)."""
    from lading.services.ai import releases as ai_releases

    emit(ai_releases.get_draft(session(), agent_uuid))


@release_app.command("update-draft")
def release_update_draft(
    agent_uuid: str = _AGENT, system_prompt: str = _SYSTEM_PROMPT, language_model_slug: str = _MODEL,
    integration_slug: str = _INTEGRATION, connector_uuid: str = _CONNECTOR, temperature: float = _TEMPERATURE,
    max_steps: int = _MAX_STEPS, with_reasoning: str = _REASONING, actions: str = _ACTIONS,
    resources: str = _RESOURCES, mcp_clients: str = _MCP, capabilities: str = _CAPABILITIES,
    suggested_actions: str = _SUGGESTED, options: str = _OPTIONS, output: str = _OUTPUT,
    heartbeat: str = _HEARTBEAT, parent_uuid: str = _PARENT,
) -> None:
    """Change the draft: omitted flags keep its value, array flags replace the whole array."""
    from lading.services.ai import releases as ai_releases

    changes = _changes(system_prompt, language_model_slug, integration_slug, connector_uuid, temperature,
                       max_steps, with_reasoning, actions, resources, mcp_clients, capabilities,
                       suggested_actions, options, output, heartbeat)
    emit(ai_releases.update_draft(session(), agent_uuid, changes, parent_uuid=parent_uuid))


@release_app.command("deploy-draft")
def release_deploy_draft(
    agent_uuid: str = _AGENT, description: str = typer.Option(None, "--description", help="Deploy note."),
    system_prompt: str = _SYSTEM_PROMPT, language_model_slug: str = _MODEL,
    integration_slug: str = _INTEGRATION, connector_uuid: str = _CONNECTOR, temperature: float = _TEMPERATURE,
    max_steps: int = _MAX_STEPS, with_reasoning: str = _REASONING, actions: str = _ACTIONS,
    resources: str = _RESOURCES, mcp_clients: str = _MCP, capabilities: str = _CAPABILITIES,
    suggested_actions: str = _SUGGESTED, options: str = _OPTIONS, output: str = _OUTPUT,
    heartbeat: str = _HEARTBEAT, parent_uuid: str = _PARENT,
) -> None:
    """Apply the flags to the draft, check everything it references, and deploy it as the next version."""
    from lading.services.ai import releases as ai_releases

    changes = _changes(system_prompt, language_model_slug, integration_slug, connector_uuid, temperature,
                       max_steps, with_reasoning, actions, resources, mcp_clients, capabilities,
                       suggested_actions, options, output, heartbeat)
    emit(ai_releases.deploy_draft(session(), agent_uuid, changes, description=description,
                                  parent_uuid=parent_uuid))


# --- templates and models -----------------------------------------------------------------------

@template_app.command("list")
def template_list() -> None:
    """Every AI template (shipped ones and $LADING_HOME/templates/*.json), complete."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.list_templates(load_settings().home))


@template_app.command("get")
def template_get(slug: str = typer.Argument(...)) -> None:
    """One AI template."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.get_template(load_settings().home, slug))


@model_app.command("list")
def model_list(
    integration_slug: str = typer.Option(None, "--integration-slug", help="Only this provider's models."),
) -> None:
    """The language-model catalog with credit prices (other model slugs pass through to the provider)."""
    from lading.services.ai import agents as ai_agents

    emit(ai_agents.list_language_models(integration_slug))
