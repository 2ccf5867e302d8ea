"""Closing an account: everything of it goes, for good (sessions, runs, uploads, keys, budget,
ledger); spend already counted on the server-wide ledger stays there, since it was spent."""

from __future__ import annotations

from django.db import transaction

from playground.models import Attachment, PlaygroundSession

from .models import SpendLedger


def account_delete(*, user) -> None:
    owner = f"user:{user.pk}"
    with transaction.atomic():
        PlaygroundSession.objects.filter(owner_key=owner).delete()
        Attachment.objects.filter(owner_key=owner).delete()
        SpendLedger.objects.filter(owner_key=owner).delete()
        user.delete()  # provider keys (their ciphertext) and the budget go with it
