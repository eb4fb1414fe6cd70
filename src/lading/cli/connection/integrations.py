"""`connection integration …`: the integration catalog, its documentation, and connecting through OAuth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit, emit_text, split_list

if TYPE_CHECKING:
    from lading.services.connection import connectors, custom_integrations, integrations
else:  # imported when a command answers locally: remote mode never loads the store
    connectors = lazy_module("lading.services.connection.connectors")
    integrations = lazy_module("lading.services.connection.integrations")
    custom_integrations = lazy_module("lading.services.connection.custom_integrations")

integration_app = typer.Typer(help="The integration catalog.", no_args_is_help=True,
                              context_settings=help_settings())


@integration_app.command("list")
def integration_list(
    category: str = typer.Option(None, "--category"),
    slug: str = typer.Option(None, "--slug", help="Exact slug (alias of --slugs)."),
    slugs: str = typer.Option(None, "--slugs", help="Comma-separated exact slugs."),
    search: str = typer.Option(None, "--search", help="Case-insensitive match on name and slug."),
    has_actions: str = typer.Option(None, "--has-actions", help="true or false."),
    has_extractors: str = typer.Option(None, "--has-extractors", help="true or false."),
) -> None:
    """List integrations (full objects)."""
    wanted = (split_list(slugs) or []) + (split_list(slug) or [])
    fields = {"category": category, "slugs": wanted or None, "search": search, "hasActions": has_actions,
              "hasExtractors": has_extractors}
    emit(answer("GET", "/connection/integrations/list", query=fields,
                local=lambda s: integrations.list_integrations(
                    s, category=category, slugs=wanted or None, search=search, has_actions=has_actions,
                    has_extractors=has_extractors)))


@integration_app.command("get")
def integration_get(slug: str = typer.Argument(...)) -> None:
    """One integration: connector schema and actions."""
    emit(answer("GET", f"/connection/integrations/{slug}", local=lambda s: integrations.get(slug, s)))


@integration_app.command("get-documentation")
def integration_docs(slug: str = typer.Argument(...)) -> None:
    """The integration's Markdown documentation (plain text)."""
    from lading.cli.remote import target

    remote = target()
    if remote is None:
        from lading.cli.common import local_session

        emit_text(integrations.get_documentation(slug, local_session()))
        return
    emit_text(remote.raw("GET", f"/connection/integrations/{slug}/documentation").text)


@integration_app.command("import-openapi")
def import_openapi(
    file: str = typer.Argument(..., help="An OpenAPI 3 document (.json, .yaml or .yml)."),
    slug: str = typer.Option(None, "--slug", help="The integration's slug (default: from info.title)."),
    name: str = typer.Option(None, "--name", help="The integration's name (default: info.title)."),
    output: str = typer.Option(None, "--output",
                               help="Also save the document to this file (.yaml/.yml as YAML, else JSON), e.g. "
                                    "into $LADING_HOME/integrations/ or for `custom-integration create --file`."),
) -> None:
    """An integration document generated from an OpenAPI 3 document: each operation an action (parameters
    and JSON body as its config schema), servers[0] as base URL, the security scheme as auth."""
    from lading.cli.connection.custom_integrations import read_document_file

    spec = read_document_file("FILE", file)
    body = {"openapi": spec, "slug": slug, "name": name}
    result = answer("POST", "/connection/integrations/importOpenapi", body=body,
                    local=lambda s: custom_integrations.import_openapi(spec, slug=slug, name=name))
    if output:
        _save_document(output, result["document"])
        result = {**result, "file": output}
    emit(result)


def _save_document(path: str, document: Any) -> None:
    import json

    from lading.domain.errors import ValidationError

    if path.endswith((".yaml", ".yml")):
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ValidationError(f"--output: cannot write {path}: {exc.strerror}", reason="invalidData") from None


@integration_app.command("initiate-oauth")
def initiate_oauth(
    slug: str = typer.Argument(..., help="Integration slug (one whose connector schema has `x-oauth`)."),
    redirect_uri: str = typer.Option(None, "--redirect-uri",
                                     help="Where the provider sends the user back "
                                          "(default LADING_OAUTH_REDIRECT_URI)."),
) -> None:
    """The provider's consent URL for this server's OAuth app: open it, then `complete-oauth` with the code."""
    body = {"redirectUri": redirect_uri} if redirect_uri else {}
    emit(answer("POST", f"/connection/integrations/{slug}/initiateOauth", body=body,
                local=lambda s: integrations.initiate_oauth(s, slug, redirect_uri=redirect_uri)))


@integration_app.command("complete-oauth")
def complete_oauth(
    slug: str = typer.Argument(None, help="Integration slug (optional with --connector-uuid)."),
    code: str = typer.Option(..., "--code", help="The code the provider sent to the redirect URI."),
    state: str = typer.Option(None, "--state", help="The state of the consent URL (from initiate-oauth)."),
    redirect_uri: str = typer.Option(None, "--redirect-uri"),
    connector_uuid: str = typer.Option(None, "--connector-uuid",
                                       help="Give the tokens to this connector and print it."),
) -> None:
    """Exchange an OAuth code for tokens kept encrypted on the server. Prints `{value, extraValues}`
    (`value` = `oauth:<uuid>`, to put in a connector's config), or `{connector}` with --connector-uuid."""
    from lading.domain.errors import UsageError

    if not slug and not connector_uuid:
        raise UsageError("error: give the integration slug or --connector-uuid")
    if connector_uuid:
        connector = answer("GET", f"/connection/connectors/{connector_uuid}",
                           local=lambda s: connectors.get(s, connector_uuid))["connector"]
        slug = connector["integrationSlug"]
    params = {k: v for k, v in (("code", code), ("state", state), ("redirectUri", redirect_uri)) if v is not None}
    value: dict[str, Any] = answer("POST", f"/connection/integrations/{slug}/completeOauth", body={"params": params},
                                   local=lambda s: integrations.complete_oauth(s, slug, params=params))
    if not connector_uuid:
        emit(value)
        return
    integration = answer("GET", f"/connection/integrations/{slug}", local=lambda s: integrations.get(slug, s))
    field = integration["integration"]["connector"]["config"]["jsonSchema"]["x-oauth"]["field"]
    config = {field: value["value"]}
    emit(answer("PUT", f"/connection/connectors/{connector_uuid}", body={"config": config},
                local=lambda s: connectors.update(s, connector_uuid, config=config)))
