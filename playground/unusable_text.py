"""Text that cannot be stored or sent on, whatever the form that brought it.

JSON can carry a lone UTF-16 surrogate as an escape (`"\\ud800"`) and Python decodes it, but
UTF-8 cannot encode it: SQLite, every page and every websocket frame fail on it. NUL is refused
by PostgreSQL in text and in jsonb. Both are refused where input arrives (websocket messages,
imported files), naming where they are.
"""

from __future__ import annotations

import re

UNUSABLE = re.compile("[\ud800-\udfff\x00]")


def unusable(text: str) -> str | None:
    """What is wrong with `text`, said for a person; None when nothing is."""
    found = UNUSABLE.search(text)
    if found is None:
        return None
    character = found.group()
    what = "a NUL character" if character == "\x00" else "half of a UTF-16 surrogate pair"
    return f"contains {what} (U+{ord(character):04X}) at position {found.start() + 1}"


def unusable_in(document, path: str = "file") -> tuple[str, str] | None:
    """The first text of a parsed JSON document (a key or a value) that is unusable: where it
    is and what is wrong. Without recursion: a document may nest as deep as it is long."""
    pending = [(path, document)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str) and (problem := unusable(value)):
            return where, problem
        if isinstance(value, dict):
            for key, child in value.items():
                if problem := unusable(key):
                    return f"{where} (a field name)", problem
                pending.append((f"{where}.{ascii(key)[1:-1]}", child))
        elif isinstance(value, list):
            pending.extend((f"{where}[{i}]", child) for i, child in enumerate(value))
    return None


def one_line(text: str, *, most: int) -> str:
    """A title, a name or a search from a form as it is kept: whitespace collapsed, NUL removed
    (the forms that validate refuse it; these fields are taken as typed), at most `most`."""
    return " ".join(text.replace("\x00", "").split())[:most]
