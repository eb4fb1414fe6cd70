"""A small brake on password guessing at `/login`: at most 5 failed password sign-ins a minute for one
email, and 20 for one client address (people behind one NAT share it); the next attempt is answered
429 without checking the password.

Why in memory: it is a brake, not an account lock (which would let anyone lock a user out). It lives in
each server process, so with `--workers N` the limit is N times as loose; a success clears the email's
failures. Token sign-ins are not throttled: a token is 256 random bits.
"""

from __future__ import annotations

import threading
import time
from collections import deque

LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW_SECONDS = 60.0
_MAX_KEYS = 10_000  # forget the oldest keys past this, so a flood cannot grow memory without bound

_lock = threading.Lock()
_failures: dict[str, deque[float]] = {}


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{address}"


def _recent(key: str, now: float) -> int:
    stamps = _failures.get(key)
    if stamps is None:
        return 0
    while stamps and now - stamps[0] > WINDOW_SECONDS:
        stamps.popleft()
    if not stamps:
        del _failures[key]
        return 0
    return len(stamps)


def blocked(email: str, address: str) -> bool:
    """Has this email failed `LIMIT` times, or this address `ADDRESS_LIMIT` times, within the last minute?"""
    now = time.monotonic()
    by_email, by_address = _keys(email, address)
    with _lock:
        return _recent(by_email, now) >= LIMIT or _recent(by_address, now) >= ADDRESS_LIMIT


def failed(email: str, address: str) -> None:
    now = time.monotonic()
    with _lock:
        for key in _keys(email, address):
            _failures.setdefault(key, deque()).append(now)
        while len(_failures) > _MAX_KEYS:
            del _failures[next(iter(_failures))]


def succeeded(email: str) -> None:
    with _lock:
        _failures.pop(_keys(email, "")[0], None)
