"""One thin websocket consumer per open page: check the message, call services by name, join the
run groups. Runs belong to the server; closing the socket never stops them."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from autobahn.exception import Disconnected
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from .access import SessionAccess
from .backlog import socket_backlog
from .runs import executor, sweeps
from .runs.frames import (
    DELTA,
    FINAL,
    SNAPSHOT,
    errors_frame,
    publish,
    session_group,
)
from .runs.launch import Launch, launch_frames, launch_regenerate, launch_send
from .runs.live import capacity_left
from .runs.persist import on_draw_thread, on_socket_thread
from .runs.upstream import simulator_base_from_scope
from .runs.watchers import session_unwatch, session_watch
from .selectors import run_get
from .socket_reads import (
    access_for_scope,
    active_run_ids,
    ended_frames,
    resync_split,
    viewer_started_frame,
)
from .ws_messages import MAX_RESYNC_RUNS, BadMessage, parse

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
FAILED = (
    "The server could not handle that message (the error is logged). Your prompt is still "
    "here; send it again, or reload the page if a run looks stuck."
)
VIEWER_ACTIONS = ("resync",)
READ_ONLY = (
    "This is a read-only view of the session: nothing can be sent, stopped or rerun from it."
)


class PlaygroundConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        """Channels' own consumer loop with a third source: the inbox, where runs streaming on
        this worker put their frames (runs/live.py). One message at a time, from any source."""
        self.scope, self.base_send = scope, send
        self.inbox = asyncio.Queue(maxsize=settings.PLAYGROUND_SOCKET_INBOX_FRAMES)
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        with contextlib.suppress(StopConsumer):
            sources = [receive, self.channel_receive, self.inbox.get]
            await await_many_dispatch(sources, self.dispatch)

    async def resolve(self) -> SessionAccess | None:
        """Who this socket is: the session's owner here (a share link's viewer elsewhere)."""
        return await on_socket_thread(access_for_scope)(self.scope)

    async def connect(self):
        self.access = await self.resolve()
        self.watching: set[str] = set()
        self.waiting_snapshot: set[str] = set()
        self.lagging: set[str] = set()  # runs whose deltas this socket skipped: behind
        self.seen: dict[str, int] = {}
        if self.access is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # Joined before the accept: a run started as soon as the page sees its socket open is
        # announced to it, not missed.
        await self.channel_layer.group_add(session_group(self.access.session_id), self.channel_name)
        await self.accept()
        session_watch(session_id=self.access.session_id)  # its runs are watched: keep them going
        for run_id in await on_socket_thread(active_run_ids)(self.access):
            await self.watch(run_id, resync=True)
        # Runs whose worker is gone end now, and this socket already follows them.
        await sweeps.runs_sweep(session_id=self.access.session_id)
        sweeps.heartbeat_ensure()

    async def disconnect(self, code):
        if getattr(self, "access", None) is None:
            return
        await self.channel_layer.group_discard(
            session_group(self.access.session_id), self.channel_name
        )
        session_unwatch(session_id=self.access.session_id)
        for run_id in list(self.watching):
            await executor.run_leave(channel=self.channel_name, run_id=run_id)

    async def dispatch(self, message):
        """Channels closes stale database connections before every message, which is a hop to
        the database thread for each frame; our database calls manage their connections."""
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None):
        """Whatever a message holds, the socket stays open: an unexpected error is logged and
        answered with an error frame, never a close (1011) that would leave the page dead."""
        try:
            await self.handle(text_data)
        except Exception:
            log.exception("websocket message failed (session %s)", self.access.session_id)
            await self.send_errors([FAILED])

    async def handle(self, text_data: str | None):
        try:
            message = parse(text_data)
        except BadMessage as error:
            await self.send_errors([READ_ONLY if not self.access.can_edit else str(error)])
            return
        if not self.access.can_edit and message["action"] not in VIEWER_ACTIONS:
            await self.send_errors([READ_ONLY])  # a viewer may only catch up, never act
            return
        await getattr(self, f"on_{message['action']}")(message)

    async def on_send(self, message: dict):
        launch = await on_socket_thread(launch_send)(
            access=self.access, data=message, simulator_base=self.simulator_base,
            room=capacity_left(),
        )  # fmt: skip
        await self.start(launch)

    async def on_regenerate(self, message: dict):
        launch = await on_socket_thread(launch_regenerate)(
            access=self.access, run_id=message.get("run"), simulator_base=self.simulator_base,
            room=capacity_left(),
        )  # fmt: skip
        await self.start(launch)

    @property
    def simulator_base(self) -> str:
        return simulator_base_from_scope(self.scope)

    async def start(self, launch: Launch):
        if launch.accepted is None:
            await self.send(text_data=launch.rejected_html)
            return
        # Started first, then followed: a run of this worker is followed through the inbox,
        # joined without suspending, so its first frame cannot come before that; and the inbox
        # is read after this message is answered, so the runs are drawn before their frames.
        executor.runs_start(accepted=launch.accepted)
        for item in launch.accepted.runs:
            await self.watch(str(item.run.id), resync=False)
        await asyncio.sleep(0)  # their requests leave before the drawing thread takes the GIL
        frames = await on_draw_thread(launch_frames)(launch=launch, access=self.access)
        await self.send(text_data=frames.html)
        started = {
            "type": "session.started",
            "origin": self.channel_name,
            "run_ids": [str(item.run.id) for item in launch.accepted.runs],
            "html": frames.started,
        }
        # Other tabs learn of the runs; a busy channel layer must not kill this socket for it.
        await publish(self.channel_layer, session_group(self.access.session_id), started)

    async def on_stop(self, message: dict):
        try:
            run = await on_socket_thread(run_get)(access=self.access, run_id=message.get("run"))
        except ObjectDoesNotExist:
            await self.send_errors(["That run does not exist."])
            return
        if self.access.can_edit:
            await executor.run_stop(run_id=run.id)

    async def on_stop_all(self, message: dict):
        if self.access.can_edit:
            for run_id in await on_socket_thread(active_run_ids)(self.access):
                await executor.run_stop(run_id=run_id)

    async def on_resync(self, message: dict):
        """The page shows these runs as streaming: follow the ones still running, and send the
        ones that ended meanwhile as they ended (a reload can open its socket just after)."""
        wanted = message.get("runs", [])[:MAX_RESYNC_RUNS]  # a list of text (ws_messages)
        ended, streaming = await on_socket_thread(resync_split)(self.access, wanted)
        for run_id, frame in ended.items():
            if self._follows(run_id):
                continue  # its last deltas and then its final frame are queued for this socket
            await self.send(text_data=frame)
            await self.unwatch(run_id)  # its group's own final frame would come a second time
        for run_id in streaming - self.watching:
            await self.watch(run_id, resync=True)

    def _follows(self, run_id: str) -> bool:
        """This socket gets the run's frames (it was in the run's group while the run streamed,
        and has no gap to repair): the final frame will come after the deltas still queued.
        Drawing it from the database now would drop those deltas, and the end of the answer
        would only appear with the final frame."""
        followed = run_id in self.watching and run_id in self.seen
        return followed and run_id not in self.waiting_snapshot

    async def unwatch(self, run_id: str):
        if run_id in self.watching:
            self.watching.discard(run_id)
            self.waiting_snapshot.discard(run_id)
            self.seen.pop(run_id, None)
            await executor.run_leave(channel=self.channel_name, run_id=run_id)

    async def watch(self, run_id: str, *, resync: bool):
        self.watching.add(run_id)
        if resync:
            self.waiting_snapshot.add(run_id)
        await executor.run_join(
            channel=self.channel_name, run_id=run_id, resync=resync, inbox=self.inbox
        )

    async def session_started(self, event: dict):
        """Runs started from another tab of this session: show them and follow them."""
        if event["origin"] == self.channel_name:
            return
        html = event["html"]
        if not self.access.can_edit:
            html = await on_socket_thread(viewer_started_frame)(self.access, event["run_ids"])
        await self.send(text_data=html)
        for run_id in event["run_ids"]:
            await self.watch(run_id, resync=True)
        # A run that ended before this socket joined its group (a fast failure) has sent its
        # final frame already: send it from the database, once.
        await self.on_resync({"runs": event["run_ids"]})

    async def session_gone(self, event: dict):
        """The session was deleted: its pages have nothing left to follow."""
        await self.close(code=CLOSE_NOT_FOUND)

    async def run_frame(self, event: dict):
        run_id, kind, seq = event["run_id"], event["kind"], event["seq"]
        if run_id not in self.watching:
            return
        if kind == DELTA and not await self._deliverable(run_id, seq):
            return
        if kind in (SNAPSHOT, FINAL):
            self.waiting_snapshot.discard(run_id)
        self.seen[run_id] = seq
        html = event["html"]
        if kind == FINAL and not self.access.can_edit:  # the viewers' drawing has no actions
            (html,) = (await on_socket_thread(ended_frames)(self.access, [run_id])).values()
        await self.send(text_data=html)
        if kind == FINAL:
            await self.unwatch(run_id)

    async def _deliverable(self, run_id: str, seq: int) -> bool:
        """A delta goes out when it follows the last frame shown and the browser keeps up. A
        browser that falls behind (its socket's unsent bytes over the limit) skips deltas, and
        once it has caught up gets one snapshot; so does a page that missed frames (a gap)."""
        if run_id in self.waiting_snapshot:
            return False
        if socket_backlog(self.base_send) > settings.PLAYGROUND_SOCKET_BACKLOG_BYTES:
            self.lagging.add(run_id)
            return False
        last = self.seen.get(run_id)
        if run_id not in self.lagging and (last is None or seq == last + 1):
            return True
        if run_id not in self.lagging and seq <= last:  # a snapshot already held it
            return False
        self.lagging.discard(run_id)
        self.waiting_snapshot.add(run_id)
        await executor.snapshot_request(run_id=run_id, reply_to=self.channel_name, inbox=self.inbox)
        return False

    async def send(self, text_data=None, bytes_data=None, close=False):
        """A browser can leave between a frame and its write: that frame has nowhere to go
        (daphne raises instead of dropping it), and the socket's disconnect follows."""
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except Disconnected:
            return

    async def send_errors(self, errors: list[str]):
        await self.send(text_data=errors_frame(errors))
