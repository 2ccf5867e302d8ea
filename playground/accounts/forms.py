"""Sign-up, a rate-limited log-in, a write-only key field and the monthly budget."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from . import throttle


class ThrottledLogin:
    """Failed log-ins count per account and per address; over either limit even the right
    password is refused until the window ends, and the message says how long that is."""

    wait = 0

    def clean(self):
        account, per_address = throttle.login_limits()
        username = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request) if self.request else "unknown"
        self._refuse_when_locked((account, username), (per_address, address))
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.hit(account, username)
            throttle.hit(per_address, address)
            raise
        throttle.clear(account, username)
        return cleaned

    def _refuse_when_locked(self, by_account: tuple, by_address: tuple) -> None:
        waits = (throttle.wait_seconds(*by_account), throttle.wait_seconds(*by_address))
        self.wait = max(waits)
        if self.wait:
            who = "this account" if waits[0] else "this address"
            raise ValidationError(
                f"Too many failed log-ins for {who}. Try again in {throttle.wait_text(self.wait)}.",
                code="throttled",
            )


class LoginForm(ThrottledLogin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLogin, AdminAuthenticationForm):
    pass


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="For resetting a forgotten password; never shown to others.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError("An account with this e-mail address exists: log in instead.")
        return email


class KeyForm(forms.Form):
    # Write-only: the page never sends a stored key back, not even into this field.
    key = forms.CharField(
        label="API key",
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
    )


class BudgetForm(forms.Form):
    limit = forms.DecimalField(
        label="Monthly budget (USD)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(10**9),
        max_digits=14,
        decimal_places=4,
        help_text="Leave empty for no cap. Runs whose worst case would pass it are refused.",
    )


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not self.user.check_password(self.cleaned_data["password"]):
            raise ValidationError("That is not your password.")
        return self.cleaned_data["password"]
