"""The log filter sits on every handler settings.LOGGING makes (the console, PLAYGROUND_LOG_FILE,
Django's own loggers pointed at them): a process configured exactly as the server is writes no
key to its output or its log file, whatever logger, message argument or traceback holds it
(SK-5, SK-8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from playground.providers.redact import REDACTED
from playground.simulator.echo import masked_forms

ROOT = Path(__file__).resolve().parents[2]
SERVER_KEY = "sk-server-Log4Canary8Zq2Wx6Rt0Yb"
USER_KEY = "user-stored-Log9Canary3Km7Pd1Vn5"  # no known shape: only the run's scope names it
SCRIPT = f"""
import logging
import django

django.setup()
from playground.redaction import context_with_secrets

masked = ", ".join({masked_forms(SERVER_KEY)!r})
logging.getLogger("anything.at.all").warning("provider said: %s", "bad key {SERVER_KEY}; " + masked)
headers = "{{'authorization': 'Bearer opaque-0123456789abcdef'}}"
logging.getLogger("django.request").warning("headers=%s", headers)
try:
    raise ValueError("upstream echoed {SERVER_KEY[2:-2]}")
except ValueError:
    logging.getLogger("playground.runs.executor").exception("run failed unexpectedly")
in_run = context_with_secrets(["{USER_KEY}"])
in_run.run(logging.getLogger("httpx").warning, "the run's own key: %s", "{USER_KEY}")
unfiltered = [
    f"{{name}}: {{type(handler).__name__}}"
    for name, logger in [("root", logging.root), *logging.root.manager.loggerDict.items()]
    for handler in getattr(logger, "handlers", [])
    if not any(type(f).__name__ == "RedactSecrets" for f in handler.filters)
]
print("UNFILTERED", unfiltered)
"""


def forms(key: str) -> set[str]:
    return {key, key[2:-2], *masked_forms(key), *(key[i : i + 8] for i in range(len(key) - 7))}


def test_no_handler_of_the_server_configuration_writes_a_key(tmp_path):
    log_file = tmp_path / "playground.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "playground.settings",
        "PLAYGROUND_LOG_FILE": str(log_file),
        "EMPIRIOLABS_API_KEY": SERVER_KEY,
        "LOG_LEVEL": "DEBUG",
    }
    command = [sys.executable, "-c", SCRIPT]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "UNFILTERED []" in done.stdout
    for output in (done.stderr, log_file.read_text()):
        assert "provider said" in output and "ValueError" in output and "own key" in output
        assert output.count(REDACTED) >= 7, output
        leaked = [form for key in (SERVER_KEY, USER_KEY) for form in forms(key) if form in output]
        assert not leaked and "0123456789abcdef" not in output, leaked
