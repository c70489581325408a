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
(else 413, chunked or not); these refusals are answered by the loop itself, which
then reads and discards what the client still sends for up to ``LINGER`` seconds, so
that the client reads the answer rather than a reset. Slow or idle connections then
cost a file descriptor and a buffer each, up to gunicorn's ``worker_connections``,
and no thread.

Answers go the other way the same: the thread writes into memory
(``RESPONSE_BUFFER_BYTES``), then into a temporary file (up to
``RESPONSE_SPOOL_BYTES`` per worker, all answers together), and the loop sends the
bytes as the client takes them, so a client that reads slowly, or not at all,
holds no thread either. Past the spool budget, a thread sends the answer itself,
and a client that stops reading it for ``SEND_TIMEOUT`` seconds loses the
connection; so does one that stops reading an answer the loop is sending.
"""

from __future__ import annotations

import errno
import fcntl
import os
import selectors
import socket
import struct
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.workers.gthread import ThreadWorker

#: Settings read from the app's configuration (config.py), with these fallbacks.
FALLBACKS = {
    "REQUEST_TIMEOUT": 10.0,
    "SEND_TIMEOUT": 10.0,
    "MAX_HEADER_BYTES": 32 * 1024,
    "MAX_CONTENT_LENGTH": 65536,
    "RESPONSE_BUFFER_BYTES": 256 * 1024,
    "RESPONSE_SPOOL_BYTES": 1024**3,
}

#: Bytes read from a socket at once.
RECV_SIZE = 64 * 1024
#: A refused client's connection stays open this many seconds at most, and for this
#: many bytes more at most, so that it reads the answer before the connection closes.
LINGER = 2.0
LINGER_BYTES = 1 << 20


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
    drained: int = 0  # bytes read and discarded after a refusal


class Budget:
    """Bytes of answers a worker may spool to disk at once, shared by its threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.lock = threading.Lock()

    def reserve(self, size: int) -> bool:
        with self.lock:
            if self.used + size > self.limit:
                return False
            self.used += size
            return True

    def release(self, size: int) -> None:
        with self.lock:
            self.used -= size


@dataclass(eq=False)
class Output:
    """An answer written by a thread: its first bytes in memory, the rest spooled."""

    head: bytes = b""
    spool: Any = None  # a temporary file, or None
    spooled: int = 0


@dataclass(eq=False)
class Sending:
    """An answer the loop sends as the client takes it."""

    conn: Any
    future: Any  # the thread's outcome, for gthread's finish_request
    output: Output
    deadline: float
    head: memoryview = field(init=False)
    offset: int = 0  # in the spool
    handed: int = 0  # bytes given to the kernel
    taken: int = 0  # bytes the client had taken from the kernel when last looked at
    open: bool = True  # False once sent, or given up

    def __post_init__(self) -> None:
        self.head = memoryview(self.output.head)


class Held:
    """The client's socket as the request thread sees it.

    What the thread writes is held: in memory up to ``memory`` bytes, then in a
    temporary file while the worker's spool ``budget`` lasts, for the event loop to
    send as the client reads. Once the budget is spent, the thread sends itself,
    first what it held, and a client that stops reading for ``stall`` seconds
    loses the connection."""

    def __init__(self, sock: Any, memory: int, budget: Budget, stall: float) -> None:
        self.sock = sock
        self.memory = memory
        self.budget = budget
        self.stall = stall
        self.output = Output()
        self.chunks: list[bytes] = []
        self.size = 0
        self.passing = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)

    def take(self) -> Output:
        output, self.output = self.output, Output()
        output.head = b"".join(self.chunks)
        self.chunks, self.size = [], 0
        if output.spool is not None:
            output.spool.flush()
        return output

    def hold(self, data: bytes) -> bool:
        """Hold ``data`` for the loop; False if there is no room left."""
        if self.output.spool is None and self.size + len(data) <= self.memory:
            self.chunks.append(data)
            self.size += len(data)
            return True
        if not self.budget.reserve(len(data)):
            return False
        if self.output.spool is None:
            self.output.spool = tempfile.TemporaryFile(prefix="healthtech-lod-answer-")
        self.output.spool.write(data)
        self.output.spooled += len(data)
        return True

    def sendall(self, data: Any) -> None:
        data = bytes(data)
        if self.passing or not self.hold(data):
            self.pass_through()
            self.guarded(self.sock.sendall, data)

    def send(self, data: Any) -> int:
        self.sendall(data)
        return len(data)

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        if count is None:
            count = os.fstat(file.fileno()).st_size - offset
        file.seek(offset)
        sent = 0
        while not self.passing and sent < count:
            data = file.read(min(count - sent, RECV_SIZE * 16))
            if not data:
                return sent
            self.sendall(data)
            sent += len(data)
        if sent < count:
            sent += int(self.guarded(self.sock.sendfile, file, offset + sent, count - sent))
        return sent

    def pass_through(self) -> None:
        """From now on the thread sends, first what it held."""
        if self.passing:
            return
        self.passing = True
        self.sock.settimeout(self.stall)
        output = self.take()
        try:
            if output.head:
                self.guarded(self.sock.sendall, output.head)
            if output.spool is not None:
                self.guarded(self.sock.sendfile, output.spool, 0, output.spooled)
        finally:
            discard(output, self.budget)

    def guarded(self, send: Any, *args: Any) -> Any:
        try:
            return send(*args)
        except TimeoutError as error:  # the client stopped reading: gthread drops it quietly
            raise BrokenPipeError(errno.EPIPE, "the client stopped reading") from error

    def shutdown(self, how: int) -> None:
        self.pass_through()
        self.sock.shutdown(how)

    def close(self) -> None:
        try:
            self.pass_through()
        except OSError:
            pass
        self.sock.close()


def discard(output: Output, budget: Budget) -> None:
    """Give back what an answer held on disk."""
    if output.spool is not None:
        output.spool.close()
        budget.release(output.spooled)
        output.spool, output.spooled = None, 0


class BufferingWorker(ThreadWorker):
    """gthread whose threads only ever see complete requests and never wait on a
    client to read their answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: set[Reading] = set()
        self.sending: set[Sending] = set()
        self.lingering: set[Reading] = set()  # refused, closing once the client stops
        self.budget = Budget(0)

    def run(self) -> None:
        self.budget = Budget(int(self.setting("RESPONSE_SPOOL_BYTES")))
        super().run()

    # -- the thread's side ---------------------------------------------------------

    def handle(self, conn: Any) -> Any:
        """gthread's handling, writing into memory (``Held``) rather than the socket."""
        if self.cfg.is_ssl:
            return super().handle(conn)
        sock = conn.sock
        memory = int(self.setting("RESPONSE_BUFFER_BYTES"))
        held = Held(sock, memory, self.budget, self.setting("SEND_TIMEOUT"))
        conn.sock = held
        try:
            return super().handle(conn)
        finally:
            conn.sock = sock
            output = held.take()
            if output.head and output.spool is None:
                # What the socket takes at once goes now, without waiting: a small
                # answer reaches the client before the loop hears of it.
                output.head = output.head[send_now(sock, output.head) :]
            conn.output = output

    # -- settings ------------------------------------------------------------------

    def setting(self, name: str) -> float:
        config = getattr(self.wsgi, "config", None) or {}
        value = config.get(name)
        return float(FALLBACKS[name] if value is None else value)

    # -- the event loop's side -----------------------------------------------------

    def finish_request(self, conn: Any, fs: Any) -> None:
        """Send what the thread held, as the client takes it; then gthread's own end
        of a request (keep alive, or close)."""
        output = getattr(conn, "output", None)
        conn.output = None
        if output is None or not (output.head or output.spooled):
            super().finish_request(conn, fs)
            return
        sending = Sending(conn, fs, output, time.monotonic() + self.setting("SEND_TIMEOUT"))
        conn.sock.setblocking(False)
        # Most answers fit in the socket's buffer: sent at once, without the poller.
        self.on_writable(sending, conn.sock)
        if sending.open:
            self.sending.add(sending)
            self.poller.register(
                conn.sock, selectors.EVENT_WRITE, partial(self.on_writable, sending)
            )

    def on_writable(self, sending: Sending, _sock: Any) -> None:
        try:
            done = self.send_some(sending)
        except OSError:  # the client went away
            self.end_sending(sending, sent=False)
            return
        if done:
            self.end_sending(sending, sent=True)

    def send_some(self, sending: Sending) -> bool:
        """Send what the socket takes now; True once everything is sent."""
        sock = sending.conn.sock
        try:
            if sending.head:
                sent = sock.send(sending.head)
                sending.head = sending.head[sent:]
            else:
                left = sending.output.spooled - sending.offset
                spool = sending.output.spool.fileno()
                sent = os.sendfile(sock.fileno(), spool, sending.offset, min(left, 1 << 20))
                sending.offset += sent
        except (BlockingIOError, InterruptedError):
            return False
        sending.handed += sent
        sending.deadline = time.monotonic() + self.setting("SEND_TIMEOUT")
        return not sending.head and sending.offset >= sending.output.spooled

    def end_sending(self, sending: Sending, sent: bool) -> None:
        sending.open = False
        if sending in self.sending:
            self.sending.remove(sending)
            self.poller.unregister(sending.conn.sock)
        discard(sending.output, self.budget)
        if sent:
            super().finish_request(sending.conn, sending.future)
        else:
            self.nr_conns -= 1
            sending.conn.close()

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
        # A kept-alive connection comes here because it became readable: its request
        # is most often there already, and is handed over without the poller.
        if self.take_bytes(reading):
            return
        self.reading.add(reading)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_bytes, reading))

    def on_bytes(self, reading: Reading, _sock: Any) -> None:
        self.take_bytes(reading)

    def take_bytes(self, reading: Reading) -> bool:
        """Read what the socket holds and act on it; True once the connection left
        the loop (handed over, refused or closed)."""
        try:
            data = reading.conn.sock.recv(RECV_SIZE)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return False
            data = b""
        if not data:  # the client went away
            self.drop(reading)
            return True
        reading.buffer += data
        return self.advance(reading)

    def advance(self, reading: Reading) -> bool:
        """Act on what the buffer holds; True once the connection left the loop."""
        framing = frame(
            reading.buffer,
            max_header_bytes=int(self.setting("MAX_HEADER_BYTES")),
            max_body_bytes=int(self.setting("MAX_CONTENT_LENGTH")),
        )
        if framing.status is not None:
            self.stop_reading(reading)
            self.refuse(reading, framing.status, framing.reason)
            return True
        if framing.complete:
            self.stop_reading(reading)
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

    def stop_reading(self, reading: Reading) -> None:
        """Take the connection off the poller, if the loop was reading it there."""
        if reading in self.reading:
            self.reading.remove(reading)
            self.poller.unregister(reading.conn.sock)

    def refuse(self, reading: Reading, status: int, reason: str) -> None:
        """Answer without the app, then close once the client has stopped sending (or
        LINGER seconds have passed): closing with its bytes unread would reset the
        connection, and the client could lose the answer."""
        body = (reason + "\n").encode()
        head = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        sock = reading.conn.sock
        send_quietly(sock, head.encode() + body)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.release(reading)
            return
        reading.deadline = time.monotonic() + LINGER
        self.lingering.add(reading)
        self.poller.register(sock, selectors.EVENT_READ, partial(self.on_linger, reading))

    def on_linger(self, reading: Reading, _sock: Any) -> None:
        """Read and discard what a refused client still sends, until it stops."""
        try:
            data = reading.conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        reading.drained += len(data)
        if not data or reading.drained > LINGER_BYTES:
            self.end_linger(reading)

    def end_linger(self, reading: Reading) -> None:
        self.lingering.discard(reading)
        self.poller.unregister(reading.conn.sock)
        self.release(reading)

    def drop(self, reading: Reading) -> None:
        self.stop_reading(reading)
        self.release(reading)

    def release(self, reading: Reading) -> None:
        self.nr_conns -= 1
        reading.conn.close()

    def murder_pending(self) -> None:
        """Close the connections whose request did not arrive in time (408 if it had
        begun) or whose client stopped reading its answer for SEND_TIMEOUT; when the
        worker stops, also those that have sent nothing."""
        super().murder_pending()
        now = time.monotonic()
        for sending in [s for s in self.sending if s.deadline <= now]:
            queued = unsent(sending.conn.sock)
            if queued is not None and sending.handed - queued > sending.taken:
                sending.taken = sending.handed - queued  # the client is reading
                sending.deadline = now + self.setting("SEND_TIMEOUT")
                continue
            self.end_sending(sending, sent=False)
        for reading in [r for r in self.lingering if r.deadline <= now]:
            self.end_linger(reading)
        for reading in list(self.reading):
            late = reading.deadline <= now
            if late or (not self.alive and not reading.buffer):
                self.stop_reading(reading)
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


def unsent(sock: Any) -> int | None:
    """Bytes the kernel holds unsent for ``sock`` (Linux), or None if unknown.

    The poller says a socket is writable only once a good share of its send buffer
    is free, which a client reading slowly but steadily may take seconds to free:
    whether it is reading is better seen in what it took from this queue."""
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except OSError:
        return None
    return int(struct.unpack("i", raw)[0])


def send_now(sock: Any, data: bytes) -> int:
    """The bytes of ``data`` the socket takes without waiting; 0 on any error (the
    loop, sending the rest, meets it again and closes the connection)."""
    try:
        return int(sock.send(data, socket.MSG_DONTWAIT))
    except OSError:
        return 0


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
