"""The answer the upstream must stream for a prompt, computed with the simulator's own
(deterministic, Django-free) engine: the reference for "every token exactly once"."""

from __future__ import annotations

from playground.simulator.completion import build_completion
from playground.simulator.request import parse_request
from playground.tokens import count_text_tokens

from .direct import request_body


def expected_answer(*, prompt: str, tokens: int, history: tuple[tuple[str, str], ...] = ()) -> str:
    """history: the earlier (prompt, stored answer) turns of the pane, as the app sends them
    (a turn without an answer is left out of the context, as the app does)."""
    body = request_body(prompt=prompt, tokens=tokens)
    earlier = []
    for asked, answered in history:
        if answered:
            earlier += [
                {"role": "user", "content": asked},
                {"role": "assistant", "content": answered},
            ]
    body["messages"] = earlier + body["messages"]
    request = parse_request(
        dialect="chat", body=body, header_directive=None, max_output_tokens=128_000
    )
    return build_completion(request, cached_tokens=0).answer


def tokens_in(text: str) -> int:
    return count_text_tokens(text)
