"""Sign up, log in (rate-limited), log out, and change or reset the password (Django's views)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .. import throttle
from ..forms import ConfirmPasswordForm, LoginForm, SignupForm
from ..people import account_delete
from . import public

BACKEND = "django.contrib.auth.backends.ModelBackend"


def signup_open() -> bool:
    return settings.PLAYGROUND_SIGNUP != "closed"


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    # A path only: redirect() would take a bare word for a view name (and fail on it).
    safe = wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else reverse_lazy("index")


@public
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not signup_open():
        return render(request, "accounts/signup_closed.html", status=403)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        wait = throttle.take(throttle.SIGNUP, throttle.client_address(request))
        if wait:
            form.add_error(None, f"Too many sign-ups from this address. Try again in "
                                 f"{throttle.wait_text(wait)}.")  # fmt: skip
            return _form_page(request, form, status=429, retry_after=wait)
        if form.is_valid():
            user = form.save()
            login(request, user, backend=BACKEND)  # the browser's sessions move in (signals.py)
            messages.success(request, f"Welcome, {user.get_username()}.")
            return redirect(_next(request))
    return _form_page(request, form)


def _form_page(request, form, *, status: int = 200, retry_after: int = 0) -> HttpResponse:
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    response = render(request, "accounts/signup.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


class Login(auth.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"signup_open": signup_open()}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.wait:  # over the limit: 429 with the wait, as a client library expects
            response.status_code = 429
            response["Retry-After"] = str(form.wait)
        return response


class PasswordReset(auth.PasswordResetView):
    """Reset mails are limited per address: the form would otherwise send mail for anyone."""

    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        wait = throttle.take(throttle.RESET, throttle.client_address(self.request))
        if wait:
            form.add_error(
                None, f"Too many reset requests. Try again in {throttle.wait_text(wait)}."
            )
            response = self.form_invalid(form)
            response.status_code, response["Retry-After"] = 429, str(wait)
            return response
        return super().form_valid(form)


def _page(view, template: str, **options):
    return public(view.as_view(template_name=template, **options))


login_view = public(Login.as_view())
logout_view = public(auth.LogoutView.as_view(next_page="index"))
password_reset = public(PasswordReset.as_view())
password_reset_done = _page(
    auth.PasswordResetDoneView, "accounts/message.html",
    extra_context={"title": "Check your e-mail", "done": "reset_sent"},
)  # fmt: skip
password_reset_confirm = _page(
    auth.PasswordResetConfirmView, "accounts/password_set.html",
    success_url=reverse_lazy("password_reset_complete"),
)  # fmt: skip
password_reset_complete = _page(
    auth.PasswordResetCompleteView, "accounts/message.html",
    extra_context={"title": "Password set", "done": "reset_complete"},
)  # fmt: skip


class PasswordChange(auth.PasswordChangeView):
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)


password_change = login_required(PasswordChange.as_view())


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {})


@login_required
@require_http_methods(["GET", "POST"])
def account_close(request: HttpRequest) -> HttpResponse:
    """Delete the account and everything in it, after the password is confirmed."""
    form = ConfirmPasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        account_delete(user=user)
        messages.success(request, "Your account and everything in it were deleted.")
        return redirect("index")
    return render(request, "accounts/close.html", {"form": form})
