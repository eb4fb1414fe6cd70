"""`lading ai release …`: list, get, get-draft, update-draft, deploy-draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.ai._remote import present
from lading.cli.common import Flag, answer, help_settings, shared_flags
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.ai import releases
else:  # imported when a command answers locally: remote mode never loads the store
    releases = lazy_module("lading.services.ai.releases")

release_app = typer.Typer(help="Versioned configurations of an agent (draft, deployed, archived).",
                          no_args_is_help=True, context_settings=help_settings())


def _bool(flag: str, raw: str | None) -> bool | None:
    from lading.domain.errors import UsageError

    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise UsageError(f"error: option '{flag}' must be true or false (got '{raw}')")


_AGENT = typer.Option(..., "--agent-uuid", help="The agent.")
_PARENT = typer.Option(None, "--parent-uuid", help="A release of this agent the draft derives from.")

# The release fields `update-draft` and `deploy-draft` both take, in the order their help lists them.
_FIELDS: dict[str, Flag] = {
    "system_prompt": (str, typer.Option(None, "--system-prompt")),
    "language_model_slug": (str, typer.Option(None, "--language-model-slug",
                                              help="e.g. gpt-4o, gpt-4.1-mini, claude-3-5-sonnet-latest, "
                                                   "or any model your provider serves.")),
    "integration_slug": (str, typer.Option(None, "--integration-slug", help="Model provider: openAi or anthropic.")),
    "connector_uuid": (str, typer.Option(None, "--connector-uuid",
                                         help="Provider connector (`null` = resolve per run).")),
    "temperature": (float, typer.Option(None, "--temperature", help="0 (deterministic) to 1 (creative).")),
    "max_steps": (int, typer.Option(None, "--max-steps", help="1 to 50 model turns plus action calls per message.")),
    "with_reasoning": (str, typer.Option(None, "--with-reasoning", help="true or false.")),
    "actions": (str, typer.Option(None, "--actions", help='JSON array of actions: {"kind":"tool"|"connector"|"agent",'
                                                        '"slug","name","description","isBulkAllowed","config",…}.')),
    "resources": (str, typer.Option(None, "--resources",
                                    help='JSON array of {"kind":"file"|"model","slug",…} resources.')),
    "mcp_clients": (str, typer.Option(None, "--mcp-clients", help='JSON array of {"kind":"mcpServer","mcpServerUuid"} '
                                                                  '(a server of `ai mcp-server create --url`), '
                                                                  '{"kind":"custom","name","url",…} or '
                                                                  '{"kind":"connector","name","connectorUuid",…}: '
                                                                  'their tools are the agent\'s.')),
    "capabilities": (str, typer.Option(None, "--capabilities",
                                       help='JSON array of {"slug","config"} (or memory,webSearch).')),
    "suggested_actions": (str, typer.Option(None, "--suggested-actions",
                                            help='JSON array of {"text","actions":[{"slug"}]} or {"label","prompt"}.')),
    "options": (str, typer.Option(None, "--options", help='{"connectorUuidsByIntegrationSlug":{…},'
                                                         '"modelUuidsByIntegrationSlug":{…}}')),
    "output": (str, typer.Option(None, "--output",
                                 help='{"type":"text"} or {"type":"jsonSchema","jsonSchema":{…}}.')),
    "heartbeat": (str, typer.Option(None, "--heartbeat", help='{"intervalMinutes","maxMessages","prompt"} or null.')),
}


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
def list_releases(
    agent_uuid: str = typer.Option(None, "--agent-uuid", help="Only this agent's releases."),
    limit: int = typer.Option(100, "--limit", help="At most this many (max 1000)."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List releases, newest first."""
    emit(answer("GET", "/ai/releases/list", query=present(agentUuid=agent_uuid, limit=limit, offset=offset),
                local=lambda s: releases.list_releases(s, agent_uuid=agent_uuid, limit=limit, offset=offset)))


@release_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """One release."""
    emit(answer("GET", f"/ai/releases/{uuid}", local=lambda s: releases.get(s, uuid)))


@release_app.command("get-draft")
def get_draft(agent_uuid: str = _AGENT) -> None:
    """The agent's draft, created when missing (a copy of the deployed release, else empty)."""
    emit(answer("GET", "/ai/releases/draft", query={"agentUuid": agent_uuid},
                local=lambda s: releases.get_draft(s, agent_uuid)))


@release_app.command("update-draft")
@shared_flags("changes", _FIELDS, build=_changes)
def update_draft(agent_uuid: str = _AGENT, *, changes: dict[str, Any], parent_uuid: str = _PARENT) -> None:
    """Change the draft: omitted flags keep its value, array flags replace the whole array."""
    body = {"agentUuid": agent_uuid, **present(parentUuid=parent_uuid), **changes}
    emit(answer("PUT", "/ai/releases/draft/update", body=body,
                local=lambda s: releases.update_draft(s, agent_uuid, changes, parent_uuid=parent_uuid)))


@release_app.command("deploy-draft")
@shared_flags("changes", _FIELDS, build=_changes)
def deploy_draft(
    agent_uuid: str = _AGENT, description: str = typer.Option(None, "--description", help="Deploy note."), *,
    changes: dict[str, Any], parent_uuid: str = _PARENT,
    version: str = typer.Option(None, "--version", help="The deployed release's version (default: the next number)."),
) -> None:
    """Apply the flags to the draft, check everything it references, and deploy it as the next version."""
    body = {"agentUuid": agent_uuid, **present(description=description, parentUuid=parent_uuid, version=version),
            **changes}
    emit(answer("POST", "/ai/releases/draft/deploy", body=body,
                local=lambda s: releases.deploy_draft(s, agent_uuid, changes, description=description,
                                                      parent_uuid=parent_uuid, version=version)))
