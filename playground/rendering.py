"""Model output to safe HTML: markdown-it-py (raw HTML off) -> Pygments for code -> nh3 last.

Order matters (CVE-2026-44568 was the wrong order): render first, sanitise the final HTML, and
only the sanitised string is ever marked safe. Images are never loaded: `![alt](url)` becomes a
plain link, so a prompt injection cannot exfiltrate data through an image request.
"""

from __future__ import annotations

import html

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

MAX_MARKDOWN_CHARS = 400_000
ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "span",
    "div",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


def _highlight(code: str, language: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(language.strip().split()[0]) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes it itself
    return highlight(code, lexer, _FORMATTER)


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    token = tokens[idx]
    alt = html.escape(token.content or "image")
    src = html.escape(token.attrGet("src") or "", quote=True)
    return f'<a href="{src}">[image: {alt}]</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"highlight": _highlight}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    return md


_MARKDOWN = _parser()


def sanitize(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """The one function templates use for model output."""
    if len(text) > MAX_MARKDOWN_CHARS:  # too big to parse quickly: show it as escaped text
        return mark_safe(f"<pre>{html.escape(text)}</pre>")  # noqa: S308 - escaped above
    return mark_safe(sanitize(_MARKDOWN.render(text)))  # noqa: S308 - nh3 output


def highlight_code(code: str, language: str) -> SafeString:
    """Code we generated (View code), highlighted; Pygments escapes it and nh3 checks it."""
    return mark_safe(sanitize(highlight(code, get_lexer_by_name(language), _FORMATTER)))  # noqa: S308
