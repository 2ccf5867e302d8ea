"""Message content of each dialect → plain text plus attachments (protocols.md §5.3, §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import attachments as att
from .attachments import Attachment


@dataclass(frozen=True)
class Message:
    role: str
    text: str  # as sent (directives included): what usage counts
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Defaults:
    """Flat request fields that set attachment options (the EmpirioLabs parameter table)."""

    image_detail: str | None = None
    video_fps: float | None = None


def join(texts: list[str], found: list[Attachment], *, role: str) -> Message:
    return Message(role=role, text="\n".join(t for t in texts if t), attachments=tuple(found))


def read_message(raw: dict, read_part) -> Message:
    """A message whose content is a string or a list of typed parts; each dialect reads its own
    part shapes with `read_part(part, texts, found)`."""
    role, content = str(raw.get("role") or "user"), raw.get("content")
    if isinstance(content, str) or content is None:
        return Message(role=role, text=content or "")
    texts: list[str] = []
    found: list[Attachment] = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, dict):
            read_part(part, texts, found)
    return join(texts, found, role=role)


# --- Chat Completions ---------------------------------------------------------------------------


def chat_message(raw: dict, *, defaults: Defaults) -> Message:
    return read_message(raw, lambda part, texts, found: _chat_part(part, texts, found, defaults))


def _chat_part(part: dict, texts: list[str], found: list[Attachment], defaults: Defaults) -> None:
    kind = part.get("type")
    if kind == "text":
        texts.append(str(part.get("text") or ""))
    elif kind == "image_url":
        spec = _as_url_table(part.get("image_url"))
        found.append(
            att.image(url=spec.get("url", ""), detail=spec.get("detail") or defaults.image_detail)
        )
    elif kind == "video_url":
        spec = _as_url_table(part.get("video_url"))
        found.append(att.video(url=spec.get("url", ""), fps=spec.get("fps", defaults.video_fps)))
    elif kind == "file":
        spec = part.get("file") if isinstance(part.get("file"), dict) else {}
        found.append(att.document(data=spec.get("file_data", ""), name=spec.get("filename", "")))


def _as_url_table(value: Any) -> dict:
    if isinstance(value, str):
        return {"url": value}
    return value if isinstance(value, dict) else {}


# --- Responses ----------------------------------------------------------------------------------


def responses_messages(raw_input: Any, *, defaults: Defaults) -> list[Message]:
    if isinstance(raw_input, str):
        return [Message(role="user", text=raw_input)]
    items = raw_input if isinstance(raw_input, list) else []
    return [
        responses_item(item, defaults=defaults)
        for item in items
        if isinstance(item, dict) and ("role" in item or item.get("type") == "message")
    ]


def responses_item(item: dict, *, defaults: Defaults) -> Message:
    return read_message(
        item, lambda part, texts, found: _responses_part(part, texts, found, defaults)
    )


def _responses_part(
    part: dict, texts: list[str], found: list[Attachment], defaults: Defaults
) -> None:
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        texts.append(str(part.get("text") or ""))
    elif kind == "input_image":
        found.append(
            att.image(
                url=str(part.get("image_url") or ""),
                detail=part.get("detail") or defaults.image_detail,
            )
        )
    elif kind == "input_video":
        found.append(
            att.video(url=str(part.get("video_url") or ""), fps=part.get("fps", defaults.video_fps))
        )
    elif kind == "input_file":
        data = part.get("file_data") or part.get("file_url") or ""
        found.append(att.document(data=str(data), name=str(part.get("filename") or "")))


# --- Anthropic Messages ------------------------------------------------------------------------


def messages_message(raw: dict) -> Message:
    return read_message(raw, _messages_block)


def _messages_block(block: dict, texts: list[str], found: list[Attachment]) -> None:
    kind = block.get("type")
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    if kind == "text":
        texts.append(str(block.get("text") or ""))
    elif kind == "tool_result" and isinstance(block.get("content"), str):
        texts.append(block["content"])
    elif kind == "image":
        found.append(att.Attachment(kind="image", size=_source_size(source), detail="high"))
    elif kind == "document":
        found.append(
            att.Attachment(
                kind="document", size=_source_size(source), name=str(block.get("title") or "")
            )
        )


def _source_size(source: dict) -> int | None:
    if source.get("type") == "base64":
        return att.base64_size(str(source.get("data") or ""))
    if source.get("type") == "text":
        return len(str(source.get("data") or "").encode("utf-8"))
    return None


def system_text(raw: Any) -> str:
    """Anthropic `system` is a string or a list of text blocks."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return "\n".join(str(b.get("text") or "") for b in raw if isinstance(b, dict))
    return ""
