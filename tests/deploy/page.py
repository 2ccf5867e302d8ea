"""What the browser does with the page: read the socket's URL and serialise the composer form
into the websocket message htmx's ws-send would send (so the test does not restate its fields)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser


def socket_path(html: str) -> str:
    return re.search(r'ws-connect="([^"]+)"', html).group(1)


class ComposerForm(HTMLParser):
    """The successful controls of <form id="composer">, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.values = False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == "composer"
        if not self.inside or "disabled" in attrs:
            return
        if tag == "input":
            self.input(attrs)
        elif tag == "select":
            self.select = attrs.get("name")
        elif (
            tag == "option"
            and self.select
            and ("selected" in attrs or self.select not in self.values)
        ):
            self.values[self.select] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""

    def input(self, attrs):
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if not name or kind in {"file", "submit", "button"}:
            return
        if kind in {"checkbox", "radio"}:
            if "checked" in attrs:
                self.values[name] = attrs.get("value", "on")
            return
        self.values[name] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def composer_message(html: str, *, prompt: str) -> str:
    form = ComposerForm()
    form.feed(html)
    prompt_field = next(name for name in form.values if name.endswith("prompt"))
    return json.dumps(form.values | {prompt_field: prompt, "HEADERS": {"HX-Request": "true"}})
