"""The public XSS corpus (corpus/README.md: 286 payloads from PayloadsAllTheThings, MIT) and the
batches the browser suite sends them in."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
SEPARATOR = "\n\n"  # each payload its own Markdown block, as a model would answer


def xss_payloads() -> list[str]:
    # Split on LF only: one payload holds a form feed, which str.splitlines() would split on.
    text = (CORPUS / "xss_payloads.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line]


def batches(payloads: list[str], *, most_chars: int) -> list[list[str]]:
    """Consecutive payloads, packed so that each batch's joined text stays within `most_chars`
    (a longer payload goes alone)."""
    packed: list[list[str]] = [[]]
    for payload in payloads:
        if packed[-1] and len(SEPARATOR.join([*packed[-1], payload])) > most_chars:
            packed.append([])
        packed[-1].append(payload)
    return packed


def joined(batch: list[str]) -> str:
    return SEPARATOR.join(batch)


def parts(payloads: list[str], count: int) -> list[list[str]]:
    """The corpus cut into `count` near-equal runs of payloads (one browser page each)."""
    size = -(-len(payloads) // count)
    return [payloads[i : i + size] for i in range(0, len(payloads), size)]
