"""`orchestration release …` / `draft-release …`: drafts, deploys and the release history."""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, found, shown
from lading.domain.paging import check_page
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration._graphs import find_tool_cycle, invalid_nodes
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import workflows as repo

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_UNSET: Any = object()
_FIELD_TYPES = ("string", "number", "boolean", "date", "array", "object", "any", "enum")
LISTED_STATUSES = ("deployed", "archived")
# A template's placeholders the draft's `options` fill in (api.md §2.3).
CONNECTOR_PLACEHOLDER = "__REPLACE_WITH_CONNECTOR_UUID__"
MODEL_PLACEHOLDER = "__REPLACE_WITH_MODEL_UUID__"


def _semver(text: str | None) -> tuple[int, int, int] | None:
    m = _SEMVER.match(text or "")
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def next_version(existing: list[str]) -> str:
    parsed = [v for v in (_semver(x) for x in existing) if v]
    if not parsed:
        return "1.0.0"
    major, minor, patch = max(parsed)
    return f"{major}.{minor}.{patch + 1}"


def validate_form_fields(form_fields: Any) -> list[dict[str, Any]] | None:
    """Null, or fields in the CLI's spelling (`label`, `type`, `required`) or the HTTP client's
    (`name`, `kind`, `isRequired`, `placeholder`), stored in both so every reader finds its keys."""
    if form_fields is None:
        return None
    if not isinstance(form_fields, list):
        raise ValidationError("--form-fields must be null or a JSON array", reason="invalidData")
    return [_form_field(f, str(i)) for i, f in enumerate(form_fields)]


def _form_field(field: Any, where: str) -> dict[str, Any]:
    if not isinstance(field, dict) or not isinstance(field.get("slug"), str) or not field["slug"]:
        raise ValidationError(f"form field {where}: needs a slug", reason="invalidData")
    slug = field["slug"]
    kind = field.get("kind", field.get("type", "any"))
    if kind not in _FIELD_TYPES:
        raise ValidationError(f"form field {slug}: unknown type {shown(kind)}", reason="invalidData")
    if kind == "enum" and not (isinstance(field.get("enum"), list)
                               and all(isinstance(v, str) for v in field["enum"])):
        raise ValidationError(f"form field {slug}: an enum field needs \"enum\", an array of strings",
                              reason="invalidData")
    nested = field.get("fields")
    if nested is not None and not isinstance(nested, list):
        raise ValidationError(f"form field {slug}: \"fields\" must be an array", reason="invalidData")
    out = presenters.both_spellings(field)
    if isinstance(nested, list):
        out["fields"] = [_form_field(f, f"{slug}.fields[{i}]") for i, f in enumerate(nested)]
    return out


def _test_records(records: Any) -> list[dict[str, Any]]:
    """`[{kind:"id",id,data?} | {kind:"data",data}]` (api.md §2.3)."""
    if not isinstance(records, list):
        raise ValidationError("testRecords must be an array", reason="invalidData")
    for i, record in enumerate(records):
        kind = record.get("kind") if isinstance(record, dict) else None
        ok = (kind == "id" and isinstance(record.get("id"), (str, int)) and set(record) <= {"kind", "id", "data"}
              and isinstance(record.get("data", {}), dict)) or \
             (kind == "data" and isinstance(record.get("data"), dict) and set(record) == {"kind", "data"})
        if not ok:
            raise ValidationError(f'testRecords[{i}] must be {{"kind":"id","id","data"?}} or {{"kind":"data","data"}}',
                                  reason="invalidData")
    return records


def _with_options(nodes: Any, options: Any) -> Any:
    """Nodes with a template's placeholders replaced: `connectorUuidsByIntegrationSlug` fills each
    node's connector, `modelUuidsByIntegrationSlug` each model placeholder of a node of that
    integration (group sub-nodes included)."""
    if options is None:
        return nodes
    known = {"connectorUuidsByIntegrationSlug", "modelUuidsByIntegrationSlug"}
    if not isinstance(options, dict) or set(options) - known:
        raise ValidationError("options takes connectorUuidsByIntegrationSlug and modelUuidsByIntegrationSlug",
                              reason="invalidData")
    connectors = options.get("connectorUuidsByIntegrationSlug") or {}
    models = options.get("modelUuidsByIntegrationSlug") or {}
    if not isinstance(connectors, dict) or not isinstance(models, dict):
        raise ValidationError("options: each map is an object of integration slug to uuid", reason="invalidData")

    def fill(value: Any, model: Any) -> Any:
        if value == MODEL_PLACEHOLDER and model:
            return model
        if isinstance(value, dict):
            return {k: fill(v, model) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v, model) for v in value]
        return value

    def node(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        slug = item.get("integrationSlug")
        out = fill(item, models.get(slug)) if isinstance(slug, str) else dict(item)
        if out.get("connectorUuid") == CONNECTOR_PLACEHOLDER and isinstance(slug, str) and connectors.get(slug):
            out["connectorUuid"] = connectors[slug]
        config = out.get("config")
        if isinstance(config, dict) and isinstance(config.get("_nodes"), list):
            out["config"] = {**config, "_nodes": [node(n) for n in config["_nodes"]]}
        return out

    return [node(n) for n in nodes] if isinstance(nodes, list) else nodes


def require_workflow(session: Session, conn: Any, workflow_uuid: str) -> Any:
    row = repo.get_workflow(conn, session.workspace_uuid, workflow_uuid)
    if row is None:
        raise NotFoundError("Workflow not found", reason="workflowNotFound")
    return row


def require_release(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_release(conn, session.workspace_uuid, uuid), "Release", uuid)


def _draft(session: Session, conn: Any, workflow_uuid: str) -> Any:
    require_workflow(session, conn, workflow_uuid)
    draft = repo.release_by_status(conn, session.workspace_uuid, workflow_uuid, "draft")
    if draft is None:
        raise NotFoundError("this workflow has no draft", reason="releaseNotFound")
    return draft


def get_release(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"release": presenters.release(require_release(session, conn, uuid))}


def list_releases(session: Session, *, workflow_uuid: str | None = None, limit: int = 50, offset: int = 0,
                  user_uuid: str | None = None, statuses: list[str] | None = None) -> dict[str, Any]:
    """Deployed and archived releases newest first (`statuses` may also ask for drafts; ad-hoc
    graphs are never listed)."""
    check_page(limit, offset)
    wanted = tuple(statuses) if statuses else LISTED_STATUSES
    for status in wanted:
        if status not in ("draft", *LISTED_STATUSES):
            raise ValidationError(f"unknown release status {shown(status)}; use draft, deployed or archived",
                                  reason="invalidData")
    with session.db.read() as conn:
        if workflow_uuid:
            require_workflow(session, conn, workflow_uuid)
        rows = repo.list_releases(conn, session.workspace_uuid, workflow_uuid, limit, offset, statuses=wanted,
                                  user_uuid=user_uuid)
        return {"releases": [presenters.release_item(r) for r in rows]}


def get_draft(session: Session, *, workflow_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"release": presenters.release(_draft(session, conn, workflow_uuid))}


def get_deployed(session: Session, *, workflow_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        require_workflow(session, conn, workflow_uuid)
        row = repo.release_by_status(conn, session.workspace_uuid, workflow_uuid, "deployed")
        if row is None:
            raise NotFoundError("this workflow has never been deployed", reason="noDeployedRelease")
        return {"release": presenters.release(row)}


def update_draft(session: Session, *, workflow_uuid: str, nodes: Any = _UNSET, form_fields: Any = _UNSET,
                 test_records: Any = _UNSET, parent_uuid: Any = _UNSET, options: Any = None) -> dict[str, Any]:
    """Replace the draft's nodes, form fields and/or test records (`options` fill a template's
    placeholders in the nodes); a draft may be invalid until deployed. `parent_uuid` names the
    release the draft was edited from, one of the workflow's."""
    values: dict[str, Any] = {}
    if nodes is not _UNSET:
        if not isinstance(nodes, list):
            raise ValidationError("--nodes must be a JSON array", reason="invalidData")
        values["nodes"] = _with_options(nodes, options)
    if form_fields is not _UNSET:
        values["form_fields"] = validate_form_fields(form_fields)
    if test_records is not _UNSET:
        values["test_records"] = _test_records(test_records)
    now = utcnow()
    with session.db.write() as conn:
        draft = _draft(session, conn, workflow_uuid)
        if parent_uuid is not _UNSET and parent_uuid is not None:
            parent = repo.get_release(conn, session.workspace_uuid, str(parent_uuid))
            if parent is None or parent.workflow_uuid != workflow_uuid or parent.status == "draft":
                raise ValidationError(f"release {shown(parent_uuid)} is not a release of this workflow",
                                      reason="invalidParent")
            values["parent_uuid"] = parent.uuid
        if nodes is _UNSET and options is not None:
            values["nodes"] = _with_options(draft.nodes, options)
        if values:
            values["updated_at"] = now
            repo.update_release(conn, session.workspace_uuid, draft.uuid, values)
            repo.touch_workflow(conn, session.workspace_uuid, workflow_uuid, now)
        return {"release": presenters.release(require_release(session, conn, draft.uuid))}


def deploy_draft(session: Session, *, workflow_uuid: str, nodes: Any = _UNSET, form_fields: Any = _UNSET,
                 description: str | None = None, version: str | None = None, options: Any = None) -> dict[str, Any]:
    """Snapshot the (validated) draft as the next deployed release; archive the previous one. The
    new release's parent is the release it replaces; the draft's becomes the new release."""
    if nodes is not _UNSET or form_fields is not _UNSET or options is not None:
        update_draft(session, workflow_uuid=workflow_uuid, nodes=nodes, form_fields=form_fields, options=options)
    if nodes is not _UNSET:
        from lading.engine.validation import prime_expressions  # the engine only for a deploy

        prime_expressions(nodes)  # V8's verdicts before the write transaction, not while holding it
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        draft = _draft(session, conn, workflow_uuid)
        problems = invalid_nodes(session, draft.nodes)
        if problems:
            raise ValidationError("the draft's nodes are not valid", reason="nodesInvalid",
                                  extra={"invalidNodes": problems})
        own_tool = repo.tool_by_workflow(conn, ws, workflow_uuid)
        cycle = find_tool_cycle(session, conn, own_tool.uuid, draft.nodes) if own_tool else None
        if cycle:
            raise ValidationError("recursion: this tool would call itself (" + " → ".join(cycle) + ")",
                                  reason="toolInvalid", details={"cycle": cycle})
        existing = repo.versions_of(conn, ws, workflow_uuid)
        if version is not None:
            wanted = _semver(version)
            if wanted is None:
                raise ValidationError(f"--version must be semver (e.g. 2.0.0), got {shown(version)}",
                                      reason="invalidData", details={"field": "version"})
            if any((_semver(v) or (0, 0, 0)) >= wanted for v in existing):
                raise ValidationError(f"--version {version} must be above every existing version",
                                      reason="invalidData", details={"field": "version"})
        else:
            version = next_version(existing)
        replaced = repo.release_by_status(conn, ws, workflow_uuid, "deployed")
        repo.archive_deployed(conn, ws, workflow_uuid)
        release_uuid = str(uuidlib.uuid4())
        repo.insert_release(conn, ws, {
            "uuid": release_uuid, "workflow_uuid": workflow_uuid, "user_uuid": session.user_uuid,
            "version": version, "description": description, "status": "deployed",
            "form_fields": draft.form_fields, "nodes": draft.nodes, "created_at": now, "updated_at": now,
            "deployed_at": now, "parent_uuid": replaced.uuid if replaced is not None else None,
            "test_records": draft.test_records})
        repo.update_release(conn, ws, draft.uuid, {"parent_uuid": release_uuid})
        repo.touch_workflow(conn, ws, workflow_uuid, now)
        out = {"release": presenters.release(require_release(session, conn, release_uuid))}
    if own_tool is not None and own_tool.triggers:

        session.work.announce()  # its cron triggers now have a release to run
    return out
