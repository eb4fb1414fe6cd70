"""Slack (`slack`): post messages with a bot token through the Slack Web API.

Why it is its own module rather than a generic HTTP node: Slack answers HTTP 200 with
`{"ok": false, "error": "<code>"}` on failure, so success has to be read from the body; channel
pickers need cursor pagination over `conversations.list`; and Slack's per-method rate tiers call
for a slow, shared request rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lading.integrations import _sdk
from lading.integrations._http import parse_body
from lading.integrations._sdk import Action, ActionCall, ActionResult, Autocomplete, ProviderError

if TYPE_CHECKING:  # annotations only: httpx loads with the first provider call
    import httpx

MAX_CHANNEL_PAGES = 50  # 10,000 channels; a picker does not need more

# Error codes worth a hint, and the ones that are worth retrying.
_HINTS = {
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel first (/invite @bot)",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is longer than Slack accepts",
    "no_text": "the message body is empty",
    "invalid_auth": "check the connector's bot token",
    "not_authed": "check the connector's bot token",
    "token_revoked": "check the connector's bot token",
    "account_inactive": "check the connector's bot token",
    "missing_scope": "the bot token lacks a required OAuth scope",
    "ratelimited": "rate limited",
}
_RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}

CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["botToken"],
    "properties": {
        "botToken": _sdk.secret("Bot User OAuth Token of a Slack app (`xoxb-…`), with the `chat:write` scope "
                           "(and `channels:read`, `groups:read` for the channel picker).", "Bot token"),
        "baseUrl": _sdk.BASE_URL_FIELD,
    },
}

POST_MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["channelId", "body"],
    "properties": {
        "channelId": {"type": "string", "minLength": 1, "title": "Channel",
                      "description": "Channel ID (`C…`/`G…`), or a user ID for a direct message."},
        "body": {"type": "string", "minLength": 1, "title": "Message"},
        "format": {"type": "string", "enum": ["markdown", "text"], "default": "markdown",
                   "description": "`markdown`: Slack mrkdwn formatting; `text`: sent literally."},
        "disableUnfurling": {"type": "boolean", "default": False,
                             "description": "Do not expand links and media into previews."},
        "threadTs": {"type": "string", "description": "Reply in the thread of this message `ts`."},
    },
    "additionalProperties": True,
}

POST_MESSAGE_OUTPUT: dict[str, Any] = {
    "type": "object",
    "required": ["ok", "channel", "ts"],
    "properties": {"ok": {"type": "boolean"}, "channel": {"type": "string"},
                   "ts": {"type": "string", "description": "Message timestamp (its id within the channel)."}},
}


def _headers(call: ActionCall) -> dict[str, str]:
    token = call.credentials.get("botToken")
    if not token:
        raise ProviderError("invalid connector config for slack: botToken is required", retryable=False)
    return {"Authorization": f"Bearer {token}"}


def slack_error(method: str, body: Any) -> ProviderError:
    """Slack's `{"ok": false, "error": code}` as a node failure naming the code."""
    code = str(body.get("error") or "unknown_error") if isinstance(body, dict) else "unexpected_answer"
    text = f"Slack {method} failed: {code}"
    if code in _HINTS:
        text += f" ({_HINTS[code]})"
    if isinstance(body, dict):
        if code == "missing_scope" and body.get("needed"):
            text += f"; needed: {body['needed']}"
        details = (body.get("response_metadata") or {}).get("messages")
        if details:
            text += "; " + "; ".join(str(m) for m in details[:3])
    return ProviderError(text, retryable=code in _RETRYABLE)


def _ok_body(method: str, response: httpx.Response) -> dict[str, Any]:
    body = parse_body(response)
    if not isinstance(body, dict) or body.get("ok") is not True:
        raise slack_error(method, body)
    return body


async def post_message(call: ActionCall) -> ActionResult:
    cfg = call.config
    payload: dict[str, Any] = {"channel": cfg["channelId"], "text": cfg["body"],
                               "mrkdwn": cfg.get("format", "markdown") == "markdown"}
    if cfg.get("disableUnfurling"):
        payload["unfurl_links"] = False
        payload["unfurl_media"] = False
    if cfg.get("threadTs"):
        payload["thread_ts"] = cfg["threadTs"]
    headers = {**_headers(call), "Content-Type": "application/json; charset=utf-8"}
    response = await call.http.request("POST", "/chat.postMessage", headers=headers, json=payload)
    body = _ok_body("chat.postMessage", response)
    return ActionResult(output={"ok": True, "channel": body.get("channel"), "ts": body.get("ts")})


async def list_channels(call: ActionCall, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every public and private channel the bot can see, following `next_cursor`."""
    headers = _headers(call)
    results: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(MAX_CHANNEL_PAGES):
        query = {"types": "public_channel,private_channel", "exclude_archived": "true", "limit": 200,
                 "cursor": cursor or None}
        response = await call.http.request("GET", "/conversations.list", headers=headers, params=query)
        body = _ok_body("conversations.list", response)
        for channel in body.get("channels") or []:
            about = (channel.get("purpose") or {}).get("value") or (channel.get("topic") or {}).get("value")
            results.append({"label": f"#{channel.get('name', channel.get('id'))}", "value": channel["id"],
                            "description": about or None})
        cursor = (body.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            break
    return results


async def check(call: ActionCall) -> None:
    """`connector test`: Slack's `auth.test` (free; `{"ok": false, "error": "invalid_auth"}` on a bad token)."""
    response = await call.http.request("POST", "/auth.test", headers=_headers(call))
    body = parse_body(response)
    if not isinstance(body, dict) or not body.get("ok"):
        raise slack_error("auth.test", body)


# The names Cargo's documents use (`post_message` comes with the slug's other spelling).
ACTION_ALIASES = {"send_message": "postMessage", "sendMessage": "postMessage"}


INTEGRATION = _sdk.Integration(
    slug="slack",
    name="Slack",
    description="Post messages to Slack channels with a bot token.",
    category="engagement",
    connector_schema=CONNECTOR_SCHEMA,
    default_base_url="https://slack.com/api",
    actions=(
        Action(slug="postMessage", name="Post message", category="engagement",
               description="Send a message to a Slack channel (or thread) as the bot.",
               config_schema=POST_MESSAGE_SCHEMA, output_schema=POST_MESSAGE_OUTPUT, run=post_message,
               ui_schema={"channelId": {"ui:widget": "IntegrationAutocompleteWidget",
                                        "ui:options": {"slug": "listChannels", "allowRefresh": True,
                                                       "params": {}}},
                          "body": {"ui:widget": "textarea"}}),
    ),
    autocompletes=(Autocomplete(slug="listChannels", run=list_channels),),
    action_aliases=ACTION_ALIASES,
    rate_limit=_sdk.RateLimit(requests_per_second=1, max_concurrency=4),
    url="https://slack.com",
    color="#4A154B",
    check=check,
)
