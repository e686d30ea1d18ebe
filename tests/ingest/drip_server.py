"""A loopback TCP server that answers each connection with a script of byte strings, sent
with a pause between them: a server that drips its headers, a chunk-size line or a body."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator

Script = Callable[[str], Iterable[bytes]]  # request path -> pieces to send


@contextlib.contextmanager
def drip_server(script: Script, pause: float = 0.2, *, http: bool = True) -> Iterator[str]:
    """Serve `script` on 127.0.0.1 (one thread per connection); yields the base URL. With
    `http` false the script starts at once, without reading a request (a TLS server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    done = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            request = b"" if http else b"GET / HTTP/1.1\r\n\r\n"
            while b"\r\n\r\n" not in request:
                got = conn.recv(4096)
                if not got:
                    return
                request += got
            path = request.split(b" ", 2)[1].decode("latin-1")
            for piece in script(path):
                if done.is_set():
                    return
                conn.sendall(piece)
                time.sleep(pause)

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"{'http' if http else 'https'}://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join(2)
        listener.close()


def forever(head: bytes, byte: bytes = b"a") -> Iterator[bytes]:
    """`head`, then `byte` again and again: never ends."""
    yield head
    while True:
        yield byte
