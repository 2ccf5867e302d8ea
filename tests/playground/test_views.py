import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from playground import services
from playground.models import Attachment, Pane, PlaygroundSession, Run
from tests.playground.helpers import add_run, open_session, settings_url

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_index_opens_a_new_session_with_the_simulator_as_default_model(client):
    response = client.get("/")
    session = PlaygroundSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.id}/"
    assert session.panes.get().model_ref == "simulator/seed-2-0-mini"
    html = client.get(response["Location"]).content.decode()
    assert f'ws-connect="/ws/sessions/{session.id}/"' in html
    assert 'value="simulator/seed-2-0-mini" selected' in html


def test_index_reopens_the_session_used_last(client):
    first, pane, _ = open_session(client)
    client.post("/sessions/new/")
    second = PlaygroundSession.objects.latest("created_at")
    client.post(settings_url(first, pane), {f"p{pane.id}-system": "Be terse."})
    assert client.get("/")["Location"] == f"/sessions/{first.id}/"
    assert second.id != first.id


def test_page_has_headings_a_skip_link_and_labels_every_control(client):
    _, pane, html = open_session(client)
    assert re.search(r"<h1[^>]*>\s*Untitled session\s*</h1>", html)
    assert html.count(">Untitled session<") == 1  # said once on the page, not twice
    assert 'class="skip-link" href="#id_prompt"' in html
    for label in ("System prompt", "Model", "API dialect", "Max output tokens", "Reasoning effort"):
        assert re.search(rf'<label for="id_p{pane.id}-[\w]+">{label}</label>', html), label
    assert re.search(
        r'<label class="switch" for="id_p\d+-enable_thinking">.*<span>Thinking</span>', html
    )
    assert '<code class="api-name" aria-hidden="true">max_tokens</code>' in html
    assert '<label for="id_prompt" class="visually-hidden">Prompt</label>' in html
    thread = re.search(r'<div class="thread"[^>]*>', html).group(0)
    assert "aria-live" not in thread  # the stream is not read out chunk by chunk
    assert 'id="announcer"' in html and 'aria-live="polite"' in html


def test_system_prompt_comes_first_in_the_settings(client):
    _, pane, html = open_session(client)
    assert html.index(f'id="id_p{pane.id}-system"') < html.index(f'id="id_p{pane.id}-model"')
    assert html.index(f'id="id_p{pane.id}-model"') < html.index(f'id="id_p{pane.id}-max_tokens"')


def test_model_picker_is_grouped_and_names_simulated_models(client):
    _, _, html = open_session(client)
    assert '<optgroup label="EmpirioLabs">' in html
    assert '<optgroup label="Simulator (simulated)">' in html
    assert ">Seed 2.0 Mini (simulated) — $0.12 in / $0.50 out per 1M" in html
    assert (
        "Seed 2.0 Pro — $0.63 in / $3.79 out per 1M · 256K ctx · text, image, video, "
        "document · log in and add your EmpirioLabs key, or set EMPIRIOLABS_API_KEY"
    ) in html


def test_real_models_are_selectable_once_their_key_is_set(client, monkeypatch):
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", "sk-secret-canary")
    _, _, html = open_session(client)
    assert '<option value="empiriolabs/seed-2-0-pro">' in html
    assert "sk-secret-canary" not in html


def test_fixed_parameters_render_read_only_with_the_reason(client):
    _, pane, html = open_session(client)
    temperature = re.search(rf'<input[^>]*name="p{pane.id}-temperature"[^>]*>', html).group(0)
    assert "disabled" in temperature and 'value="1"' in temperature
    assert "Fixed at 1 by the server. Server-fixed for Seed 2.0 (temperature=1)" in html


def test_optional_fields_say_they_are_not_sent_when_empty(client):
    _, pane, html = open_session(client)
    stop = re.search(rf'<input[^>]*name="p{pane.id}-stop"[^>]*>', html).group(0)
    assert 'placeholder="not sent"' in stop
    assert "Empty: not sent." in html


def test_settings_are_saved_as_they_change_and_survive_a_reload(client):
    session, pane, _ = open_session(client)
    p = f"p{pane.id}"
    response = client.post(
        settings_url(session, pane),
        {f"{p}-model": "simulator/seed-2-0-pro", f"{p}-dialect": "responses",
         f"{p}-system": "Answer in French.", f"{p}-max_tokens": "300",
         f"{p}-reasoning_effort": "high"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response["HX-Trigger"] == "settings-saved"
    pane.refresh_from_db()
    assert (pane.model_ref, pane.dialect, pane.system) == (
        "simulator/seed-2-0-pro", "responses", "Answer in French."
    )  # fmt: skip
    html = client.get(f"/sessions/{session.id}/").content.decode()
    assert re.search(rf'name="{p}-max_tokens"[^>]*value="300"', html)
    assert '<option value="responses" selected>' in html and "Answer in French." in html


def test_an_invalid_value_shows_one_error_beside_its_field_and_keeps_the_last_good_one(client):
    session, pane, _ = open_session(client)
    p = f"p{pane.id}"
    client.post(settings_url(session, pane), {f"{p}-model": pane.model_ref, f"{p}-dialect": "chat",
                                              f"{p}-max_tokens": "500"})  # fmt: skip
    html = client.post(
        settings_url(session, pane),
        {f"{p}-model": pane.model_ref, f"{p}-dialect": "chat", f"{p}-max_tokens": "999999"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    error = re.search(rf'<p class="error" id="id_{p}-max_tokens-error"[^>]*>(.*?)</p>', html)
    assert error.group(1) == "Max output tokens must be a whole number from 1 to 65536."
    assert html.count("must be a whole number") == 1
    pane.refresh_from_db()
    assert pane.params["max_tokens"] == 500
    fixed = client.post(
        settings_url(session, pane),
        {f"{p}-model": pane.model_ref, f"{p}-dialect": "chat", f"{p}-max_tokens": "600"},
    ).content.decode()
    assert re.search(rf'id="id_{p}-max_tokens-error" hx-swap-oob="true"></p>', fixed)


def test_a_new_model_redraws_the_panel_and_keeps_the_values_that_still_apply(client):
    session, pane, _ = open_session(client)
    p = f"p{pane.id}"
    html = client.post(
        settings_url(session, pane),
        {f"{p}-model": "simulator/bytedance-seed-seed-2.0-mini", f"{p}-dialect": "responses",
         f"{p}-max_tokens": "90000", f"{p}-reasoning_effort": "high", f"{p}-video_fps": "2"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert f'<div id="pane-{pane.id}-panel" class="pane-panel" hx-swap-oob="true">' in html
    assert '<option value="chat" selected>' in html  # ModelsLab has no Responses dialect
    assert re.search(rf'name="{p}-max_tokens"[^>]*value="90000"', html)
    assert '<option value="high" selected>' in html and '<option value="minimal">' in html
    assert f'name="{p}-video_fps"' not in html
    pane.refresh_from_db()
    assert pane.model_ref == "simulator/bytedance-seed-seed-2.0-mini"
    assert pane.params["max_tokens"] == 90000


def test_a_new_model_drops_values_it_rejects(client):
    session, pane, _ = open_session(client)
    p = f"p{pane.id}"
    html = client.post(
        settings_url(session, pane),
        {
            f"{p}-model": "simulator/seed-2-0-pro",
            f"{p}-dialect": "chat",
            f"{p}-max_tokens": "90000",
        },
    ).content.decode()
    assert re.search(rf'name="{p}-max_tokens"[^>]*value="4096"', html)


def estimate(client, session, pane, **values):
    p = f"p{pane.id}"
    data = {f"{p}-model": "simulator/seed-2-0-pro", f"{p}-dialect": "chat",
            f"{p}-enable_thinking": "on", f"{p}-reasoning_effort": "medium"}  # fmt: skip
    data |= {f"{p}-{k}": v for k, v in values.items() if k != "prompt"}
    data["prompt"] = values.get("prompt", "")
    return client.post(f"/sessions/{session.id}/estimate/", data).content.decode()


def test_estimate_counts_prompt_tokens_and_prices_answer_and_reasoning(client):
    session, pane, _ = open_session(client)
    html = estimate(client, session, pane, prompt="Hello there, world!", max_tokens="1000")
    # 3 priming + 4 framing + Hello(2) ,(1) there(2) world(2) !(1) = 15 tokens
    assert "≈ 15 input tokens" in html
    # 15 x 0.63/1M ; + (1000 answer + 1000 reasoning) x 3.79/1M
    assert "$0.000009 – $0.007589" in html
    assert "up to 1,000 answer + 1,000 reasoning tokens" in html


def test_estimate_without_thinking_has_no_reasoning(client):
    session, pane, _ = open_session(client)
    html = estimate(client, session, pane, prompt="Hi", max_tokens="30", enable_thinking="")
    assert "up to 30 answer tokens" in html and "reasoning" not in html


def test_estimate_on_messages_uses_the_thinking_budget(client):
    session, pane, _ = open_session(client)
    html = estimate(client, session, pane, prompt="Hi", max_tokens="30", dialect="messages",
                    reasoning_effort="low")  # fmt: skip
    assert "up to 30 answer + 1,024 reasoning tokens" in html


def test_estimate_reports_a_value_over_the_limit_instead_of_clamping_it(client):
    session, pane, _ = open_session(client)
    html = estimate(client, session, pane, prompt="Hi", max_tokens="999999")
    assert "No estimate: fix Max output tokens first." in html
    assert "128,000" not in html


def test_estimate_refreshes_after_runs_settings_and_attachments(client):
    _, _, html = open_session(client)
    trigger = re.search(r'id="estimate"[^>]*hx-trigger="([^"]+)"', html, re.S).group(1)
    for event in ("run-finished from:body", "settings-saved from:body", "attachments-changed"):
        assert event in trigger


def test_attachment_upload_accepts_an_image_and_serves_it_back(client):
    open_session(client)
    upload = SimpleUploadedFile("dot.png", PNG, content_type="image/png")
    html = client.post("/attachments/", {"file": upload}).content.decode()
    attachment = Attachment.objects.get()
    assert f'name="attachment" value="{attachment.id}"' in html
    assert "dot.png · image · 67\xa0bytes" in html
    served = client.get(f"/attachments/{attachment.id}/")
    assert served.content == PNG and served["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "mime", "message"),
    [
        ("virus.exe", b"MZ....", "application/x-msdownload",
         "virus.exe: application/x-msdownload is not supported."),
        ("empty.png", b"", "image/png", "empty.png is empty."),
    ],
)  # fmt: skip
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
    response = client.post("/attachments/", {"file": upload})
    assert response.status_code == 413
    assert response.content.decode() == (
        "big.png is over 10 bytes; images can be at most 10 bytes (PLAYGROUND_MAX_IMAGE_BYTES)."
    )
    assert not Attachment.objects.exists()


def test_title_comes_from_the_first_prompt_without_simulator_directives():
    assert services.title_from_prompt("  How do [[sim tps=5]] tides\n work? [[sim fault=429]]") == (
        "How do tides work?"
    )
    assert len(services.title_from_prompt("word " * 100)) == 80


def test_session_list_shows_title_model_activity_and_cost(client):
    session, pane, _ = open_session(client)
    add_run(pane, prompt="first")
    PlaygroundSession.objects.filter(pk=session.pk).update(title="Tides")
    client.post("/sessions/new/")
    html = client.get("/sessions/").content.decode()
    assert html.count('<tr id="session-row-') == 2
    row = re.search(rf'<tr id="session-row-{session.id}">(.*?)</tr>', html, re.S).group(1)
    assert "Tides" in row and "Seed 2.0 Mini (simulated)" in row
    assert "$0.000002" in row and "ago" in row
    assert html.index("Untitled session") < html.index("Tides")  # newest activity first


def test_sessions_can_be_renamed_and_deleted_from_the_list(client):
    session, _, _ = open_session(client)
    html = client.post(
        f"/sessions/{session.id}/rename/", {"title": "  Moon   and tides ", "row": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert "Moon and tides" in html and 'hx-swap-oob="true"' in html
    session.refresh_from_db()
    assert session.title == "Moon and tides"
    response = client.post(f"/sessions/{session.id}/delete/", {"row": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert not PlaygroundSession.objects.filter(pk=session.pk).exists()


def test_branch_switcher_shows_each_branch_and_remembers_the_choice(client):
    session, pane, _ = open_session(client)
    first = add_run(pane, prompt="first")
    old = add_run(pane, prompt="second", parent=first, text="old answer")
    add_run(pane, prompt="third", parent=old)
    new = add_run(pane, prompt="second", parent=first, text="new answer")
    html = client.get(f"/sessions/{session.id}/").content.decode()
    assert '<span class="branch-position">2/2</span>' in html and "third" not in html
    response = client.post(
        f"/sessions/{session.id}/panes/{pane.id}/branch/", {"run": str(old.id)},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert '<span class="branch-position">1/2</span>' in response.content.decode()
    pane.refresh_from_db()
    assert pane.head.prompt == "third"  # the newest end of that branch
    html = client.get(f"/sessions/{session.id}/").content.decode()
    assert "old answer" in html and "third" in html and "new answer" not in html
    assert new.id != old.id


def test_a_run_streaming_on_a_hidden_branch_stays_visible_and_stoppable(client):
    session, pane, _ = open_session(client)
    first = add_run(pane, prompt="first")
    add_run(pane, prompt="streaming on", parent=first, status="streaming", text="")
    Run.objects.filter(prompt="streaming on").update(lease_until="2999-01-01T00:00Z")
    add_run(pane, prompt="edited", parent=first)
    html = client.get(f"/sessions/{session.id}/").content.decode()
    elsewhere = re.search(rf'id="pane-{pane.id}-elsewhere"(.*)', html, re.S).group(1)
    assert "Still running on another branch" in elsewhere and "streaming on" in elsewhere
    assert '"action": "stop"' in elsewhere and "Show this branch" in elsewhere


def test_another_browsers_session_is_not_found_anywhere(client):
    session, pane, _ = open_session(client)
    run = add_run(pane, prompt="mine")
    upload = SimpleUploadedFile("dot.png", PNG, content_type="image/png")
    client.post("/attachments/", {"file": upload})
    stranger = Client()
    stranger.get("/")
    base = f"/sessions/{session.id}"
    for url in (f"{base}/", f"{base}/runs/{run.id}/code/",
                f"/attachments/{Attachment.objects.get().id}/"):  # fmt: skip
        assert stranger.get(url).status_code == 404, url
    for url in (f"{base}/panes/{pane.id}/settings/", f"{base}/panes/{pane.id}/branch/",
                f"{base}/estimate/", f"{base}/rename/", f"{base}/delete/"):  # fmt: skip
        assert stranger.post(url, {"run": str(run.id), "title": "x"}).status_code == 404, url
    assert PlaygroundSession.objects.filter(pk=session.pk, title="").exists()


def test_bad_ids_are_not_found_not_errors(client):
    session, pane, _ = open_session(client)
    base = f"/sessions/{session.id}"
    assert client.post(f"{base}/panes/{pane.id}/branch/", {"run": "nope"}).status_code == 404
    assert client.post(f"{base}/estimate/", {"attachment": "nope"}).status_code == 404
    assert client.post(f"{base}/panes/999999/settings/", {}).status_code == 404


def test_view_code_is_highlighted_with_a_copy_button_per_language(client):
    session, pane, _ = open_session(client)
    run = add_run(
        pane, prompt="hi", request={
            "url": "https://api.empiriolabs.ai/v1/chat/completions",
            "headers": {"Authorization": "Bearer $EMPIRIOLABS_API_KEY"},
            "json": {"model": "seed-2-0-mini", "stream": True},
        },
    )  # fmt: skip
    html = client.get(f"/sessions/{session.id}/runs/{run.id}/code/").content.decode()
    assert html.count('role="tab"') == 3 and html.count('role="tabpanel"') == 3
    for label in ("curl", "Python", "JavaScript"):
        assert f">Copy {label}</button>" in html
    assert '<span class="hl-' in html and "$EMPIRIOLABS_API_KEY" in html


def test_pages_carry_security_headers(client):
    response = client.get("/", follow=True)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "img-src 'self' data: blob:" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_state_changing_view_requires_csrf(client):
    session, pane, _ = open_session(client)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    base = f"/sessions/{session.id}"
    for url in ("/sessions/new/", f"{base}/estimate/", f"{base}/panes/{pane.id}/settings/",
                f"{base}/panes/{pane.id}/branch/", f"{base}/rename/", f"{base}/delete/",
                "/attachments/"):  # fmt: skip
        assert strict.post(url, {}).status_code == 403, url


def test_pane_dom_ids_and_field_names_are_keyed_by_the_pane(client):
    _, pane, html = open_session(client)
    assert f'<section class="pane" id="pane-{pane.id}"' in html
    names = set(re.findall(r'name="(p\d+)-[\w]+"', html))
    assert names == {f"p{pane.id}"}
    assert Pane.objects.count() == 1
