"""Attachments (image, video, document) as the three dialects send them, sized without decoding.

Only the decoded size matters (it drives the token rule and the acknowledgement), so base64 payloads
are measured with index arithmetic on the string we already hold: no decoded copy, no slices of a
50 MB data URL. URLs and file ids are not fetched (there is no network, and fetching arbitrary URLs
would be an SSRF hole); their size is reported as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from playground.tokens import VIDEO_TOKENS_PER_FRAME, count_attachment_tokens

WHITESPACE = ("\n", "\r", " ", "\t")


@dataclass(frozen=True)
class Attachment:
    kind: str  # "image" | "video" | "document"
    size: int | None  # decoded bytes; None when referenced by URL or file id
    name: str = ""
    detail: str | None = None
    fps: float | None = None

    @property
    def tokens(self) -> int:
        return count_attachment_tokens(self.kind, self.size or 0, detail=self.detail, fps=self.fps)

    @property
    def signature(self) -> str:
        """What identifies the attachment in a cache key (its content is not kept)."""
        return f"{self.kind}:{self.size}:{self.name}:{self.detail}:{self.fps}"


def base64_size(text: str, *, start: int = 0) -> int:
    """Decoded length of the base64 payload text[start:], counted in place."""
    end = len(text)
    while end > start and text[end - 1] in WHITESPACE:
        end -= 1
    chars = end - start - sum(text.count(space, start, end) for space in WHITESPACE)
    padding = text.count("=", max(start, end - 2), end)
    return max(0, chars * 3 // 4 - padding)


def data_url_size(url: str) -> int | None:
    """Decoded size of a data: URL, or None for any other URL."""
    if not url.startswith("data:"):
        return None
    comma = url.find(",")
    if comma < 0:
        return 0
    if ";base64" in url[:comma]:
        return base64_size(url, start=comma + 1)
    return len(unquote_to_bytes(url[comma + 1 :]))


def payload_size(value: str) -> int | None:
    """Size of a data URL or of bare base64 (OpenAI file_data, Anthropic source data)."""
    if not value:
        return None
    if value.startswith("data:"):
        return data_url_size(value)
    if value.startswith(("http://", "https://")):
        return None
    return base64_size(value)


def image(*, url: str, detail: str | None) -> Attachment:
    return Attachment(kind="image", size=data_url_size(url or ""), detail=detail or "high")


def video(*, url: str, fps: float | None) -> Attachment:
    return Attachment(kind="video", size=data_url_size(url or ""), fps=_fps(fps))


def document(*, data: str, name: str) -> Attachment:
    return Attachment(kind="document", size=payload_size(data or ""), name=name or "")


def _fps(value) -> float:
    try:
        return float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def describe_size(size: int | None) -> str:
    if size is None:
        return "given by reference (not fetched)"
    if size < 1024:
        return f"of {size} bytes"
    if size < 1024 * 1024:
        return f"of {size / 1024:.1f} KB ({size:,} bytes)"
    return f"of {size / (1024 * 1024):.1f} MB ({size:,} bytes)"


def describe(attachment: Attachment) -> str:
    """One line acknowledging an attachment: kind, size, detail or fps, and its token cost."""
    size = describe_size(attachment.size)
    tokens = f"counted as {attachment.tokens:,} input tokens"
    if attachment.kind == "image":
        return f"an image {size}, detail {attachment.detail}, {tokens}"
    if attachment.kind == "video":
        frames = attachment.tokens // VIDEO_TOKENS_PER_FRAME
        return f"a video {size}, sampled at {attachment.fps:g} fps ({frames} frames), {tokens}"
    name = f" “{attachment.name}”" if attachment.name else ""
    return f"a document{name} {size}, {tokens}"


def brief(attachment: Attachment) -> str:
    """A short mention for the reasoning: kind, rounded size, detail or fps."""
    size = "unknown size" if attachment.size is None else describe_size(attachment.size)[3:]
    size = size.split(" (")[0]
    name = f" “{attachment.name}”" if attachment.name else ""
    return (
        f"a{'n' if attachment.kind == 'image' else ''} {attachment.kind}{name} ({size}"
        f"{_option(attachment)})"
    )


def _option(attachment: Attachment) -> str:
    if attachment.kind == "image":
        return f", detail {attachment.detail}"
    if attachment.kind == "video":
        return f", {attachment.fps:g} fps"
    return ""
