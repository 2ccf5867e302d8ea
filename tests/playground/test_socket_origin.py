"""The websocket Origin check under each deployment shape: scheme, host and port must be the
page's own (https when the proxy says so and SECURE_PROXY_SSL_HEADER trusts it), or one of
CSRF_TRUSTED_ORIGINS. The live handshakes (403) are in tests/hostile/test_ws_inputs.py."""

from __future__ import annotations

import pytest

from playground.socket_origin import origin_allowed

PROXY_TLS = ("HTTP_X_FORWARDED_PROTO", "https")


def scope(origin: str | None, host: str | None = "app.example.com", **headers: str) -> dict:
    sent = {"origin": origin, "host": host} | {k.replace("_", "-"): v for k, v in headers.items()}
    return {
        "type": "websocket",
        "path": "/ws/sessions/x/",
        "headers": [(k.encode(), v.encode()) for k, v in sent.items() if v is not None],
    }


@pytest.fixture(autouse=True)
def deployment(settings):
    settings.ALLOWED_HOSTS = ["app.example.com", "localhost", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.USE_X_FORWARDED_HOST = False


# fmt: off
CASES = {
    # (scope, proxy header trusted, trusted origins, allowed)
    "the page's own origin": (scope("http://app.example.com"), False, [], True),
    "the same host on another port": (scope("http://app.example.com:1"), False, [], False),
    "another port of localhost": (scope("http://localhost:1", "localhost:8000"), False, [], False),
    "the same port of localhost": (
        scope("http://localhost:8000", "localhost:8000"), False, [], True),
    "an allowed host that is not the page's": (
        scope("http://localhost:8000", "127.0.0.1:8000"), False, [], False),
    "https for a plain http page": (scope("https://app.example.com"), False, [], False),
    "https behind a TLS proxy": (
        scope("https://app.example.com", x_forwarded_proto="https"), True, [], True),
    "http behind a TLS proxy": (
        scope("http://app.example.com", x_forwarded_proto="https"), True, [], False),
    "a forwarded proto nobody trusts": (
        scope("https://app.example.com", x_forwarded_proto="https"), False, [], False),
    "a host outside ALLOWED_HOSTS": (
        scope("http://evil.example", "evil.example"), False, [], False),
    "upper case, as some clients send it": (
        scope("HTTP://App.Example.com", "APP.example.com"), False, [], True),
    "a trusted origin": (
        scope("https://admin.example.org"), False, ["https://admin.example.org"], True),
    "a trusted origin's other port": (
        scope("https://admin.example.org:8443"), False, ["https://admin.example.org"], False),
    "a wildcard trusted origin": (
        scope("https://eu.example.org"), False, ["https://*.example.org"], True),
    "a wildcard with the wrong scheme": (
        scope("http://eu.example.org"), False, ["https://*.example.org"], False),
    "null": (scope("null"), False, [], False),
    "no Origin": (scope(None), False, [], False),
    "an origin that is no URL": (scope("http://[::1"), False, ["https://*.example.org"], False),
    "no Host (a test client): the origin's host is checked": (
        scope("http://localhost", None), False, [], True),
    "no Host and a foreign origin": (scope("https://evil.example", None), False, [], False),
}
# fmt: on


@pytest.mark.parametrize(("handshake", "proxy", "trusted", "allowed"), CASES.values(),
                         ids=CASES.keys())  # fmt: skip
def test_the_origin_must_be_the_pages_own_or_trusted(settings, handshake, proxy, trusted, allowed):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_TLS if proxy else None
    settings.CSRF_TRUSTED_ORIGINS = trusted
    assert origin_allowed(handshake) is allowed


def test_a_forwarded_host_counts_only_when_the_deployment_says_so(settings):
    handshake = scope("https://public.example.com", "10.0.0.5:8001")
    handshake["headers"].append((b"x-forwarded-host", b"public.example.com"))
    settings.ALLOWED_HOSTS = ["public.example.com", "10.0.0.5"]
    settings.SECURE_PROXY_SSL_HEADER = PROXY_TLS
    handshake["headers"].append((b"x-forwarded-proto", b"https"))
    assert origin_allowed(handshake) is False
    settings.USE_X_FORWARDED_HOST = True
    assert origin_allowed(handshake) is True
