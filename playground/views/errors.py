"""A 400 that says what was wrong, for requests refused before a view runs (Django raises them
while reading the request: too large, too many fields, malformed multipart, unknown host).

The message is chosen by the kind of problem, never taken from the request: nothing the sender
wrote is echoed back. The page stands alone (no base template), since a request with an unknown
Host must not reach anything that builds URLs from it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

MALFORMED = "The request could not be read. Nothing was changed; reload the page and try again."


def _reason(exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1048576
        return f"The request is too large: form data is limited to {limit:.1f} MB."
    if isinstance(exception, TooManyFieldsSent):
        most = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return f"The request has too many fields (at most {most})."
    if isinstance(exception, TooManyFilesSent):
        most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return f"The request has too many files (at most {most})."
    if isinstance(exception, DisallowedHost):
        return "This site is not served under that host name."
    if isinstance(exception, MultiPartParserError):
        return "The upload could not be read (a malformed multipart body)."
    return MALFORMED


def bad_request(request: HttpRequest, exception=None) -> HttpResponseBadRequest:
    html = render_to_string("400.html", {"message": _reason(exception)})
    return HttpResponseBadRequest(html)
