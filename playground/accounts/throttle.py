"""Attempt counters in Django's cache: failed log-ins per account and per address, sign-ups and
reset mails per address, key checks per user.

The cache is Redis when REDIS_URL is set, so a limit holds across every worker; the embedded
profile (one process) uses the process's memory. Windows are fixed (the count resets at the
window's end), which is what the wait in the message says; incr is atomic on both backends.
The client address is REMOTE_ADDR: behind the bundled nginx, daphne --proxy-headers sets it from
the X-Forwarded-For that nginx overwrites, so a client cannot pick its own address.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: int  # seconds


def login_limits() -> tuple[Limit, Limit]:
    window = settings.PLAYGROUND_LOGIN_WINDOW
    return (
        Limit("login-account", settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT, window),
        Limit("login-address", settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ADDRESS, window),
    )


SIGNUP = Limit("signup", 10, 3600)
RESET = Limit("reset", 5, 3600)
KEY_CHECK = Limit("key-check", 6, 60)


def _slot(limit: Limit, ident: str) -> tuple[str, float]:
    now = time.time()
    number = int(now // limit.window)
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{limit.scope}:{digest}:{number}", (number + 1) * limit.window - now


def wait_seconds(limit: Limit, ident: str) -> int:
    """0 when another attempt is allowed, else the seconds until the window ends."""
    key, left = _slot(limit, ident)
    return math.ceil(left) if (cache.get(key) or 0) >= limit.attempts else 0


def hit(limit: Limit, ident: str) -> None:
    key, left = _slot(limit, ident)
    cache.add(key, 0, timeout=math.ceil(left) + 5)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=math.ceil(left) + 5)


def clear(limit: Limit, ident: str) -> None:
    cache.delete(_slot(limit, ident)[0])


def take(limit: Limit, ident: str) -> int:
    """Count an attempt that is limited whether or not it succeeds; the wait if over."""
    wait = wait_seconds(limit, ident)
    if not wait:
        hit(limit, ident)
    return wait


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
