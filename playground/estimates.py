"""What the next send will cost, per pane, before it is sent.

Input tokens come from the provider's own count of the last answered turn when there is one (exact,
and O(1) however long the thread), otherwise from the shared token rule. The output side is a
range: nothing, up to the answer limit (max_tokens) plus the most reasoning the request allows —
the thinking budget where the dialect has one (Messages), otherwise max_tokens again, because the
Seed APIs count reasoning outside max_tokens. Budgets reserve the same worst case.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .catalog import ModelSpec
from .models import Attachment, Run
from .pane_settings import PaneSettings
from .pricing import cost_estimate
from .providers.messages import THINKING_BUDGETS
from .runs.upstream import answered
from .tokens import MESSAGE_OVERHEAD, REPLY_PRIMING, count_attachment_tokens, count_message_tokens


@dataclass(frozen=True)
class OutputCeiling:
    answer: int
    reasoning: int

    @property
    def total(self) -> int:
        return self.answer + self.reasoning


@dataclass(frozen=True)
class PaneEstimate:
    model: ModelSpec
    input_tokens: int
    output: OutputCeiling
    low: Decimal  # input only: the answer may be empty
    high: Decimal  # input plus the whole output ceiling
    long_context: bool  # the doubled price tier applies

    @property
    def over_context(self) -> bool:
        return self.input_tokens > self.model.context_window


def pane_estimate(
    *, settings: PaneSettings, thread: list[Run], prompt: str, attachments: list[Attachment]
) -> PaneEstimate:
    tokens = input_tokens_for(
        system=settings.system,
        thread=thread,
        prompt=prompt,
        attachments=attachments,
        params=settings.sent,
    )
    ceiling = output_ceiling(settings=settings)
    guess = cost_estimate(
        pricing=settings.model.pricing, input_tokens=tokens, max_output_tokens=ceiling.total
    )
    return PaneEstimate(
        model=settings.model,
        input_tokens=tokens,
        output=ceiling,
        low=guess.low,
        high=guess.high,
        long_context=guess.snapshot.tier > 1,
    )


def output_ceiling(*, settings: PaneSettings) -> OutputCeiling:
    sent, model = settings.sent, settings.model
    answer = int(sent.get("max_tokens") or model.max_output_tokens)
    return OutputCeiling(answer=answer, reasoning=_reasoning_ceiling(settings, answer))


def _reasoning_ceiling(settings: PaneSettings, answer: int) -> int:
    sent, names = settings.sent, {p.name for p in settings.model.params}
    effort = sent.get("reasoning_effort")
    if effort == "minimal" or ("enable_thinking" in names and not sent.get("enable_thinking")):
        return 0
    if settings.dialect == "messages":
        return THINKING_BUDGETS.get(effort or "medium", THINKING_BUDGETS["medium"])
    return answer


def input_tokens_for(
    *, system: str, thread: list[Run], prompt: str, attachments: list[Attachment], params: dict
) -> int:
    """Input tokens of the next request: what the last answered turn was charged for plus its
    answer, when that is known for the same system prompt; otherwise the token rule over
    everything the request carries."""
    new_turn = count_message_tokens(prompt) + _files_tokens(attachments, params)
    last = thread[-1] if thread else None
    if last and last.text and last.input_tokens and last.system == system:
        answer = (last.output_tokens or 0) - (last.reasoning_tokens or 0)
        return last.input_tokens + MESSAGE_OVERHEAD + answer + new_turn
    total = REPLY_PRIMING + (count_message_tokens(system) if system else 0)
    for earlier in answered(thread):
        total += count_message_tokens(earlier.prompt) + count_message_tokens(earlier.text)
        total += _files_tokens(list(earlier.attachments.all()), params)
    return total + new_turn


def _files_tokens(attachments: list[Attachment], params: dict) -> int:
    return sum(
        count_attachment_tokens(
            a.kind, a.size, detail=params.get("image_detail"), fps=params.get("video_fps")
        )
        for a in attachments
    )
