"""Resolve who is asking, once per request."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest

from playground.access import SessionAccess, access_for_owner, viewer_key_for


def viewer_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()  # the websocket handshake needs the cookie to find its owner
    return viewer_key_for(user=request.user, session_key=request.session.session_key)


def session_access(request: HttpRequest, session_id) -> SessionAccess:
    """The viewer's own session, or a 404 (another owner's session looks missing)."""
    return found_or_404(access_for_owner, viewer_key=viewer_key(request), session_id=session_id)


def editable_access(request: HttpRequest, session_id) -> SessionAccess:
    access = session_access(request, session_id)
    if not access.can_edit:
        raise Http404("Not found")
    return access


def found_or_404(lookup, **kwargs):
    """Another owner's object is indistinguishable from a missing one."""
    try:
        return lookup(**kwargs)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None
