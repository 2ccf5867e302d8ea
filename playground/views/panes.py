"""A pane's settings as they change, its branch switcher, and the estimate before sending."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_POST

from playground import compare, services
from playground.catalog import get_catalog
from playground.estimates import pane_estimate
from playground.page_context import model_picker, view_for
from playground.pane_settings import PaneSettingsForm, chosen_model, switched_data
from playground.runs.submit import attachment_problems
from playground.selectors import attachments_get_for, pane_get, panes_of, run_get, run_thread

from .access import editable_access, found_or_404, session_access

MISSING = object()
# The picker offers only catalog models: another id is a stale page (the catalog changed) or a
# hand-made request, and saving the pane's old model under it would hide the problem.
UNKNOWN_MODEL = "That model is not in the catalog: reload the page and choose one from the list."


@require_POST
def pane_settings(request: HttpRequest, session_id, pane_id) -> HttpResponse:
    """Autosave: keep every valid value, show each field's error beside it (or clear it). A new
    model or dialect redraws the panel with the values the new model still accepts."""
    access = editable_access(request, session_id)
    pane = found_or_404(pane_get, access=access, pane_id=pane_id)
    if request.POST.get(f"{pane.prefix}-model", MISSING) not in (MISSING, *get_catalog().models):
        return HttpResponseBadRequest(UNKNOWN_MODEL, content_type="text/plain; charset=utf-8")
    model, dialect = chosen_model(request.POST, prefix=pane.prefix, pane=pane)
    switched = (model.ref, dialect) != (pane.model_ref, pane.dialect)
    data = request.POST
    if switched:
        data = switched_data(request.POST, pane=pane, model=model, dialect=dialect)
    services.pane_settings_save(pane=pane, form=PaneSettingsForm(data, pane=pane))
    others = [
        view_for(other, thread=False) for other in compare.panes_synced(access=access, source=pane)
    ]
    view = view_for(pane, data=data, thread=False)
    view.form.is_valid()
    context = {"view": view, "fields": view.all_fields, "panel": switched, "access": access}
    context["others"] = others
    context |= {"picker": model_picker(owner_key=access.session.owner_key)}
    context["session_id"] = access.session.id
    response = render(request, "playground/session.html#settings_saved", context)
    response["HX-Trigger"] = "settings-saved"
    return response


@require_POST
def pane_branch(request: HttpRequest, session_id, pane_id) -> HttpResponse:
    """Show another branch: the thread through the chosen run, to its newest end."""
    access = editable_access(request, session_id)
    pane = found_or_404(pane_get, access=access, pane_id=pane_id)
    run = found_or_404(run_get, access=access, run_id=request.POST.get("run"))
    if run.pane_id != pane.pk:
        return HttpResponse(status=404)
    services.pane_branch_select(pane=pane, run=run)
    panes = [p.pk for p in panes_of(access=access)]
    view = view_for(pane, position=panes.index(pane.pk), count=len(panes))
    context = {"view": view, "access": access, "session_id": access.session.id, "oob": False}
    context["blind"] = access.session.blind
    return render(request, "playground/session.html#pane_branch", context)


@require_POST
def estimate(request: HttpRequest, session_id) -> HttpResponse:
    """Input tokens and the cost range of the next send, for every pane."""
    access = session_access(request, session_id)
    files = found_or_404(
        attachments_get_for, viewer_key=access.viewer_key, ids=request.POST.getlist("attachment")
    )
    prompt = request.POST.get("prompt", "")
    panes = panes_of(access=access)
    items = [
        _estimate_item(pane, request.POST, prompt, files, i, len(panes))
        for i, pane in enumerate(panes)
    ]
    highs = [item["estimate"].high for item in items if item["estimate"]]
    lows = [item["estimate"].low for item in items if item["estimate"]]
    context = {
        "estimates": items,
        "total_low": sum(lows, Decimal(0)),
        "total_high": sum(highs, Decimal(0)),
        "problems": sum(1 for item in items if item["problem"]),
    }
    return render(request, "playground/session.html#estimate", context)


def _estimate_item(pane, data, prompt, files, position, count) -> dict:
    view = view_for(pane, data=data, position=position, count=count, thread=False)
    blind = pane.session.blind
    heading = view.heading if blind else f"{view.heading} · {view.model.name}"
    if not view.form.is_valid():  # the error itself stands beside its field
        fields = ", ".join(view.form.error_labels())
        return {"heading": heading, "problem": f"fix {fields} first.", "estimate": None}
    problems = attachment_problems(view.form.settings(), files)  # said before sending
    if problems:
        return {"heading": heading, "problem": " ".join(problems), "estimate": None}
    guess = pane_estimate(
        settings=view.form.settings(), thread=run_thread(run=pane.head), prompt=prompt,
        attachments=files,
    )  # fmt: skip
    return {"heading": heading, "problem": "", "estimate": guess}
