"""View code: the exact request a run made, as curl, Python and JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from playground.codegen import highlighted_snippets
from playground.redaction import known_secrets, scrub_data
from playground.selectors import run_get

from .access import found_or_404, session_access


@require_GET
def run_code(request: HttpRequest, session_id, run_id) -> HttpResponse:
    access = session_access(request, session_id)
    run = found_or_404(run_get, access=access, run_id=run_id)
    # Stored without keys already; a record from before that is blanked here all the same.
    call = scrub_data(run.request or {}, known_secrets(owner_key=access.session.owner_key))
    context = {"run": run, "snippets": highlighted_snippets(call), "url": call.get("url")}
    return render(request, "playground/run.html#code", context)
