"""Chat Completions encoder (protocols.md §1, Ark flavour §5.4).

Stream: a role chunk, reasoning chunks (`delta.reasoning_content`, with `content: ""` as Ark sends
while thinking), answer chunks, a finish chunk, then, with stream_options.include_usage, one chunk
with `choices: []` and the usage, and `data: [DONE]`. Every delta repeats the role, as Ark does.
"""

from __future__ import annotations

import time
import uuid

from .completion import MAX_TOKENS, Completion, Sent
from .echo import echoed_error
from .request import SimRequest
from .sse import DONE, broken_event, data_event

FINISH_REASONS = {MAX_TOKENS: "length"}  # complete and stop_sequence are both "stop"
MIDSTREAM_ERROR = {
    "message": "The server had an error while processing your request. Sorry "
    "about that! (simulated: fault=error)",
    "type": "server_error",
    "param": None,
    "code": None,
}


def usage_body(completion: Completion) -> dict:
    usage = completion.usage
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }


class ChatEncoder:
    def __init__(self, *, request: SimRequest, completion: Completion):
        self.request, self.completion = request, completion
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.sent = Sent()

    @property
    def finish_reason(self) -> str:
        return FINISH_REASONS.get(self.completion.finish, "stop")

    def _chunk(self, *, delta: dict, finish_reason: str | None = None) -> dict:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.request.model,
            "service_tier": "default",
            "choices": [choice],
            "usage": None,
        }

    def opening(self) -> list[bytes]:
        return [data_event(self._chunk(delta={"role": "assistant", "content": ""}))]

    def reasoning(self, text: str) -> list[bytes]:
        self.sent.add(text, answer=False)
        delta = {"role": "assistant", "content": "", "reasoning_content": text}
        return [data_event(self._chunk(delta=delta))]

    def answer(self, text: str) -> list[bytes]:
        self.sent.add(text, answer=True)
        if self.completion.refused:  # OpenAI's shape: the text as `refusal`, content null
            return [data_event(self._chunk(delta={"content": None, "refusal": text}))]
        return [data_event(self._chunk(delta={"role": "assistant", "content": text}))]

    def closing(self) -> list[bytes]:
        delta = {"role": "assistant", "content": ""}
        frames = [data_event(self._chunk(delta=delta, finish_reason=self.finish_reason))]
        if self.request.include_usage:
            usage_chunk = dict(self._chunk(delta={}), choices=[], usage=usage_body(self.completion))
            frames.append(data_event(usage_chunk))
        return [*frames, DONE]

    def error_event(self) -> list[bytes]:
        # OpenAI's real mid-stream failure: a data frame with a top-level error, then no [DONE];
        # OpenRouter adds the usage of what was generated, when the request asked for usage.
        frame = {"error": echoed_error(MIDSTREAM_ERROR, self.request)}
        if self.request.include_usage:
            frame["usage"] = usage_body(self.sent.so_far(self.completion))
        return [data_event(frame)]

    def malformed(self) -> bytes:
        return broken_event(None, self._chunk(delta={"role": "assistant", "content": "…"}))

    def body(self) -> dict:
        message = {"role": "assistant", "content": self.completion.answer}
        if self.completion.refused:
            message |= {"content": None, "refusal": self.completion.answer}
        if self.completion.reasoning:
            message["reasoning_content"] = self.completion.reasoning
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": self.finish_reason,
        }
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.request.model,
            "service_tier": "default",
            "choices": [choice],
            "usage": usage_body(self.completion),
        }
