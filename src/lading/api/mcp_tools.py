"""What `lading mcp` offers an outside MCP client: the platform toolset, or one published server's tools.

Each tool is a thin wrapper over the service function the matching CLI command calls, and answers with
the JSON document that command prints, so an MCP client and a terminal user see the same data under the
same rules (workspace isolation, checks, billing). A tool fails with the `LadingError` the service
raised; the protocol layer (`api/mcp_server.py`) turns it into an MCP tool error carrying `errorMessage`.
This module knows nothing of the MCP SDK: it only says which tools exist and how each one runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lading.domain.errors import LadingError, NodeExecutionError, ValidationError
from lading.services.session import Session

SERVER_ENV = "LADING_MCP_SERVER_UUID"
_OBJECT = {"type": "object"}
_UUID = {"type": "string", "description": "A uuid."}
_ACTION = {"type": "object", "description": 'An action as `orchestration action list` returns it, e.g. '
                                            '{"kind":"connector","integrationSlug":…,"actionSlug":…} or '
                                            '{"kind":"tool","toolUuid":…}.'}


@dataclass(frozen=True)
class McpTool:
    """One MCP tool: `call` takes the client's arguments and returns a JSON document (or raises).
    `right` is the token right (C §3.3) a call needs when the caller holds a token (MCP over HTTP):
    the same `<domain>:read|write` its HTTP route would need; None: any caller."""

    name: str
    description: str
    input_schema: dict[str, Any]
    call: Callable[[dict[str, Any]], Any]
    right: str | None = None


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def _arg(args: dict[str, Any], key: str, default: Any = None) -> Any:
    return args.get(key, default) if isinstance(args, dict) else default


def _wait_for_run(session: Session, result: dict[str, Any], wait: bool) -> dict[str, Any]:
    """`--wait-until-finished`: drive the run here and answer with it; otherwise hand it to a worker."""
    from lading.services.orchestration import runs
    from lading.worker import finish_run

    run_uuid = result["run"]["uuid"]
    finish_run(session, run_uuid, wait=wait)
    return runs.get_run(session, run_uuid) if wait else result


# --- the platform toolset ----------------------------------------------------------------------------

def platform_tools(session: Session) -> list[McpTool]:
    """The workspace as a whole: who am I, actions, runs, batches, models, usage."""
    from lading.services.billing import usage as billing
    from lading.services.connection import connectors as connections
    from lading.services.orchestration import actions, batches, runs
    from lading.services.session import whoami
    from lading.services.storage import models as storage
    from lading.services.storage import query as storage_query

    def execute_action(a: dict[str, Any]) -> Any:
        result = actions.execute(session, _arg(a, "action"), _arg(a, "data"))
        return _wait_for_run(session, result, bool(_arg(a, "waitUntilFinished", True)))

    def execute_action_batch(a: dict[str, Any]) -> Any:
        from lading.worker import finish_batch

        result = actions.execute_batch(session, _arg(a, "action"), _arg(a, "records"))
        finish_batch(session, result["batch"]["uuid"], wait=False)
        return result

    def list_runs(a: dict[str, Any]) -> Any:
        return runs.list_runs(session, workflow_uuid=_arg(a, "workflowUuid"), limit=int(_arg(a, "limit", 50)),
                              offset=int(_arg(a, "offset", 0)), statuses=_arg(a, "statuses"))

    return [
        McpTool("whoami", "The current user and workspace.", _schema({}),
                lambda a: {**whoami(session), "baseUrl": None}),
        McpTool("get_usage", "Usage per UTC day (executions, credits, storage records) between two dates.",
                _schema({"dateFrom": {"type": "string", "description": "YYYY-MM-DD"},
                         "dateTo": {"type": "string", "description": "YYYY-MM-DD"},
                         "groupBy": {"type": "string"}}),
                lambda a: billing.get_metrics(session, date_from=_arg(a, "dateFrom"), date_to=_arg(a, "dateTo"),
                                                group_by=_arg(a, "groupBy")), right="billing:read"),
        McpTool("search_actions", "Search actions (connector, native, tool, agent) by keywords, best first.",
                _schema({"keywords": {"type": "array", "items": {"type": "string"}},
                         "kind": {"type": "string", "enum": list(actions.KINDS)},
                         "integrationSlug": {"type": "string"}, "limit": {"type": "integer"}}),
                lambda a: actions.list_actions(session, list(_arg(a, "keywords") or []), kind=_arg(a, "kind"),
                                               integration_slug=_arg(a, "integrationSlug"),
                                               limit=int(_arg(a, "limit", 20))), right="orchestration:read"),
        McpTool("get_action_schema", "The JSON Schema of an action's output; executes nothing.",
                _schema({"action": _ACTION, "data": _OBJECT}, ("action",)),
                lambda a: actions.output_schema(session, _arg(a, "action"), _arg(a, "data")),
                right="orchestration:read"),
        McpTool("autocomplete_action", "Allowed values of an action's config field, looked up through a connector.",
                _schema({"connectorUuid": _UUID, "slug": {"type": "string"}, "params": _OBJECT,
                         "value": {"type": "string"}}, ("connectorUuid", "slug")),
                lambda a: connections.autocomplete(session, connector_uuid=_arg(a, "connectorUuid"),
                                                   slug=_arg(a, "slug"), params=_arg(a, "params") or {},
                                                   value=_arg(a, "value")), right="connection:read"),
        McpTool("execute_action", "Run one action over one input; by default waits and returns the finished run.",
                _schema({"action": _ACTION, "data": _OBJECT, "waitUntilFinished": {"type": "boolean"}},
                        ("action",)), execute_action, right="orchestration:write"),
        McpTool("execute_action_batch", "Run one action over many records as a batch; returns the batch at once.",
                _schema({"action": _ACTION, "records": {"type": "array", "items": _OBJECT}},
                        ("action", "records")), execute_action_batch, right="orchestration:write"),
        McpTool("get_run", "One run with its status, output and error.", _schema({"uuid": _UUID}, ("uuid",)),
                lambda a: runs.get_run(session, _arg(a, "uuid")), right="orchestration:read"),
        McpTool("get_batch", "One batch with its progress.", _schema({"uuid": _UUID}, ("uuid",)),
                lambda a: batches.get_batch(session, _arg(a, "uuid")), right="orchestration:read"),
        McpTool("list_runs", "A workflow's runs, newest first.",
                _schema({"workflowUuid": _UUID, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                         "statuses": {"type": "array", "items": {"type": "string"}}}, ("workflowUuid",)),
                list_runs, right="orchestration:read"),
        McpTool("list_models", "The workspace's storage models.", _schema({"datasetUuid": _UUID}),
                lambda a: storage.list_models(session, dataset_uuid=_arg(a, "datasetUuid")), right="storage:read"),
        McpTool("describe_model", "One storage model with its columns.", _schema({"uuid": _UUID}, ("uuid",)),
                lambda a: storage.get_model(session, _arg(a, "uuid")), right="storage:read"),
        McpTool("query_models", "A read-only SQL SELECT over the workspace's models (allow-listed).",
                _schema({"sql": {"type": "string"}}, ("sql",)),
                lambda a: storage_query.execute_query(session, str(_arg(a, "sql") or "")), right="storage:read"),
    ]


# --- a published server ----------------------------------------------------------------------------

def _agent_tool_caller(tool: Any) -> Callable[[dict[str, Any]], Any]:
    """A runtime tool (resource search/query) called from the server's worker thread."""
    def call(arguments: dict[str, Any]) -> Any:
        result = asyncio.run(tool.call(arguments))
        if result.is_error:
            message = result.output.get("error") if isinstance(result.output, dict) else result.output
            raise NodeExecutionError(str(message), retryable=False)
        return result.output
    return call


def _action_caller(session: Session, action: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """Runs like `orchestration action execute`: config keys are fixed, the client fills the rest."""
    from lading.services.orchestration import actions

    fixed = action.get("config")
    fixed = fixed if isinstance(fixed, dict) else {}
    target = {k: v for k, v in action.items() if k in ("kind", "toolUuid", "agentUuid", "templateSlug",
                                                        "releaseUuid")}

    def call(arguments: dict[str, Any]) -> Any:
        result = actions.execute(session, target, {**(arguments or {}), **fixed})
        return _wait_for_run(session, result, bool(action.get("waitUntilFinished", True)))
    return call


def server_tools(session: Session, server_uuid: str) -> list[McpTool]:
    """One tool per action of the server, and one per resource (a file search or a model query)."""
    from lading.services.ai import mcp_servers
    from lading.services.ai._resources import resource_tools
    from lading.services.ai._runtime import build_tools

    server = mcp_servers.get(session, server_uuid)["mcpServer"]
    if server["kind"] == mcp_servers.REMOTE:
        raise ValidationError(f"MCP server {server_uuid} is a remote server that agents call (--url): only published "
                              "servers are served", reason="invalidData")
    out = []
    try:
        for action in server["actions"]:
            single = {**action, "isBulkAllowed": False}
            runtime = build_tools(session, [single], [])[0]
            out.append(McpTool(action["slug"], runtime.description or action["name"], runtime.input_schema,
                               _action_caller(session, action)))
        for tool in resource_tools(session, server["resources"]):
            out.append(McpTool(tool.slug, tool.description, tool.input_schema, _agent_tool_caller(tool)))
    except NodeExecutionError as exc:
        raise ValidationError(f"MCP server {server_uuid} cannot be served: {exc}",
                              reason="failedToReconciliateAgentAiTools") from exc
    return out


def toolset(session: Session, server_uuid: str | None) -> list[McpTool]:
    """`--server`, else $LADING_MCP_SERVER_UUID, else the platform toolset."""
    import os

    chosen = server_uuid or os.environ.get(SERVER_ENV) or None
    return server_tools(session, chosen) if chosen else platform_tools(session)


def error_document(exc: Exception) -> dict[str, Any]:
    """What a failed tool call carries: the CLI's error document."""
    if isinstance(exc, LadingError):
        return exc.to_document()
    return {"errorMessage": f"{type(exc).__name__}: {exc}", "reason": "internalError"}
