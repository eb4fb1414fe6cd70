"""Scrubbing connector secrets out of everything an integration hands back.

Why one place: providers echo requests (headers, query strings, bodies) in answers and error
texts, and every integration builds its own auth header, so redacting per integration always
misses a variant. The runtime (`_runtime.call_action`) passes every action result, error and
base URL through a `Scrubber` holding the call's secrets before anything leaves the integration
layer; the engine, the store, downloads and logs therefore never see a plaintext credential.

A secret is searched in the forms it travels in: as is, URL-encoded (`%2B`/`%2b`, `+` for a
space), JSON- and HTML-escaped, base64 (standard and URL-safe, any alignment, so it is also found
inside `Basic base64(user:password)`), and every credential header value actually sent
(`Bearer <token>`, `Basic …`). Each occurrence becomes `MASK`.

Minimum length (`MIN_SECRET_LENGTH` = 6): masking a 1–5 character value everywhere would
corrupt ordinary data (a password `1234` would erase every `1234` in an enrichment answer) while
protecting a value that could be guessed anyway. Shorter secrets are still masked where they
cannot be confused with data: a string that is exactly the secret, and the credential headers
built from them (`Bearer k`, the Basic value), which are long.

Every secret seen by this process is also kept (bounded, most recent first) and, from the first
one on, every log record the process creates is scrubbed (a log-record factory), plus a filter on
the worker's handlers (`install_log_redaction`): a message logged anywhere — by Lading or a
library such as httpx, which logs request URLs — carries no known secret.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "********"  # what every face prints instead of a secret
# Field names always treated as secret inside credentials, whatever the schema says (nested auth
# objects, platform keys): used to scrub a call's answers and to mask and seal a connector's config.
SECRET_FIELD_NAMES = frozenset({"token", "password", "value", "apiKey", "accessToken", "botToken", "secret",
                                "clientSecret", "refreshToken", "apiSecret", "privateKey"})
MIN_SECRET_LENGTH = 6
# Shortest base64 fragment searched for inside longer base64 text (shorter ones could be chance).
_MIN_B64_CORE = 6
# Header names whose values are credentials whatever they contain (scrubbed, and dropped on a
# redirect to another host).
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "apikey",
                               "x-auth-token", "x-access-token", "cookie", "private-token"})
_PCT = re.compile(r"%[0-9A-F]{2}")


def _b64_forms(raw: bytes) -> set[str]:
    """Base64 of `raw` at the three byte alignments, boundary characters dropped: one of these is
    a substring of any base64 text that contains `raw` (e.g. `base64("user:" + password)`)."""
    out: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = (shift * 4 + 2) // 3  # characters touched by the padding prefix
        stop = (shift + len(raw)) * 4 // 3  # last character made of secret bits only
        core = encoded[start:stop]
        if len(core) >= _MIN_B64_CORE:
            out.add(core)
            out.add(core.replace("+", "-").replace("/", "_"))
    whole = base64.b64encode(raw).decode()
    out.update({whole, whole.rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")})
    return {f for f in out if len(f) >= _MIN_B64_CORE or f == whole}


def variants(secret: str) -> set[str]:
    """Every spelling of `secret` that can reach an answer, an error text or a URL."""
    forms = {secret}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret, safe=""), quote_plus(secret)):
        forms.add(encoded)
        forms.add(_PCT.sub(lambda m: m.group(0).lower(), encoded))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.add(html.escape(secret))
    forms.update(_b64_forms(secret.encode()))
    return {f for f in forms if f}


class Scrubber:
    """The secrets of one call and every form they take; `text`/`value` mask them."""

    __slots__ = ("_exact", "_needles", "_pattern")

    def __init__(self, secrets: Iterable[Any] = ()) -> None:
        self._needles: set[str] = set()
        self._exact: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in secrets:
            self.add(value)

    def __bool__(self) -> bool:
        return bool(self._needles or self._exact)

    def add(self, value: Any) -> None:
        """A secret value: searched everywhere in all its forms (exact match only when short)."""
        if value is None or isinstance(value, (bool, dict, list)):
            return
        text = str(value)
        if not text.strip():
            return
        if len(text) < MIN_SECRET_LENGTH:
            self._exact.add(text)
            self._add_needles({f"Bearer {text}", f"bearer {text}"})
            return
        self._add_needles(variants(text))
        _REGISTRY.add(text)

    def add_sent(self, value: str) -> None:
        """A credential as it was sent (a whole header value such as `Basic dXNl…`): its literal
        and encoded forms, plus the part after the scheme."""
        value = value.strip()
        if len(value) < MIN_SECRET_LENGTH:
            if value:
                self._exact.add(value)
            return
        self.add(value)
        scheme, _, rest = value.partition(" ")
        if rest and scheme.isalpha():
            self.add(rest.strip())

    def _add_needles(self, needles: Iterable[str]) -> None:
        before = len(self._needles)
        self._needles.update(n for n in needles if len(n) >= MIN_SECRET_LENGTH)
        if len(self._needles) != before:
            self._pattern = None

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._needles:
            # Longest first, so `Bearer <token>` wins over `<token>` and one mask replaces it.
            ordered = sorted(self._needles, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(n) for n in ordered))
        return self._pattern

    def contains(self, text: str) -> bool:
        pattern = self._regex()
        return bool(text in self._exact or (pattern is not None and pattern.search(text)))

    def text(self, text: str) -> str:
        if text in self._exact:
            return MASK
        pattern = self._regex()
        if pattern is None:
            return text
        return pattern.sub(MASK, text)

    def _needles_only(self, text: str) -> str:
        pattern = self._regex()
        return text if pattern is None else pattern.sub(MASK, text)

    def value(self, value: Any) -> Any:
        """`value` with every secret masked, in strings and keys at any depth. Unchanged values are
        returned as is (no copy): one JSON dump and one search decide the common, clean case."""
        if not self or value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            return self.text(value)
        if not self._exact:
            try:
                import orjson

                dumped = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
            except TypeError:
                dumped = None
            if dumped is not None and not self.contains(dumped):
                return value
        return self._walk(value)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            # Keys: full search only (a key equal to a short secret is a field name, not a leak).
            return {(self._needles_only(k) if isinstance(k, str) else k): self._walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._walk(v) for v in value]
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "replace")).encode()
        return value


# Keys of a sealed payload whose values are bookkeeping, not secrets (an MCP client's `issuedAt`, an
# auth object's `type`): not registered, so ordinary timestamps and words stay readable in logs.
_NOT_SECRET_KEYS = frozenset({"issuedAt", "expiresAt", "type", "tokenType", "token_type", "scope", "name",
                              "username", "baseUrl", "allowedHosts"})


def remember(payload: Any, key: str = "") -> None:
    """Register every secret value of a payload just decrypted from the vault with this process's
    log redaction. Called by `_vault.decrypt` itself, so a secret is known to the redaction from the
    moment it exists in clear in this process, whichever code path decrypted it (connectors, OAuth
    grants, MCP client tokens, the workspace's model key, batch webhook secrets)."""
    if isinstance(payload, Mapping):
        for k, v in payload.items():
            remember(v, str(k))
    elif isinstance(payload, (list, tuple)):
        for v in payload:
            remember(v, key)
    elif isinstance(payload, str) and key not in _NOT_SECRET_KEYS and len(payload.strip()) >= MIN_SECRET_LENGTH:
        _REGISTRY.add(payload.strip())


class _Registry:
    """Secrets seen by this process (most recent kept), for scrubbing log records."""

    LIMIT = 512

    def __init__(self) -> None:
        self._values: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._scrubber: Scrubber | None = None

    def add(self, value: str) -> None:
        _install_record_factory()
        with self._lock:
            if value in self._values:
                self._values.move_to_end(value)
                return
            self._values[value] = None
            if len(self._values) > self.LIMIT:
                self._values.popitem(last=False)
            self._scrubber = None

    def scrubber(self) -> Scrubber | None:
        with self._lock:
            if not self._values:
                return None
            if self._scrubber is None:
                scrubber = Scrubber()
                for value in self._values:
                    scrubber._add_needles(variants(value))
                self._scrubber = scrubber
            return self._scrubber


_REGISTRY = _Registry()


_FACTORY_INSTALLED = False


def _install_record_factory() -> None:
    """Once a secret is known to this process, every log record is scrubbed as it is created, for
    every handler (files, stderr, test capture) and every library (httpx logs full request URLs,
    httpcore raw headers at debug level)."""
    global _FACTORY_INSTALLED
    if _FACTORY_INSTALLED:
        return
    _FACTORY_INSTALLED = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub_record(record)
        return record

    logging.setLogRecordFactory(factory)


def _scrub_record(record: logging.LogRecord) -> None:
    scrubber = _REGISTRY.scrubber()
    if scrubber is None:
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is the logging module's business, not ours
        return
    clean = scrubber.text(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrubber.text(record.exc_text)


def redact(text: str) -> str:
    """`text` with every secret this process has seen masked: for what reaches a person without
    going through logging (a debug traceback printed on stderr)."""
    scrubber = _REGISTRY.scrubber()
    return text if scrubber is None else scrubber.text(text)


class _LogRedaction(logging.Filter):
    """Masks secrets seen by this process in every record a handler emits (message and traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub_record(record)  # again at emit time: a secret first seen after the record was made
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Add the redaction filter to every handler of `logger` (the root logger by default); call it
    after `logging.basicConfig`. Idempotent."""
    target = logger or logging.getLogger()
    # httpx logs every request's full URL at INFO (query-string keys included): per-request noise
    # for a worker, and a leak if a key is not yet known to the scrubber.
    for name in ("httpx", "httpcore"):
        if logging.getLogger(name).level < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)
    for handler in target.handlers:
        if not any(isinstance(f, _LogRedaction) for f in handler.filters):
            handler.addFilter(_LogRedaction())
    _route_stray_output_through_logging()


def _route_stray_output_through_logging() -> None:
    """What a process would otherwise write straight to stderr (its log file for a background
    worker) bypasses the handlers: Python warnings and the traceback of an uncaught exception, in
    the main thread or any other (an exception's text often names a URL). Both go through logging
    instead, so the same redaction applies."""
    import sys

    logging.captureWarnings(True)

    def uncaught(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        logging.getLogger("lading").critical("uncaught exception", exc_info=(kind, exc, tb))

    def uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        logging.getLogger("lading").critical("uncaught exception in thread %s",
                                             getattr(args.thread, "name", "?"),
                                             exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = uncaught
    threading.excepthook = uncaught_in_thread
