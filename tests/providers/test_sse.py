"""The SSE decoder on its own: the framing rules of protocols.md §0."""

from __future__ import annotations

import pytest

from playground.providers.sse import LineTooLong, SseDecoder, SseEvent


def decode(*chunks: bytes, max_line_bytes: int = 1 << 20) -> list[SseEvent]:
    decoder = SseDecoder(max_line_bytes=max_line_bytes)
    return [event for chunk in chunks for event in decoder.feed(chunk)]


def one_byte_at_a_time(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def test_lines_end_at_lf_crlf_and_bare_cr():
    events = decode(b"data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\r\n")
    assert [e.data for e in events] == ["a", "b", "c", "d"]


def test_crlf_split_across_chunks_is_one_line_end():
    events = decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n")
    assert [e.data for e in events] == ["a\nb"]


def test_unicode_line_separators_do_not_split_lines():
    payload = 'data: {"t":"one\u2028two\u2029three\u0085four"}\n\n'.encode()
    assert decode(payload)[0].data == '{"t":"one\u2028two\u2029three\u0085four"}'


def test_multibyte_character_split_across_chunks_survives():
    payload = "data: naïve 漢字 🙂\n\n".encode()
    assert decode(*one_byte_at_a_time(payload))[0].data == "naïve 漢字 🙂"


def test_bom_at_stream_start_is_dropped_even_when_split():
    events = decode(b"\xef\xbb", b"\xbfdata: x\n\n")
    assert events == [SseEvent("message", "x")]


def test_comments_are_skipped_and_event_names_kept():
    events = decode(b": keep-alive\n\nevent: ping\n: more\ndata: {}\n\n")
    assert events == [SseEvent("ping", "{}")]


def test_data_with_and_without_space_and_multi_line_data():
    events = decode(b"data:no-space\ndata:  two spaces\ndata\n\n")
    assert events[0].data == "no-space\n two spaces\n"


def test_event_without_terminating_blank_line_is_discarded():
    decoder = SseDecoder(max_line_bytes=1024)
    events = decoder.feed(b"data: complete\n\ndata: incomplete\n")
    assert events == [SseEvent("message", "complete")]


def test_blank_lines_without_data_dispatch_nothing():
    assert decode(b"event: x\n\n\n\nid: 7\n\n") == []


def test_line_longer_than_the_cap_raises_while_partial():
    decoder = SseDecoder(max_line_bytes=100)
    decoder.feed(b"data: " + b"x" * 90)
    with pytest.raises(LineTooLong):
        decoder.feed(b"x" * 20)


def test_many_data_lines_in_one_event_are_capped_too():
    with pytest.raises(LineTooLong):
        decode(b"data: 0123456789\n" * 20, max_line_bytes=100)
