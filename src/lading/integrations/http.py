"""Generic HTTP requests (`http`): the escape hatch for any API without a dedicated integration.

Why a connector at all: it keeps a base URL, default headers and credentials (bearer, basic or a
custom header) out of node configs, encrypted at rest and masked on output. Without a connector an
action works with an absolute `url`. A non-2xx answer fails the node with the status in the message,
so the node's retry and fallback apply (set `failOnError: false` to get the answer as output instead).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

from lading.integrations import _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import Action, ActionCall, ActionResult, ProviderError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
FORM_TYPE = "application/x-www-form-urlencoded"

_HEADER_VALUES: dict[str, Any] = {"type": "object",
                                  "additionalProperties": {"type": ["string", "number", "boolean"]}}

_AUTH_SCHEMA: dict[str, Any] = {
    "description": "How requests authenticate; secrets are encrypted at rest and masked on output.",
    "oneOf": [
        {"type": "object", "title": "None", "required": ["type"],
         "properties": {"type": {"const": "none"}}},
        {"type": "object", "title": "Bearer token", "required": ["type", "token"],
         "properties": {"type": {"const": "bearer"},
                        "token": {"type": "string", "format": "password", "writeOnly": True,
                                  "description": "Sent as `Authorization: Bearer <token>`."}}},
        {"type": "object", "title": "Basic auth", "required": ["type", "username", "password"],
         "properties": {"type": {"const": "basic"}, "username": {"type": "string"},
                        "password": {"type": "string", "format": "password", "writeOnly": True}}},
        {"type": "object", "title": "Custom header", "required": ["type", "name", "value"],
         "properties": {"type": {"const": "header"},
                        "name": {"type": "string", "minLength": 1, "description": "e.g. `X-Api-Key`."},
                        "value": {"type": "string", "format": "password", "writeOnly": True}}},
    ],
}

CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "baseUrl": {**_sdk.BASE_URL_FIELD,
                    "description": "Prefix of relative request URLs, e.g. `https://api.example.com/v1`."},
        "headers": {**_HEADER_VALUES, "description": "Headers sent with every request (a node's win)."},
        "auth": _AUTH_SCHEMA,
        "healthPath": {"type": "string", "description": "Path (or absolute URL) `connector test` GETs to check "
                                                        "the credentials, e.g. `/me`; default: the `baseUrl` itself."},
        "allowedHosts": {
            "type": "array", "uniqueItems": True, "maxItems": 50,
            "items": {"type": "string", "pattern": r"^(\*\.)?[A-Za-z0-9_.-]+(:[0-9]{1,5})?$"},
            "description": "Other hosts this connector's `auth` and `headers` may be sent to, besides the "
                           "host of `baseUrl`: `api.example.com` (ports 80/443), `api.example.com:8443`, "
                           "`*.example.com` (any subdomain).",
        },
    },
    "additionalProperties": False,
}

REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["url"],
    "properties": {
        "method": {"type": "string", "enum": list(METHODS), "default": "GET"},
        "url": {"type": "string", "minLength": 1,
                "description": "Absolute `http(s)://` URL, or a path appended to the connector's `baseUrl`."},
        "headers": {**_HEADER_VALUES, "description": "Request headers; override the connector's."},
        "query": {"type": "object", "description": "Query parameters, merged into those already in `url`.",
                  "additionalProperties": {"type": ["string", "number", "boolean", "array", "null"]}},
        "body": {"description": "JSON body; an object is form-encoded when Content-Type is "
                                "application/x-www-form-urlencoded; a string is sent as is."},
        "timeoutMs": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 30000},
        "failOnError": {"type": "boolean", "default": True,
                        "description": "false: a non-2xx answer is returned as output instead of failing."},
    },
    "additionalProperties": True,
}

OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "headers", "body"],
    "properties": {
        "status": {"type": "integer"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "Lower-case names; repeated headers joined with `, `."},
        "body": {"description": "Parsed JSON when the answer is JSON, else text; null when empty."},
    },
}


def _invalid(message: str) -> ProviderError:
    return ProviderError(f"invalid config for http.request: {message}", retryable=False)


def _auth_header(auth: Any) -> tuple[str, str] | None:
    if not isinstance(auth, dict):
        return None
    kind = auth.get("type", "none")
    if kind == "bearer" and auth.get("token"):
        return "Authorization", f"Bearer {auth['token']}"
    if kind == "basic" and auth.get("username") is not None:
        raw = f"{auth.get('username', '')}:{auth.get('password', '')}".encode()
        return "Authorization", "Basic " + base64.b64encode(raw).decode()
    if kind == "header" and auth.get("name"):
        return str(auth["name"]), str(auth.get("value", ""))
    return None


def merge_headers(credentials: dict[str, Any], headers: dict[str, Any] | None) -> dict[str, str]:
    """Connector headers, then connector auth, then the node's headers; names compare case-insensitively."""
    merged: dict[str, tuple[str, str]] = {}

    def put(name: str, value: Any) -> None:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        merged[name.lower()] = (name, text)

    for name, value in (credentials.get("headers") or {}).items():
        put(name, value)
    auth = _auth_header(credentials.get("auth"))
    if auth:
        put(*auth)
    for name, value in (headers or {}).items():
        put(name, value)
    return dict(merged.values())


def target_url(call: ActionCall, url: str, query: dict[str, Any] | None) -> str:
    """Absolute URL as is; a relative one appended to the base URL; `query` merged into its query string."""
    import httpx

    # A lower-case absolute URL goes as is: httpx parses it once when it sends (a parse is ~10 µs of
    # each call's CPU). `HTTP://Host` is normalised so `ProviderHttp.url` never takes it for a path.
    scheme = "" if url.startswith(("http://", "https://")) else urlsplit(url).scheme.lower()
    if url.startswith(("http://", "https://")):
        full = url
    elif scheme in ("http", "https"):
        full = str(httpx.URL(url))
    elif scheme:
        raise _invalid(f"url scheme '{scheme}' is not supported (use http or https)")
    elif not call.base_url:
        raise _invalid(f"url '{url}' is relative but the connector has no baseUrl "
                       "(give an absolute http(s):// url or set the connector's baseUrl)")
    else:
        full = call.http.url(url)
    if query:
        clean = {k: v for k, v in query.items() if v is not None}
        full = str(httpx.URL(full).copy_merge_params(clean))
    return full


def _body_args(body: Any, headers: dict[str, str]) -> dict[str, Any]:
    if body is None:
        return {}
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if isinstance(body, str):
        return {"content": body.encode()}
    if ctype.lower().startswith(FORM_TYPE):
        if not isinstance(body, dict):
            raise _invalid("a form-encoded body must be an object (or a string sent as is)")
        return {"data": {k: _form_value(v) for k, v in body.items() if v is not None}}
    return {"json": body}


def _form_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [_form_scalar(v) for v in value]
    return _form_scalar(value)


def _form_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _carries_connector_data(credentials: dict[str, Any]) -> bool:
    """A connector with auth or default headers: what it adds to a request is tied to its hosts."""
    return _auth_header(credentials.get("auth")) is not None or bool(credentials.get("headers"))


def check_host(call: ActionCall, url: str) -> None:
    """Refuse to send the connector's auth and headers to a host it was not configured for.

    Why refuse rather than strip them: a request silently sent without its credentials fails in a
    confusing way (or succeeds against the wrong account), while this error names the host and the
    fix (`allowedHosts`, or no connector for a public URL)."""
    if not _carries_connector_data(call.credentials) or call.http.host_allowed(url):
        return
    allowed = ", ".join(sorted(call.http.allowed_hosts)) or "none (the connector has no baseUrl)"
    raise ProviderError(
        f"credentialHostNotAllowed: this connector's auth and headers are only sent to {allowed}; "
        f"{_safe_location(url)} is on another host (add it to the connector's allowedHosts, "
        "or use the node without a connector)", retryable=False)


def _safe_location(url: str) -> str:
    """Scheme, host and path only: query strings often carry keys."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"


async def request(call: ActionCall) -> ActionResult:
    cfg = call.config
    method = str(cfg.get("method") or "GET").upper()
    url = target_url(call, str(cfg["url"]), cfg.get("query"))
    check_host(call, url)
    headers = merge_headers(call.credentials, cfg.get("headers"))
    timeout_ms = cfg.get("timeoutMs") or 30000
    response = await call.http.request(method, url, headers=headers, timeout=timeout_ms / 1000,
                                       raise_for_status=False, **_body_args(cfg.get("body"), headers))
    if response.status_code >= 400 and cfg.get("failOnError", True):
        err = call.http.error_for(response)
        text = call.http.redact(f"{method} {_safe_location(url)}: {err.message}")
        raise ProviderError(text, status=err.status, retryable=err.retryable)
    body = parse_body(response) if response.content else None
    output = {"status": response.status_code, "headers": dict(response.headers.items()), "body": body}
    return ActionResult(output=output)


async def check(call: ActionCall) -> None:
    """`connector test`: GET `healthPath` (default: the base URL) with the connector's auth and headers; any
    answer below 400 means the credentials were accepted."""
    path = call.credentials.get("healthPath")
    if not call.base_url and not (isinstance(path, str) and urlsplit(path).scheme):
        raise ProviderError("nothing to check: the connector has no baseUrl (nor an absolute healthPath)",
                            retryable=False)
    url = target_url(call, path if isinstance(path, str) and path else call.base_url, None)
    check_host(call, url)
    response = await call.http.request("GET", url, headers=merge_headers(call.credentials, None),
                                       timeout=15, raise_for_status=False)
    if response.status_code >= 400:
        raise ProviderError(call.http.redact(f"GET {_safe_location(url)}: {call.http.error_for(response).message}"),
                            status=response.status_code, retryable=False)


INTEGRATION = _sdk.Integration(
    slug="http",
    name="HTTP",
    description="Call any HTTP API: method, URL, headers, query and body; the answer becomes the output.",
    category="custom",
    connector_schema=CONNECTOR_SCHEMA,
    default_base_url="",
    requires_connector=False,
    actions=(
        Action(slug="request", name="HTTP request",
               description="Send an HTTP request and return its status, headers and (JSON-parsed) body.",
               config_schema=REQUEST_SCHEMA, output_schema=OUTPUT_SCHEMA, run=request, category="custom"),
    ),
    rate_limit=_sdk.RateLimit(requests_per_second=50, max_concurrency=32),
    check=check,
)
