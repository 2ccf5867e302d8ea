"""Sessions made before logging in follow the browser into the account.

Django's login() gives the browser a new session key before `user_logged_in` fires, so the
anonymous owner key is computed from the session cookie the request came with (the key the
browser used while anonymous). A cookie that named no live session hashes to a key that owns
nothing, so nothing moves.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver

from playground.access import viewer_key_for
from playground.models import Attachment, PlaygroundSession, Run

from .budgets import current_month, month_start, to_pico
from .models import SpendLedger


@receiver(user_logged_in, dispatch_uid="playground-adopt-anonymous-sessions")
def adopt_anonymous_sessions(sender, request, user, **kwargs) -> None:
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME) if request is not None else None
    if cookie:
        sessions_adopt(anon_key=viewer_key_for(user=None, session_key=cookie), user=user)


def sessions_adopt(*, anon_key: str, user) -> int:
    """Move the anonymous owner's sessions and uploads to the user; this month's cost of the
    moved runs joins the user's spend (so spend stays the sum of the account's runs)."""
    owner = f"user:{user.pk}"
    with transaction.atomic():
        moved = PlaygroundSession.objects.filter(owner_key=anon_key)
        month = current_month()
        costs = (
            Run.objects.spent_here()
            .filter(pane__session__in=moved, created_at__gte=month_start(month), cost__isnull=False)
            .values_list("cost", flat=True)
        )
        added = sum(to_pico(cost) for cost in costs)
        count = moved.update(owner_key=owner)
        Attachment.objects.filter(owner_key=anon_key).update(owner_key=owner)
        if added:
            SpendLedger.objects.filter(owner_key=owner, month=month).update(
                spent=F("spent") + added
            )
    return count
