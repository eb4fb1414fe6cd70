"""Shared pieces of the language-model integrations (`openAi`, `anthropic`).

Both providers expose the same `instruct` action (spec §1.10): same inputs, same output shape
(`{"answer", "model", "usage"}`) and token-based prices. What they share lives here so the two
modules only describe their wire format: the config schema, the price tables (declared as credit
entries for the catalog *and* used to compute the charge, so they cannot disagree), the parsing and
validation of a structured answer with one repair attempt (spec §2.10), and `instruct()`, a small
entry point the AI capability can reuse without knowing the action machinery.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lading.domain.errors import shown
from lading.integrations._http import parse_body
from lading.integrations._sdk import (
    Action,
    ActionCall,
    ActionHandler,
    Autocomplete,
    AutocompleteHandler,
    CheckHandler,
    CreditCost,
    Integration,
    ProviderError,
    RateLimit,
)

WEB_SEARCH_FIXED = 0.4
TOKENS_PER_PACKAGE = 1000

# ---------------------------------------------------------------------------------------------
# Pricing


@dataclass(frozen=True)
class TokenPricing:
    """Credits per 1k tokens (input + output) by model, plus a fixed fee when web search is on."""

    rates: Mapping[str, float]
    default_model: str
    unknown_rate: float
    web_search_fixed: float = WEB_SEARCH_FIXED

    def rate(self, model: str | None) -> float:
        return self.rates.get(model or self.default_model, self.unknown_rate)

    def charge(self, model: str | None, total_tokens: int, web_search: bool) -> float:
        """Package pricing of spec §1.4: `fixedCost + cost × ceil(tokens ÷ 1000)`."""
        cost = CreditCost(type="package", cost=self.rate(model), unit="token", units_count=TOKENS_PER_PACKAGE,
                          fixed_cost=self.web_search_fixed if web_search else None)
        return round(cost.charge(total_tokens), 6)

    def credit_costs(self) -> tuple[CreditCost, ...]:
        """The same table as catalog entries (first match wins): web-search variants first."""
        entries: list[CreditCost] = []
        for web in (True, False):
            fixed = self.web_search_fixed if web else None
            for model, rate in self.rates.items():
                entries.append(self._entry(rate, fixed, _model_is(model), web))
            entries.append(self._entry(self.rate(None), fixed, {"not": {"required": ["model"]}}, web))
            entries.append(self._entry(self.unknown_rate, fixed, None, web))
        return tuple(entries)

    @staticmethod
    def _entry(rate: float, fixed: float | None, model_schema: dict[str, Any] | None,
               web: bool) -> CreditCost:
        schema: dict[str, Any] = dict(model_schema or {})
        if web:
            schema.setdefault("properties", {})["advancedSettings"] = {
                "type": "object", "properties": {"withWebSearch": {"const": True}},
                "required": ["withWebSearch"]}
            schema["required"] = [*schema.get("required", []), "advancedSettings"]
        return CreditCost(type="package", cost=rate, unit="token", units_count=TOKENS_PER_PACKAGE,
                          fixed_cost=fixed, config=schema or None)


def _model_is(model: str) -> dict[str, Any]:
    return {"properties": {"model": {"const": model}}, "required": ["model"]}


# ---------------------------------------------------------------------------------------------
# The instruct action's schemas


def instruct_config_schema(default_model: str,
                           extra_settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "temperature": {"type": "number", "minimum": 0, "maximum": 2,
                        "description": "Sampling temperature (provider default when absent)."},
        "maxSteps": {"type": "integer", "minimum": 1,
                     "description": "Maximum tool steps (web searches) the model may take."},
        "withWebSearch": {"type": "boolean", "default": False,
                          "description": "Let the model search the web (+0.4 credits)."},
        "maxTokens": {"type": "integer", "minimum": 1, "description": "Maximum tokens of the answer."},
        **(extra_settings or {}),
    }
    return {
        "type": "object",
        "properties": {
            "model": {"type": "string", "minLength": 1, "default": default_model,
                      "description": f"Model slug (default `{default_model}`); other slugs pass through."},
            "prompt": {"type": "string", "minLength": 1, "description": "The user message."},
            "systemPrompt": {"type": ["string", "null"], "description": "Instructions for the model."},
            "output": OUTPUT_SCHEMA,
            "advancedSettings": {"type": "object", "properties": settings},
        },
        "required": ["prompt"],
        "additionalProperties": True,
    }


OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": '`{"type":"text"}` (default) or `{"type":"jsonSchema","jsonSchema":{…}}`.',
    "properties": {
        "type": {"enum": ["text", "jsonSchema"]},
        "jsonSchema": {"type": ["object", "string"]},
    },
    "required": ["type"],
    "if": {"properties": {"type": {"const": "jsonSchema"}}},
    "then": {"required": ["jsonSchema"]},
}

INSTRUCT_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"description": "The text answer, or the object matching `output.jsonSchema`."},
        "model": {"type": "string"},
        "usage": {"type": "object", "properties": {"inputTokens": {"type": "integer"},
                                                   "outputTokens": {"type": "integer"}}},
    },
    "required": ["answer", "model", "usage"],
}


def model_ui_schema() -> dict[str, Any]:
    return {"model": {"ui:widget": "IntegrationAutocompleteWidget",
                      "ui:options": {"slug": "listModels", "allowRefresh": True, "params": {}}}}


def instruct_integration(*, slug: str, name: str, url: str, color: str, description: str, action_description: str,
                         connector_schema: Mapping[str, Any], default_base_url: str, pricing: TokenPricing,
                         default_model: str, instruct: ActionHandler, list_models: AutocompleteHandler,
                         rate_limit: RateLimit, aliases: tuple[str, ...] = (),
                         check: CheckHandler | None = None) -> Integration:
    """A language-model connector: both providers declare the same `instruct` action and `listModels`
    autocomplete in the `freeform` category, so only their names, credentials, prices and handlers differ."""
    action = Action(slug="instruct", name="Instruct a model", description=action_description,
                    config_schema=instruct_config_schema(default_model), output_schema=INSTRUCT_OUTPUT_SCHEMA,
                    ui_schema=model_ui_schema(), run=instruct, credits=pricing.credit_costs(), category="freeform")
    return Integration(slug=slug, name=name, description=description, category="freeform",
                       connector_schema=connector_schema, default_base_url=default_base_url, actions=(action,),
                       autocompletes=(Autocomplete(slug="listModels", run=list_models),), rate_limit=rate_limit,
                       aliases=aliases, url=url, color=color, sub_categories=("ai",), check=check)


# ---------------------------------------------------------------------------------------------
# Structured output


def instruct_settings(config: Mapping[str, Any],
                      default_model: str) -> tuple[str, dict[str, Any], bool, dict[str, Any] | None]:
    """An `instruct` node's config as both providers read it before building their request: the model (the
    provider's default when unset), the advanced settings, whether web search is on, the output schema."""
    settings = config.get("advancedSettings") or {}
    return (config.get("model") or default_model, settings, bool(settings.get("withWebSearch")),
            output_schema_of(config.get("output")))


def output_schema_of(output: Any) -> dict[str, Any] | None:
    """The JSON Schema the answer must match, or None for a text answer."""
    if output is None:
        return None
    if not isinstance(output, Mapping):
        raise ProviderError("invalid output: expected {\"type\":\"text\"} or {\"type\":\"jsonSchema\",…}",
                            retryable=False)
    if output.get("type", "text") == "text":
        return None
    schema = output.get("jsonSchema")
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError as exc:
            raise ProviderError(f"invalid output.jsonSchema: not JSON ({exc})", retryable=False) from exc
    if not isinstance(schema, dict):
        raise ProviderError("invalid output.jsonSchema: expected a JSON Schema object", retryable=False)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ProviderError(f"invalid output.jsonSchema: {exc.message}", retryable=False) from exc
    return schema


def object_schema(schema: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """Providers want an object at the root: wrap anything else under `value` (True = wrapped)."""
    if schema.get("type") == "object":
        return dict(schema), False
    return {"type": "object", "properties": {"value": dict(schema)}, "required": ["value"]}, True


_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def parse_json(text: str) -> tuple[Any, str | None]:
    """Parse a JSON answer, tolerating a Markdown code fence around it; (value, problem or None)."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        return json.loads(body), None
    except json.JSONDecodeError as exc:
        return text, f"the answer is not valid JSON ({exc.msg} at position {exc.pos})"


def unwrap(answer: Any, wrapped: bool) -> Any:
    """Undo `object_schema`'s wrapping on a reply (text or object); leaves anything else as is."""
    if not wrapped:
        return answer
    value = parse_json(answer)[0] if isinstance(answer, str) else answer
    return value["value"] if isinstance(value, dict) and "value" in value else answer


def check_answer(answer: Any, schema: Mapping[str, Any]) -> tuple[Any, str | None]:
    """Parse (when text) and validate an answer; returns (value, problem or None)."""
    value = answer
    if isinstance(answer, str):
        value, problem = parse_json(answer)
        if problem:
            return value, problem
    from lading.integrations._runtime import config_errors

    problems = config_errors(schema, value)
    if problems:
        return value, "the answer does not match the output schema: " + "; ".join(problems[:5])
    return value, None


def repair_prompt(problem: str) -> str:
    return (f"Your previous answer was rejected: {problem}. Answer again with only the corrected JSON "
            "value matching the requested schema.")


@dataclass
class Turn:
    """One model reply, as the shared loop needs it."""

    answer: Any  # text, or an already-structured value (a forced tool's input)
    model: str
    input_tokens: int
    output_tokens: int
    # Messages to append to the conversation before asking for a repair of this reply.
    replay: Callable[[str], list[dict[str, Any]]]


Ask = Callable[[list[dict[str, Any]]], Awaitable[Turn]]


async def answer(ask: Ask, messages: list[dict[str, Any]], schema: Mapping[str, Any] | None,
                 provider: str) -> dict[str, Any]:
    """Ask once; with a schema, validate and allow one repair (spec §2.10). Returns the output."""
    inputs = outputs = 0
    for attempt in (1, 2):
        turn = await ask(messages)
        inputs += turn.input_tokens
        outputs += turn.output_tokens
        if schema is None:
            value, problem = turn.answer, None
        else:
            value, problem = check_answer(turn.answer, schema)
        if problem is None:
            return {"answer": value, "model": turn.model,
                    "usage": {"inputTokens": inputs, "outputTokens": outputs}}
        if attempt == 2:
            raise ProviderError(f"{provider}: {problem}")
        messages = [*messages, *turn.replay(problem)]
    raise AssertionError("unreachable")


def token_count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


# ---------------------------------------------------------------------------------------------
# HTTP


async def post_json(call: ActionCall, path: str, headers: dict[str, str], body: dict[str, Any],
                    provider: str) -> dict[str, Any]:
    """POST a model request; errors keep the provider's error type/code (`overloaded_error`…)."""
    response = await call.http.request("POST", path, headers=headers, json=body, timeout=180.0,
                                       raise_for_status=False)
    data = parse_body(response)
    if response.status_code >= 400:
        generic = call.http.error_for(response)
        error = data.get("error") if isinstance(data, dict) else None
        kind = (error.get("code") or error.get("type")) if isinstance(error, dict) else None
        message = generic.message
        if isinstance(kind, str) and kind and kind not in message:
            message = f"{message} [{kind}]"
        # An exhausted quota does not come back by retrying.
        retryable = generic.retryable and kind != "insufficient_quota"
        raise ProviderError(message, status=generic.status, retryable=retryable)
    if not isinstance(data, dict):
        raise ProviderError(f"{provider}: unexpected answer from {path} (not a JSON object)")
    return data


# ---------------------------------------------------------------------------------------------
# Reuse from the AI capability


async def instruct(integration_slug: str, credentials: dict[str, Any], *, prompt: str,
                   system_prompt: str | None = None, model: str | None = None,
                   output: dict[str, Any] | None = None, temperature: float | None = None) -> dict[str, Any]:
    """Run the `instruct` action of `openAi`/`anthropic` (spelling `openai` accepted).

    Returns the action output (`answer`, `model`, `usage`) plus `credits`, the provider credits
    the call costs. Raises `ProviderError` like the node would.
    """
    from lading.integrations._registry import get_integration
    from lading.integrations._runtime import call_action

    integration = get_integration(integration_slug)
    action = integration.action("instruct") if integration else None
    if integration is None or action is None:
        raise ProviderError(f"{shown(integration_slug)} is not a language-model integration", retryable=False)
    config: dict[str, Any] = {"prompt": prompt}
    if system_prompt is not None:
        config["systemPrompt"] = system_prompt
    if model:
        config["model"] = model
    if output is not None:
        config["output"] = output
    if temperature is not None:
        config["advancedSettings"] = {"temperature": temperature}
    result, credits, _ = await call_action(integration, action, config, credentials, None)
    return {**result.output, "credits": credits}
