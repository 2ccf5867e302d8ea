"""Share links: the owner's Share dialog (create, list, revoke, regenerate), and what a link
opens for anyone holding it: the read-only page, its exports, and Open a copy.

Everything under /s/<token>/ answers 404 for a wrong, revoked or expired token alike, is never
indexed or cached, and sends no Referer (the token is in the URL).
"""

from __future__ import annotations

import functools

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from playground.accounts.views import public
from playground.copying import session_copy
from playground.ledger import session_ledger
from playground.page_context import page_context
from playground.redaction import known_secrets, scrub
from playground.runs.sweeps import runs_sweep_here
from playground.sharing import (
    LIFETIMES,
    share_access,
    share_create,
    share_get,
    share_regenerate,
    share_revoke,
    share_viewed,
    shares_of,
)

from .access import editable_access, found_or_404, viewer_key
from .transfer import export_response

SHARE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


def shared(view):
    """The share headers on every answer, a 404 (and a 405) included."""

    @functools.wraps(view)
    def answer(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, token, *args, **kwargs)
        except Http404:
            response = render(request, "playground/share_gone.html", status=404)
        for name, value in SHARE_HEADERS.items():
            response[name] = value
        return response

    return answer


def _open(request: HttpRequest, token: str, *, copying: bool = False):
    """The link's read-only access. Only a copy needs the viewer's own key (and so a browser
    session): looking creates nothing, not even for a crawler that ignores noindex."""
    viewer = viewer_key(request) if copying else ""
    return found_or_404(share_access, token=token, viewer_key=viewer)


@shared
@require_GET
def shared_session(request: HttpRequest, token: str) -> HttpResponse:
    access, link = _open(request, token)
    runs_sweep_here(session_id=access.session.id)
    share_viewed(link=link)
    context = page_context(access=access) | {
        "ledger": session_ledger(session=access.session),
        "link": link,
        "token": token,
    }
    response = render(request, "playground/shared.html", context)
    keys = known_secrets(owner_key=access.session.owner_key)
    response.content = scrub(response.content.decode(), keys).encode()
    return response


@shared
@require_GET
def shared_export(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    access, link = _open(request, token)
    share_viewed(link=link)
    return export_response(access.session, fmt)


@shared
@require_POST
def shared_fork(request: HttpRequest, token: str) -> HttpResponse:
    """Open a copy: the session as the page shows it, into the viewer's own sessions."""
    access, _ = _open(request, token, copying=True)
    title = access.session.title or "Shared session"
    copy = session_copy(
        source=access.session, owner_key=access.viewer_key, title=title, private=True
    )
    if request.htmx:  # the page goes there itself
        return HttpResponse(headers={"HX-Redirect": reverse("session", args=[copy.id])})
    return redirect("session", session_id=copy.id)


# --- The owner's Share dialog ---------------------------------------------------------------


def _dialog(request: HttpRequest, access, *, fresh=None, errors=()) -> HttpResponse:
    context = {
        "access": access,
        "session": access.session,
        "links": shares_of(access=access),
        "lifetimes": [(value, label) for value, (label, _) in LIFETIMES.items()],
        "errors": errors,
    }
    if fresh is not None:
        link, token = fresh
        context |= {"fresh": link, "fresh_url": request.build_absolute_uri(
            reverse("shared", kwargs={"token": token})
        )}  # fmt: skip
    response = render(request, "playground/sharing.html#share_dialog", context)
    response["Cache-Control"] = "private, no-store"  # a new link is in it
    return response


@require_GET
def shares(request: HttpRequest, session_id) -> HttpResponse:
    return _dialog(request, editable_access(request, session_id))


@require_POST
def share_new(request: HttpRequest, session_id) -> HttpResponse:
    access = editable_access(request, session_id)
    lifetime = request.POST.get("expires", "")
    if lifetime not in LIFETIMES:
        return _dialog(request, access, errors=["Choose when the link expires."])
    name = request.POST.get("display_name", "")
    fresh = share_create(access=access, display_name=name, lifetime=lifetime)
    return _dialog(request, access, fresh=fresh)


@require_POST
def share_revoke_link(request: HttpRequest, session_id, share_id) -> HttpResponse:
    access = editable_access(request, session_id)
    share_revoke(link=found_or_404(share_get, access=access, share_id=share_id))
    return _dialog(request, access)


@require_POST
def share_regenerate_link(request: HttpRequest, session_id, share_id) -> HttpResponse:
    access = editable_access(request, session_id)
    link = found_or_404(share_get, access=access, share_id=share_id)
    return _dialog(request, access, fresh=share_regenerate(access=access, link=link))


@public  # crawlers never sign in
@require_GET
def robots(request: HttpRequest) -> HttpResponse:
    """No crawler has any business here, least of all on a shared page."""
    return HttpResponse("User-agent: *\nDisallow: /s/\nDisallow: /sessions/\n", "text/plain")
