"""What each dialect's build_call puts on the wire: parameters, attachments, auth, redaction."""

from __future__ import annotations

import base64
import json

import pytest

from playground.providers import chat, messages, responses
from playground.providers.dialects import build_call
from playground.providers.types import Attachment, Turn
from tests.providers.helpers import SECRET, make_request, run
from tests.providers.upstream import Reply, sse

URL = "https://api.example.test/v1"
PNG = Attachment(kind="image", mime="image/png", name="dot.png", data=b"\x89PNG-bytes")
MP4 = Attachment(kind="video", mime="video/mp4", name="clip.mp4", data=b"mp4-bytes")
PDF = Attachment(kind="document", mime="application/pdf", name="paper.pdf", data=b"%PDF-1.7")
NOTES = Attachment(
    kind="document", mime="text/markdown", name="notes.md", data="# Ünïcode".encode()
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def with_attachments(*attachments: Attachment) -> tuple[Turn, ...]:
    return (Turn("user", "Look"), Turn("assistant", "Ok"), Turn("user", "And these?", attachments))


# --- chat -----------------------------------------------------------------------------------------


def test_chat_body_has_model_messages_stream_and_usage_option_only():
    call = chat.build_call(make_request(URL, system="Be brief."))
    assert call.method == "POST" and call.url == URL + "/chat/completions"
    assert call.json == {
        "model": "seed-2-0-mini",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_chat_sends_exactly_the_given_params_flat_with_stop_as_a_list():
    params = {
        "max_tokens": 512,
        "frequency_penalty": 0.5,
        "presence_penalty": -0.2,
        "stop": "END, STOP",
        "enable_thinking": False,
        "reasoning_effort": "low",
        "enable_web_search": True,
        "enable_caching": True,
        "image_detail": "low",
        "video_fps": 2.0,
        "temperature": 1,
        "top_p": 0.95,
    }
    body = chat.build_call(make_request(URL, params=params)).json
    assert {k: v for k, v in body.items() if k in params} == {**params, "stop": ["END", "STOP"]}


def test_chat_stop_given_as_a_list_stays_a_list():
    body = chat.build_call(make_request(URL, params={"stop": ["a", "b"]})).json
    assert body["stop"] == ["a", "b"]


def test_chat_attachments_become_typed_parts_with_detail_and_fps():
    request = make_request(
        URL,
        params={"image_detail": "xhigh", "video_fps": 0.5},
        turns=with_attachments(PNG, MP4, PDF),
    )
    user = chat.build_call(request).json["messages"][-1]
    assert user == {
        "role": "user",
        "content": [
            {"type": "text", "text": "And these?"},
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{b64(PNG.data)}", "detail": "xhigh"},
            },
            {
                "type": "video_url",
                "video_url": {"url": f"data:video/mp4;base64,{b64(MP4.data)}", "fps": 0.5},
            },
            {
                "type": "file",
                "file": {
                    "filename": "paper.pdf",
                    "file_data": f"data:application/pdf;base64,{b64(PDF.data)}",
                },
            },
        ],
    }


def test_chat_image_without_detail_param_has_no_detail_key():
    user = chat.build_call(make_request(URL, turns=with_attachments(PNG, MP4))).json["messages"][-1]
    assert user["content"][1]["image_url"].keys() == {"url"}
    assert user["content"][2]["video_url"].keys() == {"url"}


def test_chat_non_streaming_has_no_stream_options_and_accepts_json():
    call = chat.build_call(make_request(URL, stream=False))
    assert call.json["stream"] is False and "stream_options" not in call.json
    assert call.headers["Accept"] == "application/json"


def test_chat_modelslab_puts_model_id_and_key_in_the_body():
    request = make_request(URL, auth="body:key", model_field="model_id")
    call = chat.build_call(request)
    assert call.json["model_id"] == "seed-2-0-mini" and "model" not in call.json
    assert call.json["key"] == SECRET
    assert "Authorization" not in call.headers


# --- responses ------------------------------------------------------------------------------------


def test_responses_body_without_params_sends_only_model_input_stream():
    body = responses.build_call(make_request(URL, "responses")).json
    assert body == {
        "model": "seed-2-0-mini",
        "stream": True,
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
    }


def test_responses_maps_catalog_params_to_ark_fields():
    params = {
        "max_tokens": 800,
        "reasoning_effort": "high",
        "enable_thinking": True,
        "enable_caching": True,
        "enable_web_search": True,
        "temperature": 1,
    }
    body = responses.build_call(make_request(URL, "responses", params=params, system="Sys")).json
    assert body["instructions"] == "Sys"
    assert body["max_output_tokens"] == 800
    assert body["reasoning"] == {"effort": "high"}
    assert body["thinking"] == {"type": "enabled"}
    assert body["caching"] == {"type": "enabled"}
    assert body["tools"] == [{"type": "web_search"}]
    assert body["temperature"] == 1
    assert (
        not {
            "max_tokens",
            "reasoning_effort",
            "enable_thinking",
            "enable_caching",
            "enable_web_search",
        }
        & body.keys()
    )


def test_responses_thinking_off_is_disabled():
    request = make_request(URL, "responses", params={"enable_thinking": False})
    body = responses.build_call(request).json
    assert body["thinking"] == {"type": "disabled"}


def test_responses_attachments_and_assistant_turns_use_responses_parts():
    request = make_request(
        URL,
        "responses",
        params={"image_detail": "low", "video_fps": 3},
        turns=with_attachments(PNG, MP4, PDF),
    )
    body = responses.build_call(request).json
    assert body["input"][1] == {
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Ok"}],
    }
    assert body["input"][2]["content"] == [
        {"type": "input_text", "text": "And these?"},
        {"type": "input_image", "image_url": PNG.data_url(), "detail": "low"},
        {"type": "input_video", "video_url": MP4.data_url(), "fps": 3},
        {"type": "input_file", "file_data": PDF.data_url(), "filename": "paper.pdf"},
    ]
    assert "image_detail" not in body and "video_fps" not in body


# --- messages -------------------------------------------------------------------------------------


def test_messages_body_defaults_max_tokens_and_uses_blocks():
    body = messages.build_call(make_request(URL, "messages", system="Sys")).json
    assert body == {
        "model": "seed-2-0-mini",
        "max_tokens": 4096,
        "system": "Sys",
        "stream": True,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    }


@pytest.mark.parametrize(
    ("params", "thinking"),
    [
        ({"reasoning_effort": "low"}, {"type": "enabled", "budget_tokens": 1024}),
        ({"reasoning_effort": "medium"}, {"type": "enabled", "budget_tokens": 4096}),
        (
            {"enable_thinking": True, "reasoning_effort": "high"},
            {"type": "enabled", "budget_tokens": 16384},
        ),
        ({"enable_thinking": True}, {"type": "enabled", "budget_tokens": 4096}),
        ({"reasoning_effort": "minimal"}, {"type": "disabled"}),
        ({"enable_thinking": False}, {"type": "disabled"}),
        ({}, None),
    ],
)
def test_messages_thinking_follows_enable_thinking_and_effort(params, thinking):
    body = messages.build_call(make_request(URL, "messages", params=params)).json
    assert body.get("thinking") == thinking
    assert "reasoning_effort" not in body and "enable_thinking" not in body


def test_messages_maps_stop_max_tokens_and_passes_sampling_params():
    params = {"max_tokens": 1000, "stop": "###", "temperature": 0.7, "top_p": 0.9}
    body = messages.build_call(make_request(URL, "messages", params=params)).json
    assert body["max_tokens"] == 1000 and body["stop_sequences"] == ["###"]
    assert body["temperature"] == 0.7 and body["top_p"] == 0.9 and "stop" not in body


def test_messages_attachments_are_base64_and_text_sources_before_the_text():
    request = make_request(URL, "messages", turns=with_attachments(PNG, PDF, NOTES))
    body = messages.build_call(request).json
    assert body["messages"][1] == {"role": "assistant", "content": [{"type": "text", "text": "Ok"}]}
    assert body["messages"][2]["content"] == [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": b64(PNG.data)},
        },
        {
            "type": "document",
            "title": "paper.pdf",
            "source": {"type": "base64", "media_type": "application/pdf", "data": b64(PDF.data)},
        },
        {
            "type": "document",
            "title": "notes.md",
            "source": {"type": "text", "media_type": "text/plain", "data": "# Ünïcode"},
        },
        {"type": "text", "text": "And these?"},
    ]


def test_messages_caching_marks_the_last_user_block_only():
    request = make_request(
        URL, "messages", params={"enable_caching": True}, turns=with_attachments(PNG)
    )
    body = messages.build_call(request).json
    marked = [
        block
        for message in body["messages"]
        for block in message["content"]
        if "cache_control" in block
    ]
    assert marked == [
        {"type": "text", "text": "And these?", "cache_control": {"type": "ephemeral"}}
    ]
    assert "enable_caching" not in body


def test_messages_rejects_video_with_a_clear_value_error():
    with pytest.raises(ValueError, match="Video attachments are not supported"):
        messages.build_call(make_request(URL, "messages", turns=with_attachments(MP4)))


async def test_messages_video_becomes_a_failure_and_nothing_is_sent(upstream, client):
    server = await upstream(Reply())
    outcome = await run(client, make_request(server.url, "messages", turns=with_attachments(MP4)))
    assert outcome.failure.kind == "bad_request"
    assert "Video attachments are not supported" in outcome.failure.message
    assert server.requests == []


# --- auth, headers, redaction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "auth", "header", "value"),
    [
        ("chat", "bearer", "Authorization", f"Bearer {SECRET}"),
        ("responses", "bearer", "Authorization", f"Bearer {SECRET}"),
        ("messages", "x-api-key", "x-api-key", SECRET),
    ],
)
def test_auth_header_placement(dialect, auth, header, value):
    call = build_call(make_request(URL, dialect, auth=auth))
    assert call.headers[header] == value
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["Accept"] == "text/event-stream"
    assert "key" not in call.json


def test_messages_dialect_sends_the_anthropic_version():
    call = build_call(make_request(URL, "messages", auth="x-api-key"))
    assert call.headers["anthropic-version"] == "2023-06-01"


def test_auth_none_sends_no_credentials():
    call = build_call(make_request(URL, auth="none"))
    assert "Authorization" not in call.headers and SECRET not in json.dumps(call.json)


def test_extra_headers_are_added():
    call = build_call(make_request(URL, extra_headers={"X-Trace": "abc"}))
    assert call.headers["X-Trace"] == "abc"


@pytest.mark.parametrize(
    ("dialect", "auth"),
    [
        ("chat", "bearer"),
        ("chat", "body:key"),
        ("responses", "bearer"),
        ("messages", "x-api-key"),
    ],
)
def test_redacted_call_has_the_placeholder_and_never_the_key(dialect, auth):
    request = make_request(URL, dialect, auth=auth, extra_headers={"X-Echo": f"k={SECRET}"})
    call = build_call(request, redact_key="$EMPIRIOLABS_API_KEY")
    dumped = json.dumps([call.url, call.headers, call.json])
    assert SECRET not in dumped
    assert "$EMPIRIOLABS_API_KEY" in dumped


async def test_the_built_call_is_what_reaches_the_server(upstream, client):
    server = await upstream(
        Reply(body=[sse({"choices": [{"delta": {"content": "x"}}]}), b"data: [DONE]\n\n"])
    )
    request = make_request(server.url, params={"max_tokens": 5, "stop": "a,b"})
    await run(client, request)
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/chat/completions")
    assert seen.json() == build_call(request).json
    assert seen.headers["authorization"] == f"Bearer {SECRET}"
    assert seen.headers["accept"] == "text/event-stream"
