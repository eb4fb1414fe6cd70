"""Each native action's config as data: a JSON Schema (draft 2020-12) and an example config.

Why data: the same schema is served by `connection native-integration get` (as the action's
`config.schema` / `config.jsonSchema`), checked by graph validation and rendered into
`docs/natives.md` (`python -m lading.engine.natives.docs`), so the three can never disagree.

Every config value may instead be a `{{ … }}` template or an expression object (spec
orchestration §2.8): it is evaluated at run time, so validation checks only the values written
as they are. The schemas therefore describe the evaluated values and leave unknown keys open
(extra keys are ignored by the actions).
"""

from __future__ import annotations

from typing import Any, Final

from lading.domain.nodes import VARIABLE_TYPES

_NOTE: Final = "Any value may be a {{ }} expression (or an expression object); it is checked when it runs."

_VARIABLES: Final[dict[str, Any]] = {
    "type": "array",
    "description": "Named, typed values; each `value` is static or an expression.",
    "items": {
        "type": "object",
        "required": ["name", "type", "value"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "description": "Read as `{{nodes.<slug>.<name>}}`."},
            "type": {"enum": list(VARIABLE_TYPES), "description": "How the value is stored."},
            "value": {"description": "The value (static or an expression)."},
        },
    },
}


_ADDRESSES: Final[dict[str, Any]] = {
    "type": ["string", "array"], "items": {"type": "string"},
    "description": "An address (`a@b.com`, `Name <a@b.com>`), a comma-separated list, or an array.",
}

_MODEL_SETTINGS: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["connectorUuid"],
    "description": "The model and how it is called.",
    "properties": {
        "connectorUuid": {"type": "string", "minLength": 1, "description": "A language-model connector."},
        "languageModelSlug": {"type": "string", "description": "e.g. `gpt-4.1-mini`."},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1,
                        "description": "Sampling temperature (default 0.3)."},
        "maxSteps": {"type": "integer", "minimum": 1, "maximum": 50,
                     "description": "Model ↔ action round trips (default 10)."},
        "systemPrompt": {"type": "string", "description": "Instructions before the prompt."},
    },
}

_OUTPUT: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["type"],
    "description": "`{\"type\":\"text\"}` (default) → `{\"answer\": text}`; "
                   "`{\"type\":\"jsonSchema\",\"jsonSchema\": S}` → `{\"answer\": object}`.",
    "properties": {
        "type": {"enum": ["text", "jsonSchema"]},
        "jsonSchema": {"type": "object", "description": "The answer's JSON Schema."},
    },
}


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "description": f"{description} {_NOTE}",
        "properties": properties,
    }
    if required:
        schema["required"] = required
    return schema


_SLUG_PATTERN: Final = "^[a-zA-Z0-9_]+$"
_CALL: Final[dict[str, Any]] = {
    "integrationSlug": {"type": "string", "minLength": 1, "description": "The provider's integration."},
    "actionSlug": {"type": "string", "minLength": 1, "description": "The integration action called."},
    "connectorUuid": {"type": "string", "minLength": 1,
                      "description": "Its connector (credentials, base URL); optional when the integration "
                                     "needs none (`http`)."},
    "config": {"type": ["object", "string"],
               "description": "The action's config, as a connector node's; may read `fields` (the values "
                              "filled so far), `filledBy` and `missing` besides `nodes`."},
}
_WATERFALL_STEP: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["integrationSlug", "actionSlug", "mapping"],
    "properties": {
        "slug": {"type": "string", "pattern": _SLUG_PATTERN,
                 "description": "The step's name in `filledBy`, `attempts` and its spans' `node_slug` "
                                "(`<node slug>.<step slug>`); default: the integration slug (suffixed "
                                "`_2`, `_3`… when steps share one)."},
        **_CALL,
        "mapping": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"},
                    "description": "Wanted field → where it is in the provider's answer: a template reading "
                                   "`result` (`{{result.data.email}}`) or a plain path (`data.email`)."},
        "condition": {"description": "Optional: the step runs only when this is truthy (`{{!fields.email && "
                                     "nodes.start.domain}}`); falsy → the step is skipped (a `skipped` span)."},
    },
}
_WATERFALL_VALIDATOR: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["integrationSlug", "actionSlug", "accept"],
    "properties": {
        "slug": {"type": "string", "pattern": _SLUG_PATTERN, "description": "Default `validator`."},
        **{**_CALL, "config": {**_CALL["config"],
                               "description": "The validating action's config; reads `value` (the candidate "
                                              "value) and `field` (its field name)."}},
        "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                   "description": "The wanted fields it checks (default: all)."},
        "accept": {"description": "Truthy → the value is accepted; reads `result` (the validator's answer), "
                                  "`value` and `field`, e.g. `{{result.status === 'valid'}}`. Rejected → the "
                                  "field stays missing and the next providers are tried."},
    },
}

CONFIG_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "start": _object({}, [], "No config: the start node outputs the run input (its config is not evaluated)."),
    "end": _object({"variables": _VARIABLES}, [], "The variables are the run output; no `variables` = no output."),
    "variables": _object({"variables": _VARIABLES}, [], "Computes named, typed values."),
    "filter": _object(
        {"filter": {"description": "Condition: truthy continues to the child, falsy stops the run (`success`)."}},
        ["filter"], "A condition."),
    "branch": _object(
        {"condition": {"description": "Condition: truthy → child 0 (yes), falsy → child 1 (no)."}},
        ["condition"], "A condition."),
    "switch": _object(
        {"routes": {
            "type": "array",
            "description": "Routes in order; the first truthy `value` picks the child at its index. "
                           "`childrenUuids` has one entry per route, plus an optional default.",
            "items": {
                "type": "object",
                "required": ["name", "uuid", "value"],
                "properties": {
                    "name": {"type": "string", "description": "Route name (the output's `route`)."},
                    "uuid": {"type": "string", "description": "Identifies the route (not a node)."},
                    "value": {"description": "Condition of this route."},
                },
            },
        }},
        ["routes"], "Routes to the first matching route."),
    "split": _object(
        {"percentage": {"type": "number", "minimum": 0, "maximum": 100,
                        "description": "Share of runs (0–100) routed to child 0 (A); the others go to B."}},
        ["percentage"], "A random A/B split."),
    "delay": _object(
        {"minutes": {"type": "number", "minimum": 0, "description": "Minutes to wait (no worker is held)."}},
        ["minutes"], "A wait."),
    "group": _object(
        {
            "items": {"type": "array", "description": "One iteration per item (usually an expression)."},
            "failOnItemFailure": {"type": "boolean",
                                  "description": "true: one failed iteration fails the group; "
                                                 "false (default): its entry is null."},
            "_nodes": {"type": "array", "items": {"type": "object"},
                       "description": "The sub-graph run per item (its own start and end nodes; "
                                      "`{{nodes.start.<field>}}` is the item, "
                                      "`{{parentNodes.<slug>}}` the parent run)."},
        },
        ["items", "_nodes"], "Runs a sub-graph once per item."),
    "python": _object(
        {"script": {"type": "string", "description": "Python source; assign `result`. Never evaluated as a template."}},
        ["script"], "Sandboxed Python."),
    "script": _object(
        {"script": {"type": "string",
                    "description": "JavaScript function body; `return` a value. Never evaluated as a template."}},
        ["script"], "Sandboxed JavaScript."),
    "agent": _object(
        {
            "prompt": {"type": "string", "minLength": 1, "description": "The user message sent to the model."},
            "advancedSettings": {
                "type": "object",
                "required": ["connectorUuid"],
                "description": "The model and how it is called.",
                "properties": {
                    "connectorUuid": {"type": "string", "minLength": 1,
                                      "description": "A language-model connector."},
                    "languageModelSlug": {"type": "string", "description": "e.g. `gpt-4.1-mini`."},
                    "temperature": {"type": "number", "minimum": 0, "maximum": 1,
                                    "description": "Sampling temperature (default 0.3)."},
                    "maxSteps": {"type": "integer", "minimum": 1, "maximum": 50,
                                 "description": "Model ↔ action round trips (default 10)."},
                    "systemPrompt": {"type": "string", "description": "Instructions before the prompt."},
                },
            },
            "actions": {"type": "array", "description": "Actions the model may call (`tools` is an alias)."},
            "tools": {"type": "array", "description": "Alias of `actions`."},
            "resources": {"type": "array", "description": "Resources given to the model."},
            "capabilities": {"type": "array", "description": "Capabilities, e.g. web search."},
            "output": {
                "type": "object",
                "required": ["type"],
                "description": "`{\"type\":\"text\"}` (default) → `{\"answer\": text}`; "
                               "`{\"type\":\"jsonSchema\",\"jsonSchema\": S}` → `{\"answer\": object}`.",
                "properties": {
                    "type": {"enum": ["text", "jsonSchema"]},
                    "jsonSchema": {"type": "object", "description": "The answer's JSON Schema."},
                },
            },
        },
        ["prompt", "advancedSettings"], "Asks a language model."),
    "modelUpsert": _object(
        {
            "modelUuid": {"type": "string", "minLength": 1, "description": "The model written to."},
            "data": {"type": "object", "description": "Column slug → value; keyed on the model's id column."},
        },
        ["modelUuid", "data"], "Inserts or updates a record."),
    "modelInsert": _object(
        {
            "modelUuid": {"type": "string", "minLength": 1, "description": "The model written to."},
            "data": {"type": "object", "description": "Column slug → value; a missing id is generated."},
        },
        ["modelUuid", "data"], "Inserts a record."),
    "sendEmail": _object(
        {
            "connectorUuid": {"type": "string", "minLength": 1,
                              "description": "An `smtp` connector (host, port, username, password, starttls)."},
            "to": _ADDRESSES,
            "cc": _ADDRESSES,
            "bcc": _ADDRESSES,
            "from": {"type": "string", "description": "Sender; default the connector's `fromAddress`."},
            "replyTo": {"type": "string", "description": "Reply-To address."},
            "subject": {"type": "string", "description": "Subject line."},
            "text": {"type": "string", "description": "Plain-text body (`text`, `html` or both)."},
            "html": {"type": "string", "description": "HTML body, sent as an alternative to `text`."},
        },
        ["connectorUuid", "to", "subject"],
        "Sends an email; output `{messageId, accepted, rejected}`. Price 0.1 credit."),
    "modelAsk": _object(
        {
            "prompt": {"type": "string", "minLength": 1, "description": "The question about the records."},
            "modelUuid": {"type": "string", "minLength": 1, "description": "The model whose records are asked about."},
            "filter": {"type": "object", "description": "Segmentation filter narrowing the records (default all)."},
            "selectedColumnSlugs": {"type": "array", "items": {"type": "string"},
                                    "description": "Columns given to the model (default all)."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100,
                      "description": "Records given to the model, in id order (default 100)."},
            "advancedSettings": _MODEL_SETTINGS,
            "output": _OUTPUT,
        },
        ["prompt", "modelUuid", "advancedSettings"],
        "Asks a language model about a model's records (sent in its prompt as JSON); output `{answer, "
        "recordsCount, totalCount}`. Price 0.5 credit."),
    "fileSearch": _object(
        {
            "query": {"type": "string", "minLength": 1, "description": "Words to look for."},
            "items": {
                "type": "array",
                "description": "Where to search: files, folders, libraries (default every content file).",
                "items": {"type": "object", "required": ["kind"], "properties": {
                    "kind": {"enum": ["file", "folder", "library"]},
                    "fileUuid": {"type": "string"}, "folderUuid": {"type": "string"},
                    "libraryUuid": {"type": "string"}}},
            },
            "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "Passages returned (default 5)."},
        },
        ["query"],
        "Ranks content-file passages (BM25); output `{results: [{fileUuid, fileName, passage, score, text}]}`. "
        "Price 0.02 credit per 1k tokens returned."),
    "waterfall": _object(
        {
            "fields": {"type": "array", "minItems": 1, "uniqueItems": True,
                       "items": {"type": "string", "minLength": 1},
                       "description": "The wanted fields, e.g. `[\"email\"]`."},
            "stopRule": {"enum": ["allFilled", "firstHit"],
                         "description": "`allFilled` (default): stop once every wanted field is filled; "
                                        "`firstHit`: stop after the first provider that fills any."},
            "steps": {"type": "array", "minItems": 1, "items": _WATERFALL_STEP,
                      "description": "The providers, tried in order; each fills only fields still missing."},
            "validator": {**_WATERFALL_VALIDATOR,
                          "description": "Optional: an action that accepts or rejects each filled value "
                                         "(e.g. email verification)."},
        },
        ["fields", "steps"], "Tries providers in order until the wanted fields are filled."),
}

# Longer notes rendered under an action's description in `docs/natives.md`.
NOTES: Final[dict[str, str]] = {
    "waterfall": (
        "Output: `{\"fields\": {field: value | null}, \"filledBy\": {field: step slug}, \"attempts\": "
        "[{\"step\", \"integrationSlug\", \"actionSlug\", \"status\", \"creditsUsedCount\", \"filled\", …}], "
        "\"creditsUsedCount\"}`; an attempt's `status` is `hit`, `miss`, `skipped` or `error` (a provider error "
        "is recorded and the next provider tried; the node succeeds once any provider answered, hit or miss, "
        "and fails with `waterfallFailed` when every provider tried failed). A field is filled by a value "
        "other than null, `\"\"`, `[]` or `{}`.\n\n"
        "Each provider call (and each validator call) is a span of its own in `spans` and `run get` "
        "executions: `node_kind` `connector`, `node_slug` `<node slug>.<step slug>`, `node_uuid` the "
        "waterfall node's, `node_integration_slug` / `node_connector_uuid` the provider's, its own "
        "`execution_credits_used_count`, and `node_child_index` 0 for a hit (validator: accepted), 1 for a "
        "miss (validator: rejected); a skipped step is a `skipped` span. The waterfall's own execution "
        "carries no provider credits (they are on its spans); each provider span is charged as an "
        "execution. Hit rate per provider: `SELECT node_integration_slug, countIf(node_child_index = 0) / "
        "count() AS hit_rate, sum(execution_credits_used_count) AS credits FROM spans WHERE node_kind = "
        "'connector' AND execution_status = 'success' GROUP BY node_integration_slug`."
    ),
}

_EXAMPLE_UUID: Final = "00000000-0000-4000-8000-000000000000"  # replace with a real uuid

EXAMPLES: Final[dict[str, dict[str, Any]]] = {
    "start": {},
    "end": {"variables": [{"name": "domain", "type": "string", "value": "{{nodes.start.domain}}"}]},
    "variables": {"variables": [
        {"name": "isLarge", "type": "boolean", "value": "{{nodes.start.employees > 100}}"},
    ]},
    "filter": {"filter": "{{nodes.start.email != null}}"},
    "branch": {"condition": "{{nodes.start.country === 'FR'}}"},
    "switch": {"routes": [
        {"name": "small", "uuid": "5b0f4c1e-8d7a-4e2b-9c3d-1a2b3c4d5e6f", "value": "{{nodes.start.employees < 50}}"},
        {"name": "large", "uuid": "6c1a5d2f-9e8b-4f3c-8d4e-2b3c4d5e6f70", "value": "{{nodes.start.employees >= 50}}"},
    ]},
    "split": {"percentage": 20},
    "delay": {"minutes": 5},
    "group": {"items": "{{nodes.start.contacts}}", "failOnItemFailure": False, "_nodes": [
        {"uuid": "1f6e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", "slug": "start", "kind": "native", "actionSlug": "start",
         "config": {}, "childrenUuids": ["2a7f3e4d-5c6b-4a89-9706-b5c4d3e2f1a0"], "fallbackOnFailure": False},
        {"uuid": "2a7f3e4d-5c6b-4a89-9706-b5c4d3e2f1a0", "slug": "end", "kind": "native", "actionSlug": "end",
         "config": {"variables": [{"name": "email", "type": "string", "value": "{{nodes.start.email}}"}]},
         "childrenUuids": [], "fallbackOnFailure": False},
    ]},
    "python": {"script": "result = nodes['start']['value'] * 2"},
    "script": {"script": "return nodes.start.value * 2;"},
    "agent": {
        "prompt": "Summarise {{nodes.start.domain}} in one sentence.",
        "advancedSettings": {"connectorUuid": _EXAMPLE_UUID, "languageModelSlug": "gpt-4.1-mini"},
        "output": {"type": "text"},
    },
    "modelUpsert": {"modelUuid": _EXAMPLE_UUID, "data": {"id": "{{nodes.start.id}}", "score": 8}},
    "modelInsert": {"modelUuid": _EXAMPLE_UUID, "data": {"name": "{{nodes.start.name}}"}},
    "sendEmail": {"connectorUuid": _EXAMPLE_UUID, "to": "{{nodes.start.email}}", "cc": ["sales@example.com"],
                  "subject": "Welcome, {{nodes.start.firstName}}", "text": "Hello {{nodes.start.firstName}}!",
                  "html": "<p>Hello <b>{{nodes.start.firstName}}</b>!</p>"},
    "modelAsk": {"prompt": "Which of these companies sell to banks?", "modelUuid": _EXAMPLE_UUID,
                 "selectedColumnSlugs": ["domain", "description"], "limit": 50,
                 "advancedSettings": {"connectorUuid": _EXAMPLE_UUID, "languageModelSlug": "gpt-4.1-mini"}},
    "fileSearch": {"query": "{{nodes.start.question}}", "items": [{"kind": "library", "libraryUuid": _EXAMPLE_UUID}],
                   "limit": 3},
    "waterfall": {
        "fields": ["email"],
        "stopRule": "allFilled",
        "steps": [
            {"slug": "finder_a", "integrationSlug": "http", "actionSlug": "request",
             "config": {"method": "GET", "url": "https://finder-a.example.com/email?domain={{nodes.start.domain}}"},
             "mapping": {"email": "{{result.body.email}}"}},
            {"slug": "finder_b", "integrationSlug": "http", "actionSlug": "request",
             "condition": "{{nodes.start.country === 'FR'}}",
             "config": {"method": "GET", "url": "https://finder-b.example.com/find?domain={{nodes.start.domain}}"},
             "mapping": {"email": "body.data.email"}},
        ],
        "validator": {"integrationSlug": "http", "actionSlug": "request",
                      "config": {"method": "GET", "url": "https://verifier.example.com/check?email={{value}}"},
                      "accept": "{{result.body.status === 'valid'}}"},
    },
}
