"""`ai agent …`, `ai template …`, `ai language-model …`: agents of the caller's workspace.

An agent is a name, an icon and a folder; what it does lives in its releases (`ai_releases`). Creating
an agent also creates its first draft (empty, or copied from a template), so `release get-draft`,
chats on the draft and `deploy-draft` work at once. A removed agent disappears from every agent and
release command (`agentNotFound`); its rows stay, so its chats remain readable.
"""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path
from typing import Any

from lading.ai import icons
from lading.ai.releases import apply_changes, complete, default_release_config
from lading.domain.errors import NotFoundError, ValidationError
from lading.services import inputs
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import ai as repo

AGENT_NOT_FOUND = "Agent not found"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_UNSET: Any = object()


# --- presenters ---------------------------------------------------------------------------------

def present_release(row: Any, *, for_agent: bool = False) -> dict[str, Any]:
    """A Release (spec §2.2); inside an Agent's `deployedRelease`, without agentUuid/status/updatedAt.
    MCP-client credentials are never printed (`accessToken` masked)."""
    config = complete(row.config)
    doc: dict[str, Any] = {"uuid": row.uuid}
    if not for_agent:
        doc["agentUuid"] = row.agent_uuid
    doc.update({"version": row.version})
    if not for_agent:
        doc["status"] = row.status
    doc.update({"description": row.description, "parentUuid": row.parent_uuid,
                "systemPrompt": config["systemPrompt"], "languageModelSlug": config["languageModelSlug"],
                "integrationSlug": config["integrationSlug"], "connectorUuid": config["connectorUuid"],
                "temperature": config["temperature"], "maxSteps": config["maxSteps"],
                "withReasoning": config["withReasoning"], "actions": config["actions"],
                "resources": config["resources"], "mcpClients": [_masked(c) for c in config["mcpClients"]],
                "capabilities": config["capabilities"], "suggestedActions": config["suggestedActions"],
                "options": config["options"], "output": config["output"], "heartbeat": config["heartbeat"],
                "deployedAt": iso(row.deployed_at), "createdAt": iso(row.created_at)})
    if not for_agent:
        doc["updatedAt"] = iso(row.updated_at)
    return doc


MASK = "********"


def _masked(client: dict[str, Any]) -> dict[str, Any]:
    auth = client.get("authentication")
    if not isinstance(auth, dict):
        return client
    return {**client, "authentication": {"issuedAt": auth.get("issuedAt"), "accessToken": MASK}}


def present_agent(row: Any, deployed: Any | None) -> dict[str, Any]:
    """An Agent (spec §2.1)."""
    return {
        "uuid": row.uuid, "workspaceUuid": row.workspace_uuid, "name": row.name,
        "icon": {"color": row.icon_color, "face": row.icon_face}, "description": row.description, "triggers": [],
        "deployedRelease": present_release(deployed, for_agent=True) if deployed is not None else None,
        "folderUuid": row.folder_uuid, "template": row.template_slug, "isReadOnly": False,
        "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at),
    }


# --- shared checks ------------------------------------------------------------------------------

def page(limit: int | None, offset: int | None) -> tuple[int, int]:
    """`--limit` (default 100, at most 1000) and `--offset` (spec §3.7)."""
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = offset or 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("--offset must not be negative", reason="invalidData")
    return limit, offset


def require_agent(session: Session, conn: Any, uuid: str | None, *, lock: bool = False) -> Any:
    """A live agent of this workspace, else `agentNotFound` (`lock`: row-locked for a release change)."""
    find = repo.lock_agent if lock else repo.get_agent
    row = find(conn, session.workspace_uuid, uuid.lower()) if uuid else None
    if row is None:
        raise NotFoundError(AGENT_NOT_FOUND, reason="agentNotFound", details={"uuid": uuid})
    return row




def _present(session: Session, conn: Any, row: Any) -> dict[str, Any]:
    deployed = repo.release_with_status(conn, session.workspace_uuid, row.uuid, "deployed")
    return present_agent(row, deployed)


# --- agents -------------------------------------------------------------------------------------

def list_agents(session: Session, *, folder_uuid: str | None = None, limit: int | None = None,
                offset: int | None = None) -> dict[str, Any]:
    limit, offset = page(limit, offset)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        rows = repo.list_agents(conn, ws, folder_uuid=inputs.folder_uuid(folder_uuid), limit=limit, offset=offset)
        deployed = repo.releases_by_agent(conn, ws, [r.uuid for r in rows], "deployed")
    return {"agents": [present_agent(r, deployed.get(r.uuid)) for r in rows]}


def get_agent(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"agent": _present(session, conn, require_agent(session, conn, uuid))}


def create_agent(session: Session, *, name: str, icon_color: str | None = None, icon_face: str | None = None,
                 description: str | None = None, folder_uuid: str | None = None,
                 template_slug: str | None = None) -> dict[str, Any]:
    """The agent and its first draft (version "1"): empty, or the template's configuration."""
    from lading.ai.templates import get_template, release_config_of

    config = default_release_config()
    color, face = icons.DEFAULT_COLOR, icons.DEFAULT_FACE
    if template_slug is not None:
        template = get_template(session.settings.home, template_slug)
        if template is None:
            raise NotFoundError(f"Template not found: {template_slug}", reason="templateNotFound")
        config = apply_changes(config, release_config_of(template))
        color, face = template["icon"]["color"], template["icon"]["face"]
        description = description if description is not None else template["description"]
    values = {"uuid": str(uuidlib.uuid4()), "name": inputs.object_name(name), "description": description,
              "icon_color": icons.check_color(icon_color) if icon_color is not None else color,
              "icon_face": icons.check_face(icon_face) if icon_face is not None else face,
              "folder_uuid": inputs.folder_uuid(folder_uuid), "template_slug": template_slug,
              "deployed_release_uuid": None}
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        repo.insert_agent(conn, ws, {**values, "created_at": now, "updated_at": now})
        repo.insert_release(conn, ws, {"uuid": str(uuidlib.uuid4()), "agent_uuid": values["uuid"], "version": "1",
                                       "status": "draft", "description": None, "parent_uuid": None,
                                       "config": config, "deployed_at": None, "created_at": now,
                                       "updated_at": now})
        return {"agent": _present(session, conn, require_agent(session, conn, values["uuid"]))}


def update_agent(session: Session, uuid: str, *, name: Any = _UNSET, description: Any = _UNSET,
                 icon_color: Any = _UNSET, icon_face: Any = _UNSET, folder_uuid: Any = _UNSET) -> dict[str, Any]:
    """Only the given fields change; `folder_uuid=None` moves the agent to the root."""
    values: dict[str, Any] = {}
    if name is not _UNSET:
        values["name"] = inputs.object_name(name)
    if description is not _UNSET:
        values["description"] = description
    if icon_color is not _UNSET:
        values["icon_color"] = icons.check_color(icon_color)
    if icon_face is not _UNSET:
        values["icon_face"] = icons.check_face(icon_face)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = inputs.folder_uuid(folder_uuid)
    with session.db.write() as conn:
        row = require_agent(session, conn, uuid)
        if values:
            repo.update_agent(conn, session.workspace_uuid, row.uuid, {**values, "updated_at": utcnow()})
        return {"agent": _present(session, conn, require_agent(session, conn, row.uuid))}


def remove_agent(session: Session, uuid: str) -> dict[str, Any]:
    now = utcnow()
    with session.db.write() as conn:
        row = require_agent(session, conn, uuid)
        repo.update_agent(conn, session.workspace_uuid, row.uuid, {"deleted_at": now, "updated_at": now})
    return {"uuid": row.uuid, "removed": True}


# --- templates and language models --------------------------------------------------------------

def list_templates(home: Path) -> dict[str, Any]:
    """Templates are not workspace data: shipped ones plus `<home>/templates/*.json`."""
    from lading.ai.templates import all_templates

    return {"templates": all_templates(home)}


def get_template(home: Path, slug: str) -> dict[str, Any]:
    from lading.ai.templates import get_template as find

    template = find(home, slug)
    if template is None:
        raise NotFoundError(f"Template not found: {slug}", reason="templateNotFound")
    return {"template": template}


def list_language_models(integration_slug: str | None = None) -> dict[str, Any]:
    """The catalog; an unknown `--integration-slug` is an error rather than an empty list."""
    from lading.ai.catalog import is_provider, language_models
    from lading.integrations import get_integration

    if integration_slug is not None and not is_provider(integration_slug):
        if get_integration(integration_slug) is None:
            raise NotFoundError(f"Integration not found: {integration_slug}", reason="integrationNotFound")
        return {"languageModels": []}
    return {"languageModels": language_models(integration_slug)}
