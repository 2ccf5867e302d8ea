"""Images, videos and documents: acknowledged in the answer and counted as input tokens."""

import base64

from playground.tokens import count_attachment_tokens
from tests.simulator.helpers import expected_input

IMAGE = bytes(range(256)) * 12  # 3,072 bytes
VIDEO = b"\0" * 250_000  # two seconds at the rule's 1 Mbit/s
DOCUMENT = b"%PDF-1.7 " + b"x" * 5_991  # 6,000 bytes


def data_url(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(payload).decode()


def attachment_tokens() -> int:
    return (
        count_attachment_tokens("image", len(IMAGE), detail="low")
        + count_attachment_tokens("video", len(VIDEO), fps=2)
        + count_attachment_tokens("document", len(DOCUMENT))
    )


def assert_acknowledged(answer: str) -> None:
    assert "an image of 3.0 KB (3,072 bytes), detail low" in answer
    assert "a video of 244.1 KB (250,000 bytes), sampled at 2 fps (4 frames)" in answer
    assert "a document “report.pdf” of 5.9 KB (6,000 bytes)" in answer


def test_chat_parts_are_acknowledged_and_counted(simulator):
    prompt = "What do these files show?"
    content = [
        {"type": "text", "text": prompt},
        {"type": "image_url", "image_url": {"url": data_url("image/png", IMAGE), "detail": "low"}},
        {"type": "video_url", "video_url": {"url": data_url("video/mp4", VIDEO), "fps": 2}},
        {
            "type": "file",
            "file": {"filename": "report.pdf", "file_data": data_url("application/pdf", DOCUMENT)},
        },
    ]
    reply = simulator.post(
        "chat", {"model": "seed-2-0-lite", "messages": [{"role": "user", "content": content}]}
    ).json()
    assert_acknowledged(reply["choices"][0]["message"]["content"])
    assert reply["usage"]["prompt_tokens"] == expected_input(
        prompt, attachment_tokens=attachment_tokens()
    )


def test_responses_parts_are_acknowledged_and_counted(simulator):
    prompt = "Describe the attachments."
    content = [
        {"type": "input_text", "text": prompt},
        {"type": "input_image", "image_url": data_url("image/png", IMAGE), "detail": "low"},
        {"type": "input_video", "video_url": data_url("video/mp4", VIDEO), "fps": 2},
        {
            "type": "input_file",
            "filename": "report.pdf",
            "file_data": data_url("application/pdf", DOCUMENT),
        },
    ]
    reply = simulator.post(
        "responses", {"model": "seed-2-0-lite", "input": [{"role": "user", "content": content}]}
    ).json()
    answer = reply["output"][-1]["content"][0]["text"]
    assert_acknowledged(answer)
    assert reply["usage"]["input_tokens"] == expected_input(
        prompt, attachment_tokens=attachment_tokens()
    )


def test_messages_blocks_are_acknowledged_and_counted(simulator):
    prompt = "Summarise this."
    source = {
        "type": "base64",
        "media_type": "application/pdf",
        "data": base64.b64encode(DOCUMENT).decode(),
    }
    content = [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/png",
                "data": base64.b64encode(IMAGE).decode(),
            },
        },
        {"type": "document", "title": "report.pdf", "source": source},
        {"type": "text", "text": prompt},
    ]
    reply = simulator.post(
        "messages",
        {
            "model": "seed-2-0-mini",
            "max_tokens": 2048,
            "messages": [{"role": "user", "content": content}],
        },
    ).json()
    answer = reply["content"][-1]["text"]
    assert "an image of 3.0 KB (3,072 bytes), detail high" in answer
    assert "a document “report.pdf” of 5.9 KB (6,000 bytes)" in answer
    tokens = count_attachment_tokens("image", 0) + count_attachment_tokens("document", 6000)
    assert reply["usage"]["input_tokens"] == expected_input(prompt, attachment_tokens=tokens)


def test_image_by_url_is_not_fetched_but_still_counted(simulator):
    content = [
        {"type": "text", "text": "What is in the picture?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    reply = simulator.post(
        "chat",
        {
            "model": "seed-2-0-mini",
            "image_detail": "xhigh",
            "messages": [{"role": "user", "content": content}],
        },
    ).json()
    assert (
        "an image given by reference (not fetched), detail xhigh"
        in reply["choices"][0]["message"]["content"]
    )
    assert reply["usage"]["prompt_tokens"] == expected_input(
        "What is in the picture?", attachment_tokens=2048
    )
