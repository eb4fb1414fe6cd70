"""The executor's ports, implemented with the store and the integrations: connector calls,
tool-node targets and model writes. Built by whoever starts a worker (CLI worker, inline waiting)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid as uuidlib
from datetime import timedelta
from typing import Any

import orjson

from lading.domain.errors import LadingError, NodeExecutionError
from lading.domain.run_state import RunState
from lading.engine.ports import AgentOutcome, ConnectorOutcome, ToolTarget
from lading.integrations import Integration, get_integration
from lading.integrations._runtime import call_action
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import connectors as connector_repo
from lading.store.repositories import workflows as wf_repo


class ServicePorts:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- connectors ----------------------------------------------------------------------------

    def _cache_lookup(self, key: str) -> Any | None:
        with self._db.read() as conn:
            return connector_repo.cached_output(conn, key, utcnow())

    def _cache_store(self, key: str, connector_uuid: str, outcome: ConnectorOutcome, ttl_ms: int) -> None:
        with self._db.write() as conn:
            connector_repo.store_output(conn, key, connector_uuid, outcome.output, outcome.child_index,
                                        utcnow() + timedelta(milliseconds=ttl_ms))

    def _cache_ttl(self, ws: str, connector_uuid: str) -> int:
        with self._db.read() as conn:
            row = connector_repo.get_connector(conn, ws, connector_uuid)
        return int(row.cache_ttl_ms or 0) if row is not None else 0

    def _credentials(self, ws: str, connector_uuid: str, integration: Integration) -> dict[str, Any]:
        from lading.services.connections import decrypted_config, platform_credential

        with self._db.write() as conn:
            row = connector_repo.get_connector(conn, ws, connector_uuid)
            if row is not None and row.rate_limit:
                self._take_slot(conn, row)
        if row is None:
            raise NodeExecutionError(f"connectorNotFound: connector {connector_uuid} does not exist or was removed",
                                     retryable=False)
        if row.integration_slug != integration.slug:
            raise NodeExecutionError(f"connector {connector_uuid} belongs to {row.integration_slug}, "
                                     f"not {integration.slug}", retryable=False)
        if row.use_credits:
            key = platform_credential(integration)
            if key is None:
                raise NodeExecutionError("this connector uses platform credentials, but none are configured",
                                         retryable=False)
            return {"apiKey": key}
        try:
            return decrypted_config(ws, row)
        except LadingError as exc:
            raise NodeExecutionError(exc.message, retryable=False) from exc

    @staticmethod
    def _take_slot(conn: Any, row: Any) -> None:
        """The connector's own `rateLimit`, counted in the store so every worker shares it."""
        unit, maximum = row.rate_limit.get("unit"), int(row.rate_limit.get("max") or 0)
        now = utcnow()
        if unit == "day":
            window = now.replace(hour=0, minute=0, second=0, microsecond=0)
        elif unit == "hour":
            window = now.replace(minute=0, second=0, microsecond=0)
        else:
            window = now.replace(second=0, microsecond=0)
        if maximum and not connector_repo.take_call_slot(conn, row.uuid, window, maximum):
            raise NodeExecutionError(f"connector rate limit reached ({maximum} calls per {unit}); "
                                     "retry with back-off", retryable=True)

    async def call_connector(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> ConnectorOutcome:
        return await self.call_connector_in(run.workspace_uuid, node, config)

    async def call_connector_in(self, workspace_uuid: str, node: dict[str, Any],
                                config: dict[str, Any]) -> ConnectorOutcome:
        """One connector action in a workspace (used by runs and by `node execute`)."""
        integration = get_integration(str(node.get("integrationSlug")))
        if integration is None:
            raise NodeExecutionError(f"integrationNotFound: unknown integration '{node.get('integrationSlug')}'",
                                     retryable=False)
        action = integration.action(str(node.get("actionSlug")))
        if action is None:
            raise NodeExecutionError(f"actionNotImplemented: {integration.slug} has no action "
                                     f"'{node.get('actionSlug')}'", retryable=False)
        connector_uuid = node.get("connectorUuid")
        credentials: dict[str, Any] = {}
        cache_key, ttl = None, 0
        if isinstance(connector_uuid, str) and connector_uuid:
            ttl = await asyncio.to_thread(self._cache_ttl, workspace_uuid, connector_uuid)
            if ttl > 0:
                cache_key = _cache_key(connector_uuid, action.slug, config)
                hit = await asyncio.to_thread(self._cache_lookup, cache_key)
                if hit is not None:  # a stored answer: no provider call, no provider credits
                    return ConnectorOutcome(hit.output, hit.child_index, 0.0, None)
            credentials = await asyncio.to_thread(self._credentials, workspace_uuid, connector_uuid, integration)
        elif integration.requires_connector:
            raise NodeExecutionError("connectorNotFound: the node has no connectorUuid", retryable=False)
        result, credits, base_url = await call_action(integration, action, config, credentials,
                                                      connector_uuid if isinstance(connector_uuid, str) else None)
        outcome = ConnectorOutcome(result.output, result.child_index, credits, base_url)
        if cache_key is not None and isinstance(connector_uuid, str):
            await asyncio.to_thread(self._cache_store, cache_key, connector_uuid, outcome, ttl)
        return outcome

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
        from lading.services.storage_records import write_model_record

        session = self._session(ws)
        try:
            return write_model_record(session, action=action, config=config, workflow_uuid=workflow_uuid)
        except LadingError as exc:  # bad data or an unknown model: the node fails, retrying would not help
            raise NodeExecutionError(exc.to_document()["errorMessage"], retryable=False) from exc

    async def write_model_record(self, run: RunState, action: str, config: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self._write_model_record, run.workspace_uuid, run.workflow_uuid, action,
                                       config)

    # --- agents ------------------------------------------------------------------------------------

    def _session(self, ws: str) -> Any:
        from lading.services.session import Session
        from lading.settings import load_settings

        return Session(db=self._db, settings=load_settings(), workspace_uuid=ws, workspace_name="",
                       user_uuid="", user_email="")

    async def run_agent(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> AgentOutcome:
        """A chat run's step answers its message; an agent node or native step answers `config.prompt`."""
        from lading.ai.turn import ChatTurn, TurnError
        from lading.services import ai_chats, ai_runtime

        session = self._session(run.workspace_uuid)
        stack = [str(s) for s in run.call_stack or []]
        if node.get("kind") == "agent" and config.get("messageUuid"):
            answered = await ai_chats.answer_chat_message(session, config, stack)
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
            result = await ai_runtime.run_turn(session, resolved, asked, call_stack=stack)
        except TurnError as exc:
            raise NodeExecutionError(exc.message, retryable=exc.retryable) from exc
        return AgentOutcome({"answer": result.answer}, result.credits)

    async def resolve_tool(self, run: RunState, node: dict[str, Any]) -> ToolTarget:
        target = await asyncio.to_thread(self._tool_target, run.workspace_uuid, node)
        if not target.workflow_uuid:
            target.workflow_uuid = None
        return target


def _cache_key(connector_uuid: str, action_slug: str, config: dict[str, Any]) -> str:
    payload = orjson.dumps([connector_uuid, action_slug, config], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(payload).hexdigest()


WEBHOOK_ATTEMPTS = 5


async def _deliver(db: Database, batch: Any) -> None:
    """POST the final `batch get` document, signed; 5 attempts with back-off; never changes the batch."""
    import hashlib as _hashlib
    import hmac
    import logging

    import httpx

    from lading.services.batches import full

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
