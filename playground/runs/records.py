"""Writes of a streaming run: checkpoints, the end, leases, and runs whose worker is gone.

Every write goes through `Run.objects.active()`: it can only change a run that is still active,
so a run that finished (or was interrupted by another worker) meanwhile stays as it ended.
These run on the run-persistence threads (runs.persist), never on the thread that serves
connects and sends, so a busy stream cannot delay a new page or a new run.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from playground.accounts.budgets import budget_settle, reservations_settle_stale
from playground.catalog import get_catalog
from playground.models import Run
from playground.pricing import Cost, cost_for_usage
from playground.providers.types import Usage
from playground.redaction import known_secrets, scrub, scrub_data
from playground.tokens import count_text_tokens

from .state import what_was_kept
from .workers import orphaned

log = logging.getLogger(__name__)
SAID = ("text", "reasoning", "error_message", "provider_message")
STOPPED_WORKER = "The server stopped while this run was streaming."


def run_checkpoint(
    *, run_id, text: str, reasoning: str, ttft_ms: int | None = None, duration_ms: int | None = None
) -> None:
    """Keep what has arrived so far, so a crash or a reload loses at most a second; with its
    timing, so a run interrupted later still shows when it began to answer and for how long."""
    Run.objects.active().filter(pk=run_id, status=Run.Status.STREAMING).update(
        text=text,
        reasoning=reasoning,
        ttft_ms=ttft_ms,
        duration_ms=duration_ms,
        lease_until=lease_deadline(),
        updated_at=timezone.now(),
    )


def run_finish(*, run_id, fields: dict, cost: Cost | None, owner_key: str | None = None) -> Run:
    """The run's end, stored once with its cost and budget settled. `owner_key`: the session
    owner's, when the caller knows it (else it is looked up)."""
    if cost is not None:
        fields |= cost_fields(cost)
    # A model that repeats a key the server holds (or a provider that echoes it): never stored.
    # The run's task took them out already; this is the second line, with the keys as they are now.
    if any(fields.get(name) for name in (*SAID, "request")):
        keys = known_secrets(owner_key=_owner(run_id) if owner_key is None else owner_key)
        fields |= {name: scrub(fields[name], keys) for name in SAID if fields.get(name)}
        fields["request"] = scrub_data(fields.get("request") or {}, keys)
    _log_end(run_id, fields)
    with transaction.atomic():  # the run's end and its budget settlement, together
        Run.objects.active().filter(pk=run_id).update(lease_until=None, **fields)
        budget_settle(run_id=run_id, cost=cost.total if cost is not None else None)
    return Run.objects.select_related("pane__session", "round").get(pk=run_id)


def _owner(run_id) -> str:
    owner = Run.objects.filter(pk=run_id).values_list("pane__session__owner_key", flat=True)
    return owner.first() or ""


def _log_end(run_id, fields: dict) -> None:
    """One line per run for whoever runs the server; a failure with the provider's own words
    (redacted, like everything a run stores)."""
    if not fields.get("error_kind"):
        log.info("run %s %s in %s ms", run_id, fields.get("status"), fields.get("duration_ms"))
        return
    said = f" (provider: {fields['provider_message']})" if fields.get("provider_message") else ""
    log.warning(
        "run %s %s, %s, HTTP %s: %s%s", run_id, fields.get("status"), fields["error_kind"],
        fields.get("error_status"), fields.get("error_message"), said,
    )  # fmt: skip


def cost_fields(cost: Cost) -> dict:
    return {
        "cost": cost.total,
        "cost_estimated": cost.estimated,
        "reported_cost": cost.reported,
        "price_snapshot": cost.snapshot.as_json(),
    }


def lease_deadline():
    return timezone.now() + timedelta(seconds=settings.PLAYGROUND_RUN_LEASE_SECONDS)


LAUNCH_LEASE_SECONDS = 120


def launch_lease_deadline():
    """A stored run's lease until its task starts (then its worker renews it every third of a
    lease). Under a burst the send that stored it may take many seconds to reach the start: a
    lease as short as a running run's let another worker's sweep interrupt runs that had not
    begun (15 of 400 at N=400 on the stack). A worker that dies meanwhile is still found at
    once on its own host (workers.py)."""
    seconds = max(LAUNCH_LEASE_SECONDS, settings.PLAYGROUND_RUN_LEASE_SECONDS)
    return timezone.now() + timedelta(seconds=seconds)


def runs_lease_renew(*, run_ids) -> None:
    if run_ids:
        Run.objects.active().filter(pk__in=run_ids).update(lease_until=lease_deadline())


def runs_interrupt_expired(*, session_id=None, keep=(), everything=False) -> list[str]:
    """Active runs whose worker stopped renewing their lease, or is known to be gone (see
    workers.py): interrupted, with the tokens and cost of the text they had received
    (checkpointed at most a second before). `keep` are the runs this worker streams itself;
    `everything` is for a single-worker install starting up, where no other worker can own a run."""
    stale = Run.objects.filter(status__in=Run.ACTIVE).exclude(pk__in=list(keep))
    if session_id is not None:
        stale = stale.filter(pane__session_id=session_id)
    ended = _interrupt_expired(stale, everything=everything) if stale.exists() else []
    if session_id is None:  # the worker-wide sweep also settles budgets nobody settled
        reservations_settle_stale()
    return ended


def _interrupt_expired(stale, *, everything: bool) -> list[str]:
    """Of these active runs, the expired ones interrupted (behind an `exists()`: a page load or
    a socket's connect usually finds none, and then costs one query, not three)."""
    if not everything:
        expired = Q(lease_until__lt=timezone.now()) | Q(lease_until__isnull=True)
        stale = stale.filter(expired | orphaned(stale))
    return [str(run.id) for run in stale if run_interrupt(run=run)]


def run_interrupt(*, run: Run) -> bool:
    usage = Usage(
        input_tokens=(run.estimated_input_tokens or 0) if run.text or run.reasoning else 0,
        output_tokens=count_text_tokens(run.text) + count_text_tokens(run.reasoning),
        reasoning_tokens=count_text_tokens(run.reasoning),
    )
    kept = what_was_kept(text=run.text, reasoning=run.reasoning)
    fields = {
        "status": Run.Status.INTERRUPTED,
        "error_kind": "interrupted",
        "error_message": f"{STOPPED_WORKER} {kept}",
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_input_tokens": 0,
        "usage_source": "estimated",
        "lease_until": None,
        "updated_at": timezone.now(),
    }
    model = get_catalog().models.get(f"{run.provider_id}/{run.model_id}")
    if model is not None:
        fields |= cost_fields(cost_for_usage(pricing=model.pricing, usage=usage))
    with transaction.atomic():
        ended = bool(Run.objects.active().filter(pk=run.pk).update(**fields))
        if ended:
            budget_settle(run_id=run.pk, cost=fields.get("cost"))
    return ended
