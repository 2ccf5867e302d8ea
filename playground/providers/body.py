"""A call's JSON body, encoded in pieces so that attachments never hold the event loop.

Encoding a 45 MiB video as one base64 string and then as JSON is three passes over 60 MB, each a
single C call that keeps the GIL (a thread alone would not let the event loop run meanwhile).
Here the call is built with a short stand-in for each file, the small JSON is encoded, and each
stand-in's place gets the file's base64 in pieces of about a millisecond's work: base64 needs no
JSON escaping, and the pieces are sent as they are, never joined into one string.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from playground.providers.types import Attachment, HttpCall, Turn, UpstreamRequest

PIECE = 3 << 18  # 768 KiB of file, 1 MiB of base64


def json_body(payload: dict) -> bytes:
    """The request body as httpx's `json=` would encode it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@dataclass(frozen=True)
class EncodedBody:
    pieces: tuple[bytes, ...]

    @property
    def length(self) -> int:
        return sum(len(piece) for piece in self.pieces)

    async def stream(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


def base64_pieces(data: bytes) -> list[bytes]:
    view = memoryview(data)
    return [base64.b64encode(view[i : i + PIECE]) for i in range(0, len(data), PIECE)]


def encoded_call(
    request: UpstreamRequest, build: Callable[[UpstreamRequest], HttpCall]
) -> tuple[HttpCall, EncodedBody]:
    """`build(request)` and its body, each file's base64 spliced in where its stand-in is."""
    stand_ins: dict[bytes, bytes] = {}  # the stand-in's base64 -> the file's bytes
    turns = tuple(_standing_in(turn, stand_ins) for turn in request.turns)
    call = build(dataclasses.replace(request, turns=turns))
    text = json_body(call.json)
    if not all(token in text for token in stand_ins):  # a file sent as text (a document)
        call = build(request)
        return call, EncodedBody((json_body(call.json),))
    pieces, start = [], 0
    for at, token in sorted((text.index(token), token) for token in stand_ins):
        pieces += [text[start:at], *base64_pieces(stand_ins[token])]
        start = at + len(token)
    return call, EncodedBody((*pieces, text[start:]))


def _standing_in(turn: Turn, stand_ins: dict[bytes, bytes]) -> Turn:
    if not turn.attachments:
        return turn
    files = tuple(_stand_in(a, stand_ins) for a in turn.attachments)
    return dataclasses.replace(turn, attachments=files)


def _stand_in(attachment: Attachment, stand_ins: dict[bytes, bytes]) -> Attachment:
    marker = os.urandom(18)  # its base64 (24 characters) appears nowhere else
    stand_ins[base64.b64encode(marker)] = attachment.data
    return dataclasses.replace(attachment, data=marker)
