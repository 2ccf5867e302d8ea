"""A logging filter that masks credentials in any record: a second line of defence behind the
rule that no code logs a key (SK-8). Authorization headers, x-api-key / api-key values, "key"
JSON fields and common key shapes (sk-…, Fernet tokens) become [redacted]."""

from __future__ import annotations

import logging
import re

PATTERNS = (
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic)\s+)[^\s\"',;]+"),
    re.compile(r"(?i)((?:x-)?api[-_]key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+"),
    re.compile(r"(?i)([\"']key[\"']\s*:\s*[\"'])[^\"']+"),
    re.compile(r"()\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"()\bgAAAAA[A-Za-z0-9_\-=]{40,}"),  # a Fernet token: an encrypted key
)


def redact(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            if redact(formatted) != formatted:
                record.exc_info, record.exc_text = None, redact(formatted)
        return True
