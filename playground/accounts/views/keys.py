"""API keys: store (write-only), check with one tiny call, delete. A row is a partial, so htmx
swaps just that provider's row; without JavaScript every form posts and the page comes back."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import throttle
from ..forms import KeyForm
from ..keycheck import key_check
from ..keys import KeyRow, key_delete, key_rows, key_store, provider_get


@login_required
@require_GET
def keys_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/keys.html", {"rows": key_rows(user=request.user)})


def _row(request: HttpRequest, provider_id: str) -> KeyRow:
    try:
        provider_get(provider_id)
    except ObjectDoesNotExist:
        raise Http404("Not found") from None
    return next(r for r in key_rows(user=request.user) if r.provider.id == provider_id)


def _answer(request: HttpRequest, row: KeyRow, **context) -> HttpResponse:
    """The row for htmx; the whole page (or a redirect to it) otherwise."""
    context |= {"row": row, "focus_id": row.provider.id}
    if request.htmx:
        return render(request, "accounts/keys.html#key_row", context)
    if context.get("form") is not None or context.get("notice"):
        rows = key_rows(user=request.user)
        return render(request, "accounts/keys.html", context | {"rows": rows})
    return redirect("keys")


@login_required
@require_POST
def key_save(request: HttpRequest, provider_id: str) -> HttpResponse:
    row = _row(request, provider_id)
    form = KeyForm(request.POST)
    if form.is_valid():
        try:
            key_store(user=request.user, provider_id=provider_id, raw_key=form.cleaned_data["key"])
            return _answer(request, _row(request, provider_id), notice="Key stored.")
        except ValidationError as error:
            form.add_error("key", error)
    return _answer(request, row, form=form)


@login_required
@require_POST
def key_check_view(request: HttpRequest, provider_id: str) -> HttpResponse:
    row = _row(request, provider_id)
    if row.stored is None:
        raise Http404("Not found")
    wait = throttle.take(throttle.KEY_CHECK, f"user:{request.user.pk}")
    if wait:
        notice = f"Too many checks; try again in {throttle.wait_text(wait)}."
        return _answer(request, row, notice=notice)
    key_check(user=request.user, provider_id=provider_id)
    return _answer(request, _row(request, provider_id), notice="Checked.")


@login_required
@require_POST
def key_delete_view(request: HttpRequest, provider_id: str) -> HttpResponse:
    _row(request, provider_id)
    key_delete(user=request.user, provider_id=provider_id)
    return _answer(request, _row(request, provider_id), notice="Key deleted.")
