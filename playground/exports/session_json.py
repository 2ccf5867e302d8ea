"""A session as a `seed-playground/session@1` document: panes, every finished run with what it
asked, answered and cost, and the total. Money is a decimal string, never a float.

Internal ids stay out: a run names its pane, parent and round by position in the file. So do the
recorded requests (the provider's URL) and the files' bytes (their names are listed).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils import timezone

from playground.copying import finished_head, run_parents
from playground.models import Attachment, Pane, PlaygroundSession, Run
from playground.redaction import known_secrets, scrub_data
from playground.runs.upstream import answered

from . import SCHEMA


def session_export(*, session: PlaygroundSession) -> dict:
    panes = list(session.panes.all())
    runs = _finished_runs(session)
    run_at = {run.id: i for i, run in enumerate(runs)}
    rounds: dict = {}  # round id -> its position, in order of first appearance
    parents = run_parents(session=session)
    by_id = {run.id: run for run in runs}
    return {
        "schema": SCHEMA,
        "title": session.title,
        "created": session.created_at.isoformat(),
        "exported": timezone.now().isoformat(),
        "panes": [_pane(pane, run_at=run_at, parents=parents) for pane in panes],
        "runs": [
            _run(
                run,
                pane_at={p.pk: i for i, p in enumerate(panes)},
                run_at=run_at,
                rounds=rounds,
                by_id=by_id,
            )
            for run in runs
        ],  # fmt: skip
        "total_cost_usd": money(sum((run.cost or Decimal(0) for run in runs), Decimal(0))),
    }


def export_text(data: dict, *, owner_key: str) -> str:
    """The document as it is downloaded: readable, and with every key value the server knows
    (its own, the session owner's) blanked."""
    clean = scrub_data(data, known_secrets(owner_key=owner_key))
    return json.dumps(clean, ensure_ascii=False, indent=2) + "\n"


def _finished_runs(session: PlaygroundSession) -> list[Run]:
    runs = Run.objects.filter(pane__session=session).exclude(status__in=Run.ACTIVE)
    return list(
        runs.select_related("round").prefetch_related("attachments").order_by("created_at", "id")
    )


def money(amount: Decimal | None) -> str | None:
    """Plain decimal notation: str() would write a stored zero as "0E-12"."""
    return None if amount is None else f"{amount:f}"


def _pane(pane: Pane, *, run_at: dict, parents: dict) -> dict:
    provider, _, model = pane.model_ref.partition("/")
    head = finished_head(pane.head_id, kept=run_at, parents=parents)
    return {
        "model": model,
        "provider": provider,
        "dialect": pane.dialect,
        "system": pane.system,
        "params": pane.params,
        "head": run_at.get(head),
    }


def _run(run: Run, *, pane_at: dict, run_at: dict, rounds: dict, by_id: dict) -> dict:
    if run.round_id is not None:
        rounds.setdefault(run.round_id, len(rounds))
    return {
        "pane": pane_at[run.pane_id],
        "parent": run_at.get(run.parent_id),
        "round": rounds.get(run.round_id),
        "created": run.created_at.isoformat(),
        "model": run.model_id,
        "model_name": run.model_name,
        "provider": run.provider_id,
        "dialect": run.dialect,
        "system": run.system,
        "params": run.params,
        "sent_params": run.sent_params,
        "prompt": run.prompt,
        "attachments": [_file(file) for file in run.attachments.all()],
        "messages": messages(run, by_id=by_id),
        **_outcome(run),
        "preferred": run.is_preferred,
        "imported": run.imported,
    }


def _outcome(run: Run) -> dict:
    error = None
    if run.error_kind or run.error_message:
        error = {
            "kind": run.error_kind,
            "message": run.error_message,
            "http_status": run.error_status,
            "provider_message": run.provider_message,
        }
    return {
        "output": run.text,
        "reasoning": run.reasoning,
        "finish_reason": run.finish_reason,
        "usage": {
            "input_tokens": run.input_tokens,
            "cached_input_tokens": run.cached_input_tokens,
            "output_tokens": run.output_tokens,
            "reasoning_tokens": run.reasoning_tokens,
        },
        "usage_source": run.usage_source,
        "cost_usd": money(run.cost),
        "cost_estimated": run.cost_estimated,
        "reported_cost_usd": money(run.reported_cost),
        "price": run.price_snapshot or None,
        "ttft_ms": run.ttft_ms,
        "duration_ms": run.duration_ms,
        "retries": run.retries,
        "status": run.status,
        "error": error,
    }


def _file(file: Attachment) -> dict:
    return {"name": file.name, "kind": file.kind, "mime": file.mime, "size": file.size}


def messages(run: Run, *, by_id: dict) -> list[dict]:
    """The conversation this run answered, as the model saw it: the system prompt, the earlier
    turns that had an answer, and its own prompt."""
    thread, current = [], by_id.get(run.parent_id)
    while current is not None:
        thread.append(current)
        current = by_id.get(current.parent_id)
    said = [{"role": "system", "content": run.system}] if run.system else []
    for earlier in answered(thread[::-1]):
        said += [
            {"role": "user", "content": earlier.prompt},
            {"role": "assistant", "content": earlier.text},
        ]
    return [*said, {"role": "user", "content": run.prompt}]
