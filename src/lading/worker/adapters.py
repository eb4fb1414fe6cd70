"""The executor's ports, implemented with the services: connector calls, tool-node targets, model
writes, agent turns, batch webhooks and the `sendEmail` / `modelAsk` / `fileSearch` steps. Built by
whoever drives runs (`lading worker`, inline waiting)."""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from typing import Any

import orjson

from lading.domain.errors import LadingError, NodeExecutionError
from lading.domain.run_state import RunState
from lading.engine.ports import AgentOutcome, ConnectorOutcome, ToolTarget
from lading.services.connection.calls import ConnectorCalls
from lading.services.session import Session
from lading.services.wiring import system_session
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import workflows as wf_repo


class ServicePorts:
    """The `engine.ports.Ports` of a worker: each port delegates to the service that owns the work."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._connectors = ConnectorCalls(db)

    # --- connectors ----------------------------------------------------------------------------

    async def call_connector(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> ConnectorOutcome:
        return await self._connectors.call(run.workspace_uuid, node, config)

    # --- tools -------------------------------------------------------------------------------

    def _tool_target(self, ws: str, node: dict[str, Any]) -> ToolTarget:
        tool_uuid, release_uuid, template_slug = node.get("toolUuid"), node.get("releaseUuid"), node.get("templateSlug")
        with self._db.write() as conn:
            if isinstance(tool_uuid, str) and tool_uuid:
                tool = wf_repo.get_tool(conn, ws, tool_uuid)
                if tool is None:
                    raise NodeExecutionError(f"toolInvalid: tool {tool_uuid} does not exist", retryable=False)
                if isinstance(release_uuid, str) and release_uuid:
                    release = wf_repo.get_release(conn, ws, release_uuid)
                    if release is None or release.workflow_uuid != tool.workflow_uuid:
                        raise NodeExecutionError(f"releaseNotFound: release {release_uuid} is not one of the tool's",
                                                 retryable=False)
                else:
                    release = wf_repo.release_by_status(conn, ws, tool.workflow_uuid, "deployed")
                    if release is None:
                        raise NodeExecutionError(f"noDeployedRelease: tool '{tool.name}' has never been deployed",
                                                 retryable=False)
                return ToolTarget(tool.uuid, tool.workflow_uuid, release.uuid, release.form_fields)
            if isinstance(template_slug, str) and template_slug:
                from lading.engine.templates import get_template

                template = get_template(template_slug)
                if template is None or template.get("kind") != "tool":
                    raise NodeExecutionError(f"templateNotFound: no tool template '{template_slug}'", retryable=False)
                now = utcnow()
                adhoc = str(uuidlib.uuid4())
                wf_repo.insert_release(conn, ws, {
                    "uuid": adhoc, "workflow_uuid": None, "user_uuid": None, "version": None,
                    "description": f"template {template_slug}", "status": "adhoc",
                    "form_fields": template.get("formFields"), "nodes": template["nodes"], "created_at": now,
                    "updated_at": now})
                return ToolTarget(f"template:{template_slug}", "", adhoc, template.get("formFields"))
        raise NodeExecutionError("a tool node needs toolUuid or templateSlug", retryable=False)

    async def batches_finished(self, batch_uuids: list[str]) -> None:
        from lading.store.repositories import batches as batch_repo

        def load() -> list[Any]:
            with self._db.read() as conn:
                return list(batch_repo.webhook_due(conn, batch_uuids))

        for batch in await asyncio.to_thread(load):
            await _deliver(self._db, batch)

    # --- model writes ------------------------------------------------------------------------------

    def _write_model_record(self, ws: str, workflow_uuid: str | None, action: str,
                            config: dict[str, Any]) -> dict[str, Any]:
        from lading.services.storage.records import write_model_record

        session = self._session(ws)
        try:
            return write_model_record(session, action=action, config=config, workflow_uuid=workflow_uuid)
        except LadingError as exc:  # bad data or an unknown model: the node fails, retrying would not help
            raise NodeExecutionError(exc.to_document()["errorMessage"], retryable=False) from exc

    async def write_model_record(self, run: RunState, action: str, config: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self._write_model_record, run.workspace_uuid, run.workflow_uuid, action,
                                       config)

    # --- agents ------------------------------------------------------------------------------------

    def _session(self, ws: str) -> Session:
        from lading.settings import load_settings

        return system_session(self._db, load_settings(), ws)

    async def run_agent(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> AgentOutcome:
        """A chat run's step answers its message; an agent node or native step answers `config.prompt`."""
        from lading.ai.turn import ChatTurn, TurnError
        from lading.services.ai import _runtime as ai_runtime
        from lading.services.ai import messages as ai_messages

        session = self._session(run.workspace_uuid)
        stack = [str(s) for s in run.call_stack or []]
        if node.get("kind") == "agent" and config.get("messageUuid"):
            answered = await ai_messages.answer_chat_message(session, config, stack, run.root_run_uuid)
            return AgentOutcome(answered["output"], answered["credits"])
        prompt = config.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise NodeExecutionError("config.prompt must be a non-empty string", retryable=False)
        if node.get("kind") == "agent":
            resolved = await asyncio.to_thread(ai_runtime.resolve_saved_agent, session, node)
            if isinstance(config.get("output"), dict):
                resolved = ai_runtime.ResolvedAgent({**resolved.config, "output": config["output"]},
                                                    resolved.agent_uuid, resolved.release_uuid)
        else:
            resolved = ai_runtime.ResolvedAgent(ai_runtime.native_agent_config(config), None, None)
        try:
            asked = [ChatTurn("user", [{"type": "text", "text": prompt}])]
            result = await ai_runtime.run_turn(session, resolved, asked, call_stack=stack,
                                               root_run_uuid=run.root_run_uuid)
        except TurnError as exc:
            raise NodeExecutionError(exc.message, retryable=exc.retryable) from exc
        return AgentOutcome({"answer": result.answer}, result.credits)

    # --- sendEmail, modelAsk, fileSearch ---------------------------------------------------------------

    async def send_email(self, run: RunState, config: dict[str, Any]) -> ConnectorOutcome:
        """The `smtp` integration's `sendEmail` through the step's connector (its credentials, rate limit and
        scrubbing), never from the connector's answer cache: every run sends its own message."""
        connector = config.get("connectorUuid")
        if not isinstance(connector, str) or not connector:
            raise NodeExecutionError("config.connectorUuid is required (an smtp connector)", retryable=False)
        node = {"integrationSlug": "smtp", "actionSlug": "sendEmail", "connectorUuid": connector}
        message = {key: value for key, value in config.items() if key != "connectorUuid"}
        return await self._connectors.call(run.workspace_uuid, node, message, cache=False)

    async def ask_model(self, run: RunState, config: dict[str, Any]) -> AgentOutcome:
        from lading.services.ai import _natives

        stack = [str(s) for s in run.call_stack or []]
        output, credits = await _natives.ask_model(self._session(run.workspace_uuid), config, stack,
                                                   run.root_run_uuid)
        return AgentOutcome(output, credits)

    async def search_files(self, run: RunState, config: dict[str, Any]) -> dict[str, Any]:
        from lading.services.ai import _natives

        return await asyncio.to_thread(_natives.search_files, self._session(run.workspace_uuid), config)

    async def resolve_tool(self, run: RunState, node: dict[str, Any]) -> ToolTarget:
        target = await asyncio.to_thread(self._tool_target, run.workspace_uuid, node)
        if not target.workflow_uuid:
            target.workflow_uuid = None
        return target


WEBHOOK_ATTEMPTS = 5


async def _deliver(db: Database, batch: Any) -> None:
    """POST the final `batch get` document, signed; 5 attempts with back-off; never changes the batch."""
    import hashlib as _hashlib
    import hmac
    import logging

    import httpx

    from lading.services.orchestration.batches import full

    with db.read() as conn:
        document = orjson.dumps({"batch": full(conn, batch)})
    headers = {"Content-Type": "application/json"}
    if batch.webhook_secret:
        from lading.integrations._vault import decrypt

        secret = decrypt(batch.webhook_secret, associated=f"{batch.workspace_uuid}:{batch.uuid}")["secret"]
        signature = hmac.new(secret.encode(), document, _hashlib.sha256).hexdigest()
        headers["X-Lading-Signature"] = f"sha256={signature}"
    async with httpx.AsyncClient(timeout=10) as client:
        for attempt in range(WEBHOOK_ATTEMPTS):
            try:
                response = await client.post(batch.webhook_url, content=document, headers=headers)
                if response.status_code < 300:
                    return
            except httpx.HTTPError:
                pass
            if attempt < WEBHOOK_ATTEMPTS - 1:
                await asyncio.sleep(0.5 * 2 ** attempt)
    logging.getLogger("lading.webhooks").warning("webhook for batch %s failed after %d attempts", batch.uuid,
                                                  WEBHOOK_ATTEMPTS)
