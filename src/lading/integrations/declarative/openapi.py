"""An integration document from an OpenAPI 3 document (`connection integration import-openapi`).

Each operation becomes an action: its path, query and header parameters and its JSON request body
become the action's config JSON Schema, and the request template sends each one where the operation
expects it. `servers[0].url` is the base URL; the first supported security scheme (API key in a header
or the query, HTTP bearer or basic, OAuth 2.0 client credentials) becomes the auth. Local `$ref`s
(`#/components/...`) are inlined (bounded depth); the result is checked like any document."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lading.integrations.declarative._document import METHODS, check_document, document_error

_MAX_REF_DEPTH = 12


def _camel(text: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    if not words:
        return ""
    out = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    if not out[:1].isalpha():
        out = "op" + out[:1].upper() + out[1:]
    return out[:64]


def _resolve(value: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    if depth > _MAX_REF_DEPTH:
        return {}
    if isinstance(value, Mapping):
        ref = value.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                return {}
            target: Any = root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
            return _resolve(target or {}, root, depth + 1)
        return {k: _resolve(v, root, depth + 1) for k, v in value.items()
                if k not in ("example", "examples", "xml", "discriminator")}
    if isinstance(value, list):
        return [_resolve(v, root, depth + 1) for v in value]
    return value


def _auth(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    schemes = ((spec.get("components") or {}).get("securitySchemes") or {})
    wanted = [name for req in spec.get("security") or [] for name in (req or {})] or list(schemes)
    for name in wanted:
        scheme = schemes.get(name) or {}
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") in ("header", "query") and scheme.get("name"):
            return {"type": scheme["in"], "name": scheme["name"]}
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return {"type": "bearer"}
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            return {"type": "basic"}
        if kind == "oauth2":
            flow = (scheme.get("flows") or {}).get("clientCredentials") or {}
            if flow.get("tokenUrl"):
                out: dict[str, Any] = {"type": "oauth2ClientCredentials", "tokenUrl": flow["tokenUrl"]}
                if flow.get("scopes"):
                    out["scopes"] = list(flow["scopes"])
                return out
    return None


def from_openapi(spec: Any, *, slug: str | None = None, name: str | None = None) -> dict[str, Any]:
    """The integration document (checked) an OpenAPI 3 document describes."""
    if not isinstance(spec, Mapping) or not str(spec.get("openapi", "")).startswith("3"):
        raise document_error(["openapi: not an OpenAPI 3 document (no `openapi: 3.x` key)"], "OpenAPI document")
    info = spec.get("info") or {}
    servers = spec.get("servers") or []
    base = servers[0].get("url") if servers and isinstance(servers[0], Mapping) else None
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        raise document_error(["servers[0].url: an absolute http(s) URL is needed as the base URL"], "OpenAPI document")
    title = str(info.get("title") or "Imported API")
    doc: dict[str, Any] = {
        "slug": slug or _camel(title) or "importedApi", "name": name or title,
        "description": str(info.get("description") or title)[:2000], "category": "custom",
        "baseUrl": base.rstrip("/"), "actions": [],
    }
    auth = _auth(spec)
    if auth:
        doc["auth"] = auth
    taken: set[str] = set()
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        shared = item.get("parameters") or []
        for method, op in item.items():
            if method.upper() not in METHODS or not isinstance(op, Mapping):
                continue
            action = _action(spec, str(path), method.upper(), op, shared)
            base_slug, n = action["slug"], 2
            while action["slug"] in taken:
                action["slug"] = f"{base_slug}{n}"
                n += 1
            taken.add(action["slug"])
            doc["actions"].append(action)
    if not doc["actions"]:
        raise document_error(["paths: no operation to import"], "OpenAPI document")
    return check_document(doc)


def _action(spec: Mapping[str, Any], path: str, method: str, op: Mapping[str, Any],
            shared: list[Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    template_path = path
    resolved = (_resolve(x, spec) for x in [*shared, *(op.get("parameters") or [])])
    params = {(p.get("in"), p.get("name")): p for p in resolved if isinstance(p, Mapping) and p.get("name")}
    for (where, pname), param in params.items():
        key = _camel(str(pname)) or "param"
        schema = dict(param.get("schema") or {"type": "string"})
        if param.get("description"):
            schema.setdefault("description", param["description"])
        props[key] = schema
        if param.get("required") or where == "path":
            required.append(key)
        if where == "path":
            template_path = template_path.replace("{" + str(pname) + "}", "{{config." + key + "}}")
        elif where == "query":
            query[str(pname)] = "{{config." + key + "}}"
        elif where == "header":
            headers[str(pname)] = "{{config." + key + "}}"
    request: dict[str, Any] = {"method": method, "path": template_path}
    body = _resolve(op.get("requestBody") or {}, spec)
    content = (body.get("content") or {}) if isinstance(body, Mapping) else {}
    json_body = content.get("application/json") or next(
        (v for k, v in content.items() if "json" in k), None)
    if json_body is not None and method != "GET":
        props["body"] = json_body.get("schema") or {"type": "object"}
        if body.get("required"):
            required.append("body")
        request["body"] = "{{config.body}}"
    if query:
        request["query"] = query
    if headers:
        request["headers"] = headers
    config: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        config["required"] = list(dict.fromkeys(required))
    op_id = op.get("operationId")
    slug = _camel(str(op_id)) if op_id else _camel(f"{method.lower()} {path}")
    summary = str(op.get("summary") or op_id or f"{method} {path}")
    action: dict[str, Any] = {"slug": slug or "operation", "name": summary[:120],
                              "description": str(op.get("description") or summary)[:2000],
                              "config": config, "request": request}
    ok = (op.get("responses") or {}).get("200") or (op.get("responses") or {}).get("201")
    answer = _resolve(ok, spec) if isinstance(ok, Mapping) else {}
    answer_schema: Any = ((answer.get("content") or {}).get("application/json") or {}).get("schema")
    if isinstance(answer_schema, Mapping) and answer_schema:
        action["outputSchema"] = dict(answer_schema)
    return action
