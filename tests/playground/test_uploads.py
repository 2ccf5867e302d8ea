"""Uploads and attachments within bounds, over real HTTP and the page's websocket against a real
daphne (issue #12, item 2): oversized bodies are refused at once with the limit named, per kind,
from the declared length and while they stream in; a send's attachments are counted once and
held to a count and a total size; the prompt and the socket survive every refusal."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import threading
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.deploy.page import composer_message, socket_path
from tests.live import LiveApp

MIB = 1024 * 1024
ATTACHMENT_ID = re.compile(r'name="attachment" value="([0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = LiveApp(
        tmp_path_factory.mktemp("uploads"),
        PLAYGROUND_MAX_ATTACHMENTS_PER_SEND="3",
        PLAYGROUND_MAX_SEND_ATTACHMENT_BYTES=str(3 * MIB),
    ).start()
    yield app
    app.stop()


class Tab:
    """One browser tab on its session page: cookies, CSRF token, the composer and its socket."""

    def __init__(self, app: LiveApp):
        self.app = app
        self.client = httpx.Client(base_url=app.url, follow_redirects=True, timeout=120)
        self.page = self.client.get("/").text
        self.cookie, self.csrf = self.client.cookies["sessionid"], self.client.cookies["csrftoken"]

    def upload(self, name: str, mime: str, data, kind: str | None = None) -> httpx.Response:
        headers = {"X-CSRFToken": self.csrf, "HX-Request": "true"}
        if kind:
            headers["X-Upload-Kind"] = kind
        files = {"file": (name, data, mime)}
        return self.client.post("/attachments/", files=files, headers=headers)

    def attach(self, name: str, mime: str, size: int) -> str:
        answer = self.upload(name, mime, os.urandom(size))
        assert answer.status_code == 200, answer.text
        return ATTACHMENT_ID.search(answer.text).group(1)

    def socket(self):
        url = self.app.url.replace("http", "ws", 1) + socket_path(self.page)
        headers = {"Cookie": f"sessionid={self.cookie}"}
        return connect(url, origin=self.app.url, additional_headers=headers)

    def send(self, sock, prompt: str, attachments: list[str]) -> str:
        message = json.loads(composer_message(self.page, prompt=prompt))
        sock.send(json.dumps(message | {"attachment": attachments}))
        return sock.recv(timeout=60)


def attachments_stored(app: LiveApp) -> int:
    with sqlite3.connect(app.env["SQLITE_PATH"]) as db:
        return db.execute("SELECT COUNT(*) FROM playground_attachment").fetchone()[0]


def declared_only(app: LiveApp, tab: Tab, *, length: int, kind: str | None) -> bytes:
    """Send only the head of an upload declaring `length` bytes; whatever answers before any
    of the body is sent."""
    head = (
        f"POST /attachments/ HTTP/1.1\r\nHost: 127.0.0.1:{app.port}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n"
        f"Cookie: sessionid={tab.cookie}; csrftoken={tab.csrf}\r\nX-CSRFToken: {tab.csrf}\r\n"
        + (f"X-Upload-Kind: {kind}\r\n" if kind else "")
        + "Expect: 100-continue\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", app.port), timeout=10) as sock:
        sock.sendall(head.encode())
        return sock.recv(65536)


@pytest.mark.parametrize(
    ("size", "kind", "message"),
    [
        (60 * MIB, None, "This upload is 60 MB; attachments can be at most 50 MB"),
        (60 * MIB, "video", "This upload is 60 MB; videos can be at most 50 MB"),
        (12 * MIB, "image", "This upload is 12 MB; images can be at most 10 MB"),
    ],
)
def test_an_upload_declared_over_its_limit_is_answered_413_before_its_body_is_sent(
    app, size, kind, message
):
    before = attachments_stored(app)
    answer = declared_only(app, Tab(app), length=size, kind=kind).decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert "100 Continue" not in answer  # the client is told not to send the body at all
    assert answer.endswith(message + f" (PLAYGROUND_MAX_{(kind or 'video').upper()}_BYTES).")
    assert attachments_stored(app) == before


def test_a_60_mib_video_is_refused_naming_the_video_limit(app):
    answer = Tab(app).upload("holiday.mp4", "video/mp4", os.urandom(60 * MIB), kind="video")
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/plain")
    assert "videos can be at most 50 MB (PLAYGROUND_MAX_VIDEO_BYTES)." in answer.text


def test_an_image_over_its_limit_is_refused_naming_the_file_without_a_kind_hint(app):
    answer = Tab(app).upload("photo.png", "image/png", os.urandom(11 * MIB))
    assert answer.status_code == 413
    assert answer.text.startswith("photo.png is 11.0 MB; images can be at most 10 MB")


def pieces(total: int, size: int = 256 * 1024):
    """A body with no Content-Length (sent chunked): only its running total can be checked."""
    sent = 0
    while sent < total:
        yield os.urandom(min(size, total - sent))
        sent += size


def test_a_file_just_over_its_kind_limit_is_stopped_while_it_streams_in(app):
    """Declared within the body's margin for the multipart envelope, the file itself is over:
    the upload handler stops it as the running total passes the image limit."""
    answer = Tab(app).upload("big.png", "image/png", os.urandom(10 * MIB + 16 * 1024))
    assert answer.status_code == 413
    assert answer.text == (
        "big.png is over 10 MB; images can be at most 10 MB (PLAYGROUND_MAX_IMAGE_BYTES)."
    )


def test_a_body_streamed_without_a_length_past_every_limit_is_cut_off(app):
    tab = Tab(app)
    answer = tab.client.post(
        "/attachments/",
        content=pieces(60 * MIB),
        headers={"Content-Type": "multipart/form-data; boundary=x", "X-CSRFToken": tab.csrf},
    )
    assert answer.status_code == 413
    assert "attachments can be at most 50 MB (PLAYGROUND_MAX_VIDEO_BYTES)." in answer.text


def test_other_routes_refuse_bodies_over_the_form_limit_before_reading_them(app):
    tab = Tab(app)
    session_id = re.search(r"/sessions/([0-9a-f-]{36})/", tab.page).group(1)
    answer = tab.client.post(
        f"/sessions/{session_id}/estimate/",
        content=b"prompt=" + b"a" * (3 * MIB),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": tab.csrf},
    )
    assert answer.status_code == 413
    assert "requests can be at most 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE)." in answer.text


def test_a_video_over_the_image_limit_but_within_its_own_is_stored_and_served(app):
    tab = Tab(app)
    data = os.urandom(12 * MIB)
    answer = tab.upload("clip.mp4", "video/mp4", data, kind="video")
    assert answer.status_code == 200 and "clip.mp4 · video" in answer.text
    served = tab.client.get(f"/attachments/{ATTACHMENT_ID.search(answer.text).group(1)}/")
    assert served.content == data


def test_the_event_loop_keeps_answering_while_a_45_mib_video_uploads(app):
    """Before: Twisted parsed the multipart body on the event loop (15 s without an answer)."""
    tab, latencies, done = Tab(app), [], threading.Event()

    def probe():
        with httpx.Client(timeout=60) as client:
            while not done.is_set():
                started = time.perf_counter()
                client.get(app.url + "/simulator/v1/models")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        answer = tab.upload("long.mp4", "video/mp4", os.urandom(45 * MIB), kind="video")
    finally:
        done.set()
        prober.join()
    assert answer.status_code == 200
    assert len(latencies) > 10 and max(latencies) < 2.0, max(latencies)


def test_a_send_naming_one_attachment_many_times_sends_it_once(app):
    """300 names are refused by the message checks (at most 100 items in a list, named in the
    error); the most a message may carry, 100, go upstream as one attachment."""
    tab = Tab(app)
    image = tab.attach("photo.png", "image/png", MIB)
    with tab.socket() as sock:
        refused = tab.send(sock, "What is in it? [[sim ttft=0]]", [image] * 300)
        assert "has 300 items; at most 100" in refused and 'id="composer-reset"' not in refused
        first = tab.send(sock, "What is in it? [[sim ttft=0]]", [image] * 99 + [image.upper()])
        assert 'id="composer-reset"' in first
        while "data-run-final" not in (frame := sock.recv(timeout=60)):
            pass
    assert "status-done" in frame
    assert re.search(r"\b1 attachment\b", frame) and "100 attachments" not in frame


def test_a_send_over_the_attachment_count_is_refused_naming_the_cap_and_keeps_the_socket(app):
    tab = Tab(app)
    notes = [tab.attach(f"note{i}.txt", "text/plain", 100) for i in range(4)]
    with tab.socket() as sock:
        refused = tab.send(sock, "Summarise these [[sim ttft=0]]", notes)
        assert 'id="composer-reset"' not in refused  # the page keeps the prompt
        assert (
            "4 attachments in one send; at most 3 are allowed "
            "(PLAYGROUND_MAX_ATTACHMENTS_PER_SEND). Remove some and send again." in refused
        )
        accepted = tab.send(sock, "Summarise these [[sim ttft=0]]", notes[:3])
        assert 'id="composer-reset"' in accepted


def test_a_send_over_the_total_attachment_size_is_refused_naming_the_cap(app):
    tab = Tab(app)
    images = [tab.attach(f"scan{i}.png", "image/png", 2 * MIB) for i in range(2)]
    with tab.socket() as sock:
        refused = tab.send(sock, "Compare the scans", images)
        assert 'id="composer-reset"' not in refused
        assert (
            "The attachments add up to 4 MB; one send can carry at most 3 MB "
            "(PLAYGROUND_MAX_SEND_ATTACHMENT_BYTES)." in refused
        )
        assert 'id="composer-reset"' in tab.send(sock, "Compare the scans", images[:1])
