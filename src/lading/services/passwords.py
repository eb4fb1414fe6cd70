"""Users' console passwords: a salted, slow hash (stdlib scrypt) and its constant-time check.

Why scrypt from the standard library: no new dependency, memory-hard, and its parameters travel with
each hash (`scrypt$n$r$p$salt$hash`, salt and hash in URL-safe base64 without padding), so they can be
raised later and old hashes still verify. n=2**14, r=8, p=1 (16 MiB, about 50 ms a check) and a random
16-byte salt per password; a 32-byte key. The password itself is never stored, logged or returned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from lading.domain.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # a bound on the work one sign-in may ask for
N, R, P = 2**14, 8, 1
_KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM,
                          dklen=_KEY_BYTES)


def check_new(password: object) -> str:
    """A new password as given, refused (without ever echoing it) when it is not a string of 12 to 1024
    characters."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(f"password must be at least {MIN_LENGTH} characters", reason="invalidPassword")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"password must be at most {MAX_LENGTH} characters", reason="invalidPassword")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON ("\ud800") has no bytes to hash
        raise ValidationError("password must be valid Unicode text", reason="invalidPassword") from None
    return password


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` of a password with a fresh random salt."""
    salt = secrets.token_bytes(16)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_derive(password, salt, N, R, P))}"


# Checked against when no user matches, so an unknown email costs the same time as a wrong password.
_DUMMY = hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str | None) -> bool:
    """Does the password match the stored hash? Constant-time on the derived key; a missing or
    malformed hash is checked against a dummy one (same cost) and never matches."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        params = int(n), int(r), int(p)
        expected, salt_bytes = _unb64(digest), _unb64(salt)
    except ValueError:
        _, n, r, p, salt, digest = _DUMMY.split("$")
        _derive(password, _unb64(salt), int(n), int(r), int(p))
        return False
    return hmac.compare_digest(_derive(password, salt_bytes, *params), expected) and stored is not None
