"""daphne's HTTP request with request bodies kept in bounds, before the app sees them.

Twisted receives a whole body before daphne hands it on, and then, unless told otherwise, parses
a multipart or URL-encoded body into `request.args` (which daphne never reads) with the e-mail
parser, on the event loop: a 45 MiB upload held every stream and request up for 15 s there and
took 600 MiB. Here that parse is off (Twisted's own `parsePOSTFormSubmission` switch), a body
declared larger than its route's cap is answered 413 at once, without storing what follows,
and daphne passes a body on in large blocks rather than 8 KiB ones.

`install()` (called from asgi.py when daphne serves the app) makes daphne build its requests
from this class; bodies.py applies the same caps to any other ASGI server.
"""

from __future__ import annotations

from io import BytesIO
from urllib.parse import unquote, urlsplit

from daphne import http_protocol

from playground.bodies import BLOCK
from playground.uploads import KIND_HEADER, Cap, body_limit, route_cap

# After a refusal, how long the rest of the body is read (and dropped) before the connection
# closes: a client still sending would otherwise get a reset instead of the 413.
LINGER_SECONDS = 5.0


class BoundedWebRequest(http_protocol.WebRequest):
    refused = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)
        if self.server.request_buffer_size < BLOCK:  # (a server setting daphne's CLI lacks)
            self.server.request_buffer_size = BLOCK
        self.received, self.limit = 0, None

    def gotLength(self, length):
        self.cap = self.route_cap() if length != 0 else None
        self.limit = body_limit(self.cap) if self.cap else None
        if self.limit is not None and length is not None and length > self.limit:
            self.content = BytesIO()  # stays empty: what follows is dropped
            self.refuse(length)
            return
        super().gotLength(length)

    def route_cap(self) -> Cap | None:
        """The cap of the route posted to; None if it cannot be told here (bodies.py caps it)."""
        target = getattr(self.channel, "_path", b"")  # the request line's target (Twisted's)
        if not target:
            return None
        path = unquote(urlsplit(target.decode("latin-1")).path)
        kind = self.requestHeaders.getRawHeaders(KIND_HEADER.encode(), [b""])[0].decode("latin-1")
        return route_cap(path.removeprefix(self.server.root_path or ""), kind=kind)

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.received += len(data)
        if self.limit is not None and self.received > self.limit:
            self.content.close()  # a body without (or with a false) Content-Length
            self.content = BytesIO()
            self.refuse(self.received)
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if self.refused:  # the whole body came: the 413 is out, nothing else to say
            self.loseConnection()
            return
        if self.content.tell() <= BLOCK:
            super().requestReceived(command, path, version)
            return
        # daphne reads the body into the app's queue in one go, on the loop: read it into
        # blocks on a thread first, so that daphne only hands those on.
        from twisted.internet.threads import deferToThread

        blocks = deferToThread(Blocks.of, self.content)
        blocks.addCallback(self._with_blocks, command, path, version)

    def _with_blocks(self, blocks: Blocks, command, path, version):
        if self._disconnected:  # the client left meanwhile
            return
        self.content = blocks
        super().requestReceived(command, path, version)

    @staticmethod
    def reactor():
        from twisted.internet import reactor  # daphne's (asyncio) reactor, installed by now

        return reactor

    def refuse(self, size: int) -> None:
        self.refused = True
        self.requestHeaders.removeHeader(b"expect")  # no "100 Continue" after the answer
        body = self.cap.refusal(size).encode()
        head = (
            b"HTTP/1.1 413 Content Too Large\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
        )
        self.channel.transport.write(head % len(body) + body)
        self.reactor().callLater(LINGER_SECONDS, self.loseConnection)


class Blocks:
    """A body read into BLOCK-sized pieces, read back as they are (what daphne asks for)."""

    def __init__(self, pieces: list[bytes], size: int):
        self.pieces, self.size, self.closed = pieces, size, False

    @classmethod
    def of(cls, body) -> Blocks:
        size, _ = body.tell(), body.seek(0)
        pieces = list(iter(lambda: body.read(BLOCK), b""))
        body.close()  # freeing a large temporary file's blocks is disk work too
        return cls(pieces, size)

    def read(self, size: int = -1) -> bytes:
        if size < 0 or len(self.pieces) > 1 and len(self.pieces[0]) != size:
            whole, self.pieces = b"".join(self.pieces), []
            return whole
        return self.pieces.pop(0) if self.pieces else b""

    def tell(self) -> int:
        return self.size

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0  # (Twisted rewinds before daphne reads; the pieces are already in order)

    def close(self) -> None:
        self.pieces, self.closed = [], True


def install() -> None:
    http_protocol.WebRequest = BoundedWebRequest
