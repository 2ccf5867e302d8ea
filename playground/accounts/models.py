"""Provider keys, budgets and the monthly spend ledger.

Money in the ledger is an integer count of picodollars (10^-12 USD, the precision of Run.cost):
the budget check is one conditional UPDATE comparing sums, and integer sums are exact on SQLite
(which would compare DECIMAL columns as floating point) as well as on PostgreSQL.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProviderKey(models.Model):
    """A user's own API key for one provider, encrypted (crypto.py); shown only as …last4."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_keys"
    )
    provider = models.CharField(max_length=100)
    # A Fernet token of {"user", "provider", "key"}: a token copied to another row fails to open.
    ciphertext = models.TextField()
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_ok = models.BooleanField(null=True, blank=True)
    check_message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="one_key_per_provider")
        ]
        ordering = ["provider"]

    def __str__(self) -> str:
        return f"{self.provider} key …{self.last4}"

    @property
    def fingerprint(self) -> str:
        return f"…{self.last4}"


class MonthlyBudget(models.Model):
    """What a user may spend per calendar month (in the server's time zone); none: no cap."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="monthly_budget"
    )
    limit = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Budget of {self.user}: {self.limit if self.limit is not None else 'none'}"


class SpendLedger(models.Model):
    """Spent and reserved picodollars of one owner ("user:<pk>") or of the server ("*server")
    in one month. Reserved is the worst case of the runs still streaming."""

    owner_key = models.CharField(max_length=80)
    month = models.DateField()
    spent = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_key", "month"], name="one_ledger_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.owner_key} {self.month:%Y-%m}"


class Reservation(models.Model):
    """The worst case held for one run until it ends and is settled to its real cost."""

    run_id = models.UUIDField(primary_key=True)
    owner_key = models.CharField(max_length=80, blank=True)  # "": the owner has no ledger
    server = models.BooleanField(default=False)  # also held on the server-wide ledger
    month = models.DateField()
    amount = models.BigIntegerField()
    cost = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"Reservation for run {self.run_id}"
