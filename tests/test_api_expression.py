"""Expressions over HTTP against a real `lading serve` (api.md §11): `expression.evaluate` answers
`{data}`, or a 200 `{errorMessage}` when the expression throws; the recipe routes answer 501
`notSupported`; `lading expression evaluate` prints the same JSON embedded and remote."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api_server import refused


def template(text: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "templateExpression", "expression": text, "instructTo": "none", "fromRecipe": False, **extra}


def js(code: str) -> dict[str, Any]:
    return {"kind": "jsExpression", "expression": code, "instructTo": "none", "fromRecipe": False}




def _evaluate(client: httpx.Client, expression: Any, variables: Any) -> Any:
    response = client.post("/expression/expressions/evaluate", json={"expression": expression, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def test_evaluate_answers_data(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    record = {"name": "acme", "employees": 120, "tags": ["b2b", "saas"]}
    assert _evaluate(alpha, template("{{record.name}}"), {"record": record}) == {"data": "acme"}
    # One whole `{{…}}` keeps the JavaScript type; mixed text concatenates (O §2.8 rule 4).
    assert _evaluate(alpha, template("{{record.employees > 100}}"), {"record": record}) == {"data": True}
    assert _evaluate(alpha, template("{{record.name.toUpperCase()}} has {{record.tags.length}} tags"),
                     {"record": record}) == {"data": "ACME has 2 tags"}
    assert _evaluate(alpha, template("{{nodes.start.domain}}"), {"nodes": {"start": {"domain": "acme.com"}}}) == {
        "data": "acme.com"}
    assert _evaluate(alpha, js("record.tags.map(t => t.length)"), {"record": record}) == {"data": [3, 4]}
    assert _evaluate(alpha, js("[limit * 2, nodes.a.x]"), {"limit": 4, "nodes": {"a": {"x": 1}}}) == {"data": [8, 1]}
    # Missing paths never throw (O §2.8 rule 3); static values are used as is.
    assert _evaluate(alpha, template("{{record.owner.email}}"), {"record": record}) == {"data": None}
    assert _evaluate(alpha, template("plain text"), {}) == {"data": "plain text"}
    # The same expression in another workspace gives the same value (nothing is stored).
    assert _evaluate(api_server.client("beta"), template("{{record.name}}"), {"record": record}) == {"data": "acme"}


def test_evaluate_reports_a_throwing_expression_in_a_200(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    thrown = _evaluate(alpha, js("(() => { throw new Error('boom') })()"), {})
    assert thrown == {"errorMessage": "Error: boom"}
    parse = _evaluate(alpha, template("{{JSON.parse(record.raw)}}"), {"record": {"raw": "{not json"}})
    assert list(parse) == ["errorMessage"] and "SyntaxError" in parse["errorMessage"]
    ai = _evaluate(alpha, {**template("{{record.name}}"), "instructTo": "ai"}, {"record": {"name": "x"}})
    assert list(ai) == ["errorMessage"] and "language model" in ai["errorMessage"]


def test_evaluate_refuses_bad_input(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    url = "/expression/expressions/evaluate"
    refused(alpha.post(url, json={"expression": template("x")}), 400, "invalidPayload")
    refused(alpha.post(url, json={"variables": {}}), 400, "invalidPayload")
    refused(alpha.post(url, json={"expression": template("x"), "variables": {}, "scope": {}}), 400, "invalidPayload")
    refused(alpha.post(url, json={"expression": {"kind": "python", "expression": "1"}, "variables": {}}), 400,
           "invalidData")
    refused(alpha.post(url, json={"expression": {"kind": "jsExpression"}, "variables": {}}), 400, "invalidData")
    refused(alpha.post(url, json={"expression": 42, "variables": {}}), 400, "invalidData")
    refused(alpha.post(url, json={"expression": template("x"), "variables": [1]}), 400, "invalidData")
    bad_name = refused(alpha.post(url, json={"expression": template("x"), "variables": {"my-var": 1}}), 400,
                      "invalidData")
    assert "'my-var'" in bad_name["errorMessage"]
    refused(alpha.post(url, json={"expression": template("x"), "variables": {"class": 1}}), 400, "invalidData")
    recipe = {**template("x"), "fromRecipe": True, "recipe": {"uuid": "r1"}}
    refused(alpha.post(url, json={"expression": recipe, "variables": {}}), 501, "notSupported")
    anonymous = httpx.Client(base_url=f"{api_server.url}/v1", timeout=30)
    try:
        refused(anonymous.post(url, json={"expression": template("x"), "variables": {}}), 401, "unauthorized")
    finally:
        anonymous.close()


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/expression/expressions/generate"),
    ("POST", "/expression/recipes"),
    ("POST", "/expression/recipes/0b0b3bde-8c8f-4bb5-9d8f-0d1c1e2f3a4b"),
    ("GET", "/expression/recipes/abc123/3"),
    ("GET", "/expression/recipes/abc123/last"),
    ("GET", "/expression/recipes/list"),
    ("PUT", "/expression/recipes/abc123/archive"),
    ("POST", "/expression/favoriteRecipes"),
    ("DELETE", "/expression/favoriteRecipes/0b0b3bde-8c8f-4bb5-9d8f-0d1c1e2f3a4b/"),
])
def test_other_expression_calls_are_not_supported(api_server: Any, method: str, path: str) -> None:
    body = {"json": {"name": "x"}} if method in ("POST", "PUT") else {}
    error = refused(api_server.client("alpha").request(method, path, **body), 501, "notSupported")
    assert error["errorMessage"] == "notSupported"


# --- the CLI, embedded and remote -------------------------------------------------------------------------




@pytest.mark.parametrize(("expression", "variables"), [
    (template("{{record.name}} ({{record.employees}})"), {"record": {"name": "Acme", "employees": 3}}),
    (js("nodes.start.emails.filter(Boolean).join(', ')"), {"nodes": {"start": {"emails": ["a@x", None, "b@x"]}}}),
    (js("(() => { throw new TypeError('nope') })()"), {}),
])
def test_remote_cli_prints_what_the_embedded_cli_prints(api_server: Any, remote: Any, expression: Any,
                                                        variables: Any) -> None:
    args = ("expression", "evaluate", "--expression", json.dumps(expression), "--variables", json.dumps(variables))
    code, out = remote(*args)
    assert code == 0 and out == api_server.lading(*args)
    assert list(out) in (["data"], ["errorMessage"])


def test_remote_cli_refusals_match(api_server: Any, remote: Any) -> None:
    for variables in ('{"if": 1}', "[1]"):
        args = ("expression", "evaluate", "--expression", json.dumps(template("x")), "--variables", variables)
        code, out = remote(*args)
        embedded = api_server.lading(*args, check=False)
        assert code == 1 and out == embedded and out["reason"] == "invalidData"
    code, out = remote("expression", "evaluate", "--expression", "{not json", "--variables", "{}")
    assert code == 2  # unparsable flag JSON is a usage error before any request
