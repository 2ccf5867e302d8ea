"""Compare mode: add, duplicate, move, remove panes; copy settings; presets; sync switches and
blind judging; marking the preferred answer of a round; the word diff of two answers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground import compare
from playground.diff import words_diff
from playground.page_context import page_context
from playground.rounds import round_prefer, round_summary_context
from playground.selectors import pane_get, round_get, run_get

from .access import editable_access, found_or_404, session_access


def _workspace(request: HttpRequest, access, *, error: str = "") -> HttpResponse:
    """The panes, the compare bar and the round summary, redrawn after a change of shape."""
    context = page_context(access=access) | {"compare_error": error}
    context |= round_summary_context(access=access)
    response = render(request, "playground/session.html#workspace", context)
    response["HX-Trigger"] = "settings-saved"  # the estimate covers the panes as they now are
    return response


def _changed(request: HttpRequest, session_id, change) -> HttpResponse:
    access = editable_access(request, session_id)
    try:
        compare.panes_check_idle(access=access)
        change(access)
    except ValidationError as error:
        return _workspace(request, access, error=" ".join(error.messages))
    access.session.refresh_from_db()
    return _workspace(request, access)


def _pane(access, request: HttpRequest, pane_id):
    return found_or_404(pane_get, access=access, pane_id=pane_id)


@require_POST
def pane_add(request: HttpRequest, session_id) -> HttpResponse:
    return _changed(request, session_id, lambda access: compare.pane_add(access=access))


@require_POST
def pane_duplicate(request: HttpRequest, session_id, pane_id) -> HttpResponse:
    def change(access):
        compare.pane_duplicate(access=access, pane=_pane(access, request, pane_id))

    return _changed(request, session_id, change)


@require_POST
def pane_remove(request: HttpRequest, session_id, pane_id) -> HttpResponse:
    def change(access):
        compare.pane_remove(access=access, pane=_pane(access, request, pane_id))

    return _changed(request, session_id, change)


@require_POST
def pane_move(request: HttpRequest, session_id, pane_id) -> HttpResponse:
    step = -1 if request.POST.get("step") == "-1" else 1

    def change(access):
        compare.pane_move(access=access, pane=_pane(access, request, pane_id), step=step)

    return _changed(request, session_id, change)


@require_POST
def pane_copy_to_all(request: HttpRequest, session_id, pane_id) -> HttpResponse:
    def change(access):
        compare.panes_copy_settings(access=access, source=_pane(access, request, pane_id))

    return _changed(request, session_id, change)


@require_POST
def panes_preset(request: HttpRequest, session_id) -> HttpResponse:
    preset = request.POST.get("preset", "")
    return _changed(
        request, session_id, lambda access: compare.panes_preset(access=access, preset=preset)
    )


@require_POST
def session_compare(request: HttpRequest, session_id) -> HttpResponse:
    """The sync switches and blind judging."""
    flags = {name: request.POST.get(name) == "on" for name in ("system", "params", "history")}

    def change(access):
        compare.session_sync(access=access, **flags)
        compare.session_blind(access=access, blind=request.POST.get("blind") == "on")

    return _changed(request, session_id, change)


@require_POST
def round_preferred(request: HttpRequest, session_id, round_id) -> HttpResponse:
    """Mark the round's preferred answer; a blind round shows its model names from then on."""
    access = editable_access(request, session_id)
    round = found_or_404(round_get, access=access, round_id=round_id)
    run = found_or_404(run_get, access=access, run_id=request.POST.get("run"))
    if run.round_id != round.pk:
        return HttpResponse(status=404)
    round_prefer(round=round, run=run)
    access.session.refresh_from_db()
    return _workspace(request, access)


@require_GET
def runs_diff(request: HttpRequest, session_id) -> HttpResponse:
    """Word by word, what the second answer changes of the first."""
    access = session_access(request, session_id)
    if not (request.GET.get("a") and request.GET.get("b")):
        return HttpResponse("Choose the two answers to compare.", status=400)
    first = found_or_404(run_get, access=access, run_id=request.GET.get("a"))
    second = found_or_404(run_get, access=access, run_id=request.GET.get("b"))
    hidden = first.round is not None and first.round.names_hidden
    context = {"first": first, "second": second, "hidden": hidden}
    context["pieces"] = words_diff(before=first.text, after=second.text)
    return render(request, "playground/session.html#diff", context)
