"""One thin websocket consumer per open page: validate, create runs, start one task per run, and
forward the run's frames. Runs belong to the server; closing the socket never stops them."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string

from . import services
from .models import Run
from .runs import executor
from .runs.fragments import final_frame
from .runs.submit import run_regenerate, run_submit
from .runs.upstream import simulator_base_from_scope, upstream_request_for
from .selectors import owner_key_for, run_get_for, runs_active_in, session_get_for

MAX_MESSAGE_CHARS = 512 * 1024
CLOSE_NOT_FOUND = 4404


class PlaygroundConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        session = self.scope.get("session")
        self.owner_key = owner_key_for(
            user=self.scope.get("user"), session_key=session.session_key if session else None
        )
        self.watching: set[str] = set()
        self.waiting_snapshot: set[str] = set()
        try:
            self.playground = await database_sync_to_async(session_get_for)(
                owner_key=self.owner_key, session_id=self.scope["url_route"]["kwargs"]["session_id"]
            )
        except ObjectDoesNotExist:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        active = await database_sync_to_async(runs_active_in)(session=self.playground)
        await self.interrupt_orphans([str(run.id) for run in active])
        for run in active:
            await self.watch(str(run.id), resync=True)

    async def disconnect(self, code):
        for run_id in self.watching:
            await self.channel_layer.group_discard(executor.frames_group(run_id), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        message = _parse(text_data)
        if message is None:
            await self.send_errors(["The page sent a message the server could not read. Reload."])
            return
        action = str(message.get("action", "send"))
        handler = {
            "send": self.on_send,
            "stop": self.on_stop,
            "regenerate": self.on_regenerate,
        }.get(action)
        if handler is None:
            await self.send_errors([f"Unknown action {action[:40]!r}."])
            return
        await handler(message)

    async def on_send(self, message: dict):
        await self.start(run_submit, owner_key=self.owner_key, data=message)

    async def on_regenerate(self, message: dict):
        await self.start(run_regenerate, owner_key=self.owner_key, run_id=message.get("run"))

    async def start(self, submit, **arguments):
        """Store the run, build its upstream request and the page fragment in one database
        hop (each hop costs milliseconds of time-to-first-token), then start the task."""
        base = simulator_base_from_scope(self.scope)
        submission = await database_sync_to_async(_prepare)(submit, base, **arguments)
        if submission.run is None:
            await self.send_errors(submission.errors, submission=submission)
            return
        await self.watch(str(submission.run.id), resync=False)
        executor.run_start(run=submission.run, model=submission.model, request=submission.request)
        await self.send(text_data=submission.html)

    async def on_stop(self, message: dict):
        try:
            run = await database_sync_to_async(run_get_for)(
                owner_key=self.owner_key, run_id=message.get("run")
            )
        except ObjectDoesNotExist:
            await self.send_errors(["That run does not exist."])
            return
        await executor.run_stop(run_id=run.id)

    async def watch(self, run_id: str, *, resync: bool):
        """Join the run's frames; a rejoining page first asks the task for a full snapshot."""
        self.watching.add(run_id)
        await self.channel_layer.group_add(executor.frames_group(run_id), self.channel_name)
        if not resync:
            return
        self.waiting_snapshot.add(run_id)
        await self.channel_layer.group_send(
            executor.control_group(run_id), {"type": "run.sync", "reply_to": self.channel_name}
        )
        run = await database_sync_to_async(Run.objects.get)(pk=run_id)
        if not run.is_active:  # it ended while we were joining: show the stored result
            await self.run_frame(
                {
                    "run_id": run_id,
                    "seq": 0,
                    "final": True,
                    "html": await database_sync_to_async(final_frame)(run),
                }
            )

    async def interrupt_orphans(self, run_ids: list[str]):
        """With the in-memory layer there is one process: an active run without a task here
        belongs to a process that died (a restart), so it will never finish by itself."""
        if not isinstance(self.channel_layer, InMemoryChannelLayer):
            return
        orphans = set(run_ids) - set(executor.runs_in_process())
        if orphans:
            await database_sync_to_async(services.runs_interrupt)(run_ids=orphans)

    async def run_frame(self, event: dict):
        run_id = event["run_id"]
        if event.get("snapshot") or event.get("final"):
            self.waiting_snapshot.discard(run_id)
        elif run_id in self.waiting_snapshot:
            return  # already contained in the snapshot on its way
        await self.send(text_data=event["html"])

    async def send_errors(self, errors: list[str], submission=None):
        await self.send(
            text_data=render_to_string(
                "playground/page.html#composer_errors",
                {"errors": errors, "oob": True, "submission": submission},
            )
        )


def _parse(text: str | None) -> dict | None:
    if not text or len(text) > MAX_MESSAGE_CHARS:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    message.pop("HEADERS", None)
    return message


def _prepare(submit, simulator_base: str, **arguments):
    submission = submit(**arguments)
    if submission.run is not None:
        submission.request = upstream_request_for(
            run=submission.run,
            model=submission.model,
            thread=submission.thread,
            files=submission.files,
            simulator_base=simulator_base,
        )
        submission.html = _accepted_html(submission)
    return submission


def _accepted_html(submission) -> str:
    context = {"run": submission.run, "pane": submission.pane, "rethread": submission.branched}
    if submission.branched:
        context["thread"] = [*submission.thread, submission.run]
    return render_to_string("playground/page.html#run_accepted", context)
