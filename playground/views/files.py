"""Attachments: upload (checked against the chosen models' inputs) and their bytes."""

from __future__ import annotations

import asyncio

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground import services
from playground.selectors import attachment_get_for
from playground.uploads import upload_refusal

from .access import found_or_404, viewer_key

SERVED_PIECE = 1 << 20


async def pieces_of(data: bytes):
    """`data` in pieces, with the event loop free between them: a 45 MB video written to the
    socket in one go held every stream up for 140 ms."""
    view = memoryview(data)
    for start in range(0, len(data), SERVED_PIECE):
        yield bytes(view[start : start + SERVED_PIECE])
        await asyncio.sleep(0.002)  # (daphne has no backpressure: let the socket drain)


@require_POST
def attachment_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if refused := upload_refusal(request):  # stopped while it streamed in: over its kind's cap
        return HttpResponse(refused, status=413, content_type="text/plain; charset=utf-8")
    try:
        if upload is None:
            raise ValidationError("Choose a file to attach.")
        attachment = services.attachment_create(owner_key=viewer_key(request), upload=upload)
    except ValidationError as error:
        return render(
            request,
            "playground/session.html#attachment_error",
            {"message": " ".join(error.messages)},
        )
    return render(request, "playground/session.html#attachment_chip", {"attachment": attachment})


@require_GET
def attachment_content(request: HttpRequest, attachment_id) -> HttpResponse:
    attachment = found_or_404(
        attachment_get_for, viewer_key=viewer_key(request), attachment_id=attachment_id
    )
    data = bytes(attachment.data)
    if len(data) > SERVED_PIECE:
        response = StreamingHttpResponse(pieces_of(data), content_type=attachment.mime)
        response["Content-Length"] = str(len(data))
    else:
        response = HttpResponse(data, content_type=attachment.mime)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
