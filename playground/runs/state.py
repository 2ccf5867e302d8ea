"""What a run has received so far, its live metrics, and the fields stored when it ends.

Everything per delta is O(delta): text pieces are appended, tokens are counted as they arrive
(TokenCounter), and the full text is joined only for a checkpoint (at most once a second), a
snapshot for a rejoining viewer, and the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from playground.catalog import ModelSpec
from playground.pricing import Cost, cost_for_usage
from playground.providers.redact import Redactor, redact_failure
from playground.providers.types import (
    Event,
    Failure,
    Finished,
    ReasoningDelta,
    Retrying,
    TextDelta,
    Usage,
)
from playground.tokens import TokenCounter


@dataclass
class RunState:
    run_id: str
    model: ModelSpec
    estimated_input_tokens: int
    started: float = field(default_factory=time.monotonic)
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    pending_text: list[str] = field(default_factory=list)
    pending_reasoning: list[str] = field(default_factory=list)
    text_tokens: TokenCounter = field(default_factory=TokenCounter)
    reasoning_tokens: TokenCounter = field(default_factory=TokenCounter)
    first_token_at: float | None = None
    ended_at: float | None = None
    usage: Usage | None = None
    finished: Finished | None = None
    failure: Failure | None = None
    retrying: Retrying | None = None
    retries: int = 0
    stopped: bool = False
    stop_reason: str = ""  # why the server stopped it (nobody watched it), shown with the run
    interrupted: bool = False  # the worker is shutting down: the run did not end by itself
    seq: int = 0  # frames sent so far; lets a rejoining viewer skip what a snapshot holds
    final_event: dict | None = None  # once sent, what a late (re)joiner gets instead of a snapshot
    owner_key: str | None = None  # the session owner's (their keys are scrubbed at the end)
    round_id: str = ""  # the send's round: its runs end one at a time (executor._finish)
    # Key values none of what this run shows or stores may hold (providers/redact.py): frames,
    # snapshots, checkpoints and the end all pass through it here.
    redact: Redactor = field(default_factory=lambda: Redactor(()), repr=False)

    def apply(self, event: Event) -> None:
        if isinstance(event, TextDelta | ReasoningDelta) and event.text:
            self._arrived(event.text, is_text=isinstance(event, TextDelta))
        elif isinstance(event, Usage):
            self.usage = event
        elif isinstance(event, Finished):
            self.finished = event
        elif isinstance(event, Failure):
            self.failure = event
        elif isinstance(event, Retrying):
            self.retrying, self.retries = event, self.retries + 1

    def _arrived(self, piece: str, *, is_text: bool) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        self.retrying = None
        (self.text if is_text else self.reasoning).append(piece)
        (self.pending_text if is_text else self.pending_reasoning).append(piece)
        (self.text_tokens if is_text else self.reasoning_tokens).add(piece)

    @property
    def has_pending(self) -> bool:
        return bool(self.pending_text or self.pending_reasoning)

    def take_pending(self) -> tuple[str, str]:
        text, reasoning = "".join(self.pending_text), "".join(self.pending_reasoning)
        self.pending_text.clear()
        self.pending_reasoning.clear()
        return self.redact(text), self.redact(reasoning)

    @property
    def full_text(self) -> str:
        return self.redact("".join(self.text))

    @property
    def full_reasoning(self) -> str:
        return self.redact("".join(self.reasoning))

    def sent_so_far(self) -> tuple[str, str]:
        """Text and reasoning already broadcast (a snapshot must not repeat pending deltas)."""
        sent_text = self.text[: len(self.text) - len(self.pending_text)]
        sent_reasoning = self.reasoning[: len(self.reasoning) - len(self.pending_reasoning)]
        return self.redact("".join(sent_text)), self.redact("".join(sent_reasoning))

    @property
    def elapsed_ms(self) -> int:
        return int(((self.ended_at or time.monotonic()) - self.started) * 1000)

    @property
    def ttft_ms(self) -> int | None:
        if self.first_token_at is None:
            return None
        return int((self.first_token_at - self.started) * 1000)

    def estimated_usage(self) -> Usage:
        """Our token rule over what arrived: used live, and when the provider sent no usage."""
        reasoning = self.reasoning_tokens.total
        return Usage(
            input_tokens=self.estimated_input_tokens,
            output_tokens=self.text_tokens.total + reasoning,
            reasoning_tokens=reasoning,
        )

    def best_usage(self) -> tuple[Usage, str]:
        if self.usage is not None and not self.usage.output_counted:
            counted = self.estimated_usage()  # the provider counted the input only
            return replace(
                self.usage,
                output_tokens=counted.output_tokens,
                reasoning_tokens=counted.reasoning_tokens,
                output_counted=True,
            ), "estimated"
        if self.usage is not None:
            return self.usage, "reported"
        if self.failure is not None and self.first_token_at is None:
            return Usage(), "estimated"  # refused before answering: nothing was billed
        return self.estimated_usage(), "estimated"

    def cost(self) -> Cost:
        usage, _ = self.best_usage()
        return cost_for_usage(pricing=self.model.pricing, usage=usage)

    def tokens_per_second(self) -> float | None:
        usage, _ = self.best_usage()
        if self.first_token_at is None or not usage.output_tokens:
            return None
        seconds = (self.ended_at or time.monotonic()) - self.first_token_at
        return round(usage.output_tokens / seconds, 1) if seconds > 0.05 else None

    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        if self.stopped:
            return "stopped"
        if self.failure is not None:
            return "failed"
        return "done" if self.ended_at else "streaming"

    def final_fields(self) -> dict:
        usage, source = self.best_usage()
        return {
            "status": self.status(),
            "text": self.full_text,
            "reasoning": self.full_reasoning,
            "finish_reason": self.finished.reason if self.finished else "",
            "input_tokens": usage.input_tokens,
            "cached_input_tokens": usage.cached_input_tokens,
            "output_tokens": usage.output_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "usage_source": source,
            "ttft_ms": self.ttft_ms,
            "duration_ms": self.elapsed_ms,
            "retries": self.retries,
        } | self._failure_fields()

    def _failure_fields(self) -> dict:
        failure = self.failure and redact_failure(self.failure, self.redact)
        if self.interrupted:
            message = f"{SHUT_DOWN} {what_was_kept(text=self.text, reasoning=self.reasoning)}"
            failure = Failure(kind="interrupted", message=message)  # type: ignore[arg-type]
        elif self.stopped and self.stop_reason:
            failure = Failure(kind="unwatched", message=self.stop_reason)  # type: ignore[arg-type]
        return {
            "error_kind": failure.kind if failure else "",
            "error_message": failure.message if failure else "",
            "error_status": failure.status if failure else None,
            "provider_message": failure.provider_message if failure else "",
        }


SHUT_DOWN = "The server was shut down while this run was streaming."


def what_was_kept(*, text, reasoning) -> str:
    """The end of a message about a run that ended early: it claims only what did arrive."""
    if text:
        return "The text received before that is kept with its cost; retry to run it again."
    if reasoning:
        return (
            "Only reasoning had arrived, no answer text; it is kept with its cost. Retry to get "
            "an answer."
        )
    return "Nothing had arrived yet; retry to run it again."
