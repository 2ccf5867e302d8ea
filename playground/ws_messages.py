"""What the page may send over the websocket, checked before anything else looks at it.

Caps (also in the README): daphne refuses a frame or message over 1 MiB with close code 1009,
and text that is not UTF-8 with 1007 (playground/serve.py). Here a message is refused, with an
error frame and the socket left open, when it is over MAX_MESSAGE_CHARS, nested deeper than
MAX_DEPTH, has more than MAX_FIELDS fields or a list of more than MAX_LIST_ITEMS, a value of the
wrong type, a lone surrogate or a NUL character in any text (a field name included), or NaN or
Infinity. Fields the server does not know are ignored. Each error names the field; nothing is
stored, and the prompt stays in the page.
"""

from __future__ import annotations

import json

from .unusable_text import unusable

MAX_MESSAGE_CHARS = 512 * 1024
MAX_DEPTH = 4  # the page sends {"field": ["text"]} and {"HEADERS": {"name": "text"}}: 2
MAX_FIELDS = 1000  # eight panes' settings and the composer are under 200
MAX_LIST_ITEMS = 100
ACTIONS = ("send", "stop", "stop_all", "regenerate", "resync")
MAX_RESYNC_RUNS = MAX_LIST_ITEMS
TEXT_FIELDS = ("prompt", "edit_of", "run")
TEXT_LIST_FIELDS = ("runs",)
UNREADABLE = "The page sent a message the server could not read. Reload the page."


class BadMessage(ValueError):
    """The message is unusable; its text says why, for the person who sent it."""


def parse(text: str | None) -> dict:
    if not text:
        raise BadMessage(UNREADABLE)
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"The message is too large (over {MAX_MESSAGE_CHARS // 1024} KiB).")
    message = _decoded(text)
    if not isinstance(message, dict):
        raise BadMessage(UNREADABLE)
    if _deeper_than(message, MAX_DEPTH):
        raise BadMessage(f"The message is nested too deeply (more than {MAX_DEPTH} levels).")
    message.pop("HEADERS", None)  # htmx's request headers: nothing the server uses
    _check_fields(message)
    action = message.get("action", "send")
    if action not in ACTIONS:
        raise BadMessage(f"Unknown action {_shown(action)}.")
    message["action"] = action
    return message


def _decoded(text: str):
    try:
        return json.loads(text, parse_constant=_not_a_number)
    except RecursionError:
        raise BadMessage(
            f"The message is nested too deeply (more than {MAX_DEPTH} levels)."
        ) from None
    except ValueError as error:
        raise BadMessage(str(error) if isinstance(error, BadMessage) else UNREADABLE) from None


def _not_a_number(constant: str):
    raise BadMessage(f"The message contains {constant}, which is not a number the server uses.")


def _deeper_than(value, limit: int) -> bool:
    """Without recursion: a message may hold as many containers as it has characters."""
    level = [value]
    for _ in range(limit):
        level = [
            item
            for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, dict | list)
        ]
        if not level:
            return False
    return True


def _check_fields(message: dict) -> None:
    """Form fields are text (or numbers and switches from scripts); a list only of text.
    Anything else is refused before a form sees it. Unknown fields are ignored later."""
    if len(message) > MAX_FIELDS:
        raise BadMessage(f"The message has {len(message)} fields; at most {MAX_FIELDS}.")
    for name, value in message.items():
        _check_text(name, name)
        _check_value(name, value)
    for name in ("action", *TEXT_FIELDS):
        if name in message and not isinstance(message[name], str):
            raise BadMessage(f"The field {_shown(name)} must be text.")
    for name in TEXT_LIST_FIELDS:
        if name in message and not isinstance(message[name], list):
            raise BadMessage(f"The field {_shown(name)} must be a list of text.")


def _check_value(name: str, value) -> None:
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise BadMessage(
                f"The field {_shown(name)} has {len(value)} items; at most {MAX_LIST_ITEMS}."
            )
        if all(isinstance(item, str) for item in value):
            for item in value:
                _check_text(name, item)
            return
    elif isinstance(value, str):
        return _check_text(name, value)
    elif value is None or isinstance(value, int | float | bool):
        return
    raise BadMessage(f"The field {_shown(name)} has a value the server cannot use.")


def _check_text(name: str, text: str) -> None:
    if problem := unusable(text):
        raise BadMessage(
            f"The field {_shown(name)} {problem}, which cannot be stored. Remove it and send again."
        )


def _shown(value) -> str:
    """A name or value from the message, quoted, short, and printable whatever it holds."""
    return ascii(str(value)[:40])
