"""The usage page (chart, totals, tokens, budget) and its CSV. Anyone sees their own usage
(an anonymous browser too); staff see anyone's with ?user=<pk>."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from playground.views.access import viewer_key

from ..budgets import budget_views
from ..chart import cost_chart
from ..forms import BudgetForm
from ..models import MonthlyBudget
from ..usage import WINDOWS, csv_lines, usage_report, window_start


def _subject(request: HttpRequest):
    """Whose usage: the viewer's own, or (staff only) the user named by ?user=."""
    wanted = request.GET.get("user") or request.POST.get("user")
    if not wanted:
        return viewer_key(request), (request.user if request.user.is_authenticated else None)
    if not request.user.is_staff:
        raise Http404("Not found")
    try:
        user = get_user_model().objects.get(pk=int(wanted))
    except (ValueError, TypeError, get_user_model().DoesNotExist):
        raise Http404("Not found") from None
    return f"user:{user.pk}", user


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        return 30
    return days if days in WINDOWS else 30


def may_set_budget(request: HttpRequest, subject) -> bool:
    if subject is None:
        return False
    return request.user.is_staff or (
        subject == request.user and not settings.PLAYGROUND_BUDGETS_ADMIN_ONLY
    )


@require_GET
def usage_page(request: HttpRequest) -> HttpResponse:
    owner, subject = _subject(request)
    days = _days(request)
    report = usage_report(owner_key=owner, days=days)
    limit = MonthlyBudget.objects.filter(user=subject).first() if subject else None
    context = {
        "report": report,
        "chart": cost_chart(report),
        "days": days,
        "windows": WINDOWS,
        "subject": subject,
        "other": subject is not None and subject != request.user,
        "budgets": budget_views(owner_key=owner),
        "budget_form": BudgetForm(initial={"limit": limit.limit if limit else None}),
        "may_set_budget": may_set_budget(request, subject),
        "users": get_user_model().objects.order_by("username") if request.user.is_staff else (),
    }
    return render(request, "accounts/usage.html", context)


@require_GET
def usage_csv(request: HttpRequest) -> HttpResponse:
    owner, subject = _subject(request)
    first = window_start(days=_days(request))
    # One body, not a stream: under ASGI a streamed sync generator would hop threads per line.
    body = "".join(csv_lines(owner_key=owner, first_day=first))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"usage-{subject.get_username() if subject else 'browser'}-{first:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}"'
    return response


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)


@login_required
@require_POST
def budget_save(request: HttpRequest) -> HttpResponse:
    _owner, subject = _subject(request)
    if not may_set_budget(request, subject):
        raise Http404("Not found")
    form = BudgetForm(request.POST)
    if form.is_valid():
        MonthlyBudget.objects.update_or_create(
            user=subject, defaults={"limit": form.cleaned_data["limit"]}
        )
        messages.success(request, "Budget saved.")
    else:
        messages.error(request, " ".join(e for es in form.errors.values() for e in es))
    target = redirect("usage")
    if subject != request.user:
        target["Location"] += f"?user={subject.pk}"
    return target
