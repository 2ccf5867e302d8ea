"""A person on the live app (tests/live.py) as a browser is: a cookie, the session page and its
CSRF token, real websockets with the page's Origin, and what the server kept of the session."""

from __future__ import annotations

import html
import json
import re
import time

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.deploy.page import composer_message, socket_path

RUN_ID = re.compile(r'id="run-([0-9a-f]{8}-[0-9a-f-]{27})"')
FAST = "[[sim tps=4000 ttft=0]]"


def visible_text(frame: str) -> str:
    """What the page shows of a frame: its text without the markup, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", frame)).split())


class Visitor:
    def __init__(self, app):
        self.app = app
        self.http = httpx.Client(base_url=app.url, follow_redirects=True, timeout=30)
        self.page = self.http.get("/").text
        self.session_id = re.search(r'data-session="([^"]+)"', self.page).group(1)
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', self.page).group(1)
        self.pane = re.search(r'name="(p\d+)-model"', self.page).group(1)  # its field prefix
        self.sends = 0

    @property
    def ws_url(self) -> str:
        return self.app.url.replace("http", "ws", 1)

    def post(self, path: str, data=None, **kwargs) -> httpx.Response:
        headers = {"X-CSRFToken": self.csrf} | kwargs.pop("headers", {})
        return self.http.post(path, data=data, headers=headers, **kwargs)

    def socket(self, *, path: str | None = None, origin: str | None = "") -> ClientConnection:
        """The page's socket; `origin=""` sends the page's own Origin, None sends none."""
        headers = {"Cookie": f"sessionid={self.http.cookies['sessionid']}"}
        return connect(
            self.ws_url + (path or socket_path(self.page)),
            origin=self.app.url if origin == "" else origin,
            additional_headers=headers,
            open_timeout=15,
            max_size=None,
        )

    def send_fields(self, **fields) -> str:
        """The composer's message as the page sends it, with `fields` changed or added."""
        message = json.loads(composer_message(self.page, prompt=self.prompt()))
        return json.dumps(message | fields)

    def prompt(self) -> str:
        self.sends += 1
        return f"Good send number {self.sends} {FAST}"

    def run(self, socket: ClientConnection, message: str | None = None) -> str:
        """A send on this socket streamed to its end; the run's id (it must end done)."""
        socket.send(message or self.send_fields())
        run_id, deadline = None, time.monotonic() + 30
        while True:
            frame = socket.recv(timeout=max(deadline - time.monotonic(), 0.1))
            if run_id is None:
                found = RUN_ID.search(frame)
                assert found, f"the send was refused: {visible_text(frame)}"
                run_id = found.group(1)
            if f'id="run-{run_id}" class="run status-' in frame and "data-run-final" in frame:
                assert f'id="run-{run_id}" class="run status-done"' in frame, visible_text(frame)
                return run_id

    def saved_runs(self) -> list[dict]:
        """Every run the session keeps (its JSON export): prompt, answer, usage, status."""
        export = self.http.get(f"/sessions/{self.session_id}/export.json")
        assert export.status_code == 200
        return export.json()["runs"]
