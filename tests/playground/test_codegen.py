import subprocess

import pytest

from playground.catalog import catalog_load
from playground.codegen import snippets
from playground.providers.types import Attachment, Turn, UpstreamRequest
from playground.runs.upstream import endpoint_for
from playground.runs.wire import recorded_call

CATALOG = catalog_load()
SECRET = "sk-live-canary-0123456789"


def request_for(ref, dialect, *, attachments=()):
    model = CATALOG.model(ref)
    base = CATALOG.provider_of(model).base_url or "http://127.0.0.1:8000/simulator/v1"
    endpoint = endpoint_for(model=model, dialect=dialect, base_url=base, api_key=SECRET)
    turns = (Turn(role="user", text='It\'s "quoted" and $HOME-safe', attachments=attachments),)
    return model, UpstreamRequest(
        endpoint=endpoint,
        model=model.id,
        turns=turns,
        system="Be brief",
        params={"max_tokens": 64, "enable_thinking": True},
    )


@pytest.mark.parametrize(
    ("ref", "dialect", "url", "header"),
    [
        (
            "simulator/seed-2-0-pro",
            "chat",
            "https://api.empiriolabs.ai/v1/chat/completions",
            "Authorization: Bearer $EMPIRIOLABS_API_KEY",
        ),
        (
            "empiriolabs/seed-2-0-lite",
            "responses",
            "https://api.empiriolabs.ai/v1/responses",
            "Authorization: Bearer $EMPIRIOLABS_API_KEY",
        ),
        (
            "simulator/bytedance-seed-seed-2.0-mini",
            "messages",
            "https://modelslab.com/api/v7/llm/v1/messages",
            "x-api-key: $MODELSLAB_API_KEY",
        ),
    ],
)
def test_view_code_targets_the_real_provider_and_reads_the_key_from_the_environment(
    ref, dialect, url, header
):
    model, request = request_for(ref, dialect)
    call = recorded_call(request=request, model=model)
    code = snippets(call)
    assert call["url"] == url
    assert header in code["curl"]
    for text in code.values():
        assert SECRET not in text
    compile(code["python"], "snippet.py", "exec")


def test_a_key_in_the_body_is_filled_from_the_environment_in_every_language():
    model, request = request_for("simulator/bytedance-seed-seed-2.0-mini", "chat")
    code = snippets(recorded_call(request=request, model=model))
    assert '"key": "\'"$MODELSLAB_API_KEY"\'"' in code["curl"]
    assert "body['key'] = os.environ['MODELSLAB_API_KEY']" in code["python"]
    assert 'body["key"] = process.env.MODELSLAB_API_KEY;' in code["javascript"]
    assert '"model_id": "bytedance-seed-seed-2.0-mini"' in code["curl"]


def test_curl_snippet_is_valid_shell_and_sends_the_exact_body():
    model, request = request_for("simulator/seed-2-0-mini", "chat")
    call = recorded_call(request=request, model=model)
    script = snippets(call)["curl"].replace("curl ", "printf '%s\\n' ", 1)
    result = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env={"EMPIRIOLABS_API_KEY": "k"},
        timeout=10,
    )
    assert result.returncode == 0, result.stderr
    assert 'It\'s \\"quoted\\" and $HOME-safe' in result.stdout  # single quotes kept it literal


def test_attachment_data_is_replaced_by_a_placeholder():
    image = Attachment(kind="image", mime="image/png", name="a.png", data=b"x" * 30_000)
    model, request = request_for("simulator/seed-2-0-mini", "chat", attachments=(image,))
    call = recorded_call(request=request, model=model)
    text = str(call["json"])
    assert "characters of base64 file data]" in text and len(text) < 3_000
