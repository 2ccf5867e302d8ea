"""What the server pushes over the page's socket, read as htmx would see it.

accepted  a run article appended to its pane's thread, with <template id="composer-reset">
delta     <span id="run-<id>-answer" hx-swap-oob="beforeend">escaped text</span> (and -reasoning,
          and live metrics a few times a second)
snapshot  <div id="run-<id>-body" … hx-swap-oob="true"> with the text so far (a page that joins
          mid-stream, or one that fell behind, gets this instead of the deltas it missed)
final     <article id="run-<id>" … hx-swap-oob="true" data-run-final>, whose hidden
          <textarea id="run-<id>-raw"> holds the stored answer, unrendered
rejected  #composer-errors with messages and no composer-reset
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

ACCEPTED_RUN = re.compile(r'<article id="run-([0-9a-f-]{36})"')
ANSWER = re.compile(
    r'<span id="run-([0-9a-f-]{36})-answer" hx-swap-oob="beforeend">(.*?)</span>', re.S
)
SNAPSHOT = re.compile(
    r'<div id="run-([0-9a-f-]{36})-body" class="body streaming" hx-swap-oob="true">.*?'
    r'<div class="answer stream" id="run-[0-9a-f-]{36}-answer">(.*?)</div>',
    re.S,
)
FINAL = re.compile(
    r'<article id="run-([0-9a-f-]{36})" class="run status-(\w+)[^"]*"[^>]*data-run-final'
)
RAW = re.compile(
    r'<textarea hidden readonly id="run-[0-9a-f-]{36}-raw"[^>]*>(.*?)</textarea>', re.S
)
ERRORS = re.compile(r'<div id="composer-errors"[^>]*>\s*<ul>(.*?)</ul>', re.S)


@dataclass(frozen=True)
class Frame:
    kind: str  # accepted | delta | snapshot | final | rejected | other
    run_id: str = ""
    text: str = ""  # delta: the appended answer text; snapshot and final: the whole answer
    status: str = ""  # final: done, stopped, failed, interrupted
    errors: str = ""


def classify(message: str) -> Frame:
    if 'id="composer-reset"' in message:
        found = ACCEPTED_RUN.search(message)
        return Frame("accepted", run_id=found.group(1) if found else "")
    if "data-run-final" in message:
        found, raw = FINAL.search(message), RAW.search(message)
        text = html.unescape(raw.group(1)) if raw else ""
        return Frame("final", run_id=found.group(1), text=text, status=found.group(2))
    if 'class="body streaming" hx-swap-oob="true"' in message:
        found = SNAPSHOT.search(message)
        return Frame("snapshot", run_id=found.group(1), text=html.unescape(found.group(2)))
    if 'hx-swap-oob="beforeend"' in message:
        pieces = ANSWER.findall(message)
        run_id = pieces[0][0] if pieces else ""
        return Frame("delta", run_id=run_id, text="".join(html.unescape(t) for _, t in pieces))
    errors = ERRORS.search(message)
    if errors:
        return Frame("rejected", errors=re.sub(r"<[^>]+>", " ", errors.group(1)).strip())
    return Frame("other")
