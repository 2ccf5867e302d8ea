"""From a stored Run to an UpstreamRequest: endpoint, key, history and attachments."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import weakref

import httpx
from django.conf import settings

from playground.accounts.keys import provider_key_for
from playground.catalog import ModelSpec, get_catalog
from playground.models import Attachment as AttachmentRow
from playground.models import Run
from playground.providers.network import use_asyncio_network
from playground.providers.types import Attachment, Endpoint, Limits, Turn, UpstreamRequest
from playground.redaction import known_secrets
from playground.selectors import attachment_data

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def http_client() -> httpx.AsyncClient:
    """One pooled client per event loop: creating one per run would cost TLS setup each time."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        # Sized for the per-worker run cap: a run never waits for a connection of the pool.
        cap = settings.PLAYGROUND_MAX_ACTIVE_RUNS + 10
        limits = httpx.Limits(
            max_connections=cap,
            max_keepalive_connections=min(cap, 100),
            keepalive_expiry=settings.PLAYGROUND_UPSTREAM_KEEPALIVE,
        )
        client = httpx.AsyncClient(
            limits=limits,
            follow_redirects=False,
            timeout=httpx.Timeout(
                settings.PLAYGROUND_TOTAL_TIMEOUT, connect=settings.PLAYGROUND_CONNECT_TIMEOUT
            ),
        )
        use_asyncio_network(client)
        _clients[loop] = client
    return client


def limits_from_settings() -> Limits:
    return Limits(
        connect=settings.PLAYGROUND_CONNECT_TIMEOUT,
        first_token=settings.PLAYGROUND_FIRST_TOKEN_TIMEOUT,
        idle=settings.PLAYGROUND_IDLE_TIMEOUT,
        total=settings.PLAYGROUND_TOTAL_TIMEOUT,
        max_retries=settings.PLAYGROUND_MAX_RETRIES,
        max_retry_after=settings.PLAYGROUND_MAX_RETRY_AFTER,
        read_every=1 / reads if (reads := settings.PLAYGROUND_UPSTREAM_READS_PER_SECOND) else 0.0,
    )


def simulator_base_from_scope(scope: dict) -> str:
    """The app's own /simulator/v1, at whatever address this server listens on."""
    if settings.PLAYGROUND_SIMULATOR_URL:
        return settings.PLAYGROUND_SIMULATOR_URL.rstrip("/")
    host, port = (scope.get("server") or ("127.0.0.1", 8000))[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port or 80}/simulator/v1"


def endpoint_for(
    *, model: ModelSpec, dialect: str, base_url: str = "", api_key: str = ""
) -> Endpoint:
    """The one place an Endpoint is built: the provider's dialect, its auth and key variable."""
    provider = get_catalog().provider_of(model)
    spec = provider.dialects[dialect]
    return Endpoint(
        base_url=base_url or provider.base_url,
        dialect=dialect,
        path=spec.path,
        auth=spec.auth,
        model_field=spec.model_field,
        api_key=api_key,
        provider_name=provider.name,
        key_env=provider.key_env,
    )


def call_endpoint(*, model: ModelSpec, dialect: str, simulator_base: str, owner: str) -> Endpoint:
    """Where a run of `model` goes: the provider's API with the key of the session's `owner`
    (their stored key, else the server's environment key; the simulator needs none). Raises
    KeyUnavailable when the owner's stored key cannot be opened: then nothing is sent."""
    provider = get_catalog().provider_of(model)
    key = provider_key_for(provider=provider, owner_key=owner, environ=os.environ)
    endpoint = endpoint_for(
        model=model,
        dialect=dialect,
        base_url=provider.base_url or simulator_base,
        api_key=key.value,
    )
    if key.source == "user":  # what a 401 tells the user to check
        endpoint = dataclasses.replace(endpoint, key_env=f"your {provider.name} key (API keys)")
    return endpoint


def turns_for(*, run: Run, thread: list[Run], files: list[AttachmentRow]) -> tuple[Turn, ...]:
    """The earlier turns (`thread`, oldest first), then this run's prompt with its `files`;
    every file's bytes in one query."""
    earlier_turns = answered(thread)
    wanted = [a.id for earlier in earlier_turns for a in earlier.attachments.all()]
    data = attachment_data(ids=wanted + [a.id for a in files])
    turns: list[Turn] = []
    for earlier in earlier_turns:
        stored = [_file(a, data[a.id]) for a in earlier.attachments.all()]
        turns.append(Turn(role="user", text=earlier.prompt, attachments=tuple(stored)))
        if earlier.text:
            turns.append(Turn(role="assistant", text=earlier.text))
    current = tuple(_file(a, data[a.id]) for a in files)
    return (*turns, Turn(role="user", text=run.prompt, attachments=current))


def answered(thread: list[Run]) -> list[Run]:
    """The turns the model sees: a run that failed before answering is shown on the page with
    its error but left out of the context (it would make two user messages in a row)."""
    return [run for run in thread if run.text]


def _file(row: AttachmentRow, data) -> Attachment:
    return Attachment(kind=row.kind, mime=row.mime, name=row.name, data=bytes(data))


def upstream_request_for(
    *,
    run: Run,
    model: ModelSpec,
    thread: list[Run],
    files: list[AttachmentRow],
    simulator_base: str,
    owner: str,
) -> UpstreamRequest:
    """Everything the provider call needs, built while the caller is on a database thread."""
    endpoint = call_endpoint(
        model=model, dialect=run.dialect, simulator_base=simulator_base, owner=owner
    )
    return UpstreamRequest(
        endpoint=endpoint,
        model=model.id,
        turns=turns_for(run=run, thread=thread, files=files),
        system=run.system,
        params=dict(run.sent_params),
        secrets=tuple(known_secrets(owner_key=owner)),  # none of them may show in this run
    )
