"""The credential vault: connector secrets encrypted at rest with AES-256-GCM.

Key: `LADING_SECRET_KEY` (base64 of 32 bytes), else a key generated once into
`$LADING_HOME/secret.key` with 0600 rights. Each value gets a random 96-bit nonce and is bound to
its row by associated data (`workspaceUuid:connectorUuid`), so a ciphertext copied to another row
does not decrypt. Old keys listed in `LADING_SECRET_KEYS_PREVIOUS` stay readable; values are
re-encrypted with the current key on their next write.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

from lading.domain.errors import LadingError
from lading.settings import load_settings

_PREFIX = "v1"


class VaultError(LadingError):
    status_code = 500


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError) as exc:
        raise VaultError(f"{origin} is not valid base64", reason="secretKeyInvalid") from exc
    if len(key) != 32:
        raise VaultError(f"{origin} must hold 32 bytes (got {len(key)})", reason="secretKeyInvalid")
    return key


def _key_file(home: Path) -> bytes:
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, base64.b64encode(os.urandom(32)))
        finally:
            os.close(fd)
    return _decode_key(path.read_text(), str(path))


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def current_key() -> bytes:
    env = os.environ.get("LADING_SECRET_KEY")
    if env:
        return _decode_key(env, "LADING_SECRET_KEY")
    return _key_file(load_settings().home)


def _keys() -> dict[str, bytes]:
    keys = {}
    key = current_key()
    keys[_key_id(key)] = key
    for item in (os.environ.get("LADING_SECRET_KEYS_PREVIOUS") or "").split(","):
        if item.strip():
            old = _decode_key(item, "LADING_SECRET_KEYS_PREVIOUS")
            keys.setdefault(_key_id(old), old)
    return keys


def encrypt(value: dict[str, Any], *, associated: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = current_key()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, orjson.dumps(value), associated.encode())
    return f"{_PREFIX}:{_key_id(key)}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, associated: str) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        prefix, kid, payload = token.split(":", 2)
    except ValueError as exc:
        raise VaultError("stored credentials are unreadable", reason="credentialsUnreadable") from exc
    key = _keys().get(kid)
    if prefix != _PREFIX or key is None:
        raise VaultError("stored credentials were encrypted with a key this installation does not have "
                         "(set LADING_SECRET_KEY or LADING_SECRET_KEYS_PREVIOUS)", reason="credentialsUnreadable")
    raw = base64.b64decode(payload)
    try:
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], associated.encode())
    except InvalidTag as exc:
        raise VaultError("stored credentials failed their integrity check", reason="credentialsUnreadable") from exc
    value = dict(orjson.loads(plain))
    from lading.integrations._secrets import remember

    remember(value)  # known to every log line of this process from now on
    return value


def needs_reencryption(token: str) -> bool:
    """True when a value was sealed with a previous key."""
    parts = token.split(":", 2)
    return len(parts) != 3 or parts[1] != _key_id(current_key())
