"""`orchestration tool …`: on-demand workflows and their cron triggers."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, ValidationError, found, shown
from lading.engine.costs import credits_cost
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration import shapes
from lading.services.orchestration._graphs import insert_new_workflow
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import utcnow
from lading.store.repositories import workflows as repo

_UNSET: Any = object()


def validate_triggers(triggers: Any) -> list[dict[str, Any]]:
    """Only `cron` triggers are stored; an invalid cron or timezone is rejected on write."""
    if not isinstance(triggers, list):
        raise ValidationError("--triggers must be a JSON array", reason="invalidData")
    from croniter import croniter

    out = []
    for i, trig in enumerate(triggers):
        if not isinstance(trig, dict) or trig.get("type") != "cron":
            raise ValidationError(f"trigger {i}: only {{\"type\":\"cron\"}} triggers exist", reason="invalidData")
        cron = trig.get("cron")
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise ValidationError(f"trigger {i}: invalid cron expression {shown(cron)}", reason="invalidData")
        tz = trig.get("timezone")
        if tz is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValidationError(f"trigger {i}: unknown timezone {shown(tz)}", reason="invalidData") from exc
        data = trig.get("data", {})
        if not isinstance(data, dict):
            raise ValidationError(f"trigger {i}: data must be an object", reason="invalidData")
        item = {"name": str(trig.get("name") or f"Trigger {i + 1}"), "type": "cron", "cron": cron, "data": data}
        if tz is not None:
            item["timezone"] = tz
        out.append(item)
    return out


def _present(session: Session, conn: Any, row: Any) -> dict[str, Any]:
    ws = session.workspace_uuid
    deployed = repo.release_by_status(conn, ws, row.workflow_uuid, "deployed")
    nodes = deployed.nodes if deployed is not None else []
    # Who created the tool: its workflow's draft was written by them, in the same transaction.
    draft = repo.release_by_status(conn, ws, row.workflow_uuid, "draft")
    return presenters.tool(row, credits_cost(nodes, lambda node: list_price_of(node, session)),
                           draft.user_uuid if draft is not None else None)


def icon_columns(icon: Any) -> dict[str, Any]:
    """A ToolIcon (`{"kind":"emoji","emojiSlug"}` | `{"kind":"raw","data"}` | null) as the tool's
    columns: an emoji is `emoji_slug`, a raw image `icon`; setting one clears the other."""
    if icon is None:
        return {"emoji_slug": None, "icon": None}
    if isinstance(icon, dict) and icon.get("kind") == "emoji":
        slug = icon.get("emojiSlug")
        if not isinstance(slug, str) or not slug.strip() or len(slug) > 64 or set(icon) - {"kind", "emojiSlug"}:
            raise ValidationError('icon: {"kind":"emoji"} needs "emojiSlug", a name of at most 64 characters',
                                  reason="invalidData")
        return {"emoji_slug": slug.strip(), "icon": None}
    if isinstance(icon, dict) and icon.get("kind") == "raw":
        data = icon.get("data")
        if not isinstance(data, str) or not data or set(icon) - {"kind", "data"}:
            raise ValidationError('icon: {"kind":"raw"} needs "data", a non-empty string', reason="invalidData")
        return {"emoji_slug": None, "icon": {"kind": "raw", "data": data}}
    raise ValidationError('icon must be {"kind":"emoji","emojiSlug"} or {"kind":"raw","data"}', reason="invalidData")


def emoji_icon(emoji_slug: str | None) -> dict[str, Any] | None:
    """The ToolIcon the CLI's `--emoji-slug` stands for."""
    return None if emoji_slug is None else {"kind": "emoji", "emojiSlug": emoji_slug}


def list_price_of(node: dict[str, Any], session: Session | None = None) -> float:
    """A connector node's list price (the workspace's custom integrations included when a session is
    given); a graph of natives is priced without loading the integrations."""
    if node.get("kind") != "connector":
        return 0.0
    from lading.integrations.pricing import list_price
    from lading.integrations.pricing import list_price_of as catalog_price

    if session is None:
        return catalog_price(node)
    from lading.services.connection.catalog import find_integration

    integration = find_integration(session.db, session.workspace_uuid, str(node.get("integrationSlug")))
    action = integration.action(str(node.get("actionSlug"))) if integration else None
    return list_price(action) if action else 0.0


def check_cap(value: Any, flag: str) -> float | None:
    from lading.services.orchestration._credit_caps import check_cap as check

    return check(value, flag)


def require_tool(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_tool(conn, session.workspace_uuid, uuid), "Tool", uuid)


def create_tool(session: Session, *, name: str, description: str | None = None, folder_uuid: str | None = None,
                icon: Any = None, triggers: Any = None, credit_cap: Any = None) -> dict[str, Any]:
    if not name or not name.strip():
        raise ValidationError("--name must not be empty", reason="invalidData")
    cap = check_cap(credit_cap, "--credit-cap")
    trig = validate_triggers(triggers) if triggers is not None else []
    icon_values = icon_columns(icon)
    now = utcnow()
    tool_uuid, workflow_uuid = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    ws = session.workspace_uuid
    with session.db.write() as conn:
        folder_uuid = require_folder(conn, ws, folder_uuid, "tool")
        insert_new_workflow(session, conn, workflow_uuid, now, tool_uuid=tool_uuid, folder_uuid=folder_uuid)
        repo.insert_tool(conn, ws, {
            "uuid": tool_uuid, "workflow_uuid": workflow_uuid, "name": name.strip(), "description": description,
            "triggers": trig, "is_read_only": False, "folder_uuid": folder_uuid, **icon_values,
            "credit_cap": cap, "created_at": now, "updated_at": now})
        out = {"tool": _present(session, conn, require_tool(session, conn, tool_uuid))}
    _schedule_started(session, trig)
    return out


def _schedule_started(session: Session, triggers: list[dict[str, Any]]) -> None:
    """Triggers exist: make sure a worker (which runs the scheduler) is up, or nothing fires them."""
    if triggers:

        session.work.announce()


def get_tool(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"tool": _present(session, conn, require_tool(session, conn, uuid))}


def list_tools(session: Session, *, folder_uuid: str | None = None) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"tools": [_present(session, conn, r) for r in repo.list_tools(conn, session.workspace_uuid,
                                                                                  folder_uuid)]}


def update_tool(session: Session, uuid: str, *, name: Any = _UNSET, description: Any = _UNSET,
                triggers: Any = _UNSET, folder_uuid: Any = _UNSET, icon: Any = _UNSET,
                credit_cap: Any = _UNSET) -> dict[str, Any]:
    """Changes the given settings; `icon` replaces the tool's icon (null removes it), as `creditCap`
    null removes the tool's credit cap."""
    values: dict[str, Any] = {}
    if credit_cap is not _UNSET:
        values["credit_cap"] = check_cap(credit_cap, "--credit-cap")
    if name is not _UNSET:
        if not name or not str(name).strip():
            raise ValidationError("--name must not be empty", reason="invalidData")
        values["name"] = str(name).strip()
    if description is not _UNSET:
        values["description"] = description
    if triggers is not _UNSET:
        values["triggers"] = validate_triggers(triggers)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = folder_uuid
    if icon is not _UNSET:
        values.update(icon_columns(icon))
    with session.db.write() as conn:
        row = require_tool(session, conn, uuid)
        if row.is_read_only:
            raise ConflictError("this tool is read-only", reason="toolReadOnly")
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, session.workspace_uuid, values["folder_uuid"], "tool")
        if values:
            values["updated_at"] = utcnow()
            repo.update_tool(conn, session.workspace_uuid, uuid, values)
        out = {"tool": _present(session, conn, require_tool(session, conn, uuid))}
    _schedule_started(session, values.get("triggers") or [])
    return out


def remove_tool(session: Session, uuid: str) -> dict[str, Any]:
    """Deletes the tool, its workflow and triggers; history stays queryable."""
    now = utcnow()
    with session.db.write() as conn:
        row = require_tool(session, conn, uuid)
        if row.is_read_only:
            raise ConflictError("this tool is read-only", reason="toolReadOnly")
        repo.update_tool(conn, session.workspace_uuid, uuid, {"deleted_at": now, "updated_at": now, "triggers": []})
        repo.soft_delete_workflow(conn, session.workspace_uuid, row.workflow_uuid, now)
    return shapes.Removed(uuid=uuid).dump()


def tool_of_workflow(session: Session, workflow_uuid: str) -> dict[str, Any] | None:
    """`{uuid, name}` of the live tool owning this workflow (None: a play's, an ad-hoc one, or removed):
    what a run page names its run by."""
    with session.db.read() as conn:
        row = repo.tool_by_workflow(conn, session.workspace_uuid, workflow_uuid)
    return {"uuid": row.uuid, "name": row.name} if row is not None else None
