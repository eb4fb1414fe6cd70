"""An agent release's configuration: the empty draft, and the checks every field passes (spec §2.2, §2.9).

A release stores its whole configuration as one JSON document (`config`). This module is the one
place that knows its shape: what an empty draft holds, how a change to one field is checked and
normalised (so a stored draft is always well-formed, whatever edited it), and which workspace objects
a configuration points at (checked against the store by the service when the draft is deployed).
It touches no storage: drafts are edited in any order, references are checked once, at deploy.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lading.ai.catalog import PROVIDERS, default_model, find_model, resolve_model
from lading.domain.errors import ValidationError, shown
from lading.domain.nodes import UUID_RE
from lading.integrations import canonical_slug

TOOLS_ERROR = "failedToReconciliateAgentAiTools"
INVALID = "invalidData"
CAPABILITIES = ("memory", "webSearch")
ACTION_KINDS = ("tool", "connector", "agent")
RESOURCE_KINDS = ("file", "model")
MAX_STEPS = 50
_SLUG = re.compile(r"^[a-zA-Z0-9_]+$")
# Per kind, the fields of which one identifies the action's target (spec §2.9).
_IDENTIFIERS = {"tool": ("toolUuid", "templateSlug", "releaseUuid"),
                "agent": ("agentUuid", "templateSlug", "releaseUuid"),
                "connector": ("integrationSlug",)}
_ITEM_KEYS = {"file": "fileUuid", "folder": "folderUuid", "library": "libraryUuid"}
OPTION_KEYS = ("connectorUuidsByIntegrationSlug", "modelUuidsByIntegrationSlug")
CONFIG_KEYS = ("systemPrompt", "languageModelSlug", "integrationSlug", "connectorUuid", "temperature", "maxSteps",
               "withReasoning", "actions", "resources", "mcpClients", "capabilities", "suggestedActions",
               "options", "output", "heartbeat")


def default_release_config() -> dict[str, Any]:
    """The empty draft: no prompt, the default model, temperature 0.3, 10 steps, nothing attached."""
    slug, integration = default_model()
    return {"systemPrompt": "", "languageModelSlug": slug, "integrationSlug": integration, "connectorUuid": None,
            "temperature": 0.3, "maxSteps": 10, "withReasoning": False, "actions": [], "resources": [],
            "mcpClients": [], "capabilities": [], "suggestedActions": [], "options": {}, "output": {"type": "text"},
            "heartbeat": None}


def complete(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored config with every field present (older rows or hand-made ones may lack some)."""
    out = default_release_config()
    out.update({k: copy.deepcopy(v) for k, v in (config or {}).items() if k in CONFIG_KEYS})
    out["capabilities"] = _stored_capabilities(out["capabilities"])
    out["suggestedActions"] = _stored_suggested_actions(out["suggestedActions"])
    return out


# --- one field at a time ----------------------------------------------------------------------------

def _bad(message: str, reason: str = INVALID, **details: Any) -> ValidationError:
    return ValidationError(message, reason=reason, details=details or None)


def _uuid(value: Any, where: str, reason: str = INVALID) -> str:
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise _bad(f"{where} must be a uuid", reason)
    return value.lower()


def _optional_uuid(value: Any, where: str, reason: str = INVALID) -> str | None:
    return None if value is None or value == "" else _uuid(value, where, reason)


def _text(value: Any, where: str, reason: str = INVALID, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not optional and not value.strip()):
        raise _bad(f"{where} must be a {'non-empty ' if not optional else ''}string", reason)
    return value


def _list(value: Any, flag: str, reason: str = INVALID) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(f"{flag} must be a JSON array", reason)
    return value


def _object(value: Any, where: str, reason: str = INVALID) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{where} must be a JSON object", reason)
    return value


def _slug(value: Any, where: str, seen: set[str]) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise _bad(f"{where}.slug must be made of letters, digits and _ (got {shown(value)})", TOOLS_ERROR)
    if value in seen:
        raise _bad(f"{where}.slug {shown(value)} is used twice; slugs are unique per release", TOOLS_ERROR)
    seen.add(value)
    return value


def _tool_entries(value: Any, name: str, kinds: Sequence[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each entry of `--actions` or `--resources` as (where, kind, a copy carrying its checked slug), checked
    as it is reached: both lists become tools at run time, so both need a known kind and a slug unique in
    the list."""
    seen: set[str] = set()
    for i, raw in enumerate(_list(value, f"--{name}", TOOLS_ERROR)):
        where = f"{name}[{i}]"
        entry = dict(_object(raw, where, TOOLS_ERROR))
        kind = entry.get("kind")
        if kind not in kinds:
            raise _bad(f"{where}.kind must be one of {', '.join(kinds)} (got {shown(kind)})", TOOLS_ERROR)
        entry["slug"] = _slug(entry.get("slug"), where, seen)
        yield where, str(kind), entry


def check_temperature(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _bad(f"--temperature must be a number between 0 and 1 (got {shown(value)})")
    return float(value)


def check_max_steps(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STEPS:
        raise _bad(f"--max-steps must be an integer between 1 and {MAX_STEPS} (got {shown(value)})")
    return value


def check_actions(value: Any) -> list[dict[str, Any]]:
    """AgentActions: a known kind, a unique `[a-zA-Z0-9_]` slug and the field naming the target."""
    out = []
    for where, kind, action in _tool_entries(value, "actions", ACTION_KINDS):
        ids = _IDENTIFIERS[kind]
        if not any(action.get(k) not in (None, "") for k in ids):
            raise _bad(f"{where}: a {kind} action needs {' or '.join(repr(k) for k in ids)}", TOOLS_ERROR)
        if kind == "connector":
            _text(action.get("actionSlug"), f"{where}.actionSlug", TOOLS_ERROR, optional=False)
            action["integrationSlug"] = canonical_slug(str(action["integrationSlug"]))
            action["connectorUuid"] = _optional_uuid(action.get("connectorUuid"), f"{where}.connectorUuid",
                                                     TOOLS_ERROR)
        for key in ("toolUuid", "agentUuid", "releaseUuid"):
            if key in action:
                action[key] = _optional_uuid(action.get(key), f"{where}.{key}", TOOLS_ERROR)
        action["name"] = _text(action.get("name"), f"{where}.name", TOOLS_ERROR) or action["slug"]
        action["description"] = _text(action.get("description"), f"{where}.description", TOOLS_ERROR)
        bulk = action.get("isBulkAllowed", False)
        if not isinstance(bulk, bool):
            raise _bad(f"{where}.isBulkAllowed must be true or false", TOOLS_ERROR)
        action["isBulkAllowed"] = bulk
        action["config"] = _object(action.get("config") or {}, f"{where}.config", TOOLS_ERROR)
        out.append(action)
    return out


def check_resources(value: Any) -> list[dict[str, Any]]:
    """File resources (files, folders, libraries) and model resources, each a tool at run time."""
    out = []
    for where, kind, res in _tool_entries(value, "resources", RESOURCE_KINDS):
        res["name"] = _text(res.get("name"), f"{where}.name", TOOLS_ERROR) or res["slug"]
        for key in ("description", "prompt"):
            res[key] = _text(res.get(key), f"{where}.{key}", TOOLS_ERROR)
        if kind == "file":
            items = []
            for j, item in enumerate(_list(res.get("items"), f"{where}.items", TOOLS_ERROR)):
                item = _object(item, f"{where}.items[{j}]", TOOLS_ERROR)
                item_key = _ITEM_KEYS.get(str(item.get("kind")))
                if item_key is None:
                    raise _bad(f"{where}.items[{j}].kind must be one of {', '.join(_ITEM_KEYS)}", TOOLS_ERROR)
                items.append({"kind": item["kind"],
                              item_key: _uuid(item.get(item_key), f"{where}.items[{j}].{item_key}", TOOLS_ERROR)})
            res["items"] = items
            out.append(res)
            continue
        res["modelUuid"] = _uuid(res.get("modelUuid"), f"{where}.modelUuid", TOOLS_ERROR)
        if res.get("filter") is not None:
            _object(res["filter"], f"{where}.filter", TOOLS_ERROR)
        columns = res.get("selectedColumnSlugs")
        if columns is not None and not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
            raise _bad(f"{where}.selectedColumnSlugs must be an array of strings", TOOLS_ERROR)
        limit = res.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise _bad(f"{where}.limit must be a positive integer", TOOLS_ERROR)
        read_only = res.get("isReadOnly", True)
        if not isinstance(read_only, bool):
            raise _bad(f"{where}.isReadOnly must be true or false", TOOLS_ERROR)
        res.update({"filter": res.get("filter"), "selectedColumnSlugs": columns, "limit": limit,
                    "isReadOnly": read_only})
        out.append(res)
    return out


def check_mcp_clients(value: Any) -> list[dict[str, Any]]:
    """`custom` (a URL and its token, given inline), `mcpServer` (a remote server registered with `ai
    mcp-server create --url`, by `mcpServerUuid`; `name` optional, the server's by default) or
    `connector`; each with `disabledToolSlugs`."""
    out = []
    for i, raw in enumerate(_list(value, "--mcp-clients", TOOLS_ERROR)):
        where = f"mcpClients[{i}]"
        client = dict(_object(raw, where, TOOLS_ERROR))
        client["name"] = _text(client.get("name"), f"{where}.name", TOOLS_ERROR,
                               optional=client.get("kind") == "mcpServer")
        disabled = client.get("disabledToolSlugs") or []
        if not isinstance(disabled, list) or not all(isinstance(s, str) for s in disabled):
            raise _bad(f"{where}.disabledToolSlugs must be an array of strings", TOOLS_ERROR)
        client["disabledToolSlugs"] = disabled
        if client.get("kind") == "custom":
            url = _text(client.get("url"), f"{where}.url", TOOLS_ERROR, optional=False) or ""
            if not url.startswith(("http://", "https://")):
                raise _bad(f"{where}.url must be an http(s) URL", TOOLS_ERROR)
            if client.get("authentication") is not None:
                _object(client["authentication"], f"{where}.authentication", TOOLS_ERROR)
            client["authentication"] = client.get("authentication")
        elif client.get("kind") == "mcpServer":
            client["mcpServerUuid"] = _uuid(client.get("mcpServerUuid"), f"{where}.mcpServerUuid", TOOLS_ERROR)
        elif client.get("kind") == "connector":
            client["connectorUuid"] = _uuid(client.get("connectorUuid"), f"{where}.connectorUuid", TOOLS_ERROR)
            client["integrationSlug"] = _text(client.get("integrationSlug"), f"{where}.integrationSlug",
                                              TOOLS_ERROR)
        else:
            raise _bad(f"{where}.kind must be custom, mcpServer or connector", TOOLS_ERROR)
        out.append(client)
    return out


def check_capabilities(value: Any) -> list[dict[str, Any]]:
    """Capabilities in the client's shape `{slug, config:{}}` (api.md §6); a plain slug string (the
    CLI's `memory,webSearch`) is sugar for `{slug, config:{}}`. Only known slugs; one entry per slug."""
    out: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(_list(value, "--capabilities", TOOLS_ERROR)):
        item = {"slug": raw} if isinstance(raw, str) else dict(_object(raw, f"capabilities[{i}]", TOOLS_ERROR))
        slug = item.get("slug")
        if slug not in CAPABILITIES:
            raise _bad(f"unknown capabilities {shown([slug])} (capabilities[{i}]); known: {', '.join(CAPABILITIES)}",
                       TOOLS_ERROR)
        config = item.get("config")
        out.setdefault(str(slug), {"slug": slug,
                                   "config": {} if config is None else _object(config, f"capabilities[{i}].config",
                                                                               TOOLS_ERROR)})
    return list(out.values())


def capability_slugs(value: Any) -> list[str]:
    """The slugs of a capabilities list, whichever shape it holds (`{slug, config}` objects, or the
    plain strings older releases and agent-node configs carry)."""
    slugs = []
    for item in value if isinstance(value, list) else []:
        slug = item.get("slug") if isinstance(item, dict) else item
        if isinstance(slug, str):
            slugs.append(slug)
    return slugs


def _suggested_action_refs(value: Any, where: str) -> list[dict[str, str]]:
    refs = []
    for j, raw in enumerate(_list([] if value is None else value, f"{where}.actions")):
        ref = _object(raw, f"{where}.actions[{j}]")
        refs.append({"slug": str(_text(ref.get("slug"), f"{where}.actions[{j}].slug", optional=False))})
    return refs


def check_suggested_actions(value: Any) -> list[dict[str, Any]]:
    """Conversation starters in the client's shape `{text, actions:[{slug}]}` (api.md §6); the CLI's
    `{label, prompt}` is sugar for `{text: prompt, actions: []}`."""
    out = []
    for i, raw in enumerate(_list(value, "--suggested-actions")):
        where = f"suggestedActions[{i}]"
        item = _object(raw, where)
        if "text" in item:
            text = _text(item.get("text"), f"{where}.text", optional=False)
            out.append({"text": str(text), "actions": _suggested_action_refs(item.get("actions"), where)})
            continue
        _text(item.get("label"), f"{where}.label", optional=False)
        prompt = _text(item.get("prompt"), f"{where}.prompt", optional=False)
        out.append({"text": str(prompt), "actions": []})
    return out


def _stored_capabilities(value: Any) -> list[dict[str, Any]]:
    """A stored capabilities list in the client's shape (older rows hold plain strings)."""
    items = value if isinstance(value, list) else []
    return [{"slug": item, "config": {}} if isinstance(item, str) else item for item in items]


def _stored_suggested_actions(value: Any) -> list[Any]:
    """Stored conversation starters in the client's shape (older rows hold `{label, prompt}`)."""
    items = value if isinstance(value, list) else []
    return [{"text": item.get("prompt"), "actions": []}
            if isinstance(item, dict) and "text" not in item and "prompt" in item else item for item in items]


def check_options(value: Any) -> dict[str, Any]:
    options = _object(value, "--options")
    unknown = sorted(set(options) - set(OPTION_KEYS))
    if unknown:
        raise _bad(f"--options: unknown keys {', '.join(map(str, unknown))}; known: {', '.join(OPTION_KEYS)}")
    out: dict[str, Any] = {}
    for key in OPTION_KEYS:
        if options.get(key) is None:
            continue
        mapping = _object(options[key], f"--options.{key}")
        out[key] = {canonical_slug(str(k)): _uuid(v, f"--options.{key}.{k}") for k, v in mapping.items()}
    return out


def check_output(value: Any) -> dict[str, Any]:
    from lading.integrations._llm import output_schema_of
    from lading.integrations._sdk import ProviderError

    output = _object(value, "--output")
    if output.get("type") == "text":
        return {"type": "text"}
    if output.get("type") != "jsonSchema":
        raise _bad('--output must be {"type":"text"} or {"type":"jsonSchema","jsonSchema":{…}}')
    try:
        schema = output_schema_of(output)
    except ProviderError as exc:
        raise _bad(f"--output: {exc.message}") from exc
    return {"type": "jsonSchema", "jsonSchema": schema}


def check_heartbeat(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    beat = _object(value, "--heartbeat")
    out: dict[str, Any] = {}
    for key in ("intervalMinutes", "maxMessages"):
        number = beat.get(key)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise _bad(f"--heartbeat.{key} must be a positive integer (got {shown(number)})")
        out[key] = number
    out["prompt"] = _text(beat.get("prompt"), "--heartbeat.prompt")
    return out


def _check_bool(flag: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise _bad(f"{flag} must be true or false")
        return value
    return check


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "systemPrompt": lambda v: "" if v is None else _text(v, "--system-prompt"),
    "connectorUuid": lambda v: _optional_uuid(v, "--connector-uuid"),
    "temperature": check_temperature, "maxSteps": check_max_steps, "withReasoning": _check_bool("--with-reasoning"),
    "actions": check_actions, "resources": check_resources, "mcpClients": check_mcp_clients,
    "capabilities": check_capabilities, "suggestedActions": check_suggested_actions, "options": check_options,
    "output": lambda v: {"type": "text"} if v is None else check_output(v), "heartbeat": check_heartbeat,
}


def _model_change(config: dict[str, Any], changes: Mapping[str, Any]) -> tuple[str, str]:
    """The model after a change of slug and/or provider. A new provider alone keeps the current slug
    unless the catalog prices it at another provider (then that provider's default model is used)."""
    slug, integration = changes.get("languageModelSlug"), changes.get("integrationSlug")
    if slug is not None:
        _text(slug, "--language-model-slug", optional=False)
    if integration is not None:
        _text(integration, "--integration-slug", optional=False)
        known = find_model(config["languageModelSlug"])
        if slug is None and (known is None or known["integrationSlug"] == canonical_slug(integration)):
            slug = config["languageModelSlug"]
    elif slug is None:
        integration = config["integrationSlug"]
    slug, integration = resolve_model(slug, integration)
    if integration not in PROVIDERS:
        raise _bad(f"--integration-slug must be a language-model provider ({', '.join(PROVIDERS)}); "
                   f"got {shown(integration)}")
    return slug, integration


def apply_changes(config: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The config with these fields replaced (omitted fields keep their value; arrays are replaced
    whole), every changed field checked. Raises before anything is returned, so a bad change never
    reaches the store."""
    out = complete(config)
    unknown = sorted(set(changes) - set(CONFIG_KEYS))
    if unknown:
        raise _bad(f"unknown release fields {', '.join(unknown)}")
    if "languageModelSlug" in changes or "integrationSlug" in changes:
        out["languageModelSlug"], out["integrationSlug"] = _model_change(out, changes)
    for key, value in changes.items():
        if key in _CHECKS:
            out[key] = _CHECKS[key](copy.deepcopy(value))
    return out


# --- what a configuration points at -----------------------------------------------------------------

@dataclass
class References:
    """Workspace objects a configuration names; the service checks each exists before deploying."""

    connectors: list[tuple[str, str | None, str]] = field(default_factory=list)  # (uuid, integration, where)
    action_connectors: list[tuple[str, str, str]] = field(default_factory=list)  # (uuid, integration, where)
    connector_actions: list[tuple[str, str, str]] = field(default_factory=list)  # (integration, action, where)
    tools: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    agents: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    models: list[tuple[str, str]] = field(default_factory=list)
    content: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, uuid, where)
    mcp_servers: list[tuple[str, str]] = field(default_factory=list)  # (uuid, where): remote MCP servers


def references(config: Mapping[str, Any]) -> References:
    refs = References()
    if config.get("connectorUuid"):
        refs.connectors.append((config["connectorUuid"], config.get("integrationSlug"), "connectorUuid"))
    for integration, uuid in ((config.get("options") or {}).get("connectorUuidsByIntegrationSlug") or {}).items():
        refs.connectors.append((uuid, integration, f"options.connectorUuidsByIntegrationSlug.{integration}"))
    for integration, uuid in ((config.get("options") or {}).get("modelUuidsByIntegrationSlug") or {}).items():
        refs.models.append((uuid, f"options.modelUuidsByIntegrationSlug.{integration}"))
    for i, action in enumerate(config.get("actions") or []):
        where = f"actions[{i}] ({action.get('slug')})"
        if action["kind"] == "tool":
            refs.tools.append((action, where))
        elif action["kind"] == "agent":
            refs.agents.append((action, where))
        else:
            refs.connector_actions.append((action["integrationSlug"], str(action.get("actionSlug")), where))
            if action.get("connectorUuid"):
                refs.action_connectors.append((action["connectorUuid"], action["integrationSlug"], where))
    for i, res in enumerate(config.get("resources") or []):
        where = f"resources[{i}] ({res.get('slug')})"
        if res["kind"] == "model":
            refs.models.append((res["modelUuid"], where))
        else:
            for item in res.get("items") or []:
                key = _ITEM_KEYS[item["kind"]]
                refs.content.append((item["kind"], item[key], where))
    for i, client in enumerate(config.get("mcpClients") or []):
        if client.get("kind") == "mcpServer":
            refs.mcp_servers.append((client["mcpServerUuid"], f"mcpClients[{i}] ({client.get('name')})"))
        if client.get("kind") == "connector":
            refs.action_connectors.append((client["connectorUuid"], client.get("integrationSlug") or "",
                                           f"mcpClients[{i}] ({client.get('name')})"))
    return refs
