"""Word-level difference between two answers, for comparing panes side by side."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    kind: str  # "same" | "removed" | "added"
    text: str


def words_diff(*, before: str, after: str) -> list[Piece]:
    """`before` turned into `after`, word by word (whitespace kept, so the text reads as is)."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(new[j1:j2])))
    return pieces


def similarity(*, before: str, after: str) -> float:
    """Share of words the two answers have in common, 0 to 1."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    return difflib.SequenceMatcher(a=old, b=new, autojunk=False).ratio() if old or new else 1.0
