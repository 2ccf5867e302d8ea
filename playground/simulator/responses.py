"""Responses encoder (protocols.md §2; Ark streams Seed thinking as reasoning summary, §2.6).

Stream: response.created, response.in_progress; with thinking, a reasoning output item carrying
reasoning_summary_part.added → reasoning_summary_text.delta* → .done → part.done → item.done; then
the message item (content_part.added, output_text.delta*, .done, content_part.done, item.done); then
response.completed, or response.incomplete with reason max_output_tokens. `sequence_number` counts
from 0. No `[DONE]`: that is OpenAI's behaviour (Ark appends one; clients must accept both).
"""

from __future__ import annotations

import time
import uuid

from .completion import MAX_TOKENS, Completion, Sent
from .echo import echoed_error
from .request import SimRequest
from .sse import broken_event, named_event

MIDSTREAM_ERROR = {
    "type": "server_error",
    "code": "server_error",
    "param": None,
    "message": "The server had an error while processing your request. (simulated: fault=error)",
}


def usage_body(completion: Completion) -> dict:
    usage = completion.usage
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


class ResponsesEncoder:
    def __init__(self, *, request: SimRequest, completion: Completion):
        self.request, self.completion = request, completion
        token = uuid.uuid4().hex
        self.id, self.reasoning_id, self.message_id = f"resp_{token}", f"rs_{token}", f"msg_{token}"
        self.created = int(time.time())
        self.sequence = 0
        self.reasoning_state = "none"  # none → open → done
        self.message_open = False
        self.sent = Sent()

    # --- objects --------------------------------------------------------------------------------

    @property
    def incomplete(self) -> bool:
        return self.completion.finish == MAX_TOKENS

    def response(
        self, *, status: str, output: list, usage: dict | None, error: dict | None = None
    ) -> dict:
        request = self.request
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "error": error,
            "incomplete_details": (
                {"reason": "max_output_tokens"} if status == "incomplete" else None
            ),
            "instructions": request.system or None,
            "max_output_tokens": request.max_answer_tokens,
            "model": request.model,
            "output": output,
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": {"effort": request.effort, "summary": "auto"},
            "service_tier": "default",
            "store": False,
            "temperature": 1.0,
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 0.95,
            "truncation": "disabled",
            "usage": usage,
            "metadata": {},
            "thinking": {"type": "enabled" if request.thinking else "disabled"},
            "caching": {"type": "enabled" if request.caching else "disabled"},
        }

    def reasoning_item(self, *, status: str) -> dict:
        summary = [{"type": "summary_text", "text": self.completion.reasoning}]
        return {
            "id": self.reasoning_id,
            "type": "reasoning",
            "status": status,
            "summary": summary if status == "completed" else [],
        }

    def message_item(self, *, status: str) -> dict:
        content = [self.text_part()] if status != "in_progress" else []
        return {
            "id": self.message_id,
            "type": "message",
            "status": status,
            "role": "assistant",
            "content": content,
        }

    def text_part(self, text: str | None = None) -> dict:
        text = self.completion.answer if text is None else text
        if self.completion.refused:  # refusal events fill a `refusal` content part
            return {"type": "refusal", "refusal": text}
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def final_output(self) -> list[dict]:
        message_status = "incomplete" if self.incomplete else "completed"
        reasoning = [self.reasoning_item(status="completed")] if self.completion.reasoning else []
        return [*reasoning, self.message_item(status=message_status)]

    def body(self) -> dict:
        status = "incomplete" if self.incomplete else "completed"
        return self.response(
            status=status, output=self.final_output(), usage=usage_body(self.completion)
        )

    # --- events ---------------------------------------------------------------------------------

    def _event(self, name: str, **fields) -> bytes:
        payload = {"type": name, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return named_event(name, payload)

    @property
    def message_index(self) -> int:
        return 1 if self.completion.reasoning else 0

    def opening(self) -> list[bytes]:
        started = self.response(status="in_progress", output=[], usage=None)
        return [
            self._event("response.created", response=started),
            self._event("response.in_progress", response=started),
        ]

    def reasoning(self, text: str) -> list[bytes]:
        self.sent.add(text, answer=False)
        frames = self._open_reasoning() if self.reasoning_state == "none" else []
        return [
            *frames,
            self._event(
                "response.reasoning_summary_text.delta",
                item_id=self.reasoning_id,
                output_index=0,
                summary_index=0,
                delta=text,
            ),
        ]

    def _open_reasoning(self) -> list[bytes]:
        self.reasoning_state = "open"
        part = {"type": "summary_text", "text": ""}
        return [
            self._event(
                "response.output_item.added",
                output_index=0,
                item=self.reasoning_item(status="in_progress"),
            ),
            self._event(
                "response.reasoning_summary_part.added",
                item_id=self.reasoning_id,
                output_index=0,
                summary_index=0,
                part=part,
            ),
        ]

    def _close_reasoning(self) -> list[bytes]:
        if self.reasoning_state != "open":
            return []
        self.reasoning_state = "done"
        text = self.completion.reasoning
        where = {"item_id": self.reasoning_id, "output_index": 0, "summary_index": 0}
        return [
            self._event("response.reasoning_summary_text.done", **where, text=text),
            self._event(
                "response.reasoning_summary_part.done",
                **where,
                part={"type": "summary_text", "text": text},
            ),
            self._event(
                "response.output_item.done",
                output_index=0,
                item=self.reasoning_item(status="completed"),
            ),
        ]

    def _open_message(self) -> list[bytes]:
        if self.message_open:
            return []
        self.message_open = True
        return [
            self._event(
                "response.output_item.added",
                output_index=self.message_index,
                item=self.message_item(status="in_progress"),
            ),
            self._event(
                "response.content_part.added",
                item_id=self.message_id,
                output_index=self.message_index,
                content_index=0,
                part=self.text_part(""),
            ),
        ]

    def answer(self, text: str) -> list[bytes]:
        self.sent.add(text, answer=True)
        frames = [*self._close_reasoning(), *self._open_message()]
        where = {"item_id": self.message_id, "output_index": self.message_index, "content_index": 0}
        if self.completion.refused:
            return [*frames, self._event("response.refusal.delta", **where, delta=text)]
        delta = self._event("response.output_text.delta", **where, delta=text, logprobs=[])
        return [*frames, delta]

    def closing(self) -> list[bytes]:
        frames = [*self._close_reasoning(), *self._open_message()]
        where = {"item_id": self.message_id, "output_index": self.message_index, "content_index": 0}
        answer = self.completion.answer
        done = (
            self._event("response.refusal.done", **where, refusal=answer)
            if self.completion.refused
            else self._event("response.output_text.done", **where, text=answer, logprobs=[])
        )
        frames += [done, self._event("response.content_part.done", **where, part=self.text_part())]
        item = self.final_output()[-1]
        frames.append(
            self._event("response.output_item.done", output_index=self.message_index, item=item)
        )
        name = "response.incomplete" if self.incomplete else "response.completed"
        return [*frames, self._event(name, response=self.body())]

    def error_event(self) -> list[bytes]:
        # The captures nest the details under `error`; openai-python's type reads them flat.
        # Sending both satisfies either reader.
        details = echoed_error(MIDSTREAM_ERROR, self.request)
        flat = {key: details[key] for key in ("code", "message", "param")}
        error = self._event("error", **flat, error=details)
        failure = {"code": details["code"], "message": details["message"]}
        usage = usage_body(self.sent.so_far(self.completion))  # what was generated is billed
        failed = self.response(status="failed", output=[], usage=usage, error=failure)
        return [error, self._event("response.failed", response=failed)]

    def malformed(self) -> bytes:
        payload = {
            "type": "response.output_text.delta",
            "sequence_number": self.sequence,
            "item_id": self.message_id,
            "delta": "…",
        }
        self.sequence += 1
        return broken_event("response.output_text.delta", payload)
