import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from playground.catalog import CatalogError, catalog_load

ROOT = Path(__file__).resolve().parents[2]

OLLAMA = """
[[providers]]
id = "ollama"
name = "Local Ollama"
base_url = "http://127.0.0.1:11434/v1"

[providers.dialects.chat]
path = "/chat/completions"
auth = "none"

[[models]]
id = "qwen3:8b"
provider = "ollama"
name = "Qwen3 8B (local)"
context_window = 32768
max_output_tokens = 8192
param_set = "empiriolabs_seed2"

[models.pricing]
tiers = [{ input = "0", output = "0" }]

[[models]]
id = "seed-2-0-pro"
provider = "empiriolabs"
name = "Seed 2.0 Pro (our negotiated rate)"

[models.pricing]
tiers = [
  { max_input_tokens = 128000, input = "0.50", output = "3.00" },
  { input = "1.00", output = "6.00" },
]
"""


def write(tmp_path, text):
    path = tmp_path / "catalog.toml"
    path.write_text(text)
    return path


def run_manage(*args, catalog_path):
    env = dict(os.environ, PLAYGROUND_CATALOG=str(catalog_path))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_user_catalog_adds_a_provider_and_overrides_a_model(tmp_path):
    catalog = catalog_load(extra_path=write(tmp_path, OLLAMA))
    local = catalog.model("ollama/qwen3:8b")
    assert local.dialects == ("chat",) and local.context_window == 32768
    pro = catalog.model("empiriolabs/seed-2-0-pro")
    assert pro.name == "Seed 2.0 Pro (our negotiated rate)"
    assert str(pro.pricing.tiers[0].input) == "0.50"
    assert pro.description.startswith("Flagship")  # fields not named are kept
    assert catalog.is_available(catalog.providers["ollama"], environ={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[models]]\nid = "x"\nprovider = "nobody"\nname = "X"\n',
            "model 'x' of provider 'nobody', field 'provider': unknown provider 'nobody'",
        ),
        (
            OLLAMA.replace("context_window = 32768", 'context_window = "big"'),
            "model 'qwen3:8b' of provider 'ollama', field 'context_window': must be an integer",
        ),
        (
            OLLAMA.replace('input = "0", output', 'input = "free", output'),
            "pricing tier 1, field 'input': must be a decimal price",
        ),
        (
            OLLAMA.replace(
                'path = "/chat/completions"\nauth = "none"', 'path = "/chat"\nauth = "magic"'
            ),
            "provider 'ollama' dialect 'chat', field 'auth': must be one of bearer",
        ),
        ("[[providers]\nid=1", "not valid TOML"),
    ],
)
def test_broken_user_catalog_names_file_entry_and_field(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as error:
        catalog_load(extra_path=path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_broken_catalog_stops_startup_with_one_message_and_no_traceback(tmp_path):
    path = write(tmp_path, OLLAMA.replace("max_output_tokens = 8192", "max_output_tokens = -5"))
    result = run_manage("catalog", catalog_path=path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"Catalog error: {path}: model 'qwen3:8b' of provider 'ollama', field "
        "'max_output_tokens': must be a positive number of tokens"
    )


def test_catalog_command_prints_a_table(tmp_path):
    result = run_manage("catalog", catalog_path=write(tmp_path, OLLAMA))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "PROVIDER",
        "MODEL",
        "CONTEXT",
        "MAX",
        "OUT",
        "INPUT",
        "$/1M",
        "OUTPUT",
        "$/1M",
        "DIALECTS",
    ]
    assert any(line.split()[:2] == ["ollama", "qwen3:8b"] for line in lines)
    assert any(
        line.split()[:5] == ["empiriolabs", "seed-2-0-mini", "256,000", "128,000", "0.12"]
        for line in lines
    )


def test_catalog_json_has_the_documented_shape(tmp_path):
    result = run_manage("catalog", "--json", catalog_path=write(tmp_path, OLLAMA))
    data = json.loads(result.stdout)
    provider = next(p for p in data["providers"] if p["id"] == "empiriolabs")
    assert {"id", "name", "base_url", "dialects", "auth"} <= set(provider)
    assert provider["dialects"] == ["chat", "responses", "messages"]
    model = next(
        m for m in data["models"] if (m["provider"], m["id"]) == ("empiriolabs", "seed-2-0-mini")
    )
    assert model["inputs"] == ["text", "image", "video", "document"]
    assert model["pricing"]["tiers"] == [
        {"max_input_tokens": 128000, "input": "0.12", "output": "0.50", "cached_input": None},
        {"max_input_tokens": None, "input": "0.24", "output": "1.00", "cached_input": None},
    ]
    assert (model["pricing"]["currency"], model["pricing"]["unit_tokens"]) == ("USD", 1000000)
    params = {p["name"]: p for p in model["params"]}
    assert params["temperature"]["fixed"] == 1 and params["max_tokens"]["fixed"] is None
    assert {k: params["max_tokens"][k] for k in ("type", "default", "min", "max", "choices")} == {
        "type": "integer",
        "default": 4096,
        "min": 1,
        "max": 65536,
        "choices": None,
    }
    assert params["reasoning_effort"]["choices"] == ["low", "medium", "high"]


def test_no_key_value_ever_appears_in_the_json(tmp_path, monkeypatch):
    env = dict(
        os.environ,
        PLAYGROUND_CATALOG=str(write(tmp_path, OLLAMA)),
        EMPIRIOLABS_API_KEY="sk-canary-123456",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "catalog", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "sk-canary-123456" not in result.stdout
    assert "EMPIRIOLABS_API_KEY" in result.stdout
