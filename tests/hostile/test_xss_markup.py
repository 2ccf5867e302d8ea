"""The public XSS corpus (corpus/, 286 payloads) through the server-side renderers, without a
browser: Markdown in the contexts a model writes (reliability-security.md MD-2, MD-3), View code's
highlighting, and the streaming delta fragment. The browser suite (tests/browser/
test_xss_corpus.py) shows the same payloads in the page."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from playground.codegen import highlighted_snippets
from playground.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from playground.runs.frames import appended_text
from tests.hostile.payloads import xss_payloads

PAYLOADS = xss_payloads()
CONTEXTS = {
    "paragraph": "{p}",
    "list item": "- {p}",
    "table cell": "| a |\n|---|\n| {p} |",
    "link text": "[{p}](https://ok.example)",
    "link title": '[x](https://ok.example "{p}")',
    "link target": "[x]({p})",
    "image alt": "![{p}](https://ok.example/i.png)",
    "image source": "![x]({p})",
    "blockquote": "> {p}",
    "heading": "# {p}",
    "after a fenced block": "```\ncode\n```\n{p}",
    "inline code": "`{p}`",
    "fence with a hostile language": '```html"><script>\n{p}\n```',
}
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class Markup(HTMLParser):
    """Every tag and attribute of a fragment, and its text as a browser would show it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def problems(html: str, *, tags: set[str], attributes: dict[str, set[str]]) -> list[str]:
    found = []
    for tag, attrs in Markup(html).tags:
        if tag not in tags:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name not in attributes.get(tag, set()):
                found.append(f"<{tag} {name}>")
            if name == "href" and urlsplit(value or "").scheme.lower() not in SAFE_SCHEMES:
                found.append(f"<{tag} href={value}>")
    return found


def markdown_problems(html: str) -> list[str]:
    allowed = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
    allowed["a"] = allowed["a"] | {"rel"}  # nh3 adds rel="noopener noreferrer nofollow"
    return problems(html, tags=ALLOWED_TAGS, attributes=allowed)


def test_the_corpus_is_the_public_one_whole():
    assert len(PAYLOADS) == len(set(PAYLOADS)) == 286
    assert "<svg\x0conload=alert(1)>" in PAYLOADS  # the form feed survived reading


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_every_payload_renders_inert_in_every_markdown_context(context):
    failures = {}
    for payload in PAYLOADS:
        html = str(render_markdown(context.replace("{p}", payload)))
        if found := markdown_problems(html):
            failures[payload] = found
    assert failures == {}


def test_every_payload_renders_inert_when_a_whole_answer_holds_them_all():
    assert markdown_problems(str(render_markdown("\n\n".join(PAYLOADS)))) == []
    assert markdown_problems(str(render_markdown("\n".join(PAYLOADS)))) == []


def test_a_fenced_code_block_shows_every_payload_as_its_own_text():
    for payload in PAYLOADS:
        html = str(render_markdown(f"~~~~\n{payload}\n~~~~"))
        assert Markup(html).text == f"{payload}\n\n", payload  # the block, then the line after


def test_view_code_shows_every_payload_as_text_in_highlighted_spans():
    call = {
        "url": "https://api.example/v1/chat/completions",
        "headers": {"Authorization": "Bearer $EMPIRIOLABS_API_KEY"},
        "json": {
            "model": "seed-2-0-mini",
            "messages": [
                {"role": "system", "content": "\n".join(PAYLOADS)},
                {"role": "user", "content": "\n\n".join(PAYLOADS)},
            ],
            "stream": True,
        },
    }
    for snippet in highlighted_snippets(call):
        html = str(snippet.html)
        assert problems(html, tags={"span"}, attributes={"span": {"class"}}) == []
        assert Markup(html).text == f"{snippet.text}\n"


def test_a_streamed_piece_of_every_payload_is_text_in_its_one_span():
    for payload in PAYLOADS:
        fragment = Markup(appended_text(run_id="r1", part="answer", piece=payload))
        assert fragment.tags == [("span", {"id": "run-r1-answer", "hx-swap-oob": "beforeend"})]
        assert fragment.text == payload


def test_the_checks_flag_what_an_unsafe_renderer_would_output():
    assert markdown_problems('<p><img src="x" onerror="alert(1)"></p>') == [
        "<img>",
        "<img src>",
        "<img onerror>",
    ]
    assert markdown_problems('<a href="javascript:alert(1)">x</a>') == [
        "<a href=javascript:alert(1)>"
    ]
    assert markdown_problems('<div hx-get="/x" hx-trigger="load">x</div>') == [
        "<div hx-get>",
        "<div hx-trigger>",
    ]
