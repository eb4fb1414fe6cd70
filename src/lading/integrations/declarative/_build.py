"""An `Integration` built from a checked document: connector schema (auth fields marked secret, so the
vault, masking and secret scrubbing apply as for any built-in), actions whose `run` sends the declared
request through `ActionCall.http` (rate limit, allowed hosts, redaction), pagination, response mapping
and prices."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lading.integrations import _sdk
from lading.integrations._sdk import (
    Action,
    ActionCall,
    ActionResult,
    Autocomplete,
    CreditCost,
    Integration,
    ProviderError,
)
from lading.integrations.declarative._templates import render, render_path

DEFAULT_MAX_PAGES = 10


def connector_schema(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The connector config: the auth's credential fields (secret), the declared fields, `baseUrl`."""
    props: dict[str, Any] = {}
    required: list[str] = []
    auth = doc.get("auth") or {"type": "none"}
    kind = auth["type"]
    if kind in ("header", "query", "bearer"):
        name = auth.get("field", "apiKey")
        props[name] = _sdk.secret("API key or token sent with every request.", title="API key")
        required.append(name)
    elif kind == "basic":
        user, password = auth.get("usernameField", "username"), auth.get("passwordField", "password")
        props[user] = {"type": "string", "title": "Username"}
        props[password] = _sdk.secret("Password sent with HTTP basic auth.", title="Password")
        required += [user, password]
    elif kind == "oauth2ClientCredentials":
        cid, secret = auth.get("clientIdField", "clientId"), auth.get("clientSecretField", "clientSecret")
        props[cid] = {"type": "string", "title": "Client ID"}
        props[secret] = _sdk.secret("OAuth 2.0 client secret (client-credentials grant).", title="Client secret")
        required += [cid, secret]
    for name, field in (doc.get("connectorFields") or {}).items():
        spec = {k: v for k, v in field.items() if k not in ("secret", "required")}
        spec.setdefault("type", "string")
        if field.get("secret"):
            spec.update(format="password", writeOnly=True)
        props[name] = spec
        if field.get("required") and name not in required:
            required.append(name)
    props["baseUrl"] = dict(_sdk.BASE_URL_FIELD)
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _credits(action: Mapping[str, Any]) -> tuple[CreditCost, ...]:
    """The action's price entries: each `credits.when[]` (selected by a JSON Schema on the config, first
    match wins), then the action's own price as the fallback."""
    price = action.get("credits") or {}
    entries = [entry for case in price.get("when") or () for entry in _price(case, case["config"])]
    fallback = _price(price, None)
    if entries and not fallback:  # a config none of the cases matches is free, and says so
        fallback = (CreditCost(type="fixed", cost=0.0),)
    return (*entries, *fallback)


def _price(price: Mapping[str, Any], config: Mapping[str, Any] | None) -> tuple[CreditCost, ...]:
    per_call, per_result = float(price.get("perCall") or 0), price.get("perResult")
    if per_result is not None:
        return (CreditCost(type="unit", cost=float(per_result), unit="result", fixed_cost=per_call or None,
                           config=config),)
    if per_call or config is not None:
        return (CreditCost(type="fixed", cost=per_call, config=config),)
    return ()


def documentation(doc: Mapping[str, Any]) -> str:
    given = doc.get("documentation")
    if isinstance(given, str) and given.strip():
        return given
    lines = [f"# {doc['name']}", "", doc.get("description") or "", "",
             f"Declared integration (`{doc['slug']}`), base URL `{doc['baseUrl']}`.", "", "## Actions", ""]
    for action in doc["actions"]:
        price = action.get("credits") or {}
        cost = ", ".join(f"{k} {v}" for k, v in price.items()) or "free"
        request = action["request"]
        lines.append(f"- `{action['slug']}` — {action['name']}: `{request.get('method', 'GET')} {request['path']}` "
                     f"({cost}). {action.get('description') or ''}".rstrip())
    return "\n".join(lines) + "\n"


def build_integration(doc: Mapping[str, Any], *, builtin: bool = False, rate_scope: str | None = None) -> Integration:
    """The integration a checked document declares (see `_document.check_document`). A `builtin`
    document (shipped in `builtin/`) is documented by the package's `docs/<slug>.md`."""
    rate = doc.get("rateLimit") or {}
    actions = tuple(_action(doc, spec) for spec in doc["actions"])
    autocompletes = tuple(_autocomplete(doc, spec) for spec in doc.get("autocompletes") or ())
    # A built-in's documentation is the package's docs/<slug>.md (the default); others' is generated.
    documented: dict[str, Any] = {} if builtin else {"documentation": documentation(doc)}
    return Integration(
        slug=doc["slug"], name=doc["name"], description=doc.get("description") or doc["name"],
        category=doc.get("category") or "custom", connector_schema=connector_schema(doc),
        default_base_url=doc["baseUrl"].rstrip("/"), actions=actions, autocompletes=autocompletes,
        rate_limit=_sdk.RateLimit(requests_per_second=float(rate.get("requestsPerSecond", 10.0)),
                                  max_concurrency=int(rate.get("maxConcurrency", 8))),
        url=doc.get("url"), icon=doc.get("icon"), color=doc.get("color"),
        sub_categories=tuple(doc.get("subCategories") or ()),
        credential_hosts=tuple(doc.get("allowedHosts") or ()) + _token_host(doc),
        check=_check(doc), rate_scope=rate_scope,
        **documented,
    )


def _check(doc: Mapping[str, Any]) -> _sdk.CheckHandler | None:
    """`connector test`: the declared request, refused (the provider's error) unless it answers 2xx and
    its `ok` template, when given, is truthy."""
    spec = doc.get("check")
    if not spec:
        return None
    response = {"output": spec["ok"]} if spec.get("ok") else {}
    runner = _Runner(doc, {"slug": "check", "request": spec["request"], "response": response})
    message = spec.get("message") or f"{doc['name']} refused the connector's credentials"

    async def check(call: ActionCall) -> None:
        call.config = {}
        result = await runner.run(call)
        if spec.get("ok") and result.output in (None, False, "", 0, "false"):
            raise ProviderError(message, retryable=False)

    return check


def _token_host(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """An absolute token URL on another host than the base URL's is one of the integration's own hosts."""
    token_url = (doc.get("auth") or {}).get("tokenUrl") or ""
    parts = urlsplit(token_url)
    return (parts.netloc.rsplit("@", 1)[-1],) if parts.scheme in ("http", "https") and parts.netloc else ()


def _action(doc: Mapping[str, Any], spec: Mapping[str, Any]) -> Action:
    config_schema = spec.get("config") or {"type": "object", "properties": {}}
    runner = _Runner(doc, spec)
    return Action(slug=spec["slug"], name=spec["name"], description=spec.get("description") or spec["name"],
                  config_schema=config_schema, output_schema=spec.get("outputSchema"), run=runner.run,
                  credits=_credits(spec), category=spec.get("category"))


def _autocomplete(doc: Mapping[str, Any], spec: Mapping[str, Any]) -> Autocomplete:
    """A lookup of allowed values (`connector autocomplete`): the declared request (params as `config`),
    its items mapped to `{value, label}`."""
    response = spec["response"]
    runner = _Runner(doc, {"slug": spec["slug"], "request": spec["request"], "pagination": spec.get("pagination"),
                           "response": {"items": response["items"],
                                        "item": {"value": response["value"],
                                                 "label": response.get("label", response["value"])}}})

    async def run(call: ActionCall, params: dict[str, Any]) -> list[dict[str, Any]]:
        call.config = dict(params)
        result = await runner.run(call)
        items = (result.output or {}).get("items") or [] if isinstance(result.output, dict) else []
        return [{"value": i.get("value"), "label": "" if i.get("label") is None else _text(i.get("label"))}
                for i in items if isinstance(i, dict)]

    return Autocomplete(slug=spec["slug"], run=run, params=tuple(spec.get("params") or ()))


# OAuth2 client-credentials access tokens, per (token URL, client id, secret digest): (token, expires at).
_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}


@dataclass
class _Runner:
    doc: Mapping[str, Any]
    spec: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.doc['slug']}.{self.spec['slug']}"

    async def run(self, call: ActionCall) -> ActionResult:
        request = self.spec["request"]
        response_spec = self.spec.get("response") or {}
        pagination = self.spec.get("pagination")
        variables: dict[str, Any] = {"config": call.config, "connector": call.credentials}
        method = request.get("method", "GET")
        path = await render_path(request["path"], variables, f"{self.where} request.path")
        headers = {k: _text(v) for k, v in
                   (await render(request.get("headers") or {}, variables, f"{self.where} request.headers")).items()
                   if v is not None}
        query = {k: v for k, v in (await render(request.get("query") or {}, variables,
                                                f"{self.where} request.query")).items() if v is not None}
        body = await render(request["body"], variables, f"{self.where} request.body") if "body" in request else None
        form = await render(request["form"], variables, f"{self.where} request.form") if "form" in request else None
        await self._authorize(call, headers, query)
        timeout = (request.get("timeoutMs") or 30000) / 1000
        max_pages = int((pagination or {}).get("maxPages") or DEFAULT_MAX_PAGES) if pagination else 1
        items: list[Any] = []
        last: dict[str, Any] | None = None
        state = _PageState(pagination)
        for page in range(max_pages):
            page_query, page_body = state.apply(query, body)
            answer = await call.http.request(method, _url(call, str(path)), headers=headers, params=page_query,
                                             json=page_body if form is None else None,
                                             data=_form(form) if form is not None else None,
                                             timeout=timeout, raise_for_status=False)
            if answer.status_code in (response_spec.get("emptyOn") or ()):
                break
            if answer.status_code >= 400:
                if answer.status_code == 401 and (self.doc.get("auth") or {}).get("type") == "oauth2ClientCredentials":
                    _TOKENS.pop(self._token_key(call, self.doc["auth"]), None)  # fetched anew on the retry
                raise call.http.error_for(answer)
            from lading.integrations._http import parse_body

            last = {"status": answer.status_code, "headers": dict(answer.headers.items()),
                    "body": parse_body(answer) if answer.content else None}
            page_vars = {**variables, "response": last, "page": page}
            page_items = None
            if response_spec.get("items"):
                page_items = await render(response_spec["items"], page_vars, f"{self.where} response.items")
                if not isinstance(page_items, list):
                    page_items = [] if page_items is None else [page_items]
                items.extend(page_items)
            if not pagination or not await state.advance(page_vars, page_items or [], self.where):
                break
        return await self._result(variables, last, items if response_spec.get("items") else None, response_spec)

    async def _result(self, variables: dict[str, Any], last: dict[str, Any] | None, items: list[Any] | None,
                      response_spec: Mapping[str, Any]) -> ActionResult:
        if last is None:  # an `emptyOn` status on the first page: a miss, charged per call only
            return ActionResult(output=None, units=0)
        if items is not None and "item" in response_spec:
            items = [await render(response_spec["item"], {**variables, "item": item}, f"{self.where} response.item")
                     for item in items]
        out_vars = {**variables, "response": last, "items": items}
        if "output" in response_spec:
            output = await render(response_spec["output"], out_vars, f"{self.where} response.output")
        elif items is not None:
            output = {"items": items}
        else:
            output = last["body"]
        units = len(items) if items is not None else (0 if output in (None, "", {}, []) else 1)
        return ActionResult(output=output, units=units)

    async def _authorize(self, call: ActionCall, headers: dict[str, str], query: dict[str, Any]) -> None:
        auth = self.doc.get("auth") or {"type": "none"}
        kind = auth["type"]
        creds = call.credentials
        if kind in ("header", "query", "bearer"):
            key = creds.get(auth.get("field", "apiKey"))
            if not key:
                raise ProviderError(f"{self.where}: the connector has no {auth.get('field', 'apiKey')}",
                                    retryable=False)
            if kind == "header":
                headers[auth["name"]] = f"{auth.get('prefix', '')}{key}"
            elif kind == "query":
                query[auth["name"]] = str(key)
            else:
                headers["Authorization"] = f"Bearer {key}"
        elif kind == "basic":
            user = creds.get(auth.get("usernameField", "username")) or ""
            password = creds.get(auth.get("passwordField", "password")) or ""
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        elif kind == "oauth2ClientCredentials":
            headers["Authorization"] = f"Bearer {await self._access_token(call, auth)}"

    @staticmethod
    def _client(call: ActionCall, auth: Mapping[str, Any]) -> tuple[str, str]:
        return (str(call.credentials.get(auth.get("clientIdField", "clientId")) or ""),
                str(call.credentials.get(auth.get("clientSecretField", "clientSecret")) or ""))

    def _token_key(self, call: ActionCall, auth: Mapping[str, Any]) -> tuple[str, str, str]:
        client_id, secret = self._client(call, auth)
        return _url(call, auth["tokenUrl"]), client_id, hashlib.sha256(secret.encode()).hexdigest()

    async def _access_token(self, call: ActionCall, auth: Mapping[str, Any]) -> str:
        """A client-credentials access token, fetched from the token endpoint and kept until shortly
        before it expires (a 401 from the provider drops it, so the next attempt fetches a new one)."""
        client_id, secret = self._client(call, auth)
        if not client_id or not secret:
            raise ProviderError(f"{self.where}: the connector needs a client id and client secret", retryable=False)
        token_url = _url(call, auth["tokenUrl"])
        key = self._token_key(call, auth)
        cached = _TOKENS.get(key)
        if cached is not None and cached[1] > time.monotonic():
            call.http.scrubber.add(cached[0])
            return cached[0]
        form = {"grant_type": "client_credentials"}
        if auth.get("scopes"):
            form["scope"] = " ".join(auth["scopes"])
        headers = {"Accept": "application/json"}
        if auth.get("clientAuth", "basic") == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        else:
            form.update(client_id=client_id, client_secret=secret)
        answer = await call.http.request("POST", token_url, headers=headers, data=form, raise_for_status=False)
        if answer.status_code >= 400:
            err = call.http.error_for(answer)
            raise ProviderError(f"{self.where}: the token endpoint refused the client credentials: {err.message}",
                                status=err.status, retryable=err.retryable)
        from lading.integrations._http import parse_body

        body = parse_body(answer) if answer.content else None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderError(f"{self.where}: the token endpoint answered no access_token", retryable=False)
        call.http.scrubber.add(token)
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        seconds = float(lifetime) if isinstance(lifetime, (int, float)) and lifetime > 0 else 3600.0
        if len(_TOKENS) > 4096:
            _TOKENS.clear()
        _TOKENS[key] = (token, time.monotonic() + max(seconds - 30, seconds / 2))
        return token


class _PageState:
    """Where the next page starts, per pagination style."""

    def __init__(self, pagination: Mapping[str, Any] | None) -> None:
        self.p = pagination or {}
        style = self.p.get("style")
        self.value: Any = None
        if style == "offset":
            self.value = int(self.p.get("start", 0))
        elif style == "page":
            self.value = int(self.p.get("start", 1))

    def apply(self, query: dict[str, Any], body: Any) -> tuple[dict[str, Any], Any]:
        if not self.p:
            return query, body
        params: dict[str, Any] = {}
        if self.value is not None:
            params[self.p["param"]] = self.value
        if self.p["style"] == "offset":
            params[self.p.get("limitParam", "limit")] = self.p["limit"]
        elif self.p["style"] == "page" and self.p.get("limitParam") and self.p.get("limit"):
            params[self.p["limitParam"]] = self.p["limit"]
        if self.p.get("in") == "body":
            base = body if isinstance(body, dict) else {}
            return query, {**base, **params}
        return {**query, **params}, body

    async def advance(self, page_vars: dict[str, Any], page_items: list[Any], where: str) -> bool:
        """Move to the next page; False when the provider has no more."""
        style = self.p["style"]
        if style == "cursor":
            nxt = await render(self.p["next"], page_vars, f"{where} pagination.next")
            if nxt in (None, "", False) or nxt == self.value:
                return False
            self.value = nxt
            return True
        if not page_items:
            return False
        limit = self.p.get("limit")
        if limit and len(page_items) < int(limit):
            return False
        self.value += len(page_items) if style == "offset" else 1
        return True


def _url(call: ActionCall, path: str) -> str:
    if urlsplit(path).scheme in ("http", "https"):
        return path
    return call.http.url(path)


def _form(form: Any) -> dict[str, Any]:
    return {k: _text(v) for k, v in (form or {}).items() if v is not None}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
