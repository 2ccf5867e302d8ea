""" "View code": curl, Python (httpx) and JavaScript (fetch) that reproduce a run's exact request.

The stored call already has the key replaced by `$ENV_NAME` (see runs.wire.recorded_call); each
snippet reads that variable from the environment, so no key ever appears in a page.
"""

from __future__ import annotations

import json
import pprint
import re
from dataclasses import dataclass

from django.utils.safestring import SafeString

from .rendering import highlight_code

_ENV = re.compile(r"\$([A-Z][A-Z0-9_]*)")


def _env_names(text: str) -> list[str]:
    return sorted(set(_ENV.findall(text)))


LANGUAGES = (
    ("curl", "curl", "bash"),
    ("python", "Python", "python"),
    ("javascript", "JavaScript", "javascript"),
)


@dataclass(frozen=True)
class Snippet:
    name: str
    label: str
    text: str
    html: SafeString  # Pygments-highlighted, escaped


def highlighted_snippets(call: dict) -> list[Snippet]:
    texts = snippets(call)
    return [
        Snippet(name=name, label=label, text=texts[name], html=highlight_code(texts[name], lexer))
        for name, label, lexer in LANGUAGES
        if name in texts
    ]


def snippets(call: dict) -> dict[str, str]:
    if not call:
        return {}
    return {
        "curl": curl_snippet(call),
        "python": python_snippet(call),
        "javascript": javascript_snippet(call),
    }


def curl_snippet(call: dict) -> str:
    body = json.dumps(call["json"], indent=2, ensure_ascii=False).replace("'", "'\\''")
    for name in _env_names(body):  # a body key: step out of the single quotes to expand it
        body = body.replace(f'"${name}"', f'"\'"${name}"\'"')
    lines = [f"curl {'-N ' if call['json'].get('stream') else ''}{call['url']} \\"]
    lines += [f'  -H "{name}: {value}" \\' for name, value in call["headers"].items()]
    lines.append(f"  -d '{body}'")
    return "\n".join(lines)


def _python_value(value: str) -> str:
    names = _env_names(value)
    if not names:
        return repr(value)
    return "f" + repr(_ENV.sub(lambda m: "{os.environ['" + m.group(1) + "']}", value))


def python_snippet(call: dict) -> str:
    body = dict(call["json"])
    key_fields = [k for k, v in body.items() if isinstance(v, str) and _ENV.fullmatch(v)]
    headers = ",\n".join(
        f"    {name!r}: {_python_value(value)}" for name, value in call["headers"].items()
    )
    lines = [
        "import os",
        "",
        "import httpx",
        "",
        f"url = {call['url']!r}",
        "headers = {\n" + headers + ",\n}",
        "body = " + pprint.pformat(body, width=88, sort_dicts=False),
    ]
    lines += [f"body[{k!r}] = os.environ[{_ENV.fullmatch(body[k]).group(1)!r}]" for k in key_fields]
    if body.get("stream"):
        lines += [
            "",
            "with httpx.stream('POST', url, headers=headers, json=body, timeout=600) as r:",
            "    r.raise_for_status()",
            "    for line in r.iter_lines():",
            "        print(line)",
        ]
    else:
        lines += [
            "",
            "r = httpx.post(url, headers=headers, json=body, timeout=600)",
            "print(r.json())",
        ]
    return "\n".join(lines)


def _js_value(value: str) -> str:
    if not _env_names(value):
        return json.dumps(value)
    escaped = value.replace("`", "\\`")
    return "`" + _ENV.sub(lambda m: "${process.env." + m.group(1) + "}", escaped) + "`"


def javascript_snippet(call: dict) -> str:
    body = call["json"]
    key_fields = [k for k, v in body.items() if isinstance(v, str) and _ENV.fullmatch(v)]
    headers = ",\n".join(
        f"    {json.dumps(name)}: {_js_value(value)}" for name, value in call["headers"].items()
    )
    lines = [f"const body = {json.dumps(body, indent=2, ensure_ascii=False)};"]
    lines += [
        f"body[{json.dumps(k)}] = process.env.{_ENV.fullmatch(body[k]).group(1)};"
        for k in key_fields
    ]
    lines += [
        f"const response = await fetch({json.dumps(call['url'])}, {{",
        '  method: "POST",',
        "  headers: {",
        headers,
        "  },",
        "  body: JSON.stringify(body),",
        "});",
    ]
    if body.get("stream"):
        lines += [
            "const reader = response.body.getReader();",
            "const decoder = new TextDecoder();",
            "for (;;) {",
            "  const { done, value } = await reader.read();",
            "  if (done) break;",
            "  process.stdout.write(decoder.decode(value, { stream: true }));",
            "}",
        ]
    else:
        lines.append("console.log(await response.json());")
    return "\n".join(lines)
