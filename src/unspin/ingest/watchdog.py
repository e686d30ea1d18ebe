"""One deadline per fetch, enforced from outside the reads.

A `Watchdog` thread lives as long as one fetch (every redirect hop included). When the
deadline passes, or when the caller's `cancel` event is set (SIGINT, SIGTERM), it shuts down
every socket of the fetch: a blocked connect, TLS handshake, header or chunk-size read then
returns at once, however slowly the server drips its bytes. The connections below connect
without blocking (a `select` loop that looks at the watchdog) and register their sockets
with it before any byte is read.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from types import TracebackType

from unspin.errors import FetchError, FetchInterrupted

POLL = 0.1  # seconds: how often a cancel event is looked at


class Watchdog:
    """Shuts a fetch's sockets down at `deadline` (time.monotonic) or when `cancel` is set."""

    def __init__(self, deadline: float, cancel: threading.Event | None = None, *, what: str = "the URL"):
        self.deadline, self.cancel, self.what = deadline, cancel, what
        self.fired: str | None = None  # "deadline" or "cancelled"
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._watch, name="fetch-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done.set()
        self._thread.join()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the watchdog fires (at once if it already has)."""
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)

    def check(self) -> None:
        """Raise the fetch's error if the watchdog fired (or the deadline passed)."""
        if self.fired is None and self.cancel is not None and self.cancel.is_set():
            self._fire("cancelled")
        if self.fired is None and self.remaining() <= 0:
            self._fire("deadline")
        if self.fired == "cancelled":
            raise FetchInterrupted(f"Fetching {self.what} was interrupted.", status=499)
        if self.fired == "deadline":
            raise FetchError(f"Fetching {self.what} took too long.", status=504)

    def _watch(self) -> None:
        while not self._done.is_set():
            if self.cancel is not None and self.cancel.is_set():
                self._fire("cancelled")
                return
            left = self.remaining()
            if left <= 0:
                self._fire("deadline")
                return
            self._done.wait(min(left, POLL) if self.cancel is not None else left)

    def _fire(self, why: str) -> None:
        with self._lock:
            if self.fired is None:
                self.fired = why
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut the connection down under whatever reads it; an SSL socket's own `shutdown` is
    bypassed (it would drop its TLS state under a thread still using it)."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def resolve_within(resolve: Callable[[str, int], list[str]], host: str, port: int,
                   dog: Watchdog) -> list[str]:
    """`resolve(host, port)` in a helper thread, given up at the deadline or on cancel (a DNS
    lookup cannot be interrupted; the thread is left to finish on its own)."""
    found: dict[str, object] = {}

    def work() -> None:
        try:
            found["addresses"] = resolve(host, port)
        except BaseException as err:  # handed to the caller below
            found["error"] = err

    worker = threading.Thread(target=work, name="fetch-resolve", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(max(0.0, min(POLL, dog.remaining())))
        if worker.is_alive():
            dog.check()
    if "error" in found:
        raise found["error"]  # type: ignore[misc]
    return found["addresses"]  # type: ignore[return-value]


def connect(ip: str, port: int, dog: Watchdog) -> socket.socket:
    """A TCP connection to `ip`:`port` that the watchdog can end at any moment."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        dog.watch(sock)
        sock.setblocking(False)
        code = sock.connect_ex((ip, port))
        while code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            dog.check()
            _, ready, _ = select.select([], [sock], [], max(0.0, min(POLL, dog.remaining())))
            if ready:
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        dog.check()
        if code:
            raise OSError(code, errno.errorcode.get(code, str(code)))
        sock.settimeout(max(dog.remaining(), 0.001))  # a second guard; the watchdog is the first
        return sock
    except BaseException:
        sock.close()
        raise


class PinnedHTTP(http.client.HTTPConnection):
    """HTTP to an address checked beforehand (the Host header keeps the name), under a watchdog."""

    def __init__(self, host: str, port: int, ip: str, dog: Watchdog):
        super().__init__(host, port, timeout=max(dog.remaining(), 0.001))
        self._ip, self._dog = ip, dog

    def connect(self) -> None:
        self.sock = connect(self._ip, self.port, self._dog)


class PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is still verified against the host name."""

    def __init__(self, host: str, port: int, ip: str, dog: Watchdog):
        super().__init__(host, port, timeout=max(dog.remaining(), 0.001),
                         context=ssl.create_default_context())
        self._ip, self._dog = ip, dog

    def connect(self) -> None:
        raw = connect(self._ip, self.port, self._dog)
        wrapped = self._context.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
        self.sock = wrapped
        self._dog.watch(wrapped)  # the handshake below can be cut too
        wrapped.do_handshake()
