"""The admin: people (with a link to each one's usage), budgets, the ledger, and provider keys
as fingerprints only: the ciphertext is neither shown, searched nor editable."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html

from .budgets import from_pico
from .forms import AdminLoginForm
from .models import MonthlyBudget, ProviderKey, Reservation, SpendLedger

admin.site.login_form = AdminLoginForm  # the same log-in rate limit as the site's own page
admin.site.site_header = "Seed Playground administration"

User = get_user_model()
admin.site.unregister(User)


class BudgetInline(admin.StackedInline):
    model = MonthlyBudget
    can_delete = False
    fields = ("limit",)


@admin.register(User)
class PlaygroundUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_staff", "is_active", "last_login", "usage")

    def get_inlines(self, request, obj):
        return [BudgetInline] if obj is not None else []  # the add form stays Django's own

    @admin.display(description="Usage")
    def usage(self, user) -> str:
        return format_html('<a href="{}?user={}">usage</a>', reverse("usage"), user.pk)


@admin.register(ProviderKey)
class ProviderKeyAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "fingerprint", "check_ok", "checked_at", "updated_at")
    list_filter = ("provider", "check_ok")
    search_fields = ("user__username", "provider")  # never the ciphertext
    fields = ("user", "provider", "fingerprint", "check_ok", "check_message", "checked_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # keys are entered by their owner, on the API keys page


@admin.register(MonthlyBudget)
class MonthlyBudgetAdmin(admin.ModelAdmin):
    list_display = ("user", "limit", "updated_at")
    search_fields = ("user__username",)


@admin.register(SpendLedger)
class SpendLedgerAdmin(admin.ModelAdmin):
    list_display = ("owner_key", "month", "spent_usd", "reserved_usd")
    list_filter = ("month",)
    search_fields = ("owner_key",)
    readonly_fields = ("owner_key", "month", "spent", "reserved")

    def has_add_permission(self, request) -> bool:
        return False  # rows are the budget's bookkeeping, written by runs only

    @admin.display(description="Spent (USD)")
    def spent_usd(self, row):
        return from_pico(row.spent)

    @admin.display(description="Held for running runs (USD)")
    def reserved_usd(self, row):
        return from_pico(row.reserved)


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("run_id", "owner_key", "month", "amount", "cost", "created_at", "settled_at")
    readonly_fields = ("run_id", "owner_key", "server", "month", "amount", "cost", "settled_at")

    def has_add_permission(self, request) -> bool:
        return False
