"""The ``echo_key=1`` directive: error messages that repeat the caller's API key.

Real providers quote the key in some errors (OpenAI: "Incorrect API key provided: sk-abc…wxyz"),
whole or masked. The simulator does it on request, so the app's key redactor can be tested against
every form at once: the key whole, then masked as ``sk-abc…wxyz`` (head, ellipsis, tail),
``sk-abc***************wxyz`` (head, one star per hidden character, tail) and ``****wxyz``
(the last four only). Head and tail are 6 and 4 characters, fewer for keys under 18 characters so
that a short key is never shown nearly whole in its masked forms.
"""

from __future__ import annotations

from .request import SimRequest
from .transport import header

HEAD, TAIL = 6, 4


def request_key(scope: dict, body: object) -> str:
    """The API key a request carried: Bearer token, x-api-key, or a JSON body field "key"."""
    authorization = header(scope, "authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if api_key := (header(scope, "x-api-key") or "").strip():
        return api_key
    key = body.get("key") if isinstance(body, dict) else None
    return key if isinstance(key, str) else ""


def masked_forms(key: str) -> list[str]:
    head, tail = key[: min(HEAD, len(key) // 3)], key[len(key) - min(TAIL, len(key) // 3) :]
    hidden = len(key) - len(head) - len(tail)
    return [f"{head}…{tail}", f"{head}{'*' * hidden}{tail}", f"****{tail}"]


def with_key(message: str, request: SimRequest) -> str:
    """`message`, followed by the prompt when reply=echo asked for it, then by the request's key
    whole and masked when echo_key=1 asked for it."""
    if request.directive.reply == "echo":
        message = f"{message} {request.prompt}"
    if not request.directive.echo_key:
        return message
    key = request.api_key
    if not key:
        return f"{message} No API key was provided."
    return f"{message} API key provided: {key} (masked: {', '.join(masked_forms(key))})."


def echoed_error(error: dict, request: SimRequest) -> dict:
    """An error object whose "message" carries the key when echo_key=1 asked for it."""
    return {**error, "message": with_key(error["message"], request)}
