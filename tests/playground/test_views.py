import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from playground.models import Attachment, Pane, PlaygroundSession

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_index_creates_a_session_with_the_simulator_as_default_model(client):
    response = client.get("/")
    assert response.status_code == 200
    session = PlaygroundSession.objects.get()
    assert session.panes.get().model_ref == "simulator/seed-2-0-mini"
    html = response.content.decode()
    assert f'ws-connect="/ws/sessions/{session.id}/"' in html
    assert 'value="simulator/seed-2-0-mini" selected' in html


def test_page_labels_every_control(client):
    html = client.get("/").content.decode()
    for label in (
        "Model",
        "API dialect",
        "System prompt",
        "Prompt",
        "max_tokens",
        "enable_thinking",
        "reasoning_effort",
        "temperature",
    ):
        assert re.search(rf"<label[^>]*>\s*(<input[^>]*>)?(<span>)?{label}\b", html), label
    assert ">Send</button>" in html


def test_model_picker_is_grouped_by_provider_with_price_context_and_inputs(client):
    html = client.get("/").content.decode()
    assert (
        '<optgroup label="EmpirioLabs">' in html
        and '<optgroup label="Simulator (simulated)">' in html
    )
    assert (
        "Seed 2.0 Pro — $0.63 in / $3.79 out per 1M · 256K ctx · text, image, video, "
        "document · set EMPIRIOLABS_API_KEY"
    ) in html


def test_real_models_are_selectable_once_their_key_is_set(client, monkeypatch):
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", "sk-secret-canary")
    html = client.get("/").content.decode()
    assert '<option value="empiriolabs/seed-2-0-pro">' in html
    assert "sk-secret-canary" not in html


def test_fixed_parameters_render_read_only_with_the_reason(client):
    html = client.get("/").content.decode()
    temperature = re.search(r'<input[^>]*name="temperature"[^>]*>', html).group(0)
    assert "disabled" in temperature and 'value="1"' in temperature
    assert (
        "Fixed at 1: Server-fixed for Seed 2.0 (temperature=1) regardless of client value." in html
    )


def test_model_change_swaps_the_panel_and_keeps_values_that_apply(client):
    response = client.post(
        "/panel/",
        {
            "model": "simulator/bytedance-seed-seed-2.0-mini",
            "dialect": "responses",
            "max_tokens": "90000",
            "reasoning_effort": "high",
            "video_fps": "2",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="settings-panel">')
    assert '<option value="chat" selected>' in html  # ModelsLab has no Responses dialect
    assert re.search(r'name="max_tokens"[^>]*value="90000"', html)
    assert '<option value="high" selected>' in html
    assert 'name="video_fps"' not in html
    assert '<option value="minimal">' in html


def test_panel_drops_values_the_new_model_rejects(client):
    html = client.post(
        "/panel/", {"model": "simulator/seed-2-0-pro", "dialect": "chat", "max_tokens": "90000"}
    ).content.decode()
    assert re.search(r'name="max_tokens"[^>]*value="4096"', html)


def test_estimate_counts_prompt_tokens_and_prices_a_range(client):
    client.get("/")
    pane = Pane.objects.get()
    html = client.post(
        "/estimate/",
        {
            "pane": pane.id,
            "model": "simulator/seed-2-0-pro",
            "dialect": "chat",
            "prompt": "Hello there, world!",
            "max_tokens": "1000",
            "enable_thinking": "on",
            "reasoning_effort": "medium",
        },
    ).content.decode()
    # 3 priming + 4 framing + Hello(2) ,(1) there(2) world(2) !(1) = 15 tokens
    assert "≈ 15 input tokens" in html
    assert "$0.000009 – $0.003799" in html  # 15 x 0.63/1M ; + 1000 x 3.79/1M


def test_attachment_upload_accepts_an_image_and_serves_it_back(client):
    client.get("/")
    upload = SimpleUploadedFile("dot.png", PNG, content_type="image/png")
    html = client.post(
        "/attachments/", {"file": upload, "model": "simulator/seed-2-0-mini"}
    ).content.decode()
    attachment = Attachment.objects.get()
    assert f'name="attachment" value="{attachment.id}"' in html
    assert "dot.png · image · 67\xa0bytes" in html
    served = client.get(f"/attachments/{attachment.id}/")
    assert served.content == PNG and served["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "mime", "message"),
    [
        (
            "virus.exe",
            b"MZ....",
            "application/x-msdownload",
            "virus.exe: application/x-msdownload is not supported.",
        ),
        ("empty.png", b"", "image/png", "empty.png is empty."),
    ],
)
def test_attachment_upload_rejects_bad_files_with_a_clear_message(
    client, name, content, mime, message
):
    upload = SimpleUploadedFile(name, content, content_type=mime)
    html = client.post("/attachments/", {"file": upload}).content.decode()
    assert message in html and 'role="alert"' in html
    assert not Attachment.objects.exists()


def test_attachment_over_the_size_limit_is_rejected(client, settings):
    settings.PLAYGROUND_MAX_ATTACHMENT_BYTES = {"image": 10, "video": 10, "document": 10}
    upload = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    html = client.post("/attachments/", {"file": upload}).content.decode()
    assert "big.png is 0.0 MB; images can be at most 0 MB." in html


def test_another_browsers_session_and_attachments_are_not_found(client, django_user_model):
    from django.test import Client

    client.get("/")
    session = PlaygroundSession.objects.get()
    upload = SimpleUploadedFile("dot.png", PNG, content_type="image/png")
    client.post("/attachments/", {"file": upload})
    stranger = Client()
    assert stranger.get(f"/sessions/{session.id}/").status_code == 404
    assert stranger.get(f"/attachments/{Attachment.objects.get().id}/").status_code == 404


def test_pages_carry_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "img-src 'self' data: blob:" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_state_changing_view_requires_csrf(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    for url in ("/sessions/new/", "/panel/", "/estimate/", "/attachments/"):
        assert strict.post(url, {}).status_code == 403, url
