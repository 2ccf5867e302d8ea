"""Secrets scan (#12.6): two sessions used real keys, an anonymous browser's through the server's
environment key and a signed-in person's through their stored key, each with an answer, an error
that echoed the key (HTTP 401) and a mid-stream error that echoed it. Then every URL of
playground/urls.py (accounts and admin included) is opened for each of them, as a page and as an
htmx fragment, the fragment endpoints that answer a POST are posted, and every frame, body,
export, the usage CSV and every log record of the process is searched for the keys, whole, in
pieces and masked. A URL added later without a way to fill it in fails the scan."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import AsyncClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from playground.catalog import get_catalog
from playground.models import Attachment, Pane, PlaygroundSession, Round, Run, ShareLink
from playground.providers.redact import REDACTED
from playground.simulator.echo import masked_forms
from tests.catalogs import KEYED_DIALECTS
from tests.playground.helpers import SHARE_URL
from tests.playground.test_consumer import connect, form, frames_until_final

pytestmark = [pytest.mark.django_db(transaction=True)]

SERVER_KEY = "sk-server-Scan5Qm8Vx2Lb6Nw0Rk3Yp"
OTHER_SERVER_KEY = "empirio-scan-4c8e2a6f1d9b7e"  # another provider's, never used by a run
USER_KEY = "sk-user-Scan7Hc4Tz9Jd1Wq6Ln3Bv8"
KEYS = (SERVER_KEY, OTHER_SERVER_KEY, USER_KEY)
PROMPTS = (  # (dialect, prompt): an answer, an echoed 401, an echoed mid-stream error
    ("chat", "Tell me about lighthouses [[sim tps=2000 ttft=0]]"),
    ("responses", "Key please [[sim fault=401 echo_key=1 ttft=0]]"),
    ("messages", "Tell me about geese [[sim fault=error after=3 echo_key=1 tps=2000 ttft=0]]"),
)
# Answers a POST with a page or a fragment worth reading; the others end or undo something
# (delete, remove, revoke, log out, close the account) and are read by GET only.
POSTED = {
    "session_new", "session_rename", "estimate", "pane_settings", "pane_branch", "pane_add",
    "pane_duplicate", "pane_copy_to_all", "panes_preset", "session_compare", "round_preferred",
    "session_import", "session_duplicate", "share_new", "shared_fork", "attachment_upload",
    "key_check", "budget_save",
}  # fmt: skip


def forms(key: str) -> set[str]:
    return {key, key[1:-1], *masked_forms(key), *(key[i : i + 8] for i in range(len(key) - 7))}


def leaks(text: str) -> list[str]:
    return sorted(form for key in KEYS for form in forms(key) if form in text)


@pytest.fixture
def keyed(simulator_url, settings, monkeypatch, tmp_path, caplog):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(KEYED_DIALECTS.format(base=simulator_url))
    settings.PLAYGROUND_CATALOG = str(catalog)
    monkeypatch.setenv("KEYED_ENDPOINT_API_KEY", SERVER_KEY)
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", OTHER_SERVER_KEY)
    get_catalog.cache_clear()
    for name in (None, "httpx", "httpcore", "django", "channels", "daphne", "playground"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    get_catalog.cache_clear()


@dataclass
class Scene:
    """A session that used a key, and everything read of it."""

    client: AsyncClient
    session: PlaygroundSession
    pane: Pane
    runs: list[Run] = field(default_factory=list)
    read: dict[str, str] = field(default_factory=dict)


async def used_session(client: AsyncClient) -> Scene:
    await client.get("/")
    session = await PlaygroundSession.objects.alatest("created_at")
    scene = Scene(client, session, await Pane.objects.aget(session=session))
    socket, connected, _ = await connect(session, client.cookies["sessionid"].value)
    assert connected
    for i, (dialect, prompt) in enumerate(PROMPTS):
        data = form(scene.pane, prompt, model="keyed/seed-2-0-mini", dialect=dialect)
        await socket.send_to(text_data=data)
        scene.read |= {f"frame {i}.{n}": f for n, f in enumerate(await frames_until_final(socket))}
    await socket.disconnect()
    scene.runs = [run async for run in Run.objects.filter(pane=scene.pane).order_by("created_at")]
    return scene


def routes(patterns=None, prefix: str = "") -> dict[str, str]:
    """Every named route of the URLconf (admin's own are opened per model, below)."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver) and pattern.app_name != "admin":
            found |= routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found[pattern.name] = prefix + str(pattern.pattern)
    return found


async def values_for(scene: Scene, user) -> dict[str, str]:
    run = scene.runs[0]
    upload = SimpleUploadedFile("notes.txt", b"Harbour notes.", content_type="text/plain")
    await scene.client.post("/attachments/", {"file": upload})
    made = await scene.client.post(f"/sessions/{scene.session.id}/shares/new/", {"expires": "1d"})
    return {
        "session_id": scene.session.id,
        "pane_id": scene.pane.id,
        "run_id": run.id,
        "round_id": (await Round.objects.aget(pk=run.round_id)).id,
        "share_id": (await ShareLink.objects.alatest("created_at")).id,
        "token": SHARE_URL.search(made.content.decode()).group(1),
        "attachment_id": (await Attachment.objects.alatest("created_at")).id,
        "provider_id": "keyed",
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "reset_token": default_token_generator.make_token(user),
        "diff": f"?a={scene.runs[0].id}&b={scene.runs[2].id}",
    }


def urls_of(name: str, route: str, values: dict) -> list[str]:
    wanted = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if name == "password_reset_confirm":
        return [reverse(name, kwargs={"uidb64": values["uidb64"], "token": values["reset_token"]})]
    if name == "runs_diff":  # the two answers it compares
        return [reverse(name, kwargs={"session_id": values["session_id"]}) + values["diff"]]
    if "fmt" in wanted:
        kwargs = {k: values[k] for k in wanted if k != "fmt"}
        return [reverse(name, kwargs=kwargs | {"fmt": fmt}) for fmt in ("json", "md")]
    return [reverse(name, kwargs={k: values[k] for k in wanted})]


async def read_everything(scene: Scene, user) -> set[str]:
    values, visited = await values_for(scene, user), set()
    scene.read["export for import"] = export = (
        await scene.client.get(f"/sessions/{scene.session.id}/export.json")
    ).content.decode()
    for name, route in routes().items():
        for url in urls_of(name, route, values):
            await read(scene, url)
            await read(scene, url, htmx=True)
            if name in POSTED:
                await read(scene, url, post=post_data(scene, name, export), htmx=True)
        visited.add(name)
    return visited


def post_data(scene: Scene, name: str, export: str) -> dict:
    data = {"run": scene.runs[1].id, "title": "Scanned", "expires": "1d", "prompt": "Estimate me"}
    data |= {f"p{scene.pane.id}-model": "keyed/seed-2-0-mini", "monthly_limit": "5"}
    if name == "session_import":
        data["file"] = SimpleUploadedFile("s.json", export.encode(), "application/json")
    if name == "attachment_upload":
        data["file"] = SimpleUploadedFile("more.txt", b"More notes.", "text/plain")
    return data


async def read(scene: Scene, url: str, *, post=None, htmx=False) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    if post is None:
        response = await scene.client.get(url, headers=headers)
    else:
        response = await scene.client.post(url, post, headers=headers)
    assert response.status_code < 500, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    scene.read[f"{'POST' if post else 'GET'} {url} htmx={htmx}"] = body.decode(errors="replace")


async def read_admin(scene: Scene) -> None:
    await read(scene, reverse("admin:index"))
    for model in admin.site._registry:
        meta = model._meta
        await read(scene, reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = await model.objects.afirst()
        if first is not None:
            url = f"admin:{meta.app_label}_{meta.model_name}_change"
            await read(scene, reverse(url, args=[first.pk]))


@pytest.mark.usefixtures("keyed")
async def test_no_key_in_any_page_fragment_export_frame_or_log_line(django_user_model, caplog):
    ana = await django_user_model.objects.acreate_superuser("ana", "ana@example.com", "pw-Scan-42x")
    anonymous, signed_in = AsyncClient(), AsyncClient()
    await signed_in.aforce_login(ana)
    stored = await signed_in.post("/account/keys/keyed/", {"key": USER_KEY})
    assert stored.status_code < 400
    scenes = [await used_session(anonymous), await used_session(signed_in)]

    for scene in scenes:  # the keys really were used, and their echoes came back
        assert [run.status for run in scene.runs] == ["done", "failed", "failed"]
        assert all(REDACTED in run.provider_message for run in scene.runs[1:])
        assert await read_everything(scene, ana) == set(routes())
    await read_admin(scenes[1])
    runs_logged = [r for r in caplog.records if r.name == "playground.runs.records"]
    assert sum(REDACTED in r.getMessage() for r in runs_logged) >= 4  # the echoes were logged
    assert sum(len(scene.read) for scene in scenes) > 150

    for scene in scenes:
        for where, text in scene.read.items():
            assert not leaks(text), (where, leaks(text))
        rows = [" ".join(str(v) for v in vars(run).values()) for run in scene.runs]
        assert not leaks(" ".join(rows))
    assert not leaks(caplog.text), leaks(caplog.text)
