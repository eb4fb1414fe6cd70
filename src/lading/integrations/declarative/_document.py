"""The integration document: reading it (JSON or YAML), its JSON Schema, and the checks beyond it.

Every problem is reported with the path inside the document where it sits (`actions[0].request.method`),
so a person editing the file knows where to look. The document is plain data; nothing in it runs
except `{{…}}` templates, which the engine's expression language evaluates over the call's values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from lading.domain.errors import ValidationError
from lading.integrations._sdk import CATEGORIES

MAX_DOCUMENT_BYTES = 1_000_000
AUTH_TYPES = ("none", "header", "query", "bearer", "basic", "oauth2ClientCredentials")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGINATION_STYLES = ("cursor", "offset", "page")
SLUG = r"^[a-z][A-Za-z0-9]{1,63}$"
FIELD_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
HOST = r"^(\*\.)?[A-Za-z0-9_.-]+(:[0-9]{1,5})?$"

_TEMPLATE_VALUE: dict[str, Any] = {}  # any JSON value; strings may hold `{{…}}` templates
_STRING_MAP: dict[str, Any] = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}

DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["slug", "name", "baseUrl", "actions"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string"},
        "slug": {"type": "string", "pattern": SLUG,
                 "description": "camelCase identifier: a lower-case letter, then letters and digits (2–64)."},
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "description": {"type": "string", "maxLength": 2000},
        "category": {"enum": list(CATEGORIES)},
        "subCategories": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string"},
        "icon": {"type": "string"},
        "color": {"type": "string"},
        "documentation": {"type": "string", "maxLength": 200_000},
        "baseUrl": {"type": "string", "pattern": r"^https?://[^\s/?#]+[^\s?#]*$"},
        "allowedHosts": {"type": "array", "maxItems": 50, "items": {"type": "string", "pattern": HOST}},
        "auth": {
            "type": "object", "required": ["type"], "additionalProperties": False,
            "properties": {
                "type": {"enum": list(AUTH_TYPES)},
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "prefix": {"type": "string", "maxLength": 40},
                "field": {"type": "string", "pattern": FIELD_NAME},
                "usernameField": {"type": "string", "pattern": FIELD_NAME},
                "passwordField": {"type": "string", "pattern": FIELD_NAME},
                "tokenUrl": {"type": "string", "minLength": 1},
                "clientIdField": {"type": "string", "pattern": FIELD_NAME},
                "clientSecretField": {"type": "string", "pattern": FIELD_NAME},
                "clientAuth": {"enum": ["basic", "body"]},
                "scopes": {"type": "array", "items": {"type": "string"}},
            },
        },
        "connectorFields": {
            "type": "object", "maxProperties": 50,
            "propertyNames": {"pattern": FIELD_NAME},
            "additionalProperties": {
                "type": "object", "additionalProperties": False,
                "properties": {
                    "type": {"enum": ["string", "number", "integer", "boolean"]},
                    "title": {"type": "string"}, "description": {"type": "string"},
                    "secret": {"type": "boolean"}, "required": {"type": "boolean"},
                    "default": {}, "enum": {"type": "array"},
                },
            },
        },
        "rateLimit": {
            "type": "object", "additionalProperties": False,
            "properties": {"requestsPerSecond": {"type": "number", "exclusiveMinimum": 0, "maximum": 10000},
                           "maxConcurrency": {"type": "integer", "minimum": 1, "maximum": 256}},
        },
        "actions": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"$ref": "#/$defs/action"}},
        "autocompletes": {"type": "array", "maxItems": 100, "items": {"$ref": "#/$defs/autocomplete"}},
        # `connection connector test`: a cheap request that succeeds (2xx, and `ok` truthy when given)
        # only with valid credentials.
        "check": {
            "type": "object", "required": ["request"], "additionalProperties": False,
            "properties": {"request": {"$ref": "#/$defs/request"}, "ok": {"type": "string"},
                           "message": {"type": "string", "maxLength": 300}},
        },
    },
    "$defs": {
        "request": {
            "type": "object", "required": ["path"], "additionalProperties": False,
            "properties": {
                "method": {"enum": list(METHODS)},
                "path": {"type": "string", "minLength": 1},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "query": {"type": "object"},
                "body": _TEMPLATE_VALUE,
                "form": {"type": "object"},
                "timeoutMs": {"type": "integer", "minimum": 1, "maximum": 600000},
            },
        },
        "pagination": {
            "type": "object", "required": ["style"], "additionalProperties": False,
            "properties": {
                "style": {"enum": list(PAGINATION_STYLES)},
                "maxPages": {"type": "integer", "minimum": 1, "maximum": 1000},
                "in": {"enum": ["query", "body"]},
                "param": {"type": "string", "minLength": 1},
                "next": {"type": "string", "minLength": 1},
                "limitParam": {"type": "string", "minLength": 1},
                "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
                "start": {"type": "integer", "minimum": 0},
            },
        },
        "autocomplete": {
            "type": "object", "required": ["slug", "request", "response"], "additionalProperties": False,
            "properties": {
                "slug": {"type": "string", "pattern": SLUG},
                "params": {"type": "array", "items": {"type": "string", "pattern": FIELD_NAME}, "uniqueItems": True},
                "request": {"$ref": "#/$defs/request"},
                "pagination": {"$ref": "#/$defs/pagination"},
                "response": {
                    "type": "object", "required": ["items", "value"], "additionalProperties": False,
                    "properties": {"items": {"type": "string"}, "value": {"type": "string"},
                                   "label": {"type": "string"}},
                },
            },
        },
        "action": {
            "type": "object", "required": ["slug", "name", "request"], "additionalProperties": False,
            "properties": {
                "slug": {"type": "string", "pattern": SLUG},
                "name": {"type": "string", "minLength": 1, "maxLength": 120},
                "description": {"type": "string", "maxLength": 2000},
                "category": {"enum": list(CATEGORIES)},
                "config": {"type": "object"},
                "outputSchema": {"type": "object"},
                "request": {"$ref": "#/$defs/request"},
                "response": {
                    "type": "object", "additionalProperties": False,
                    "properties": {
                        "items": {"type": "string"},
                        "item": _TEMPLATE_VALUE,
                        "output": _TEMPLATE_VALUE,
                        "emptyOn": {"type": "array", "items": {"type": "integer", "minimum": 400, "maximum": 599}},
                    },
                },
                "pagination": {"$ref": "#/$defs/pagination"},
                "credits": {
                    "type": "object", "additionalProperties": False,
                    "properties": {
                        "perCall": {"type": "number", "minimum": 0},
                        "perResult": {"type": "number", "minimum": 0},
                        # Prices that depend on the config: the first case whose JSON Schema matches.
                        "when": {"type": "array", "maxItems": 20, "items": {
                            "type": "object", "required": ["config"], "additionalProperties": False,
                            "properties": {"config": {"type": "object"},
                                           "perCall": {"type": "number", "minimum": 0},
                                           "perResult": {"type": "number", "minimum": 0}}}},
                    },
                },
            },
        },
    },
}


def document_error(problems: list[str], where: str = "integration document") -> ValidationError:
    shown = "; ".join(problems[:8]) + (f" (and {len(problems) - 8} more)" if len(problems) > 8 else "")
    return ValidationError(f"invalid {where}: {shown}", reason="invalidIntegrationDocument",
                           details={"problems": problems})


def parse_text(text: str, *, name: str = "") -> Any:
    """A document's text as data: JSON, else YAML (bounded: size, no aliases, safe types only)."""
    if len(text.encode("utf-8", "replace")) > MAX_DOCUMENT_BYTES:
        raise document_error([f"the document is larger than {MAX_DOCUMENT_BYTES} bytes"])
    stripped = text.lstrip()
    if name.endswith(".json") or stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise document_error([f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"]) from None
    return _parse_yaml(text)


def _parse_yaml(text: str) -> Any:
    import yaml

    # libyaml's parser when PyYAML was built with it (about ten times faster), the same safe types.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Aliases would let a small file expand into a huge document: refused outright.
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                raise document_error(["YAML aliases (*name) are not accepted in integration documents"])
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise document_error([f"not valid YAML or JSON{where}: {problem}"]) from None


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def check_document(doc: Any) -> dict[str, Any]:
    """The document as given, when valid; otherwise a `ValidationError` listing every problem by path."""
    from jsonschema import Draft202012Validator

    if not isinstance(doc, dict):
        raise document_error(["(document): must be an object"])
    validator = Draft202012Validator(DOCUMENT_SCHEMA)
    problems = [f"{_path(err.absolute_path)}: {_message(err)}"
                for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])]
    if problems:
        raise document_error(problems)
    problems = _semantic_problems(doc)
    if problems:
        raise document_error(problems)
    return doc


def _message(err: Any) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown key(s):")
    if err.validator == "pattern" and err.absolute_path and err.absolute_path[-1] == "slug":
        return f"{json.dumps(err.instance)} is not a slug (a lower-case letter, then letters and digits)"
    return str(err.message)


def _semantic_problems(doc: Mapping[str, Any]) -> list[str]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    problems: list[str] = []
    auth = doc.get("auth") or {"type": "none"}
    kind = auth["type"]
    if kind in ("header", "query") and not auth.get("name"):
        problems.append(f"auth.name: required for auth type {kind!r} (the header or query parameter name)")
    if kind == "oauth2ClientCredentials" and not auth.get("tokenUrl"):
        problems.append("auth.tokenUrl: required for auth type 'oauth2ClientCredentials'")
    seen: dict[str, int] = {}
    for index, action in enumerate(doc["actions"]):
        where = f"actions[{index}]"
        if action["slug"] in seen:
            problems.append(f"{where}.slug: {action['slug']!r} is already the slug of actions[{seen[action['slug']]}]")
        seen.setdefault(action["slug"], index)
        for case_index, case in enumerate((action.get("credits") or {}).get("when") or ()):
            try:
                Draft202012Validator.check_schema(case["config"])
            except SchemaError as exc:
                problems.append(f"{where}.credits.when[{case_index}].config: not a valid JSON Schema: {exc.message}")
        for key in ("config", "outputSchema"):
            schema = action.get(key)
            if schema is None:
                continue
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                problems.append(f"{where}.{key}: not a valid JSON Schema: {exc.message}")
                continue
            if key == "config" and schema.get("type", "object") != "object":
                problems.append(f"{where}.config: the config schema must describe an object (type: object)")
        request = action["request"]
        if "body" in request and "form" in request:
            problems.append(f"{where}.request: give body or form, not both")
        if request.get("method", "GET") == "GET" and ("body" in request or "form" in request):
            problems.append(f"{where}.request: a GET request has no body")
        problems.extend(_template_problems(request, f"{where}.request"))
        problems.extend(_template_problems(action.get("response") or {}, f"{where}.response"))
        pagination = action.get("pagination")
        if pagination:
            problems.extend(_pagination_problems(pagination, action, f"{where}.pagination"))
    if doc.get("check"):
        problems.extend(_template_problems(doc["check"], "check"))
    ac_seen: set[str] = set()
    for index, autocomplete in enumerate(doc.get("autocompletes") or []):
        where = f"autocompletes[{index}]"
        if autocomplete["slug"] in ac_seen:
            problems.append(f"{where}.slug: {autocomplete['slug']!r} is already another autocomplete's slug")
        ac_seen.add(autocomplete["slug"])
        problems.extend(_template_problems(autocomplete["request"], f"{where}.request"))
        problems.extend(_template_problems(autocomplete["response"], f"{where}.response"))
        if autocomplete.get("pagination"):
            problems.extend(_pagination_problems(autocomplete["pagination"], autocomplete, f"{where}.pagination"))
    return problems


def _template_problems(value: Any, where: str) -> list[str]:
    """Unbalanced `{{` / `}}` in template strings (the expressions themselves are checked when run)."""
    if isinstance(value, str):
        if value.count("{{") != value.count("}}"):
            return [f"{where}: unbalanced '{{{{' and '}}}}' in {json.dumps(value)}"]
        return []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _template_problems(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _template_problems(v, f"{where}[{i}]")]
    return []


def _pagination_problems(pagination: Mapping[str, Any], action: Mapping[str, Any], where: str) -> list[str]:
    style = pagination["style"]
    problems = []
    if not pagination.get("param"):
        problems.append(f"{where}.param: required (the query or body parameter that carries the {style})")
    if style == "cursor" and not pagination.get("next"):
        problems.append(f"{where}.next: required for cursor pagination (a template reading the next cursor "
                        "from the response, e.g. '{{response.body.nextCursor}}')")
    if style == "offset" and not pagination.get("limit"):
        problems.append(f"{where}.limit: required for offset pagination (the page size)")
    if pagination.get("in") == "body" and action["request"].get("method", "GET") == "GET":
        problems.append(f"{where}.in: 'body' needs a request method with a body")
    if not (action.get("response") or {}).get("items"):
        problems.append(f"{where}: paginated actions need response.items (a template selecting the page's items, "
                        "e.g. '{{response.body.results}}')")
    return problems


def slug_ok(slug: str) -> bool:
    return re.match(SLUG, slug) is not None
