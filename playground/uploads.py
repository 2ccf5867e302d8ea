"""How large an upload or a send may be, and the messages that say so.

Three places hold a body to these caps, each before the next one spends anything on it: the
server's HTTP layer from the declared length (bodies.py), the same layer again while the body
streams to a temporary file, and `CappedUploadHandler` while Django parses the multipart body,
per file and per kind. A send over the websocket is held to a count and a total size of its
attachments, each counted once however often the send names it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import Resolver404, resolve

from playground.services import ACCEPTED_MIME_PREFIXES
from playground.simulator.mount import SIMULATOR_PREFIX

# What a multipart body adds around its one file: boundaries, part headers, the session field.
MULTIPART_SLACK = 64 * 1024
KIND_HEADER = "x-upload-kind"  # the page's hint of the file's kind, so the cap fits it exactly
KIND_NAMES = {"image": "images", "video": "videos", "document": "documents"}


def megabytes(size: int) -> str:
    """A size as people read it: "50 MB", "59.9 MB"; small ones in KB or bytes."""
    if size < 1024:
        return f"{size} bytes"
    unit, scale = ("MB", 1048576) if size >= 1048576 else ("KB", 1024)
    value = size / scale
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


@dataclass(frozen=True)
class Cap:
    """The largest file a route takes (`kind` narrows it), and how to say it."""

    limit: int
    what: str  # "videos", "imports", "request bodies"…
    setting: str

    def refusal(self, size: int | None, *, name: str = "") -> str:
        """`size` None: stopped as it passed the cap, its whole size unknown."""
        subject = name or "This upload"
        size_text = megabytes(size) if size is not None else f"over {megabytes(self.limit)}"
        return (
            f"{subject} is {size_text}; {self.what} can be at most "
            f"{megabytes(self.limit)} ({self.setting})."
        )


def kind_cap(kind: str) -> Cap:
    limits = settings.PLAYGROUND_MAX_ATTACHMENT_BYTES
    if kind in limits:
        setting = f"PLAYGROUND_MAX_{kind.upper()}_BYTES"
        return Cap(limits[kind], KIND_NAMES[kind], setting)
    largest = max(limits, key=limits.get)
    return Cap(limits[largest], "attachments", f"PLAYGROUND_MAX_{largest.upper()}_BYTES")


def route_cap(path: str, *, kind: str | None = None) -> Cap | None:
    """The cap on a file posted to `path`; None for the simulator, which has its own."""
    if path == SIMULATOR_PREFIX or path.startswith(SIMULATOR_PREFIX + "/"):
        return None
    try:
        name = resolve(path).url_name
    except Resolver404:
        name = None
    if name == "attachment_upload":
        return kind_cap(kind or "")
    if name == "session_import":
        return Cap(settings.PLAYGROUND_MAX_IMPORT_BYTES, "imports", "PLAYGROUND_MAX_IMPORT_BYTES")
    if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is None:  # Django's own switch for "no limit"
        return None
    return Cap(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "requests", "DATA_UPLOAD_MAX_MEMORY_SIZE")


def body_limit(cap: Cap) -> int:
    """A whole body's limit: the file's cap plus the multipart envelope around it."""
    return cap.limit + MULTIPART_SLACK


def attachment_kind_of(*, mime: str, name: str) -> str | None:
    """The kind `services.attachment_kind` will find, or None for a type it refuses."""
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(name)[0] or ""
    return next((k for k, p in ACCEPTED_MIME_PREFIXES.items() if mime.startswith(p)), None)


class CappedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: a file part is refused as soon as the declared body is over
    its kind's cap, else as soon as the bytes received pass it, before the next handlers store
    them. The view finds the reason in `upload_refusal(request)`."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared = content_length or 0

    def new_file(self, field_name, file_name, content_type, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, *args, **kwargs)
        self.received, kind = 0, attachment_kind_of(mime=content_type or "", name=file_name)
        self.cap = route_cap(self.request.path_info, kind=kind) or Cap(1 << 62, "", "")
        if self.declared > body_limit(self.cap):
            self._refuse(self.declared)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.cap.limit:
            self._refuse(None)
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self, size: int | None):
        self.request.upload_refused = self.cap.refusal(size, name=self.file_name)
        raise StopUpload(connection_reset=True)


def upload_refusal(request) -> str | None:
    """Why the request's file was refused while it streamed in, if it was."""
    return getattr(request, "upload_refused", None)


def send_attachment_problems(*, ids: list, files: list | None = None) -> list[str]:
    """A send's attachments against the per-send caps: `ids` already de-duplicated; `files`
    (their rows, once loaded) for the total size."""
    most = settings.PLAYGROUND_MAX_ATTACHMENTS_PER_SEND
    if len(ids) > most:
        return [
            f"{len(ids)} attachments in one send; at most {most} are allowed "
            "(PLAYGROUND_MAX_ATTACHMENTS_PER_SEND). Remove some and send again."
        ]
    total, limit = sum(f.size for f in files or ()), settings.PLAYGROUND_MAX_SEND_ATTACHMENT_BYTES
    if total > limit:
        return [
            f"The attachments add up to {megabytes(total)}; one send can carry at most "
            f"{megabytes(limit)} (PLAYGROUND_MAX_SEND_ATTACHMENT_BYTES). Remove some and send "
            "again."
        ]
    return []
