"""A session as Markdown, for reading: each pane's shown conversation with the model, the
settings, the metrics and the cost of every turn. Plain text (a download, never rendered here).
The JSON export holds everything, other branches included."""

from __future__ import annotations

from playground.catalog import DIALECT_LABELS
from playground.ledger import session_ledger
from playground.models import PlaygroundSession, Run
from playground.pricing import format_money
from playground.redaction import known_secrets, scrub
from playground.selectors import pane_runs, run_thread

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def session_markdown(*, session: PlaygroundSession) -> str:
    ledger = session_ledger(session=session)
    lines = [
        f"# {session.title or 'Untitled session'}",
        "",
        f"{ledger.runs} run{'s' if ledger.runs != 1 else ''} · {ledger.tokens:,} tokens · "
        f"total cost {format_money(ledger.cost)}"
        + (" (includes estimates)" if ledger.estimated else ""),
        "",
    ]
    panes = list(session.panes.all())
    for position, pane in enumerate(panes):
        lines += _pane(pane, letter=LETTERS[position % 26], single=len(panes) == 1)
    text = "\n".join(lines).rstrip() + "\n"
    return scrub(text, known_secrets(owner_key=session.owner_key))


def _pane(pane, *, letter: str, single: bool) -> list[str]:
    runs = pane_runs(pane_id=pane.pk)
    shown = [run for run in run_thread(run=pane.head, runs=runs) if not run.is_active]
    heading = "Conversation" if single else f"Pane {letter}"
    lines = [f"## {heading} · {pane.model_ref} · {DIALECT_LABELS.get(pane.dialect, pane.dialect)}"]
    if pane.system:
        lines += ["", "System prompt:", "", *_quoted(pane.system)]
    if pane.params:
        settings = ", ".join(f"{name}={value}" for name, value in sorted(pane.params.items()))
        lines += ["", f"Parameters: {settings}"]
    for turn, run in enumerate(shown, start=1):
        lines += _turn(run, turn)
    elsewhere = len(runs) - len(shown)
    if elsewhere:
        lines += ["", f"*{elsewhere} more run(s) on other branches: see the JSON export.*"]
    return [*lines, ""]


def _turn(run: Run, turn: int) -> list[str]:
    lines = ["", f"### Turn {turn}", "", "**You**", "", run.prompt, ""]
    lines += [f"**{run.model_name}** ({run.provider_id}) · {_facts(run)}", ""]
    if run.reasoning:
        lines += ["<details><summary>Thinking</summary>", "", run.reasoning, "", "</details>", ""]
    lines.append(run.text or "*(no answer)*")
    if run.error_message:
        lines += ["", f"> Error ({run.error_kind or 'error'}): {run.error_message}"]
    return lines


def _facts(run: Run) -> str:
    facts = [run.status]
    if run.finish_reason == "refusal":
        facts.append("refusal")
    if run.is_preferred:
        facts.append("preferred")
    if run.duration_ms is not None:
        facts.append(f"{run.duration_ms / 1000:.2f} s")
    if run.input_tokens is not None:
        facts.append(f"{run.input_tokens:,} in / {run.output_tokens or 0:,} out tokens")
    facts.append(format_money(run.cost))
    if run.imported:
        facts.append("imported")
    return " · ".join(facts)


def _quoted(text: str) -> list[str]:
    return [f"> {line}" for line in text.splitlines()]
