"""Small function views. htmx requests get a partial ("template.html#partial")."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .catalog import get_catalog
from .codegen import snippets
from .forms import ParamsForm, PromptForm, params_initial
from .page_context import model_picker, settings_context
from .pricing import cost_estimate, format_money
from .runs.submit import estimate_input_tokens
from .selectors import (
    attachments_get_for,
    owner_key_for,
    pane_get_for,
    run_get_for,
    run_thread,
    session_get_for,
    session_latest_for,
)


def owner_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()  # the websocket handshake needs the cookie to find its owner
    return owner_key_for(user=request.user, session_key=request.session.session_key)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    owner = owner_key(request)
    session = session_latest_for(owner_key=owner) or services.session_create(owner_key=owner)
    return _page(request, session)


@require_GET
def session_detail(request: HttpRequest, session_id) -> HttpResponse:
    try:
        session = session_get_for(owner_key=owner_key(request), session_id=session_id)
    except ObjectDoesNotExist:
        raise Http404("No such session") from None
    return _page(request, session)


@require_POST
def session_new(request: HttpRequest) -> HttpResponse:
    session = services.session_create(owner_key=owner_key(request))
    return redirect("session", session_id=session.id)


def _page(request: HttpRequest, session) -> HttpResponse:
    pane = session.panes.first()
    model = get_catalog().models.get(pane.model_ref) or get_catalog().default_model()
    prompt_form = PromptForm(initial={"model": model.ref, "dialect": pane.dialect,
                                      "system": pane.system})
    thread = run_thread(run=pane.head)
    context = {"session": session, "pane": pane, "prompt_form": prompt_form, "thread": thread,
               "picker": model_picker()}
    context |= settings_context(model=model, dialect=pane.dialect, values=pane.params)
    return render(request, "playground/page.html", context)


@require_http_methods(["GET", "POST"])
def settings_panel(request: HttpRequest) -> HttpResponse:
    """The model changed: dialect choices, model card and a parameter panel for the new model,
    keeping every value the new model still accepts."""
    data = request.POST if request.method == "POST" else request.GET
    catalog = get_catalog()
    model = catalog.models.get(data.get("model", "")) or catalog.default_model()
    dialect = data.get("dialect") if data.get("dialect") in model.dialects else model.dialects[0]
    kept = params_initial(spec=model, dialect=dialect, previous=data.dict())
    return render(request, "playground/page.html#settings_panel",
                  settings_context(model=model, dialect=dialect, values=kept))


@require_POST
def estimate(request: HttpRequest) -> HttpResponse:
    owner = owner_key(request)
    prompt_form = PromptForm(request.POST)
    prompt_form.is_valid()
    catalog = get_catalog()
    model = catalog.models.get(request.POST.get("model", "")) or catalog.default_model()
    dialect = request.POST.get("dialect") if request.POST.get("dialect") in model.dialects else model.dialects[0]
    params = ParamsForm(request.POST, spec=model, dialect=dialect)
    sent = params.upstream_params() if params.is_valid() else {}
    try:
        pane = pane_get_for(owner_key=owner, pane_id=request.POST.get("pane"))
        files = attachments_get_for(owner_key=owner, ids=request.POST.getlist("attachment"))
    except (ObjectDoesNotExist, ValueError):
        return HttpResponse(status=204)
    tokens = estimate_input_tokens(system=request.POST.get("system", ""),
                                   thread=run_thread(run=pane.head),
                                   prompt=request.POST.get("prompt", ""), attachments=files,
                                   params=sent)
    guess = cost_estimate(pricing=model.pricing, input_tokens=tokens,
                          max_output_tokens=int(sent.get("max_tokens") or model.max_output_tokens))
    return render(request, "playground/page.html#estimate", {
        "estimate": guess, "low": format_money(guess.low), "high": format_money(guess.high),
        "model": model, "over_context": tokens > model.context_window})


@require_POST
def attachment_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    model = get_catalog().models.get(request.POST.get("model", ""))
    allowed = model.inputs if model else ("image", "video", "document")
    try:
        if upload is None:
            raise ValidationError("Choose a file to attach.")
        attachment = services.attachment_create(owner_key=owner_key(request), upload=upload,
                                                allowed_kinds=allowed)
    except ValidationError as error:
        return render(request, "playground/page.html#attachment_error",
                      {"message": " ".join(error.messages)})
    return render(request, "playground/page.html#attachment_chip", {"attachment": attachment})


@require_GET
def attachment_content(request: HttpRequest, attachment_id) -> HttpResponse:
    try:
        (attachment,) = attachments_get_for(owner_key=owner_key(request), ids=[attachment_id])
    except (ObjectDoesNotExist, ValueError):
        raise Http404("No such attachment") from None
    response = HttpResponse(bytes(attachment.data), content_type=attachment.mime)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def run_code(request: HttpRequest, run_id) -> HttpResponse:
    try:
        run = run_get_for(owner_key=owner_key(request), run_id=run_id)
    except ObjectDoesNotExist:
        raise Http404("No such run") from None
    return render(request, "playground/run.html#code", {"run": run, "snippets": snippets(run.request)})
