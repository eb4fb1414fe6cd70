"""`ai agent …`: agents of the caller's workspace (verbs: list_agents, get, create, update, remove).

An agent is a name, an icon and a folder; what it does lives in its releases (`ai_releases`). Creating
an agent also creates its first draft (empty, or copied from a template), so `release get-draft`,
chats on the draft and `deploy-draft` work at once. A removed agent disappears from every agent and
release command (`agentNotFound`); its rows stay, so its chats remain readable.

`create` and `update` also take the release settings (`release`: systemPrompt, languageModelSlug,
temperature, …, as `release update-draft` takes them), as Cargo's documents type them on `agent
create|update`. On create they seed the first draft. On update they change the draft and, when the
agent has a deployed release, deploy it, so the agent's next message uses them whichever release it
runs on (an agent never deployed already answers with its draft).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from lading.ai import icons
from lading.ai.releases import apply_changes, default_release_config
from lading.domain.errors import NotFoundError, shown
from lading.services import inputs
from lading.services.ai._lookup import page, require_agent
from lading.services.ai.shapes import Agent, Removed
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

_UNSET: Any = object()


def _templates(session: Session) -> Callable[[str | None], dict[str, Any] | None]:
    """The templates agents name, each looked up once per answer (a user's template file may be gone)."""
    from lading.ai.templates import get_template

    found: dict[str, dict[str, Any] | None] = {}

    def lookup(slug: str | None) -> dict[str, Any] | None:
        if not slug:
            return None
        if slug not in found:
            found[slug] = get_template(session.settings.home, slug)
        return found[slug]
    return lookup


def _present(session: Session, conn: Any, row: Any) -> dict[str, Any]:
    deployed = repo.release_with_status(conn, session.workspace_uuid, row.uuid, "deployed")
    return Agent.of(row, deployed, _templates(session)(row.template_slug)).dump()


def _template_slug(session: Session, value: Any) -> str | None:
    """The template an agent is said to come from: a known slug, or None."""
    from lading.ai.templates import get_template

    if value is None:
        return None
    if not isinstance(value, str) or get_template(session.settings.home, value) is None:
        raise NotFoundError(f"Template not found: {shown(value)}", reason="templateNotFound")
    return value


# --- agents -------------------------------------------------------------------------------------

def list_agents(session: Session, *, folder_uuid: str | None = None, limit: int | None = None,
                offset: int | None = None) -> dict[str, Any]:
    limit, offset = page(limit, offset)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        rows = repo.list_agents(conn, ws, folder_uuid=inputs.folder_uuid(folder_uuid), limit=limit, offset=offset)
        deployed = repo.releases_by_agent(conn, ws, [r.uuid for r in rows], "deployed")
    template = _templates(session)
    return {"agents": [Agent.of(r, deployed.get(r.uuid), template(r.template_slug)).dump() for r in rows]}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"agent": _present(session, conn, require_agent(session, conn, uuid))}


def create(session: Session, *, name: str, icon_color: str | None = None, icon_face: str | None = None,
           description: str | None = None, folder_uuid: str | None = None,
           template_slug: str | None = None, release: dict[str, Any] | None = None) -> dict[str, Any]:
    """The agent and its first draft (version "1"): empty, or the template's configuration, with the
    release settings given in `release` applied on top (checked before anything is written)."""
    from lading.ai.templates import get_template, release_config_of
    from lading.services.ai.releases import seal_mcp_clients

    config = default_release_config()
    color, face = icons.DEFAULT_COLOR, icons.DEFAULT_FACE
    if template_slug is not None:
        template = get_template(session.settings.home, template_slug)
        if template is None:
            raise NotFoundError(f"Template not found: {template_slug}", reason="templateNotFound")
        config = apply_changes(config, release_config_of(template))
        color, face = template["icon"]["color"], template["icon"]["face"]
        description = description if description is not None else template["description"]
    if release:
        config = apply_changes(config, release)
    values = {"uuid": str(uuidlib.uuid4()), "name": inputs.object_name(name), "description": description,
              "icon_color": icons.check_color(icon_color) if icon_color is not None else color,
              "icon_face": icons.check_face(icon_face) if icon_face is not None else face,
              "folder_uuid": inputs.folder_uuid(folder_uuid), "template_slug": template_slug,
              "deployed_release_uuid": None, "user_uuid": session.user_uuid}
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "agent")
        repo.insert_agent(conn, ws, {**values, "created_at": now, "updated_at": now})
        if release and "mcpClients" in release:
            config = seal_mcp_clients(session, str(values["uuid"]), {}, config)
        repo.insert_release(conn, ws, {"uuid": str(uuidlib.uuid4()), "agent_uuid": values["uuid"], "version": "1",
                                       "status": "draft", "description": None, "parent_uuid": None,
                                       "config": config, "deployed_at": None, "created_at": now,
                                       "updated_at": now, "user_uuid": session.user_uuid})
        return {"agent": _present(session, conn, require_agent(session, conn, values["uuid"]))}


def update(session: Session, uuid: str, *, name: Any = _UNSET, description: Any = _UNSET,
           icon_color: Any = _UNSET, icon_face: Any = _UNSET, folder_uuid: Any = _UNSET,
           template_slug: Any = _UNSET, release: dict[str, Any] | None = None) -> dict[str, Any]:
    """Only the given fields change; `folder_uuid=None` moves the agent to the root, `template_slug=None`
    forgets the template it came from (the releases keep what was copied). Release settings (`release`)
    change the draft, deployed at once when the agent has a deployed release (see the module's doc)."""
    values: dict[str, Any] = {}
    if template_slug is not _UNSET:
        values["template_slug"] = _template_slug(session, template_slug)
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
    if release:
        _update_release(session, uuid, values, release)
    with session.db.write() as conn:
        row = require_agent(session, conn, uuid)
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, session.workspace_uuid, values["folder_uuid"], "agent")
        if values:
            repo.update_agent(conn, session.workspace_uuid, row.uuid, {**values, "updated_at": utcnow()})
        return {"agent": _present(session, conn, require_agent(session, conn, row.uuid))}


def _update_release(session: Session, uuid: str, values: dict[str, Any], release: dict[str, Any]) -> None:
    """The release settings of `agent update`: every other change is checked first (agent, folder), so a
    refused update writes nothing; the release edit (and deploy) is one transaction of its own."""
    from lading.services.ai import releases

    with session.db.read() as conn:
        row = require_agent(session, conn, uuid)
        if "folder_uuid" in values:
            require_folder(conn, session.workspace_uuid, values["folder_uuid"], "agent")
        deployed = repo.release_with_status(conn, session.workspace_uuid, row.uuid, "deployed") is not None
    if deployed:
        releases.get_draft(session, row.uuid)  # opened first when missing (a copy of the deployed release)
        releases.deploy_draft(session, row.uuid, release)
    else:
        releases.update_draft(session, row.uuid, release)


def remove(session: Session, uuid: str) -> dict[str, Any]:
    now = utcnow()
    with session.db.write() as conn:
        row = require_agent(session, conn, uuid)
        repo.update_agent(conn, session.workspace_uuid, row.uuid, {"deleted_at": now, "updated_at": now})
    return Removed(uuid=row.uuid).dump()


