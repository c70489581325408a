"""The front of ``serve``: whole requests are read by the event loop, never by a thread.

gunicorn's gthread worker hands a connection to one of its few threads as soon as
the socket is readable; the thread then blocks reading the headers and the body
for as long as the client takes. A handful of clients sending one header line
every few seconds hold every thread, and the service stops answering anyone.

``BufferingWorker`` keeps gthread's threads and its event loop, and moves the
reading of each request into that loop: the socket stays non-blocking in the
poller, the bytes are gathered as they come, and only a complete request (headers
and body, whatever the framing) is handed to a thread, which then parses it from
memory without waiting on the network. A request must arrive within
``REQUEST_TIMEOUT`` seconds of its first byte being awaited, its header block
within ``MAX_HEADER_BYTES`` (else 431) and its body within ``MAX_CONTENT_LENGTH``
(else 413, chunked or not). Slow or idle connections then cost a file descriptor
and a buffer each, up to gunicorn's ``worker_connections``, and no thread.
"""

from __future__ import annotations

import errno
import selectors
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.workers.gthread import ThreadWorker

#: Settings read from the app's configuration (config.py), with these fallbacks.
FALLBACKS = {"REQUEST_TIMEOUT": 10.0, "MAX_HEADER_BYTES": 32 * 1024, "MAX_CONTENT_LENGTH": 65536}

#: Bytes read from a socket at once.
RECV_SIZE = 64 * 1024


@dataclass
class Framing:
    """Where a request held in a buffer ends, or why it is refused."""

    complete: bool = False
    status: int | None = None  # a status to answer with, without the app
    reason: str = ""
    expects_continue: bool = False


@dataclass(eq=False)
class Reading:
    """A connection whose next request is being gathered by the event loop."""

    conn: Any  # gunicorn's TConn
    deadline: float
    buffer: bytearray = field(default_factory=bytearray)
    continued: bool = False  # "100 Continue" already sent


class BufferingWorker(ThreadWorker):  # type: ignore[misc]
    """gthread whose threads only ever see complete requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: set[Reading] = set()

    # -- settings ------------------------------------------------------------------

    def setting(self, name: str) -> float:
        config = getattr(self.wsgi, "config", None) or {}
        value = config.get(name)
        return float(FALLBACKS[name] if value is None else value)

    # -- the event loop's side -----------------------------------------------------

    def enqueue_req(self, conn: Any) -> None:
        """Gather the connection's next request in the loop; a thread gets it whole.

        Every path that would hand a connection to a thread comes here (a new
        connection, a kept-alive one that became readable, bytes pipelined behind
        the previous request), always on the event loop's thread."""
        if self.cfg.is_ssl or getattr(conn, "request_complete", False):
            conn.request_complete = False
            super().enqueue_req(conn)
            return
        held = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        reading = Reading(conn, time.monotonic() + self.setting("REQUEST_TIMEOUT"))
        reading.buffer += held
        conn.sock.setblocking(False)
        if held and self.advance(reading):
            return
        self.reading.add(reading)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_bytes, reading))

    def on_bytes(self, reading: Reading, _sock: Any) -> None:
        try:
            data = reading.conn.sock.recv(RECV_SIZE)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return
            data = b""
        if not data:  # the client went away
            self.drop(reading)
            return
        reading.buffer += data
        if self.advance(reading):
            self.poller.unregister(reading.conn.sock)
            self.reading.remove(reading)

    def advance(self, reading: Reading) -> bool:
        """Act on what the buffer holds; True once the connection left the loop."""
        framing = frame(
            reading.buffer,
            max_header_bytes=int(self.setting("MAX_HEADER_BYTES")),
            max_body_bytes=int(self.setting("MAX_CONTENT_LENGTH")),
        )
        if framing.status is not None:
            self.refuse(reading, framing.status, framing.reason)
            return True
        if framing.complete:
            self.hand_over(reading)
            return True
        if framing.expects_continue and not reading.continued:
            reading.continued = True
            send_quietly(reading.conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")
        return False

    def hand_over(self, reading: Reading) -> None:
        """Give a complete request to a thread, to be parsed from memory."""
        conn = reading.conn
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(reading.buffer))
        conn.data_ready = True
        conn.request_complete = True
        self.enqueue_req(conn)

    def refuse(self, reading: Reading, status: int, reason: str) -> None:
        body = (reason + "\n").encode()
        head = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        send_quietly(reading.conn.sock, head.encode() + body)
        self.release(reading)

    def drop(self, reading: Reading) -> None:
        self.poller.unregister(reading.conn.sock)
        self.reading.remove(reading)
        self.release(reading)

    def release(self, reading: Reading) -> None:
        self.nr_conns -= 1
        reading.conn.close()

    def murder_pending(self) -> None:
        """Close the connections whose request did not arrive in time (408 if it had
        begun); when the worker stops, also those that have sent nothing."""
        super().murder_pending()
        now = time.monotonic()
        for reading in list(self.reading):
            late = reading.deadline <= now
            if late or (not self.alive and not reading.buffer):
                self.poller.unregister(reading.conn.sock)
                self.reading.remove(reading)
                if late and reading.buffer:
                    self.refuse(reading, 408, "The request did not arrive in time.")
                else:
                    self.release(reading)


REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
}


def send_quietly(sock: Any, data: bytes) -> None:
    """Send what the socket takes now; a client that does not read loses the rest."""
    try:
        sock.send(data)
    except OSError:
        pass


def frame(buffer: bytes | bytearray, *, max_header_bytes: int, max_body_bytes: int) -> Framing:
    """Whether ``buffer`` starts with a complete HTTP/1.x request.

    Only the framing is read here (where the header block ends, Content-Length or
    chunked); everything else is left to gunicorn's parser, which answers 400 to
    what it finds malformed."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > max_header_bytes:
            return Framing(status=431, reason=f"Request headers over {max_header_bytes} bytes.")
        return Framing()
    if end + 4 > max_header_bytes:
        return Framing(status=431, reason=f"Request headers over {max_header_bytes} bytes.")
    lines = bytes(buffer[:end]).split(b"\r\n")
    fields: dict[bytes, list[bytes]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields.setdefault(name.strip().lower(), []).append(value.strip().lower())
    body_start = end + 4
    continues = b"100-continue" in fields.get(b"expect", [])
    if b"transfer-encoding" in fields:
        codings = b",".join(fields[b"transfer-encoding"])
        if not codings.endswith(b"chunked"):
            return Framing(complete=True)  # not framed by chunks: gunicorn refuses it
        return chunked(buffer, body_start, max_body_bytes, continues)
    lengths = fields.get(b"content-length", [b"0"])
    if len(lengths) != 1 or not lengths[0].isdigit():
        return Framing(complete=True)  # malformed: gunicorn answers 400
    length = int(lengths[0])
    if length > max_body_bytes:
        return Framing(status=413, reason=f"Request body over {max_body_bytes} bytes.")
    if len(buffer) - body_start >= length:
        return Framing(complete=True)
    return Framing(expects_continue=continues)


def chunked(buffer: bytes | bytearray, at: int, max_body_bytes: int, continues: bool) -> Framing:
    """Walk the chunks from ``at``: complete once the last chunk and the trailers
    are in, refused once the decoded body passes ``max_body_bytes``."""
    size_total = 0
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return Framing(expects_continue=continues)
        size_text = bytes(buffer[at:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return Framing(complete=True)  # malformed: gunicorn answers 400
        if size == 0:
            trailers = line_end + 2
            if buffer[trailers : trailers + 2] == b"\r\n":
                return Framing(complete=True)
            ends = buffer.find(b"\r\n\r\n", trailers)
            return Framing(complete=ends >= 0)
        size_total += size
        if size_total > max_body_bytes:
            return Framing(status=413, reason=f"Request body over {max_body_bytes} bytes.")
        at = line_end + 2 + size + 2
        if len(buffer) < at:
            return Framing()
