"""Integrations declared as data: a JSON or YAML document (base URL, auth, actions with JSON Schema
configs and HTTP request templates, response mapping, pagination, rate limit, credit prices) turned
into an `Integration` that the catalog, validation, the runtime, pricing and analytics treat exactly
like a built-in module.

Documents come from two places: files in `$LADING_HOME/integrations/` (installation-wide, like the
built-ins: `installation_integrations`) and a workspace's custom integrations in the store (the
service layer builds them with `integration_from_document`)."""

from lading.integrations._sdk import Integration
from lading.integrations.declarative._build import build_integration, connector_schema
from lading.integrations.declarative._document import DOCUMENT_SCHEMA, check_document, document_error, parse_text
from lading.integrations.declarative._files import builtin_documents, installation_integrations
from lading.integrations.declarative._templates import use_evaluator
from lading.integrations.declarative.openapi import from_openapi

__all__ = [
    "DOCUMENT_SCHEMA",
    "build_integration",
    "builtin_documents",
    "check_document",
    "connector_schema",
    "document_error",
    "from_openapi",
    "installation_integrations",
    "integration_from_document",
    "parse_text",
    "use_evaluator",
]


def integration_from_document(doc: object, *, rate_scope: str | None = None) -> Integration:
    """Check a parsed document and build its integration (`ValidationError` naming each problem's path);
    `rate_scope`: a workspace's own document gets its own rate gate (`Integration.rate_scope`)."""
    return build_integration(check_document(doc), rate_scope=rate_scope)
