"""Email over SMTP (`smtp`): the connection the native `sendEmail` step (and this integration's own
`sendEmail` action) sends through.

Why the standard library: `smtplib` speaks every server a team runs (STARTTLS, implicit TLS, AUTH
LOGIN/PLAIN) and needs nothing installed; its blocking calls run in a worker thread so the event
loop that drives other runs never waits on a mail server. The password is a secret field: encrypted
at rest, masked on output, and scrubbed from every error a server answers with.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

from lading.integrations import _sdk
from lading.integrations._sdk import Action, ActionCall, ActionResult, ProviderError

PROVIDER = "SMTP"
TIMEOUT_SECONDS = 30

CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "host": {"type": "string", "minLength": 1, "description": "SMTP server host, e.g. `smtp.example.com`."},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535,
                 "description": "Default 587 (465 with `ssl`)."},
        "username": {"type": "string", "description": "Login (omit for a server without authentication)."},
        "password": _sdk.secret("SMTP password or app password.", "Password"),
        "starttls": {"type": "boolean", "default": True,
                     "description": "Upgrade the connection with STARTTLS before logging in (default true)."},
        "ssl": {"type": "boolean", "default": False, "description": "Implicit TLS from the first byte (port 465)."},
        "fromAddress": {"type": "string", "minLength": 3,
                        "description": "Default sender, e.g. `Ops <ops@example.com>` (else `username`)."},
    },
    "required": ["host"],
    "additionalProperties": False,
}

_ADDRESSES: dict[str, Any] = {
    "oneOf": [{"type": "string", "minLength": 3},
              {"type": "array", "items": {"type": "string", "minLength": 3}}],
    "description": "An address (`a@b.com` or `Name <a@b.com>`), a comma-separated list, or an array.",
}

SEND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["to", "subject"],
    "properties": {
        "to": _ADDRESSES,
        "cc": _ADDRESSES,
        "bcc": _ADDRESSES,
        "from": {"type": "string", "minLength": 3, "description": "Sender; default the connector's `fromAddress`."},
        "replyTo": {"type": "string", "minLength": 3},
        "subject": {"type": "string"},
        "text": {"type": "string", "description": "Plain-text body."},
        "html": {"type": "string", "description": "HTML body (sent as an alternative to `text`)."},
    },
    "anyOf": [{"required": ["text"]}, {"required": ["html"]}],
}

SEND_OUTPUT: dict[str, Any] = {
    "type": "object",
    "required": ["messageId", "accepted"],
    "properties": {
        "messageId": {"type": "string"},
        "accepted": {"type": "array", "items": {"type": "string"}, "description": "Recipients the server took."},
        "rejected": {"type": "array", "items": {"type": "string"}},
    },
}


def addresses(value: Any) -> list[str]:
    """`"a@x.com, B <b@x.com>"` or a list of them → the bare addresses, in order."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    found = [addr for _, addr in getaddresses([str(v) for v in items]) if addr]
    bad = [a for a in found if "@" not in a]
    if bad:
        raise ProviderError(f"invalid email address {bad[0]!r}", retryable=False)
    return found


def _header(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def build_message(config: dict[str, Any], credentials: dict[str, Any]) -> tuple[EmailMessage, list[str]]:
    """The message and its envelope recipients (to + cc + bcc; bcc never in a header)."""
    sender = config.get("from") or credentials.get("fromAddress") or credentials.get("username")
    if not sender or not addresses(sender):
        raise ProviderError("no sender: set `from` or the connector's fromAddress", retryable=False)
    recipients = addresses(config.get("to")) + addresses(config.get("cc")) + addresses(config.get("bcc"))
    if not addresses(config.get("to")):
        raise ProviderError("`to` names no email address", retryable=False)
    message = EmailMessage()
    message["From"] = str(sender)
    message["To"] = _header(config["to"])
    if config.get("cc"):
        message["Cc"] = _header(config["cc"])
    if config.get("replyTo"):
        message["Reply-To"] = str(config["replyTo"])
    message["Subject"] = str(config.get("subject") or "")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = addresses(sender)[0].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    text, html = config.get("text"), config.get("html")
    message.set_content(str(text) if text is not None else "")
    if html is not None:
        message.add_alternative(str(html), subtype="html")
    return message, list(dict.fromkeys(recipients))


def _open(credentials: dict[str, Any]) -> smtplib.SMTP:
    """A connected, greeted, (STARTTLS-upgraded), logged-in client."""
    host = str(credentials.get("host") or "")
    if not host:
        raise ProviderError("invalid connector config for smtp: host is required", retryable=False)
    implicit = bool(credentials.get("ssl"))
    port = int(credentials.get("port") or (465 if implicit else 587))
    context = ssl.create_default_context()
    client: smtplib.SMTP = (smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context) if implicit
                            else smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS))
    try:
        client.ehlo()
        if not implicit and credentials.get("starttls", True):
            if not client.has_extn("starttls"):
                raise ProviderError(f"{PROVIDER}: {host}:{port} does not offer STARTTLS (set starttls false "
                                    "only for a server on a trusted network)", retryable=False)
            client.starttls(context=context)
            client.ehlo()
        if credentials.get("username"):
            client.login(str(credentials["username"]), str(credentials.get("password") or ""))
    except BaseException:
        client.close()
        raise
    return client


def _failure(exc: Exception, host: str) -> ProviderError:
    """An smtplib/socket failure as a node failure: authentication and refusals are final, the rest retryable."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ProviderError(f"{PROVIDER}: {host} refused the login ({exc.smtp_code})", status=exc.smtp_code,
                             retryable=False)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return ProviderError(f"{PROVIDER}: every recipient was refused ({', '.join(exc.recipients)})",
                             retryable=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return ProviderError(f"{PROVIDER}: {host} answered {exc.smtp_code} {detail[:200]}", status=exc.smtp_code,
                             retryable=exc.smtp_code < 500)
    return ProviderError(f"{PROVIDER}: cannot reach {host}: {type(exc).__name__}: {exc}", retryable=True)


def _send(config: dict[str, Any], credentials: dict[str, Any]) -> dict[str, Any]:
    message, recipients = build_message(config, credentials)
    host = str(credentials.get("host") or "")
    try:
        client = _open(credentials)
        try:
            refused = client.send_message(message, to_addrs=recipients)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    except (smtplib.SMTPException, OSError, ProviderError) as exc:
        raise _failure(exc, host) from None
    return {"messageId": message["Message-ID"], "accepted": [r for r in recipients if r not in refused],
            "rejected": sorted(refused)}


def _login(credentials: dict[str, Any]) -> None:
    host = str(credentials.get("host") or "")
    try:
        client = _open(credentials)
        client.noop()
        client.quit()
    except (smtplib.SMTPException, OSError, ProviderError) as exc:
        raise _failure(exc, host) from None


async def send_email(call: ActionCall) -> ActionResult:
    return ActionResult(output=await asyncio.to_thread(_send, call.config, call.credentials))


async def check(call: ActionCall) -> None:
    """`connector test`: connect, STARTTLS, log in, NOOP, quit — no mail sent."""
    await asyncio.to_thread(_login, call.credentials)


INTEGRATION = _sdk.Integration(
    slug="smtp",
    name="SMTP",
    description="Send email through your own SMTP server (the connection of the native sendEmail step).",
    category="engagement",
    connector_schema=CONNECTOR_SCHEMA,
    default_base_url="",
    actions=(
        Action(slug="sendEmail", name="Send an email", category="engagement",
               description="Send an email (text and/or HTML, to/cc/bcc) through the connector's SMTP server.",
               config_schema=SEND_SCHEMA, output_schema=SEND_OUTPUT, run=send_email),
    ),
    rate_limit=_sdk.RateLimit(requests_per_second=5, max_concurrency=4),
    check=check,
)
