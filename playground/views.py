"""Small function views. htmx requests get a partial ("template.html#partial")."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .catalog import ModelSpec, get_catalog
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


def found_or_404(lookup, **kwargs):
    """Another owner's object is indistinguishable from a missing one."""
    try:
        return lookup(**kwargs)
    except (ObjectDoesNotExist, ValueError):
        raise Http404("Not found") from None


def model_and_dialect(data) -> tuple[ModelSpec, str]:
    """The chosen model (the default when unknown) and a dialect it speaks."""
    catalog = get_catalog()
    model = catalog.models.get(data.get("model", "")) or catalog.default_model()
    dialect = data.get("dialect")
    return model, dialect if dialect in model.dialects else model.dialects[0]


@require_GET
def session_detail(request: HttpRequest, session_id) -> HttpResponse:
    session = found_or_404(session_get_for, owner_key=owner_key(request), session_id=session_id)
    return _page(request, session)


@require_POST
def session_new(request: HttpRequest) -> HttpResponse:
    session = services.session_create(owner_key=owner_key(request))
    return redirect("session", session_id=session.id)


def _page(request: HttpRequest, session) -> HttpResponse:
    pane = session.panes.first()
    model = get_catalog().models.get(pane.model_ref) or get_catalog().default_model()
    prompt_form = PromptForm(
        initial={"model": model.ref, "dialect": pane.dialect, "system": pane.system}
    )
    thread = run_thread(run=pane.head)
    context = {
        "session": session,
        "pane": pane,
        "prompt_form": prompt_form,
        "thread": thread,
        "picker": model_picker(),
    }
    context |= settings_context(model=model, dialect=pane.dialect, values=pane.params)
    return render(request, "playground/page.html", context)


@require_http_methods(["GET", "POST"])
def settings_panel(request: HttpRequest) -> HttpResponse:
    """The model changed: dialect choices, model card and a parameter panel for the new model,
    keeping every value the new model still accepts."""
    data = request.POST if request.method == "POST" else request.GET
    model, dialect = model_and_dialect(data)
    kept = params_initial(spec=model, dialect=dialect, previous=data.dict())
    return render(
        request,
        "playground/page.html#settings_panel",
        settings_context(model=model, dialect=dialect, values=kept),
    )


@require_POST
def estimate(request: HttpRequest) -> HttpResponse:
    """Input tokens and the cost range up to max_tokens, before sending."""
    owner = owner_key(request)
    model, dialect = model_and_dialect(request.POST)
    params = ParamsForm(request.POST, spec=model, dialect=dialect)
    sent = params.upstream_params() if params.is_valid() else {}
    pane = found_or_404(pane_get_for, owner_key=owner, pane_id=request.POST.get("pane"))
    files = found_or_404(
        attachments_get_for, owner_key=owner, ids=request.POST.getlist("attachment")
    )
    tokens = estimate_input_tokens(
        system=request.POST.get("system", ""),
        thread=run_thread(run=pane.head),
        prompt=request.POST.get("prompt", ""),
        attachments=files,
        params=sent,
    )
    guess = cost_estimate(
        pricing=model.pricing,
        input_tokens=tokens,
        max_output_tokens=int(sent.get("max_tokens") or model.max_output_tokens),
    )
    return render(
        request,
        "playground/page.html#estimate",
        {
            "estimate": guess,
            "low": format_money(guess.low),
            "high": format_money(guess.high),
            "model": model,
            "over_context": tokens > model.context_window,
        },
    )


@require_POST
def attachment_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    model = get_catalog().models.get(request.POST.get("model", ""))
    allowed = model.inputs if model else ("image", "video", "document")
    try:
        if upload is None:
            raise ValidationError("Choose a file to attach.")
        attachment = services.attachment_create(
            owner_key=owner_key(request), upload=upload, allowed_kinds=allowed
        )
    except ValidationError as error:
        return render(
            request, "playground/page.html#attachment_error", {"message": " ".join(error.messages)}
        )
    return render(request, "playground/page.html#attachment_chip", {"attachment": attachment})


@require_GET
def attachment_content(request: HttpRequest, attachment_id) -> HttpResponse:
    (attachment,) = found_or_404(
        attachments_get_for, owner_key=owner_key(request), ids=[attachment_id]
    )
    response = HttpResponse(bytes(attachment.data), content_type=attachment.mime)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def run_code(request: HttpRequest, run_id) -> HttpResponse:
    run = found_or_404(run_get_for, owner_key=owner_key(request), run_id=run_id)
    return render(
        request, "playground/run.html#code", {"run": run, "snippets": snippets(run.request)}
    )
