"""What the page may send over the websocket, checked before anything else looks at it."""

from __future__ import annotations

import json

MAX_MESSAGE_CHARS = 512 * 1024
ACTIONS = ("send", "stop", "stop_all", "regenerate", "resync")
MAX_RESYNC_RUNS = 100
UNREADABLE = "The page sent a message the server could not read. Reload the page."


class BadMessage(ValueError):
    """The message is unusable; its text says why, for the person who sent it."""


def parse(text: str | None) -> dict:
    if not text:
        raise BadMessage(UNREADABLE)
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"The message is too large (over {MAX_MESSAGE_CHARS // 1024} KiB).")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage(UNREADABLE) from None
    if not isinstance(message, dict):
        raise BadMessage(UNREADABLE)
    message.pop("HEADERS", None)  # htmx's request headers: nothing the server uses
    action = message.get("action", "send")
    if not isinstance(action, str) or action not in ACTIONS:
        raise BadMessage(f"Unknown action {str(action)[:40]!r}.")
    message["action"] = action
    _check_fields(message)
    return message


def _check_fields(message: dict) -> None:
    """Form fields are text (or numbers and switches from scripts); a list only of text.
    Anything else is refused before a form sees it. Unknown fields are ignored later."""
    for name, value in message.items():
        if isinstance(value, list):
            if all(isinstance(item, str) for item in value):
                continue
        elif value is None or isinstance(value, str | int | float | bool):
            continue
        raise BadMessage(f"The field {str(name)[:40]!r} has a value the server cannot use.")
    for name in ("prompt", "edit_of", "run"):
        if name in message and not isinstance(message[name], str):
            raise BadMessage(f"The field {name!r} must be text.")
