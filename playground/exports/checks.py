"""Reading an untrusted JSON document field by field: every value is checked for its type and
bounds, and every problem is collected with where it is (`runs[3].usage.output_tokens`), so one
attempt tells the user everything that is wrong with their file."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.dateparse import parse_datetime

MONEY = re.compile(r"\d{1,8}(\.\d{1,12})?")  # what the ledger's decimal columns hold
MAX_INT = 2_147_483_647
MISSING = object()


class Refused(ValueError):
    """The document cannot be imported; `problems` say why, for the person who sent it."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class Reader:
    SHOWN = 20  # problems listed; a hostile file could have a million

    def __init__(self):
        self.problems: list[str] = []
        self.count = 0

    def fail(self, path: str, message: str, default=None):
        self.count += 1
        if self.count <= self.SHOWN:
            self.problems.append(f"{path} {message}.")
        return default

    def check(self) -> None:
        if self.count > self.SHOWN:
            self.problems.append(f"… and {self.count - self.SHOWN:,} more problems.")
        if self.problems:
            raise Refused(self.problems)

    def field(self, parent: dict, key: str):
        return parent.get(key, MISSING) if isinstance(parent, dict) else MISSING

    def obj(self, value, path: str) -> dict:
        return value if isinstance(value, dict) else self.fail(path, "must be an object", {})

    def nested(self, parent: dict, key: str, path: str) -> tuple[dict | None, str]:
        """An optional object inside `parent` (None when absent), and where it is."""
        where = f"{path}.{key}"
        value = parent.get(key) if isinstance(parent, dict) else None
        return (None if value is None else self.obj(value, where)), where

    def items(self, parent: dict, key: str, path: str, *, most: int, least: int = 0) -> list:
        value = self.field(parent, key)
        if not isinstance(value, list):
            return self.fail(f"{path}.{key}", "must be a list", [])
        if not least <= len(value) <= most:
            return self.fail(f"{path}.{key}", f"must hold {least} to {most} items", [])
        return value

    def text(self, parent: dict, key: str, path: str, *, most: int, null=False, least=0):
        value = self.field(parent, key)
        if value is MISSING or (value is None and null):
            return None if null else self.fail(f"{path}.{key}", "is missing", "")
        if not isinstance(value, str):
            return self.fail(f"{path}.{key}", "must be text", "")
        if not least <= len(value) <= most:
            return self.fail(f"{path}.{key}", f"must be {least} to {most:,} characters", "")
        return value

    def choice(self, parent: dict, key: str, path: str, *, options) -> str:
        value = self.field(parent, key)
        if value not in options:
            listed = ", ".join(f'"{option}"' for option in options)
            return self.fail(f"{path}.{key}", f"must be one of {listed}", "")
        return value

    def integer(self, parent, key, path, *, least=0, most=MAX_INT, null=True) -> int | None:
        value = self.field(parent, key)
        if value is MISSING or value is None:
            return None if null else self.fail(f"{path}.{key}", "is missing")
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            return self.fail(f"{path}.{key}", f"must be a whole number from {least} to {most:,}")
        return value

    def boolean(self, parent: dict, key: str, path: str, *, default: bool = False) -> bool:
        value = self.field(parent, key)
        if value is MISSING:
            return default
        return (
            value
            if isinstance(value, bool)
            else self.fail(f"{path}.{key}", "must be true or false", default)
        )

    def money(self, parent: dict, key: str, path: str, *, null=True) -> Decimal | None:
        value = self.field(parent, key)
        if value is MISSING or value is None:
            return None if null else self.fail(f"{path}.{key}", "is missing")
        if not isinstance(value, str) or not MONEY.fullmatch(value):
            return self.fail(f"{path}.{key}", 'must be a decimal string such as "0.000125"')
        return Decimal(value)

    def moment(self, parent: dict, key: str, path: str, *, null=True) -> datetime | None:
        value = self.field(parent, key)
        if value is MISSING or value is None:
            return None if null else self.fail(f"{path}.{key}", "is missing")
        try:
            moment = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            return self.fail(f"{path}.{key}", "must be a date and time (ISO 8601)")
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def params(self, parent: dict, key: str, path: str) -> dict:
        """A flat object of parameter values: text, numbers, switches, lists of text."""
        value = self.field(parent, key)
        where = f"{path}.{key}"
        if value is MISSING or value is None:
            return {}
        if not isinstance(value, dict) or len(value) > 64:
            return self.fail(where, "must be an object of at most 64 parameters", {})
        return {name: item for name, item in value.items() if self._param(where, name, item)}

    def _param(self, where: str, name: str, item) -> bool:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
            return self.fail(where, f"{name[:40]!r} is not a parameter name", False)
        if item is None or isinstance(item, bool | int) or _short_text(item):
            return True
        if isinstance(item, float) and math.isfinite(item):
            return True
        if isinstance(item, list) and len(item) <= 16 and all(_short_text(i) for i in item):
            return True
        return self.fail(
            f"{where}.{name}", "must be text, a number, true/false or a list of text", False
        )


def _short_text(value) -> bool:
    return isinstance(value, str) and len(value) <= 4096
