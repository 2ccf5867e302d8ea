"""Deterministic answer and reasoning text built from the prompt's own words.

The same request (model + conversation, directives removed) always yields the same text: a seeded
`random.Random` picks the templates. The answer restates the question, works through the prompt's
key words in a few bullets, adds a short code block when the prompt is about code, acknowledges
every attachment of the last user message, and closes. The reasoning refers to the same words and
grows with the effort level.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter

from playground.tokens import count_text_tokens, split_text_tokens

from . import phrases
from .attachments import brief, describe
from .directive import strip_directives
from .request import SimRequest

WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’_-]*[A-Za-z0-9]|[A-Za-z]")
UNICODE_RUN = re.compile(r"[^\W\d_]{3,}")
CJK_START = 0x2E80
CODE_HINT = re.compile(
    r"```|\b(code|python|javascript|typescript|function|script|class|bug|regex|"
    r"sql|implement|program|algorithm|java|rust|golang|html|css|django|bash|"
    r"compile|snippet|method)\b",
    re.IGNORECASE,
)
LANGUAGES = (
    ("javascript", ("javascript", "typescript", "node", "js")),
    ("sql", ("sql",)),
    ("bash", ("bash", "shell")),
    ("rust", ("rust",)),
    ("go", ("golang",)),
)
# Reasoning length in tokens per effort; the model factor makes side-by-side panes differ a bit.
EFFORT_TOKENS = {"low": 40, "medium": 140, "high": 420}
MODEL_FACTORS = {"mini": 0.8, "lite": 1.0, "code": 1.1, "pro": 1.3}
MAX_QUESTION_WORDS = 30
MAX_GREETING_TOKENS = 4  # "hi", "hello there!": no key words, so greet instead of analysing


def seeded_random(request: SimRequest, *, salt: str) -> random.Random:
    digest = hashlib.sha256(salt.encode())
    digest.update(request.model.encode())
    digest.update(strip_directives(request.system).encode())
    for message in request.messages:
        digest.update(f"\0{message.role}\0{strip_directives(message.text)}".encode())
        digest.update("".join(a.signature for a in message.attachments).encode())
    return random.Random(int.from_bytes(digest.digest()[:8], "big"))


def keywords(text: str, *, limit: int = 5) -> list[str]:
    """The prompt's most telling words (frequent or long, not stop words), in prompt order."""
    words = WORD.findall(text)
    counts = Counter(w.lower() for w in words)
    first: dict[str, tuple[int, str]] = {}
    for position, word in enumerate(words):
        low = word.lower()
        if len(low) >= 3 and low not in phrases.STOPWORDS and low not in first:
            first[low] = (position, _display(word, position))
    ranked = sorted(first, key=lambda w: (-_weight(w, counts[w], first[w][1]), first[w][0]))
    found = [first[w][1] for w in sorted(ranked[:limit], key=lambda w: first[w][0])]
    return found or unicode_keywords(text, limit=limit)


def unicode_keywords(text: str, *, limit: int) -> list[str]:
    """Words of other alphabets (Cyrillic, Greek…). CJK is skipped: it has no spaces, so a run
    of letters is a whole sentence, not a word."""
    runs = [
        run
        for run in UNICODE_RUN.findall(text)
        if not run.isascii() and not any(ord(c) >= CJK_START for c in run)
    ]
    return list(dict.fromkeys(runs))[:limit]


def _weight(low: str, count: int, shown: str) -> int:
    # Repeated words, long words and names (Python, SQL) say most about the topic.
    return 2 * count + min(len(low), 10) + (4 if shown != low else 0)


def _display(word: str, position: int) -> str:
    """Keep SQL, iPhone or a mid-sentence proper noun as written; lower-case the rest."""
    if any(c.isupper() for c in word[1:]) or (position > 0 and word[:1].isupper()):
        return word
    return word.lower()


def restate(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    sentence = re.split(r"(?<=[.?!])\s+", line)[0]
    words = sentence.split()
    if len(words) > MAX_QUESTION_WORDS:
        return " ".join(words[:MAX_QUESTION_WORDS]) + "…"
    return sentence


def terms_text(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words) or "your request"
    return ", ".join(words[:-1]) + " and " + words[-1]


def fill(template: str, *, words: list[str], index: int, question: str) -> str:
    word = words[index % len(words)] if words else "your request"
    other = words[(index + 1) % len(words)] if len(words) > 1 else "the context"
    return template.format(
        kw=word,
        Kw=word[:1].upper() + word[1:],
        other=other,
        question=question,
        terms=terms_text(words),
        count=len(words) or 1,
    )


def code_language(text: str) -> str:
    lowered = set(WORD.findall(text.lower()))
    return next((name for name, hints in LANGUAGES if lowered & set(hints)), "python")


def identifier(word: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_") or "value"
    return name if not name[0].isdigit() else f"n_{name}"


def code_block(*, language: str, words: list[str]) -> str:
    # A plural key word reads best as the collection the snippet works on.
    noun = identifier(next((w for w in words if w.endswith("s")), words[0] if words else "items"))
    verb = "handle"
    snippets = {
        "python": f'def {verb}_{noun}({noun}):\n    """Return the usable {noun} entries."""\n'
        f"    return [item for item in {noun} if item is not None]",
        "javascript": f"function {verb}_{noun}({noun}) {{\n"
        f"  return {noun}.filter((item) => item != null);\n}}",
        "sql": f"SELECT *\nFROM {noun}\nWHERE {noun}_id IS NOT NULL\nORDER BY {noun}_id;",
        "bash": f'#!/usr/bin/env bash\nset -euo pipefail\nfor item in "$@"; do\n'
        f'  echo "{noun}: $item"\ndone',
        "rust": f"fn {verb}_{noun}({noun}: &[Option<i64>]) -> Vec<i64> {{\n"
        f"    {noun}.iter().flatten().copied().collect()\n}}",
        "go": f"func {verb}{noun.title()}({noun} []string) []string {{\n\tvar out []string\n"
        f'\tfor _, item := range {noun} {{\n\t\tif item != "" {{\n'
        f"\t\t\tout = append(out, item)\n\t\t}}\n\t}}\n\treturn out\n}}",
    }
    return f"```{language}\n{snippets[language]}\n```"


def answer_text(request: SimRequest) -> str:
    if request.directive.reply == "echo":
        return request.prompt
    rng = seeded_random(request, salt="answer")
    prompt = request.prompt
    words = keywords(prompt) or keywords(strip_directives(request.system))
    question = restate(prompt)
    parts = [_opening(rng, request=request, question=question)]
    if not words and count_text_tokens(prompt) <= MAX_GREETING_TOKENS:
        greeting = (
            [] if last_user_attachments(request) else [phrases.GREETING.format(model=request.model)]
        )
        return "\n\n".join([*parts, *greeting, *_attachment_lines(request)])
    words = words or ["this question"]
    parts.append(fill(rng.choice(phrases.INTROS), words=words, index=0, question=question))
    parts.append(_bullets(rng, words=words, question=question))
    if CODE_HINT.search(prompt):
        parts.append(code_block(language=code_language(prompt), words=words))
    parts.extend(_attachment_lines(request))
    parts.append(fill(rng.choice(phrases.CLOSINGS), words=words, index=0, question=question))
    return "\n\n".join(p for p in parts if p)


def _opening(rng: random.Random, *, request: SimRequest, question: str) -> str:
    lines = [
        fill(rng.choice(phrases.OPENINGS), words=[], index=0, question=question)
        if question
        else phrases.NO_QUESTION
    ]
    if any(m.role == "assistant" for m in request.messages):
        lines.append(phrases.HISTORY)
    system = restate(strip_directives(request.system))
    if system:
        lines.append(phrases.SYSTEM.format(system=system))
    return "\n\n".join(lines)


def _bullets(rng: random.Random, *, words: list[str], question: str) -> str:
    templates = rng.sample(phrases.BULLETS, k=min(len(phrases.BULLETS), max(3, len(words))))
    labels = (
        [w[:1].upper() + w[1:] for w in words] if len(words) >= len(templates) else phrases.ORDINALS
    )
    return "\n".join(
        f"- **{label}**: " + fill(t, words=words, index=i, question=question)
        for i, (label, t) in enumerate(zip(labels, templates, strict=False))
    )


def last_user_attachments(request: SimRequest) -> list:
    last = next((m for m in reversed(request.messages) if m.role == "user"), None)
    return list(last.attachments) if last else []


def _attachment_lines(request: SimRequest) -> list[str]:
    found = last_user_attachments(request)
    if not found:
        return []
    count = f"{len(found)} attachment{'s' if len(found) > 1 else ''}"
    items = [f"{i}. {describe(a)}." for i, a in enumerate(found, start=1)]
    return [phrases.ATTACHMENTS.format(count=count) + "\n" + "\n".join(items)]


def reasoning_target(request: SimRequest) -> int:
    factor = next((f for name, f in MODEL_FACTORS.items() if name in request.model), 1.0)
    target = round(EFFORT_TOKENS.get(request.effort, EFFORT_TOKENS["medium"]) * factor)
    return min(target, request.thinking_budget) if request.thinking_budget else target


def reasoning_text(request: SimRequest) -> str:
    """Reasoning about the prompt, growing with the effort ('' when thinking is off)."""
    if not request.thinking:
        return ""
    if request.directive.reply == "echo":
        limit = request.thinking_budget or request.max_answer_tokens
        return _cut_tokens(request.prompt, limit=limit)
    rng = seeded_random(request, salt="reasoning")
    prompt, target = request.prompt, reasoning_target(request)
    words = keywords(prompt) or ["the question"]
    question = restate(prompt) or "(no question, only attachments)"
    head = [
        fill(rng.choice(phrases.REASONING_OPENINGS), words=words, index=0, question=question),
        fill(phrases.REASONING_TERMS, words=words, index=0, question=question),
    ]
    head += [
        phrases.REASONING_ATTACHMENT.format(item=brief(a)) for a in last_user_attachments(request)
    ]
    if CODE_HINT.search(prompt):
        head.append(phrases.REASONING_CODE.format(language=code_language(prompt), kw=words[0]))
    plan = fill(phrases.REASONING_PLAN, words=words, index=0, question=question)
    # The steps alone fill the effort's target, so more effort always means more reasoning.
    text = "\n".join([*head, *_steps(rng, words=words, question=question, target=target), plan])
    # Anthropic's budget_tokens is a hard cap; the effort target is only a goal. Without a budget
    # the reasoning stops at max_tokens, the reasoning ceiling the playground's estimate uses.
    return _cut_tokens(text, limit=request.thinking_budget or request.max_answer_tokens)


def _steps(rng: random.Random, *, words: list[str], question: str, target: int) -> list[str]:
    """Distinct (template, word) pairs in a seeded order, until the target length is reached."""
    pairs = [(t, i) for t in phrases.REASONING_STEPS for i in range(len(words))]
    rng.shuffle(pairs)
    steps, used = [], 0
    for position in range(400):
        if used >= target:
            break
        template, index = pairs[position % len(pairs)]
        steps.append(fill(template, words=words, index=index, question=question))
        used += count_text_tokens(steps[-1])
    return steps


def _cut_tokens(text: str, *, limit: int) -> str:
    pieces = split_text_tokens(text)
    return text if len(pieces) <= limit else "".join(pieces[:limit])
