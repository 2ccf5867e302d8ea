"""Turn a submitted form (HTTP or websocket) into a stored Run, or into form errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from playground import services
from playground.catalog import ModelSpec, get_catalog
from playground.forms import ParamsForm, PromptForm
from playground.models import Attachment, Pane, Run
from playground.providers.types import UpstreamRequest
from playground.runs.upstream import answered
from playground.selectors import attachments_get_for, pane_get_for, run_get_for, run_thread
from playground.tokens import (
    MESSAGE_OVERHEAD,
    REPLY_PRIMING,
    count_attachment_tokens,
    count_message_tokens,
)


@dataclass
class Submission:
    pane: Pane | None = None
    run: Run | None = None
    model: ModelSpec | None = None
    prompt_form: PromptForm | None = None
    params_form: ParamsForm | None = None
    errors: list[str] = field(default_factory=list)
    branched: bool = False  # the run does not continue the thread on screen: redraw it
    thread: list[Run] = field(default_factory=list)  # the earlier turns, oldest first
    files: list[Attachment] = field(default_factory=list)  # this run's attachments
    request: UpstreamRequest | None = None  # filled in before the task starts
    html: str = ""  # the "accepted" fragment for the page


def as_list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def estimate_input_tokens(
    *, system: str, thread: list[Run], prompt: str, attachments: list[Attachment], params: dict
) -> int:
    """Input tokens of the next request: what the last answered turn was charged for plus its
    answer, when that is known for the same system prompt (the provider's own count, and O(1)
    however long the thread); otherwise our token rule over everything the request carries."""
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


def check_attachments(
    *, model: ModelSpec, dialect: str, attachments: list[Attachment]
) -> list[str]:
    errors = []
    for item in attachments:
        if item.kind not in model.inputs:
            errors.append(f"{item.name}: {model.name} does not accept {item.kind} input.")
        elif item.kind == "video" and dialect == "messages":
            errors.append(
                f"{item.name}: the Messages dialect has no video input; "
                "use Chat Completions or Responses."
            )
    return errors


def run_submit(*, owner_key: str, data: dict) -> Submission:
    """Validate with the same forms as the HTTP views; on success store the run and the pane."""
    try:
        pane = pane_get_for(owner_key=owner_key, pane_id=data.get("pane"))
        attachments = attachments_get_for(owner_key=owner_key, ids=as_list(data.get("attachment")))
        parent = _parent(owner_key=owner_key, pane=pane, data=data)
    except (ObjectDoesNotExist, ValueError, TypeError):
        return Submission(errors=["That session, run or attachment no longer exists. Reload."])
    submission = Submission(pane=pane, prompt_form=PromptForm(data))
    if not submission.prompt_form.is_valid():
        return _with_form_errors(submission)
    model, dialect = (
        submission.prompt_form.model_spec,
        submission.prompt_form.cleaned_data["dialect"],
    )
    submission.model = model
    submission.params_form = ParamsForm(data, spec=model, dialect=dialect)
    if not submission.params_form.is_valid():
        return _with_form_errors(submission)
    submission.errors = check_attachments(model=model, dialect=dialect, attachments=attachments)
    if not submission.errors:
        submission.branched = parent != pane.head
        submission.run = _store(submission, parent=parent, attachments=attachments)
    return submission


def _parent(*, owner_key: str, pane: Pane, data: dict) -> Run | None:
    if data.get("parent") == "root":
        return None
    if data.get("parent"):
        return run_get_for(owner_key=owner_key, run_id=data["parent"])
    return pane.head


def _with_form_errors(submission: Submission) -> Submission:
    for form in (submission.prompt_form, submission.params_form):
        if form is not None:
            submission.errors += [
                message for messages in form.errors.values() for message in messages
            ]
    return submission


def _store(submission: Submission, *, parent: Run | None, attachments: list[Attachment]) -> Run:
    prompt, params = submission.prompt_form.cleaned_data, submission.params_form
    sent = params.upstream_params()
    services.pane_configure(
        pane=submission.pane,
        model_ref=submission.model.ref,
        dialect=prompt["dialect"],
        system=prompt["system"],
        params=params.values(),
    )
    submission.thread, submission.files = run_thread(run=parent), attachments
    return services.run_create(
        pane=submission.pane,
        model=submission.model,
        dialect=prompt["dialect"],
        system=prompt["system"],
        prompt=prompt["prompt"],
        params=params.values(),
        sent_params=sent,
        parent=parent,
        attachments=attachments,
        estimated_input_tokens=estimate_input_tokens(
            system=prompt["system"],
            thread=submission.thread,
            prompt=prompt["prompt"],
            attachments=attachments,
            params=sent,
        ),
    )


def run_regenerate(*, owner_key: str, run_id) -> Submission:
    """The same request again, as a sibling of the original (same parent, prompt and params)."""
    try:
        original = run_get_for(owner_key=owner_key, run_id=run_id)
        model = get_catalog().model(f"{original.provider_id}/{original.model_id}")
    except (ObjectDoesNotExist, KeyError):
        return Submission(errors=["That run or its model no longer exists."])
    attachments = list(original.attachments.all())
    thread = run_thread(run=original.parent)
    run = services.run_create(
        pane=original.pane,
        model=model,
        dialect=original.dialect,
        system=original.system,
        prompt=original.prompt,
        params=original.params,
        sent_params=original.sent_params,
        parent=original.parent,
        attachments=attachments,
        estimated_input_tokens=estimate_input_tokens(
            system=original.system,
            thread=thread,
            prompt=original.prompt,
            attachments=attachments,
            params=original.sent_params,
        ),
    )
    return Submission(
        pane=original.pane, run=run, model=model, branched=True, thread=thread, files=attachments
    )
