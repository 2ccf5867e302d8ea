"""A session as a file and back: JSON and Markdown exports, JSON import, and Duplicate."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from playground.copying import session_copy
from playground.exports.importer import Refused, refuse_size, session_import
from playground.exports.markdown import session_markdown
from playground.exports.session_json import export_text, session_export
from playground.models import PlaygroundSession
from playground.uploads import upload_refusal

from .access import editable_access, session_access, viewer_key
from .pages import sessions_page

FORMATS = {
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def export_response(session: PlaygroundSession, fmt: str) -> HttpResponse:
    """The download, named after the session."""
    if fmt == "json":
        body = export_text(session_export(session=session), owner_key=session.owner_key)
    else:
        body = session_markdown(session=session)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = slugify(session.title)[:60] or "session"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def session_export_file(request: HttpRequest, session_id, fmt: str) -> HttpResponse:
    access = session_access(request, session_id)
    response = export_response(access.session, fmt)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def session_duplicate(request: HttpRequest, session_id) -> HttpResponse:
    """The owner's own copy, with everything: recorded requests and files included."""
    access = editable_access(request, session_id)
    title = f"{access.session.title or 'Untitled session'} (copy)"
    copy = session_copy(
        source=access.session, owner_key=access.viewer_key, title=title, private=False
    )
    return redirect("session", session_id=copy.id)


@require_POST
def session_import_file(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None:
            refused = upload_refusal(request)  # stopped while it streamed in: over the cap
            raise Refused([refused or "Choose a JSON file exported from Seed Playground."])
        refuse_size(upload.size, limit=settings.PLAYGROUND_MAX_IMPORT_BYTES)
        session = session_import(raw=upload.read(), owner_key=viewer_key(request))
    except Refused as refused:
        return sessions_page(request, status=400, import_problems=refused.problems)
    return redirect("session", session_id=session.id)
