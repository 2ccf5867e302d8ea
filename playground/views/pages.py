"""The session page, the list of sessions, and creating, renaming and deleting sessions."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from playground import services
from playground.ledger import session_ledger
from playground.page_context import page_context
from playground.rounds import round_summary_context
from playground.runs.sweeps import runs_sweep_here
from playground.selectors import SESSION_SORTS, session_latest_for, sessions_for
from playground.unusable_text import one_line

from .access import editable_access, session_access, viewer_key

SESSIONS_PER_PAGE = 30


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Reopen the session used last (a first visit gets a new one)."""
    owner = viewer_key(request)
    session = session_latest_for(viewer_key=owner) or services.session_create(owner_key=owner)
    return redirect("session", session_id=session.id)


@require_GET
def session_detail(request: HttpRequest, session_id) -> HttpResponse:
    access = session_access(request, session_id)
    runs_sweep_here(session_id=access.session.id)
    context = page_context(access=access) | {"ledger": session_ledger(session=access.session)}
    context |= round_summary_context(access=access)
    return render(request, "playground/session.html", context)


@require_POST
def session_new(request: HttpRequest) -> HttpResponse:
    session = services.session_create(owner_key=viewer_key(request))
    return redirect("session", session_id=session.id)


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    return sessions_page(request)


def sessions_page(request: HttpRequest, *, status: int = 200, **extra) -> HttpResponse:
    """The viewer's sessions: searched by title, prompt and answer; by activity or cost."""
    query = one_line(request.GET.get("q", ""), most=200)
    sort = request.GET.get("sort", "activity")
    sort = sort if sort in SESSION_SORTS else "activity"
    sessions = sessions_for(viewer_key=viewer_key(request), query=query, sort=sort)
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "sort": sort, "sorts": SESSION_SORTS} | extra
    return render(request, "playground/sessions.html", context, status=status)


@require_POST
def session_rename(request: HttpRequest, session_id) -> HttpResponse:
    access = editable_access(request, session_id)
    services.session_rename(access=access, title=request.POST.get("title", ""))
    if not request.htmx:
        return HttpResponseRedirect(_local_next(request) or reverse("session", args=[session_id]))
    template = "playground/sessions.html#row_title" if request.POST.get("row") else None
    context = {"session": access.session, "access": access, "oob": True}
    return render(request, template or "playground/session.html#session_title", context)


def _local_next(request: HttpRequest) -> str:
    """A path on this site to go back to (anything else, another site included, is ignored)."""
    wanted = request.POST.get("next", "")
    safe = wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else ""


@require_POST
def session_delete(request: HttpRequest, session_id) -> HttpResponse:
    access = editable_access(request, session_id)
    services.session_delete(access=access)  # its tabs and share viewers are closed (sharing)
    if request.htmx and request.POST.get("row"):
        return HttpResponse("")  # the row disappears
    return redirect("sessions")
