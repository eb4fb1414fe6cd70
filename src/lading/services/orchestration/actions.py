"""`orchestration action …`: one operation without authoring a graph.

An action (`connector`, `native`, `tool`, `agent`) is turned into the ad-hoc graph
`start → action → end` and run like any other graph, so actions get the same executions, retries,
credits, batches and webhooks as workflows. Inputs come from `--data`/`--records` (never from the
action's `config`): a field with the same value in every record (always, for `execute`) is copied
into the action node's config as is, so it may itself be an expression; a field that varies is read
from the record as `{{nodes.start.<field>}}`. `_id` is the record id, never an input.
The end node projects the action output's top-level keys (those of `get-output-schema`), so the
run output has the action's shape; the full output is always `runContext.action`.

An `agent` action answers one user message with the agent's release (deployed, else its draft; its
system prompt is the instructions): the data's `prompt`, else its `message`, else the data itself as
JSON (Cargo's documents pass plain records to an agent and let its instructions say what to do).
"""

from __future__ import annotations

import copy
import json
import re
import uuid as uuidlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.engine.natives.catalog import NATIVE_ACTIONS
from lading.integrations import Integration
from lading.integrations._sdk import Action
from lading.services.connection.catalog import catalog, find_integration
from lading.services.inputs import json_object
from lading.services.orchestration import shapes
from lading.services.session import Session

KINDS = ("connector", "native", "tool", "agent")
MAX_LIST_LIMIT = 50
# Natives that make no sense as a single step between start and end.
NOT_ACTIONS = frozenset({"start", "end", "group"})
# Native config keys that must be static (code is not evaluated; lists are checked structurally).
STATIC_NATIVE_KEYS = frozenset({"script", "variables", "routes", "_nodes"})
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_MISSING: Any = object()
NO_OUTPUT_SCHEMA = "Action has no output schema."

_STRING, _BOOL = {"type": "string"}, {"type": "boolean"}
NATIVE_OUTPUTS: dict[str, dict[str, Any]] = {
    "branch": {"condition": _BOOL},
    "filter": {"filter": _BOOL},
    "switch": {"route": _STRING, "index": {"type": "integer"}},
    "split": {"variant": {"type": "string", "enum": ["A", "B"]}},
    "delay": {},
    "python": {"result": {}},
    "script": {"result": {}},
    "agent": {"answer": _STRING},
    "modelUpsert": {"id": _STRING, "operation": {"type": "string", "enum": ["inserted", "updated"]}},
    "modelInsert": {"id": _STRING, "operation": {"type": "string", "enum": ["inserted"]}},
    "sendEmail": {"messageId": _STRING, "accepted": {"type": "array", "items": _STRING},
                  "rejected": {"type": "array", "items": _STRING}},
    "modelAsk": {"answer": _STRING, "recordsCount": {"type": "integer"}, "totalCount": {"type": "integer"}},
    "fileSearch": {"results": {"type": "array", "items": {"type": "object", "properties": {
        "fileUuid": _STRING, "fileName": _STRING, "passage": {"type": "integer"}, "score": {"type": "number"},
        "text": _STRING}}}},
}
VARIABLE_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": _STRING, "number": {"type": "number"}, "boolean": _BOOL,
    "date": {"type": "string", "format": "date-time"}, "array": {"type": "array"}, "object": {"type": "object"},
}


@dataclass
class Target:
    """A resolved action: the action node's kind-specific fields and what checks its inputs."""

    kind: str
    fields: dict[str, Any]
    children: int = 1
    integration: Integration | None = None
    action: Action | None = None
    form_fields: list[dict[str, Any]] | None = None
    end_nodes: list[dict[str, Any]] = field(default_factory=list)
    # An agent's release `output` (text or JSON schema): the type of its `answer`.
    output: Any = None


# --- the action object ---------------------------------------------------------------------------

def parse_action(action: Any) -> dict[str, Any]:
    if not isinstance(action, dict):
        raise ValidationError("--action must be a JSON object with a \"kind\"", reason="invalidData")
    kind = action.get("kind")
    if kind not in KINDS:
        raise ValidationError(f"unknown action kind {shown(kind)}; use one of {', '.join(KINDS)}", reason="invalidData")
    return action


def ignored_config_warning(action: Any) -> str | None:
    """A top-level action has no config: a non-empty one is ignored (the CLI warns on stderr)."""
    if isinstance(action, dict) and action.get("config"):
        return "the action's \"config\" is ignored; pass inputs with --data (or --records)"
    return None


def _text(action: dict[str, Any], key: str) -> str | None:
    value = action.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"the action's {shown(key)} must be a string", reason="invalidData")
    return value


def _connector_action(session: Session, action: dict[str, Any]) -> tuple[Integration, Action]:
    slug, action_slug = _text(action, "integrationSlug"), _text(action, "actionSlug")
    if not slug or not action_slug:
        raise ValidationError("a connector action needs \"integrationSlug\" and \"actionSlug\"", reason="invalidData")
    integration = find_integration(session.db, session.workspace_uuid, slug)
    if integration is None:
        raise NotFoundError(f"Integration not found: {slug}", reason="integrationNotFound")
    found = integration.action(action_slug)
    if found is None:
        raise NotFoundError("Action not found.", reason="actionNotFound",
                            details={"integrationSlug": integration.slug, "actionSlug": action_slug})
    return integration, found


def _native_slug(action: dict[str, Any]) -> str:
    slug = _text(action, "actionSlug")
    if not slug:
        raise ValidationError("a native action needs \"actionSlug\"", reason="invalidData")
    if slug not in NATIVE_ACTIONS:
        raise NotFoundError("Action not found.", reason="actionNotFound", details={"actionSlug": slug})
    if slug in NOT_ACTIONS:
        raise ValidationError(f"the native action {shown(slug)} cannot run on its own", reason="invalidData")
    return slug


def _tool_target(session: Session, action: dict[str, Any]) -> Target:
    """`toolUuid` (deployed or pinned `releaseUuid`), `templateSlug`, or a tool's `releaseUuid` alone."""
    from lading.engine.templates import get_template
    from lading.services.orchestration.releases import require_release
    from lading.services.orchestration.tools import require_tool
    from lading.store.repositories import workflows as wf_repo

    tool_uuid, template_slug = _text(action, "toolUuid"), _text(action, "templateSlug")
    release_uuid = _text(action, "releaseUuid")
    ws = session.workspace_uuid
    if tool_uuid is None and template_slug is not None:
        template = get_template(template_slug)
        if template is None or template.get("kind") != "tool":
            raise NotFoundError(f"Template not found: {template_slug}", reason="templateNotFound")
        return Target("tool", {"templateSlug": template_slug}, form_fields=template.get("formFields"),
                      end_nodes=_end_nodes(template["nodes"]))
    if tool_uuid is None and release_uuid is None:
        raise ValidationError("a tool action needs \"toolUuid\", \"templateSlug\" or \"releaseUuid\"",
                              reason="invalidData")
    with session.db.read() as conn:
        release = require_release(session, conn, release_uuid) if release_uuid else None
        if tool_uuid is not None:
            tool = require_tool(session, conn, tool_uuid)
        else:
            assert release is not None
            tool = wf_repo.tool_by_workflow(conn, ws, release.workflow_uuid) if release.workflow_uuid else None
            if tool is None:
                raise NotFoundError(f"release {release_uuid} does not belong to a tool", reason="toolNotFound")
        if release is None:
            release = wf_repo.release_by_status(conn, ws, tool.workflow_uuid, "deployed")
            if release is None:
                raise NotFoundError(f"the tool '{tool.name}' has no deployed release; deploy its draft first",
                                    reason="noDeployedRelease")
        elif release.workflow_uuid != tool.workflow_uuid:
            raise NotFoundError(f"release {release_uuid} is not one of the tool's", reason="releaseNotFound")
    fields: dict[str, Any] = {"toolUuid": tool.uuid}
    if release_uuid:
        fields["releaseUuid"] = release_uuid
    return Target("tool", fields, form_fields=release.form_fields, end_nodes=_end_nodes(release.nodes))


def _agent_target(session: Session, action: dict[str, Any]) -> Target:
    """`agentUuid` (its deployed release, or a pinned `releaseUuid`), `releaseUuid` alone, or an AI
    `templateSlug`; the release's `output` types the answer."""
    from lading.store.repositories import ai as ai_repo

    agent_uuid, release_uuid = _text(action, "agentUuid"), _text(action, "releaseUuid")
    template_slug = _text(action, "templateSlug")
    ws = session.workspace_uuid
    if agent_uuid is None and release_uuid is None:
        if template_slug is None:
            raise ValidationError("an agent action needs \"agentUuid\", \"templateSlug\" or \"releaseUuid\"",
                                  reason="invalidData")
        from lading.ai.templates import get_template

        template = get_template(session.settings.home, template_slug)
        if template is None:
            raise NotFoundError(f"Template not found: {template_slug}", reason="templateNotFound")
        return Target("agent", {"templateSlug": template_slug}, output=template.get("output"))
    with session.db.read() as conn:
        release = ai_repo.get_release(conn, ws, release_uuid) if release_uuid else None
        if release_uuid and (release is None or (agent_uuid and release.agent_uuid != agent_uuid)):
            raise NotFoundError(f"release {release_uuid} is not one of the agent's releases", reason="releaseNotFound")
        agent_uuid = agent_uuid or (release.agent_uuid if release is not None else None)
        agent = ai_repo.get_agent(conn, ws, agent_uuid) if agent_uuid else None
        if agent is None:
            raise NotFoundError("Agent not found", reason="agentNotFound")
        pinned = release_uuid
        if release is None:
            release = ai_repo.release_with_status(conn, ws, agent.uuid, "deployed")
        if release is None:  # never deployed: the agent answers with its draft, as its chats do
            release = ai_repo.release_with_status(conn, ws, agent.uuid, "draft")
            pinned = release.uuid if release is not None else None
        if release is None:
            raise NotFoundError(f"the agent '{agent.name}' has no deployed or draft release",
                                reason="deployedReleaseNotFound")
    fields: dict[str, Any] = {"agentUuid": agent.uuid}
    if pinned:
        fields["releaseUuid"] = pinned
    return Target("agent", fields, output=(release.config or {}).get("output"))


def _end_nodes(nodes: Any) -> list[dict[str, Any]]:
    return [n for n in nodes or [] if isinstance(n, dict) and n.get("kind") == "native"
            and n.get("actionSlug") == "end"]


def resolve(session: Session, action: Any) -> Target:
    """The action's target, checked to exist (no connector is chosen here)."""
    action = parse_action(action)
    kind = action["kind"]
    if kind == "agent":
        return _agent_target(session, action)
    if kind == "connector":
        integration, found = _connector_action(session, action)
        return Target("connector", {"integrationSlug": integration.slug, "actionSlug": found.slug},
                      children=found.children_count, integration=integration, action=found)
    if kind == "native":
        slug = _native_slug(action)
        spec = NATIVE_ACTIONS[slug]
        if not spec.available:
            raise ValidationError(spec.unavailable_reason, reason="invalidData")
        return Target("native", {"actionSlug": slug}, children=spec.children or 0)
    return _tool_target(session, action)


def pick_connector(session: Session, integration: Integration, connector_uuid: str | None) -> str | None:
    """The given connector, else the integration's default connector (else its newest), else a platform-managed
    (credits) connector when the platform holds a key, else none for integrations that need none."""
    from lading.services.connection import connectors as connections
    from lading.store.repositories import connectors as repo

    ws = session.workspace_uuid
    with session.db.read() as conn:
        if connector_uuid:
            row = repo.get_connector(conn, ws, connector_uuid)
            if row is None:
                raise NotFoundError(f"Connector not found: {connector_uuid}", reason="connectorNotFound")
            if row.integration_slug != integration.slug:
                raise ValidationError(f"connector {connector_uuid} is a {row.integration_slug} connector, not "
                                      f"{integration.slug}", reason="invalidData")
            return str(row.uuid)
        preferred = repo.preferred_connector(conn, ws, integration.slug)
    if preferred is not None:
        return str(preferred.uuid)
    if integration.requires_connector and connections.platform_credential(integration) is not None:
        made = connections.create(session, integration_slug=integration.slug,
                                            slug=f"{integration.slug}_platform_{uuidlib.uuid4().hex[:6]}",
                                            name=f"{integration.name} (platform credits)")
        return str(made["connector"]["uuid"])
    if not integration.requires_connector:
        return None
    raise NotFoundError(f"no {integration.name} connector in this workspace; create one with `lading connection "
                        f"connector create --integration-slug {integration.slug} …` or pass \"connectorUuid\"",
                        reason="connectorNotFound")


# --- inputs and the graph ------------------------------------------------------------------------

def ref(root: str, key: str) -> str:
    """`{{nodes.start.domain}}`, or bracket notation for keys that are not identifiers."""
    path = f"{root}.{key}" if _IDENT.match(key) else f"{root}[{json.dumps(key)}]"
    return "{{" + path + "}}"


def node_config(kind: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Static fields (equal in every record) as is; varying ones read from the record."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(k for k in record if k != "_id"))
    config: dict[str, Any] = {}
    for key in keys:
        first = records[0].get(key, _MISSING)
        if first is not _MISSING and all(r.get(key, _MISSING) == first for r in records[1:]):
            config[key] = copy.deepcopy(first)
        elif kind == "native" and key in STATIC_NATIVE_KEYS:
            raise ValidationError(f"{shown(key)} must be the same in every record; read per-record values in it as "
                                  f"{{{{nodes.start.<field>}}}}", reason="invalidData")
        else:
            config[key] = ref("nodes.start", key)
    return config


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, Mapping):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def check_inputs(target: Target, config: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Fail before creating anything when inputs break the action's config schema or the tool's
    required form fields (inputs holding expressions are checked when they run)."""
    from lading.integrations._runtime import config_errors

    problems: list[str] = []
    for i, record in enumerate(records):
        where = f"records[{i}]." if len(records) > 1 else ""
        effective = {k: (record.get(k) if isinstance(v, str) and v == ref("nodes.start", k) else v)
                     for k, v in config.items()}
        if target.action is not None and not _has_expression(effective):
            problems.extend(where + p for p in config_errors(target.action.config_schema, effective))
        for f in target.form_fields or []:
            if isinstance(f, dict) and f.get("required") and effective.get(f["slug"]) in (None, ""):
                problems.append(f"{where}{f['slug']}: required by the tool's form fields")
        if len(problems) >= 20:
            break
    if problems:
        raise ValidationError("the inputs do not match the action's config schema: " + "; ".join(problems[:5]),
                              reason="invalidData", details={"errors": problems})


def graph_node(slug: str, y: int, children: list[Any], **fields: Any) -> dict[str, Any]:
    """One node of a generated graph (`start → step → end`), stacked vertically at `y`."""
    return {"uuid": str(uuidlib.uuid4()), "slug": slug, **fields, "childrenUuids": children,
            "fallbackOnFailure": False, "position": {"x": 0, "y": y}}


# Data keys of an agent action that configure the step rather than say something to the agent.
_AGENT_SETTINGS = ("output",)


def agent_prompt(config: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """An agent action's config with its user message as `prompt`: the data's own `prompt`, else its
    `message`, else every data field as one JSON object (read per record at run time)."""
    if "prompt" in config:
        return config
    if "message" in config:
        config = dict(config)
        config["prompt"] = config.pop("message")
        return config
    keys = list(dict.fromkeys(k for r in records for k in r if k != "_id" and k not in _AGENT_SETTINGS))
    fields = ", ".join(f"{json.dumps(k)}: nodes.start[{json.dumps(k)}]" for k in keys)
    return {**config, "prompt": "{{JSON.stringify({" + fields + "})}}"}


def build_graph(session: Session, action: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`start → action → end` for these records (checked, connector chosen)."""
    target = resolve(session, action)
    config = node_config(target.kind, records)
    if target.kind == "agent":
        config = agent_prompt(config, records)
    check_inputs(target, config, records)
    fields = dict(target.fields)
    if target.integration is not None:
        fields["connectorUuid"] = pick_connector(session, target.integration, _text(action, "connectorUuid"))
    schema = schema_for(target, config)
    keys = list((schema or {}).get("properties") or {})
    variables = ([{"name": k, "type": "any", "value": ref("nodes.action", k)} for k in keys] if schema is not None
                 else [{"name": "output", "type": "any", "value": "{{nodes.action}}"}])
    end = graph_node("end", 300, [], kind="native", actionSlug="end", config={"variables": variables})
    children = target.children
    if target.fields.get("actionSlug") == "switch" and target.kind == "native":
        routes = config.get("routes")
        children = len(routes) + 1 if isinstance(routes, list) else 1
    extra = {"retry": action["retry"]} if action.get("retry") is not None else {}
    step = graph_node("action", 150, [end["uuid"]] * children, kind=target.kind, **fields, config=config, **extra)
    start = graph_node("start", 0, [step["uuid"]], kind="native", actionSlug="start", config={})
    return [start, step, end]


def execute(session: Session, action: Any, data: Any = None) -> dict[str, Any]:
    """One run of the action over `data`; returns `{"run": …}` at once (pending)."""
    from lading.services.orchestration.runs import create_run

    record = json_object(data, "--data")
    return create_run(session, nodes=build_graph(session, action, [record]), data=record)


def _batch_records(records: Any) -> list[dict[str, Any]]:
    if not isinstance(records, list) or not records:
        raise ValidationError("--records must be a non-empty JSON array of objects", reason="invalidData")
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValidationError(f"records[{i}] must be a JSON object", reason="invalidData")
    return records


def execute_batch(session: Session, action: Any, records: Any, *, webhook_url: str | None = None,
                  webhook_secret: str | None = None, credit_cap: Any = None) -> dict[str, Any]:
    """One run per record, as a batch; returns `{"batch": …}` at once."""
    from lading.services.orchestration.batches import create_batch

    rows = _batch_records(records)
    nodes = build_graph(session, action, rows)
    return create_batch(session, nodes=nodes, data={"kind": "records", "records": rows},
                        webhook_url=webhook_url, webhook_secret=webhook_secret, credit_cap=credit_cap)


def dry_run_execute_batch(session: Session, action: Any, records: Any, *, drive: Callable[[str], None],
                          sample_size: Any = None, credit_cap: Any = None) -> dict[str, Any]:
    """`action execute-batch --dry-run`: the batch's projected cost from a sample (see `batches.dry_run_batch`)."""
    from lading.services.orchestration.batches import dry_run_batch

    rows = _batch_records(records)
    return dry_run_batch(session, drive=drive, sample_size=sample_size, nodes=build_graph(session, action, rows),
                         data={"kind": "records", "records": rows}, credit_cap=credit_cap)


# --- output schemas ------------------------------------------------------------------------------

def _answer_schema(output: Any) -> dict[str, Any]:
    """`answer` is text, or typed by `output.jsonSchema` (spec §2.5)."""
    from lading.integrations._llm import output_schema_of
    from lading.integrations._sdk import ProviderError

    try:
        schema = output_schema_of(output)
    except ProviderError as exc:
        raise ValidationError(exc.message, reason="invalidData") from exc
    return dict(schema) if schema is not None else {"type": "string"}


def _variables_schema(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for node in nodes:
        config = node.get("config")
        config = config if isinstance(config, dict) else {}
        for var in config.get("variables") or []:
            if isinstance(var, dict) and isinstance(var.get("name"), str) and var["name"] not in props:
                props[var["name"]] = dict(VARIABLE_SCHEMAS.get(str(var.get("type")), {}))
    return {"type": "object", "properties": props}


def schema_for(target: Target, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """The output schema of a resolved action given its inputs; None when nothing is declared."""
    if target.kind == "connector":
        assert target.action is not None
        if target.action.output_schema is None:
            return None
        schema = copy.deepcopy(dict(target.action.output_schema))
        props = schema.get("properties")
        if isinstance(props, dict) and "answer" in props and isinstance(inputs.get("output"), Mapping):
            props["answer"] = _answer_schema(inputs.get("output"))
        return schema
    if target.kind == "tool":
        return _variables_schema(target.end_nodes) if target.end_nodes else None
    if target.kind == "agent":
        output = inputs.get("output") if isinstance(inputs.get("output"), Mapping) else target.output
        return {"type": "object", "properties": {"answer": _answer_schema(output)}}
    slug = str(target.fields["actionSlug"])
    if slug == "variables":
        variables = inputs.get("variables")
        return _variables_schema([{"config": {"variables": variables}}]) if isinstance(variables, list) else None
    props = copy.deepcopy(NATIVE_OUTPUTS.get(slug))
    if props is None:
        return None
    if slug in ("agent", "modelAsk") and isinstance(inputs.get("output"), Mapping):
        props["answer"] = _answer_schema(inputs.get("output"))
    return {"type": "object", "properties": props}


def output_schema(session: Session, action: Any, data: Any = None) -> dict[str, Any]:
    """`{"schema": …}` without executing anything."""
    action = parse_action(action)
    inputs = json_object(data, "--data")
    if action["kind"] == "native":
        slug = _native_slug(action)  # unavailable natives still declare their output
        schema = schema_for(Target("native", {"actionSlug": slug}), inputs)
    else:
        schema = schema_for(resolve(session, action), inputs)
    if schema is None:
        raise NotFoundError(NO_OUTPUT_SCHEMA, reason="actionHasNoOutput", status_code=404)
    return {"schema": schema}


# --- search ---------------------------------------------------------------------------------------

# A keyword hit in the slug/name, the integration, or the description.
_WEIGHTS = (1.0, 0.6, 0.3)


def _score(keywords: list[str], fields: tuple[str, str, str]) -> float | None:
    """Mean of each keyword's best field weight; None when a keyword matches nothing."""
    if not keywords:
        return 1.0
    total = 0.0
    for keyword in keywords:
        weight = next((w for w, text in zip(_WEIGHTS, fields, strict=True) if keyword in text), None)
        if weight is None:
            return None
        total += weight
    return round(total / len(keywords), 2)


def _candidates(session: Session, kind: str | None, integration: Integration | None) -> list[dict[str, Any]]:
    from lading.store.repositories import connectors as conn_repo
    from lading.store.repositories import workflows as wf_repo

    out: list[dict[str, Any]] = []
    ws = session.workspace_uuid
    with session.db.read() as conn:
        if kind in (None, "connector"):
            for integ in [integration] if integration else catalog(session.db, ws).values():
                rows = conn_repo.list_connectors(conn, ws, integ.slug)
                for act in integ.actions:
                    out.append({
                        "fields": (" ".join((act.slug, *act.aliases, act.name)), f"{integ.name} {integ.slug}",
                                   act.description),
                        "name": act.name, "description": act.description,
                        "action": {"kind": "connector", "integrationSlug": integ.slug, "actionSlug": act.slug,
                                   "connectorUuid": rows[0].uuid if rows else None},
                        "connectors": [{"uuid": r.uuid, "name": r.name} for r in rows],
                        "credits": [c.to_json() for c in act.credits],
                        "autocompletes": _autocompletes(act),
                    })
        if integration is None and kind in (None, "native"):
            for spec in NATIVE_ACTIONS.values():
                if spec.slug in NOT_ACTIONS or not spec.available:
                    continue
                out.append(_plain((f"{spec.slug} {spec.name}", "native", spec.description), spec.name,
                                  spec.description, {"kind": "native", "actionSlug": spec.slug}))
        if integration is None and kind in (None, "tool"):
            for tool in wf_repo.list_tools(conn, ws, None):
                out.append(_plain((tool.name, "tool", tool.description or ""), tool.name, tool.description,
                                  {"kind": "tool", "toolUuid": tool.uuid}))
        if integration is None and kind in (None, "agent"):
            from lading.store.repositories import ai as ai_repo

            for agent in ai_repo.search_agents(conn, ws):
                out.append(_plain((agent.name, "agent", agent.description or ""), agent.name, agent.description,
                                  {"kind": "agent", "agentUuid": agent.uuid}))
    return out


def _plain(fields: tuple[str, str, str], name: str, description: str | None,
           action: dict[str, Any]) -> dict[str, Any]:
    return {"fields": fields, "name": name, "description": description, "action": action, "connectors": [],
            "credits": [], "autocompletes": []}


def _autocompletes(action: Action) -> list[dict[str, str]]:
    out = []
    for name, ui in (action.ui_schema or {}).items():
        if isinstance(ui, Mapping) and ui.get("ui:widget") == "IntegrationAutocompleteWidget":
            options = ui.get("ui:options")
            options = options if isinstance(options, Mapping) else {}
            out.append({"field": str(name), "slug": str(options.get("slug") or "")})
    return out


def list_actions(session: Session, keywords: list[str] | None = None, *, kind: str | None = None,
                 integration_slug: str | None = None, limit: int = 20) -> dict[str, Any]:
    """Every action whose slug/name, integration or description contains all keywords, best first."""
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"--kind must be one of {', '.join(KINDS)}", reason="invalidData")
    if limit < 1 or limit > MAX_LIST_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIST_LIMIT}", reason="invalidData")
    integration = None
    if integration_slug:
        integration = find_integration(session.db, session.workspace_uuid, integration_slug)
        if integration is None:
            raise NotFoundError(f"Integration not found: {integration_slug}", reason="integrationNotFound")
    given = [w for k in keywords or [] for w in k.split()]
    words = [w.lower() for w in given]
    scored = []
    for rank, item in enumerate(_candidates(session, kind, integration)):
        fields = item.pop("fields")
        score = _score(words, tuple(f.lower() for f in fields))
        if score is not None:
            scored.append((-score, rank, {**item, "score": score}))
    scored.sort(key=lambda t: (t[0], t[1]))
    results = [shapes.ActionMatch(**{k: r[k] for k in ("name", "description", "score", "action", "connectors",
                                                       "credits", "autocompletes")}) for _, _, r in scored[:limit]]
    return shapes.ActionSearch(query=" ".join(given), total_matches=len(scored), results=results).dump()


__all__ = ["dry_run_execute_batch", "execute", "execute_batch", "ignored_config_warning", "list_actions",
           "output_schema"]
