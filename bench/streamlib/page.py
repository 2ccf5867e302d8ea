"""The HTTP side of one browser tab: its cookies, the session page it shows, and the message
htmx's ws-send builds from the composer and every pane's settings form (hx-include)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

WS_PATH = re.compile(r'ws-connect="([^"]+)"')
PANE_FIELD = re.compile(r"^(p\d+)-model$")
SKIPPED_INPUTS = {"file", "submit", "button", "image", "reset"}


class FormFields(HTMLParser):
    """The successful controls of the composer and the pane settings forms, in document order,
    as a browser serialises them: unchecked boxes and disabled controls left out."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_form = a.get("id") == "composer" or "pane-settings-form" in a.get("class", "")
        elif self.in_form and "disabled" not in a:
            handler = getattr(self, f"_start_{tag}", None)
            if handler is not None and ("name" in a or tag == "option"):
                handler(a)

    def _start_input(self, a: dict) -> None:
        kind = a.get("type", "text")
        if kind in SKIPPED_INPUTS or kind in ("checkbox", "radio") and "checked" not in a:
            return
        self.pairs.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))

    def _start_select(self, a: dict) -> None:
        self.select = (a["name"], [])

    def _start_option(self, a: dict) -> None:
        if self.select is not None:
            self.select[1].append((a.get("value", ""), "selected" in a))

    def _start_textarea(self, a: dict) -> None:
        self.textarea = (a["name"], [])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [value for value, selected in options if selected] or [v for v, _ in options]
            if chosen:
                self.pairs.append((name, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.pairs.append((self.textarea[0], "".join(self.textarea[1]).removeprefix("\n")))
            self.textarea = None


def form_values(html: str) -> dict:
    """Name → value, or a list of values for a repeated name (as htmx's ws-send does)."""
    parser = FormFields()
    parser.feed(html)
    values: dict = {}
    for name, value in parser.pairs:
        if name in values:
            previous = values[name]
            values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[name] = value
    return values


class Page:
    """One tab. Pages share a transport (no TLS set-up per tab) but each keeps its own cookies."""

    def __init__(self, *, base_url: str, transport: httpx.AsyncBaseTransport):
        self.base_url = base_url
        self.client = httpx.AsyncClient(transport=transport, trust_env=False, timeout=60)
        self.url = ""
        self.html = ""

    async def open(self, path: str = "/") -> Page:
        """GET like a browser, following redirects (/ goes to the session used last)."""
        response = await self.client.get(urljoin(self.base_url, path), follow_redirects=True)
        response.raise_for_status()
        self.url, self.html = str(response.url), response.text
        return self

    async def new_session(self) -> Page:
        """The "New session" button: a POST with the page's CSRF token, then its redirect."""
        data = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        headers = {"Referer": self.url, "Origin": self.base_url}
        url = urljoin(self.base_url, "/sessions/new/")
        response = await self.client.post(url, data=data, headers=headers, follow_redirects=True)
        response.raise_for_status()
        self.url, self.html = str(response.url), response.text
        return self

    @property
    def ws_path(self) -> str:
        found = WS_PATH.search(self.html)
        if found is None:
            raise RuntimeError(f"{self.url} has no ws-connect: not a session page")
        return found.group(1)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.client.cookies.items())

    def send_message(self, *, prompt: str, tokens: int) -> str:
        """The composer's ws-send with this prompt, every pane at `tokens` max output tokens and
        thinking switched off (an unchecked box is not sent)."""
        values = form_values(self.html) | {"prompt": prompt}
        for prefix in (m.group(1) for name in list(values) if (m := PANE_FIELD.match(name))):
            values[f"{prefix}-max_tokens"] = str(tokens)
            values.pop(f"{prefix}-enable_thinking", None)
        headers = {
            "HX-Request": "true",
            "HX-Trigger": "composer",
            "HX-Trigger-Name": None,
            "HX-Target": "main",
            "HX-Current-URL": self.url,
        }
        return json.dumps(values | {"HEADERS": headers})
