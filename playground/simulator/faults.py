"""Which fault a request gets, honouring times=N, and the HTTP error a status fault becomes."""

from __future__ import annotations

import hashlib

from .cache import LruTtl
from .directive import Directive, strip_directives
from .echo import with_key
from .errors import SimulatorError
from .request import SimRequest

COUNTER_TTL = 24 * 3600.0
HTTP_FAULT_MESSAGES = {
    400: "The request is invalid (simulated: fault=400).",
    401: "Incorrect API key provided (simulated: fault=401).",
    403: "This API key has no access to the requested model (simulated: fault=403).",
    429: "Rate limit reached for requests (simulated: fault=429). Please retry after {retry} s.",
    500: "The server had an error while processing your request (simulated: fault=500).",
    503: "The server is overloaded or not ready yet (simulated: fault=503).",
}


class FaultPlanner:
    """Counts requests per directive + prompt so `times=N` faults only the first N of them."""

    def __init__(self, *, size: int):
        self.counts = LruTtl(size=size, ttl=COUNTER_TTL)

    def fault_for(self, request: SimRequest) -> Directive | None:
        directive = request.directive
        if not directive.fault:
            return None
        if directive.times is None:
            return directive
        key = counting_key(request)
        seen = int(self.counts.get(key) or 0) + 1
        self.counts.put(key, seen)
        return directive if seen <= directive.times else None


def counting_key(request: SimRequest) -> str:
    digest = hashlib.sha256(f"{request.dialect}\0{request.model}\0".encode())
    digest.update(request.directive.canonical.encode())
    digest.update(strip_directives(request.system).encode())
    for message in request.messages:
        digest.update(f"\0{message.role}\0{strip_directives(message.text)}".encode())
    return digest.hexdigest()


def retry_after_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def http_fault(request: SimRequest) -> SimulatorError:
    """The HTTP error the request's status fault (fault=429, 500 …) asks for."""
    directive = request.directive
    status = directive.http_status or 500
    retry = directive.retry_after if directive.retry_after is not None else 1
    headers = ()
    if status == 429 or directive.retry_after is not None:
        headers = (("retry-after", retry_after_text(retry)),)
    template = HTTP_FAULT_MESSAGES.get(status, "Simulated HTTP {status} (fault={status}).")
    message = template.format(retry=retry_after_text(retry), status=status)
    return SimulatorError(status, with_key(message, request), headers=headers)
