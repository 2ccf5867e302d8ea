"""Attachments: upload (checked against the chosen models' inputs) and their bytes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground import services
from playground.selectors import attachment_get_for
from playground.uploads import upload_refusal

from .access import found_or_404, viewer_key


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
    response = HttpResponse(bytes(attachment.data), content_type=attachment.mime)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
