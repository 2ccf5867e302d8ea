"""Error envelopes in each dialect's real shape (protocols.md §1.5, §3.4, §4).

Chat Completions and Responses use OpenAI's {"error": {message, type, param, code}}; Messages uses
Anthropic's {"type": "error", "error": {type, message}, "request_id"}. The `type`/`code` strings per
status follow the captures where they exist; 500/503 strings are OpenAI's usual ones.
"""

from __future__ import annotations

import uuid

OPENAI_KINDS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", "overloaded"),
}
ANTHROPIC_KINDS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


class SimulatorError(Exception):
    """A request the simulator answers with an HTTP error in the caller's dialect."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ):
        super().__init__(message)
        self.status, self.message, self.param, self.headers = status, message, param, headers


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex[:24]}"


def openai_error_body(*, status: int, message: str, param: str | None = None) -> dict:
    kind, code = OPENAI_KINDS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def anthropic_error_type(status: int) -> str:
    return ANTHROPIC_KINDS.get(status, "api_error" if status >= 500 else "invalid_request_error")


def anthropic_error_body(*, status: int, message: str, request_id: str) -> dict:
    error = {"type": anthropic_error_type(status), "message": message}
    return {"type": "error", "error": error, "request_id": request_id}


def error_body(
    *, dialect: str, status: int, message: str, param: str | None = None, request_id: str
) -> dict:
    if dialect == "messages":
        return anthropic_error_body(status=status, message=message, request_id=request_id)
    return openai_error_body(status=status, message=message, param=param)
