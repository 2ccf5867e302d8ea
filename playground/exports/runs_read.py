"""One run of an imported document, checked field by field into the values a Run stores."""

from __future__ import annotations

from django.conf import settings

from playground.catalog import DIALECTS
from playground.catalog.spec import INPUT_KINDS

from .checks import MAX_INT, Reader

FINAL = ("done", "stopped", "failed", "interrupted")
ROLES = ("system", "user", "assistant")
LONG = 2_000_000  # an answer or its reasoning: 128K tokens of output is well under this
USAGE = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens")


def read_run(reader: Reader, item, path: str, *, index: int, panes: int) -> dict:
    item = reader.obj(item, path)
    most_runs = settings.PLAYGROUND_MAX_IMPORT_RUNS
    _messages(reader, item, path)
    _attachments(reader, item, path)
    return {
        "pane": reader.integer(item, "pane", path, most=max(panes - 1, 0), null=False) or 0,
        "parent": reader.integer(item, "parent", path, most=most_runs),
        "round": reader.integer(item, "round", path, most=most_runs),
        "created": reader.moment(item, "created", path),
        "preferred": reader.boolean(item, "preferred", path),
        "fields": _asked(reader, item, path) | _answered(reader, item, path),
    }


def _asked(reader: Reader, item: dict, path: str) -> dict:
    model_id = reader.text(item, "model", path, least=1, most=200)
    return {
        "provider_id": reader.text(item, "provider", path, least=1, most=100),
        "model_id": model_id,
        "model_name": reader.text(item, "model_name", path, most=200, null=True) or model_id,
        "dialect": reader.choice(item, "dialect", path, options=DIALECTS),
        "system": reader.text(item, "system", path, most=65536, null=True) or "",
        "params": reader.params(item, "params", path),
        "sent_params": reader.params(item, "sent_params", path),
        "prompt": reader.text(item, "prompt", path, most=262144),
    }


def _answered(reader: Reader, item: dict, path: str) -> dict:
    usage = reader.obj(item.get("usage", {}), f"{path}.usage")
    return {
        "text": reader.text(item, "output", path, most=LONG),
        "reasoning": reader.text(item, "reasoning", path, most=LONG, null=True) or "",
        "finish_reason": reader.text(item, "finish_reason", path, most=40, null=True) or "",
        **{name: reader.integer(usage, name, f"{path}.usage") for name in USAGE},
        "usage_source": _usage_source(reader, item, path),
        "cost": reader.money(item, "cost_usd", path),
        "cost_estimated": reader.boolean(item, "cost_estimated", path),
        "reported_cost": reader.money(item, "reported_cost_usd", path),
        "price_snapshot": _price(reader, item, path),
        "ttft_ms": reader.integer(item, "ttft_ms", path),
        "duration_ms": reader.integer(item, "duration_ms", path),
        "retries": reader.integer(item, "retries", path, most=32767) or 0,
        "status": reader.choice(item, "status", path, options=FINAL),
        **_error(reader, item, path),
    }


def _usage_source(reader: Reader, item: dict, path: str) -> str:
    if "usage_source" not in item:
        return ""
    return reader.choice(item, "usage_source", path, options=("reported", "estimated", ""))


def _price(reader: Reader, item: dict, path: str) -> dict:
    """The price card the run was charged at, as stored (money as decimal strings)."""
    price, where = reader.nested(item, "price", path)
    if price is None:
        return {}
    money = {
        name: reader.money(price, name, where, null=name == "cached_input")
        for name in ("input", "output", "cached_input")
    }
    return {
        "currency": reader.text(price, "currency", where, least=1, most=8),
        "unit_tokens": reader.integer(price, "unit_tokens", where, least=1, null=False),
        "tier": reader.integer(price, "tier", where, least=1, most=100, null=False),
        "max_input_tokens": reader.integer(price, "max_input_tokens", where),
        **{name: None if value is None else str(value) for name, value in money.items()},
    }


def _error(reader: Reader, item: dict, path: str) -> dict:
    error, where = reader.nested(item, "error", path)
    if error is None:
        return {}
    return {
        "error_kind": reader.text(error, "kind", where, most=40, null=True) or "",
        "error_message": reader.text(error, "message", where, most=10000, null=True) or "",
        "error_status": reader.integer(error, "http_status", where, least=100, most=599),
        "provider_message": reader.text(error, "provider_message", where, most=10000, null=True)
        or "",
    }


def _messages(reader: Reader, item: dict, path: str) -> None:
    """Checked, not stored: they follow from the runs' prompts, answers and parents."""
    if "messages" not in item:
        return
    for i, message in enumerate(reader.items(item, "messages", path, most=MAX_INT)):
        where = f"{path}.messages[{i}]"
        message = reader.obj(message, where)
        reader.choice(message, "role", where, options=ROLES)
        reader.text(message, "content", where, most=LONG)


def _attachments(reader: Reader, item: dict, path: str) -> None:
    """Listed in exports for reading; files are not part of a file, so nothing to restore."""
    if "attachments" not in item:
        return
    for i, file in enumerate(reader.items(item, "attachments", path, most=64)):
        where = f"{path}.attachments[{i}]"
        file = reader.obj(file, where)
        reader.text(file, "name", where, most=255)
        reader.choice(file, "kind", where, options=INPUT_KINDS)
        reader.integer(file, "size", where)
