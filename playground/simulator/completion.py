"""A request's full outcome, decided before the first byte: texts, finish reason and usage.

All numbers come from playground/tokens.py. Input = reply priming + every message (system included)
with its framing + its attachments, counted on the text as sent. Output = reasoning + answer.
The answer is cut at the first stop sequence, then at `max_answer_tokens` (reasoning is not
counted against the limit, as Ark documents for Seed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from playground.tokens import (
    REPLY_PRIMING,
    count_message_tokens,
    count_text_tokens,
    split_text_tokens,
)

from .cache import message_tokens
from .engine import answer_text, reasoning_text
from .request import SimRequest

COMPLETE, MAX_TOKENS, STOP_SEQUENCE = "complete", "max_tokens", "stop_sequence"
REFUSED = "refused"  # the refuse=1 directive: the model declines, in the dialect's refusal shape
REFUSAL = "I'm sorry, but I can't help with that request. (simulated: refuse=1)"


@dataclass(frozen=True)
class Usage:
    input_tokens: int  # everything sent, cached part included
    cached_tokens: int
    reasoning_tokens: int
    answer_tokens: int

    @property
    def output_tokens(self) -> int:
        return self.reasoning_tokens + self.answer_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Completion:
    reasoning: str
    answer: str
    finish: str  # COMPLETE | MAX_TOKENS | STOP_SEQUENCE | REFUSED
    stop_sequence: str | None
    usage: Usage

    @property
    def refused(self) -> bool:
        return self.finish == REFUSED


@dataclass
class Sent:
    """Tokens streamed so far: what the usage of a stream that fails midway counts."""

    reasoning: int = 0
    answer: int = 0

    def add(self, text: str, *, answer: bool) -> None:
        if answer:
            self.answer += count_text_tokens(text)
        else:
            self.reasoning += count_text_tokens(text)

    def so_far(self, completion: Completion) -> Completion:
        counts = {"reasoning_tokens": self.reasoning, "answer_tokens": self.answer}
        return replace(completion, usage=replace(completion.usage, **counts))


def input_tokens(request: SimRequest) -> int:
    system = count_message_tokens(request.system) if request.system else 0
    return REPLY_PRIMING + system + sum(message_tokens(m) for m in request.messages)


def token_pieces(text: str) -> list[str]:
    """One token per piece; whitespace-only pieces (which count 0) join their neighbour."""
    pieces: list[str] = []
    for piece in split_text_tokens(text):
        if pieces and not piece.strip():
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


def cut_at_stop(text: str, stops: tuple[str, ...]) -> tuple[str, str | None]:
    hits = [(text.find(stop), stop) for stop in stops if stop in text]
    if not hits:
        return text, None
    position, stop = min(hits)
    return text[:position], stop


def cut_at_tokens(text: str, limit: int) -> tuple[str, bool]:
    pieces = token_pieces(text)
    if len(pieces) <= limit:
        return text, False
    return "".join(pieces[:limit]), True


def build_completion(request: SimRequest, *, cached_tokens: int) -> Completion:
    if request.directive.refuse:
        return refusal(request, cached_tokens=cached_tokens)
    reasoning = reasoning_text(request)
    answer, stop = cut_at_stop(answer_text(request), request.stop)
    answer, truncated = cut_at_tokens(answer, request.max_answer_tokens)
    finish = MAX_TOKENS if truncated else STOP_SEQUENCE if stop else COMPLETE
    usage = Usage(
        input_tokens=input_tokens(request),
        cached_tokens=cached_tokens,
        reasoning_tokens=count_text_tokens(reasoning),
        answer_tokens=count_text_tokens(answer),
    )
    return Completion(
        reasoning=reasoning,
        answer=answer,
        finish=finish,
        stop_sequence=stop if finish == STOP_SEQUENCE else None,
        usage=usage,
    )


def refusal(request: SimRequest, *, cached_tokens: int) -> Completion:
    answer, _ = cut_at_tokens(REFUSAL, request.max_answer_tokens)
    usage = Usage(input_tokens(request), cached_tokens, 0, count_text_tokens(answer))
    return Completion(reasoning="", answer=answer, finish=REFUSED, stop_sequence=None, usage=usage)
