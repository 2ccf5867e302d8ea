"""The websocket handshake's Origin check: scheme, host and port, as Django's CSRF check compares
the Origin of a POST.

Channels' AllowedHostsOriginValidator compares only the origin's host with ALLOWED_HOSTS, so a
page served by anything else on an allowed host (`http://localhost:1`, another local service)
could open a socket carrying the visitor's cookie. Here the origin must be the page's own
(`http[s]://` + the Host header, https when the request was secure) on an allowed host, or one of
CSRF_TRUSTED_ORIGINS (`https://*.example.com` patterns included). A handshake without an Origin
is refused: browsers always send one, and command-line clients can.

A handshake without a Host header (only non-browser clients, such as Channels' test
communicator, leave it out) falls back to Channels' check of the origin's host: the origin check
protects browsers, and every browser sends a Host.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

log = logging.getLogger("playground.socket")


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def is_secure(scope) -> bool:
    """Like Django's request.is_secure(): the proxy's header when one is configured and sent."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta, secure_value = settings.SECURE_PROXY_SSL_HEADER
        sent = header(scope, meta.removeprefix("HTTP_").lower().replace("_", "-").encode())
        if sent is not None:
            return sent.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "wss"


def request_host(scope) -> str | None:
    if settings.USE_X_FORWARDED_HOST and header(scope, b"x-forwarded-host"):
        return header(scope, b"x-forwarded-host").split(",")[-1].strip()
    return header(scope, b"host")


def host_allowed(host: str) -> bool:
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def split(origin: str) -> tuple[str, str]:
    """(scheme, host[:port]); a malformed origin (`http://[::1`) is ("", "")."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return "", ""
    return parts.scheme, parts.netloc


def trusted(origin: str) -> bool:
    """One of CSRF_TRUSTED_ORIGINS, exactly or by a `scheme://*.domain` pattern."""
    scheme, netloc = split(origin)
    for allowed in (entry.lower() for entry in settings.CSRF_TRUSTED_ORIGINS):
        if "*" not in allowed and origin == allowed:
            return True
        pattern_scheme, pattern_netloc = split(allowed)
        wildcard = "*" in allowed and netloc and pattern_scheme == scheme
        if wildcard and is_same_domain(netloc, pattern_netloc.lstrip("*")):
            return True
    return False


def origin_allowed(scope) -> bool:
    origin = (header(scope, b"origin") or "").strip().lower()
    if not origin or origin == "null":
        return False
    host = request_host(scope)
    if host is None:
        return host_allowed(split(origin)[1]) or trusted(origin)
    own = f"{'https' if is_secure(scope) else 'http'}://{host.lower()}"
    return (origin == own and host_allowed(host)) or trusted(origin)


class SameOriginValidator:
    """Refuses the handshake (HTTP 403) unless `origin_allowed`; the refusal is logged (origin,
    host, path, client address; never the cookie)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        log.warning(
            "websocket refused: origin %r for host %r, path %r, client %s",
            header(scope, b"origin"), header(scope, b"host"), scope.get("path"),
            (scope.get("client") or ["?"])[0],
        )  # fmt: skip
        return await WebsocketDenier()(scope, receive, send)
