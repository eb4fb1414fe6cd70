"""`orchestration release …` and its alias group `draft-release get|update|deploy`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.orchestration import releases
else:  # imported when a command answers locally: remote mode never loads the store
    releases = lazy_module("lading.services.orchestration.releases")

release_app = typer.Typer(help="Releases: drafts, deploys, history.", no_args_is_help=True,
                          context_settings=help_settings())
draft_app = typer.Typer(help="Alias of release get-draft | update-draft | deploy-draft.", no_args_is_help=True,
                        context_settings=help_settings())


def _body(changes: dict[str, Any]) -> dict[str, Any]:
    """The draft changes as the route's body keys."""
    return {"formFields" if key == "form_fields" else key: value for key, value in changes.items()}


def _draft_changes(nodes: str | None, form_fields: str | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if nodes is not None:
        changes["nodes"] = parse_json_flag("--nodes", nodes)
    if form_fields is not None:
        changes["form_fields"] = parse_json_flag("--form-fields", form_fields)
    return changes


@release_app.command("list")
def list_(
    workflow_uuid: str = typer.Option(None, "--workflow-uuid"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List deployed and archived releases, newest first."""
    emit(answer("GET", "/orchestration/releases/list",
                query={"workflowUuid": workflow_uuid, "limit": limit, "offset": offset},
                local=lambda s: releases.list_releases(s, workflow_uuid=workflow_uuid, limit=limit, offset=offset)))


@release_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get a release with its nodes."""
    emit(answer("GET", f"/orchestration/releases/{uuid}", local=lambda s: releases.get_release(s, uuid)))


def _get_draft(workflow_uuid: str = typer.Option(..., "--workflow-uuid")) -> None:
    """Get the workflow's editable draft."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.services.orchestration import http_reasons

    emit(answer_in_cli_words("GET", "/orchestration/releases/draft", query={"workflowUuid": workflow_uuid},
                             renames=http_reasons.DRAFT,
                             local=lambda s: releases.get_draft(s, workflow_uuid=workflow_uuid)))


def _update_draft(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid"),
    nodes: str = typer.Option(None, "--nodes", help="Node graph (JSON array, @file or -)."),
    form_fields: str = typer.Option(None, "--form-fields", help="null or [{slug,label,type,required}]."),
) -> None:
    """Replace the draft's nodes and/or form fields (a draft may be invalid)."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.services.orchestration import http_reasons

    changes = _draft_changes(nodes, form_fields)
    emit(answer_in_cli_words("POST", "/orchestration/releases/draft/update",
                             body={"workflowUuid": workflow_uuid, **_body(changes)}, renames=http_reasons.DRAFT,
                             local=lambda s: releases.update_draft(s, workflow_uuid=workflow_uuid, **changes)))


def _deploy_draft(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid"),
    nodes: str = typer.Option(None, "--nodes"),
    form_fields: str = typer.Option(None, "--form-fields"),
    description: str = typer.Option(None, "--description"),
    version: str = typer.Option(None, "--version", help="Semver above every existing version."),
) -> None:
    """Validate the draft and deploy it as the next release."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.services.orchestration import http_reasons

    changes = _draft_changes(nodes, form_fields)
    body = {"workflowUuid": workflow_uuid, "description": description, "version": version, **_body(changes)}
    emit(answer_in_cli_words("POST", "/orchestration/releases/draft/deploy", body=body,
                             renames=http_reasons.DRAFT_DEPLOY,
                             local=lambda s: releases.deploy_draft(s, workflow_uuid=workflow_uuid,
                                                                   description=description, version=version,
                                                                   **changes)))


def _get_deployed(workflow_uuid: str = typer.Option(..., "--workflow-uuid")) -> None:
    """Get the deployed release."""
    from lading.cli.orchestration._remote_answers import answer_in_cli_words
    from lading.services.orchestration import http_reasons

    emit(answer_in_cli_words("GET", "/orchestration/releases/deployed", query={"workflowUuid": workflow_uuid},
                             renames=http_reasons.RELEASE_DEPLOYED,
                             local=lambda s: releases.get_deployed(s, workflow_uuid=workflow_uuid)))


release_app.command("get-draft")(_get_draft)
release_app.command("update-draft")(_update_draft)
release_app.command("deploy-draft")(_deploy_draft)
release_app.command("get-deployed")(_get_deployed)
draft_app.command("get")(_get_draft)
draft_app.command("update")(_update_draft)
draft_app.command("deploy")(_deploy_draft)
