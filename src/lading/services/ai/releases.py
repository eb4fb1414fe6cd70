"""`ai release …`: an agent's versioned configurations (spec §2.2; verbs: list_releases, get, get_draft,
update_draft, deploy_draft).

An agent has at most one `draft` (edited freely, shapes checked on every edit), at most one
`deployed` (what chats, agent actions and agent nodes use) and any number of `archived`. Deploying
checks every workspace object the draft names, then in one transaction archives the deployed
release, turns the draft into the new deployed release (version = highest number + 1), copies it
into a fresh draft and points the agent at it — a failed check changes nothing.

MCP-client credentials (`mcpClients[].authentication`) are sealed with the credential vault before
they are stored (associated data `<workspace>:<agent>`, so copies between an agent's releases stay
readable) and never printed; `unseal_mcp_authentication` gives them back to whoever calls the server.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from lading.ai.releases import References, apply_changes, complete, default_release_config, references
from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.domain.nodes import UUID_RE
from lading.services.ai._lookup import page, require_agent
from lading.services.ai.shapes import MASK, Release
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

TOOLS_ERROR = "failedToReconciliateAgentAiTools"
MAX_VERSION = 32


def _release_not_found(uuid: str) -> NotFoundError:
    return NotFoundError(f"Release not found: {uuid}", reason="releaseNotFound")


def _draft_not_found() -> NotFoundError:
    return NotFoundError("This agent has no draft release; open one with `lading ai release get-draft`",
                         reason="draftReleaseNotFound")


# --- reads --------------------------------------------------------------------------------------

STATUSES = ("draft", "deployed", "archived")


def list_releases(session: Session, *, agent_uuid: str | None = None, user_uuid: str | None = None,
                  statuses: list[str] | None = None, limit: int | None = None,
                  offset: int | None = None) -> dict[str, Any]:
    """Releases of live agents, newest first; `agent_uuid`, `user_uuid` (who opened them) and `statuses`
    narrow the list."""
    limit, offset = page(limit, offset)
    for status in statuses or ():
        if status not in STATUSES:
            raise ValidationError(f"--statuses: unknown status {shown(status)}; known: {', '.join(STATUSES)}",
                                  reason="invalidData")
    user = user_uuid.lower() if user_uuid else None
    ws = session.workspace_uuid
    with session.db.read() as conn:
        if agent_uuid:
            agent = require_agent(session, conn, agent_uuid)
            rows = repo.list_releases(conn, ws, agent_uuid=agent.uuid, limit=limit, offset=offset, user_uuid=user,
                                      statuses=statuses)
        else:
            rows = repo.list_live_agent_releases(conn, ws, limit=limit, offset=offset, user_uuid=user,
                                                 statuses=statuses)
    return {"releases": [Release.of(r).dump() for r in rows]}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = repo.get_release(conn, session.workspace_uuid, uuid.lower())
        if row is None:
            raise _release_not_found(uuid)
        require_agent(session, conn, row.agent_uuid)
    return {"release": Release.of(row).dump()}


def _next_version(conn: Any, ws: str, agent_uuid: str) -> int:
    """Highest numeric version among the agent's non-draft releases, plus one."""
    numbers = [int(r.version) for r in repo.list_releases(conn, ws, agent_uuid=agent_uuid, limit=None, offset=0)
               if r.status != "draft" and str(r.version).isdigit()]
    return max(numbers, default=0) + 1


def _open_draft(session: Session, conn: Any, agent: Any) -> Any:
    """The agent's draft, created when missing as a copy of the deployed release (else empty)."""
    ws = session.workspace_uuid
    draft = repo.release_with_status(conn, ws, agent.uuid, "draft")
    if draft is not None:
        return draft
    deployed = repo.release_with_status(conn, ws, agent.uuid, "deployed")
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    repo.insert_release(conn, ws, {
        "uuid": uuid, "agent_uuid": agent.uuid, "version": str(_next_version(conn, ws, agent.uuid)),
        "status": "draft", "description": None, "parent_uuid": deployed.uuid if deployed is not None else None,
        "config": complete(deployed.config) if deployed is not None else default_release_config(),
        "deployed_at": None, "created_at": now, "updated_at": now, "user_uuid": session.user_uuid})
    return repo.get_release(conn, ws, uuid)


def get_deployed(session: Session, agent_uuid: str) -> dict[str, Any]:
    """The agent's deployed release (`releaseNotFound` before its first deploy)."""
    with session.db.read() as conn:
        agent = require_agent(session, conn, agent_uuid)
        deployed = repo.release_with_status(conn, session.workspace_uuid, agent.uuid, "deployed")
    if deployed is None:
        raise NotFoundError("This agent has no deployed release yet (`lading ai release deploy-draft`)",
                            reason="releaseNotFound")
    return {"release": Release.of(deployed).dump()}


def get_draft(session: Session, agent_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        agent = require_agent(session, conn, agent_uuid)
        draft = repo.release_with_status(conn, session.workspace_uuid, agent.uuid, "draft")
    if draft is not None:
        return {"release": Release.of(draft).dump()}
    with session.db.write() as conn:
        agent = require_agent(session, conn, agent_uuid, lock=True)
        return {"release": Release.of(_open_draft(session, conn, agent)).dump()}


# --- edits --------------------------------------------------------------------------------------

def _check_parent(session: Session, conn: Any, agent: Any, parent_uuid: str | None) -> str | None:
    if parent_uuid is None:
        return None
    row = (repo.get_release(conn, session.workspace_uuid, parent_uuid.lower())
           if UUID_RE.match(parent_uuid) else None)
    if row is None or row.agent_uuid != agent.uuid:
        raise ValidationError(f"--parent-uuid {parent_uuid} is not a release of this agent", reason="invalidParent")
    return str(row.uuid)


def _seal(session: Session, agent_uuid: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Seal new MCP credentials; a masked token sent back (from a printed release) keeps the stored one."""
    from lading.integrations._vault import encrypt

    stored = {(c.get("name"), c.get("url")): c.get("authentication") for c in old.get("mcpClients") or []}
    clients = []
    for client in new["mcpClients"]:
        auth = client.get("authentication")
        if isinstance(auth, dict) and "sealed" not in auth:
            if auth.get("accessToken") == MASK and isinstance(stored.get((client["name"], client.get("url"))), dict):
                auth = stored[(client["name"], client.get("url"))]
            else:
                auth = {"issuedAt": auth.get("issuedAt"),
                        "sealed": encrypt(auth, associated=f"{session.workspace_uuid}:{agent_uuid}")}
            client = {**client, "authentication": auth}
        clients.append(client)
    return {**new, "mcpClients": clients}


def seal_mcp_clients(session: Session, agent_uuid: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`_seal` for a draft written elsewhere (`agent create` with `--mcp-clients`)."""
    return _seal(session, agent_uuid, old, new)


def unseal_mcp_authentication(session: Session, agent_uuid: str, client: dict[str, Any]) -> dict[str, Any] | None:
    """The plain `{"issuedAt","accessToken"}` of a stored MCP client, for the call to its server."""
    from lading.integrations._vault import decrypt

    auth = client.get("authentication")
    if not isinstance(auth, dict) or "sealed" not in auth:
        return auth
    return decrypt(auth["sealed"], associated=f"{session.workspace_uuid}:{agent_uuid}")


def _edit_draft(session: Session, conn: Any, agent_uuid: str, changes: dict[str, Any],
                parent_uuid: str | None) -> tuple[Any, Any, dict[str, Any], str | None]:
    agent = require_agent(session, conn, agent_uuid, lock=True)
    draft = repo.release_with_status(conn, session.workspace_uuid, agent.uuid, "draft")
    if draft is None:
        raise _draft_not_found()
    config = apply_changes(draft.config, changes)
    if "mcpClients" in changes:
        config = _seal(session, agent.uuid, complete(draft.config), config)
    return agent, draft, config, _check_parent(session, conn, agent, parent_uuid)


def update_draft(session: Session, agent_uuid: str, changes: dict[str, Any],
                 parent_uuid: str | None = None) -> dict[str, Any]:
    """Omitted fields keep the draft's value; array fields are replaced whole. A missing draft is
    opened first (like `get-draft`)."""
    ws = session.workspace_uuid
    with session.db.write() as conn:
        _open_draft(session, conn, require_agent(session, conn, agent_uuid, lock=True))
        _, draft, config, parent = _edit_draft(session, conn, agent_uuid, changes, parent_uuid)
        values: dict[str, Any] = {"config": config, "updated_at": utcnow()}
        if parent is not None:
            values["parent_uuid"] = parent
        repo.update_release(conn, ws, draft.uuid, values)
        return {"release": Release.of(repo.get_release(conn, ws, draft.uuid)).dump()}


# --- deploy -------------------------------------------------------------------------------------

def _missing(message: str, reason: str, where: str) -> ValidationError:
    return ValidationError(message, reason=reason, details={"field": where})


def _target_exists(action: dict[str, Any], uuid_key: str, by_uuid: Callable[[str], Any],
                   by_release: Callable[[str], Any], by_template: Callable[[str], bool]) -> bool:
    """A tool or agent action names its target by uuid (`toolUuid`/`agentUuid`), by one of its
    releases, or by template slug, and the check is the same for both: what it names exists here."""
    if action.get(uuid_key):
        return by_uuid(action[uuid_key]) is not None
    if action.get("releaseUuid"):
        return by_release(action["releaseUuid"]) is not None
    return by_template(str(action.get("templateSlug")))


def check_references(session: Session, conn: Any, refs: References) -> None:
    """Every connector, tool, agent, model and file the configuration names exists in this workspace."""
    from lading.ai.templates import get_template as ai_template
    from lading.engine.templates import get_template as workflow_template
    from lading.services.connection.catalog import find_integration
    from lading.services.content import files as content
    from lading.store.repositories import connectors, storage, workflows

    ws = session.workspace_uuid
    for uuid, integration, where in refs.connectors:
        row = connectors.get_connector(conn, ws, uuid)
        if row is None or (integration and row.integration_slug != integration):
            raise _missing(f"{where}: no {integration or ''} connector {uuid} in this workspace".replace("  ", " "),
                           "invalidConnector", where)
    for uuid, integration, where in refs.action_connectors:
        row = connectors.get_connector(conn, ws, uuid)
        if row is None or (integration and row.integration_slug != integration):
            raise _missing(f"{where}: no {integration} connector {uuid} in this workspace", TOOLS_ERROR, where)
    for integration_slug, action_slug, where in refs.connector_actions:
        found = find_integration(session.db, ws, integration_slug)
        if found is None or found.action(action_slug) is None:
            raise _missing(f"{where}: unknown connector action {integration_slug}.{action_slug}", TOOLS_ERROR, where)
    def tool_of_release(uuid: str) -> Any:
        release = workflows.get_release(conn, ws, uuid)
        return None if release is None else workflows.tool_by_workflow(conn, ws, release.workflow_uuid)

    def agent_of_release(uuid: str) -> Any:
        release = repo.get_release(conn, ws, uuid)
        return None if release is None else repo.get_agent(conn, ws, release.agent_uuid)

    def tool_template(slug: str) -> bool:
        template = workflow_template(slug)
        return template is not None and template.get("kind") == "tool"

    targets = (("tool", refs.tools, lambda uuid: workflows.get_tool(conn, ws, uuid), tool_of_release, tool_template),
               ("agent", refs.agents, lambda uuid: repo.get_agent(conn, ws, uuid), agent_of_release,
                lambda slug: ai_template(session.settings.home, slug) is not None))
    for noun, actions, by_uuid, by_release, by_template in targets:
        for action, where in actions:
            if not _target_exists(action, f"{noun}Uuid", by_uuid, by_release, by_template):
                raise _missing(f"{where}: the {noun} it names does not exist in this workspace", TOOLS_ERROR, where)
    for uuid, where in refs.models:
        if storage.get_model(conn, ws, uuid) is None:
            raise _missing(f"{where}: no model {uuid} in this workspace", TOOLS_ERROR, where)
    for kind, uuid, where in refs.content:
        if not content.reference_exists(conn, ws, kind, uuid):
            reason = {"library": "libraryNotFound", "folder": "folderNotFound"}.get(kind, "fileNotFound")
            raise NotFoundError(f"{where}: no {kind} {uuid} in this workspace", reason=reason,
                                details={"field": where})
    if refs.mcp_servers:
        from lading.store.repositories import mcp_servers

        for uuid, where in refs.mcp_servers:
            server = mcp_servers.get_server(conn, ws, uuid)
            if server is None or server.kind != "remote":
                raise _missing(f"{where}: no remote MCP server {uuid} in this workspace (ai mcp-server create --url)",
                               TOOLS_ERROR, where)


def _chosen_version(conn: Any, ws: str, agent_uuid: str, version: Any) -> str:
    """A version the caller names for the deploy: a non-empty string of at most 32 characters that no
    other deployed or archived release of the agent holds (`invalidReleaseVersion`)."""
    if not isinstance(version, str) or not version.strip() or len(version.strip()) > MAX_VERSION:
        raise ValidationError(f"--version must be a non-empty string of at most {MAX_VERSION} characters "
                              f"(got {shown(version)})", reason="invalidReleaseVersion", details={"field": "version"})
    taken = {r.version for r in repo.list_releases(conn, ws, agent_uuid=agent_uuid, limit=None, offset=0)
             if r.status != "draft"}
    if version.strip() in taken:
        raise ValidationError(f"--version {version.strip()} is already a release of this agent",
                              reason="invalidReleaseVersion", details={"field": "version"})
    return version.strip()


def deploy_draft(session: Session, agent_uuid: str, changes: dict[str, Any], *, description: str | None = None,
                 parent_uuid: str | None = None, version: str | None = None) -> dict[str, Any]:
    """Apply the flags to the draft, check its references, deploy it; returns the deployed release.
    Its version is `version` when given, else the highest numeric version + 1; the new draft then takes
    the next number."""
    ws = session.workspace_uuid
    with session.db.write() as conn:
        agent, draft, config, parent = _edit_draft(session, conn, agent_uuid, changes, parent_uuid)
        check_references(session, conn, references(config))
        chosen = None if version is None else _chosen_version(conn, ws, agent.uuid, version)
        number = _next_version(conn, ws, agent.uuid)
        now = utcnow()
        previous = repo.release_with_status(conn, ws, agent.uuid, "deployed")
        if previous is not None:
            repo.update_release(conn, ws, previous.uuid, {"status": "archived", "updated_at": now})
        repo.update_release(conn, ws, draft.uuid, {
            "status": "deployed", "version": chosen or str(number), "config": config, "description": description,
            "parent_uuid": parent if parent is not None else draft.parent_uuid, "deployed_at": now,
            "updated_at": now})
        later = now + timedelta(microseconds=1)  # the new draft lists first (newest first)
        repo.insert_release(conn, ws, {
            "uuid": str(uuidlib.uuid4()), "agent_uuid": agent.uuid,
            "version": str(_next_version(conn, ws, agent.uuid)), "status": "draft",
            "description": None, "parent_uuid": draft.uuid, "config": config, "deployed_at": None,
            "created_at": later, "updated_at": later, "user_uuid": session.user_uuid})
        repo.update_agent(conn, ws, agent.uuid, {"deployed_release_uuid": draft.uuid, "updated_at": now})
        return {"release": Release.of(repo.get_release(conn, ws, draft.uuid)).dump()}
