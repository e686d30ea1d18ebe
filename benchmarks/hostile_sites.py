"""Loopback web sites and a CLI runner for `hostile_feeds.py`: a site answers each path with
a fixed answer, one built per request, or bytes dripped with a pause between them; `Proc`
runs `unspin` in a child process with a deadline, measuring its time and peak RSS."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RSS_TYPE = {"Content-Type": "application/rss+xml"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
XML_TYPE = {"Content-Type": "application/xml"}
TEXT_TYPE = {"Content-Type": "text/plain"}
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"


class Drip:
    """Raw bytes sent piece by piece, `pause` seconds apart (never ending if `pieces` does not)."""

    def __init__(self, pieces: Callable[[], Iterable[bytes]], pause: float = 0.2):
        self.pieces, self.pause = pieces, pause


def forever(head: bytes, byte: bytes = b"a") -> Callable[[], Iterable[bytes]]:
    """`head`, then `byte` again and again."""
    def pieces() -> Iterable[bytes]:
        yield head
        while True:
            yield byte
    return pieces


def article(n: int) -> bytes:
    """An article page whose main text the extractor keeps."""
    paras = "".join(f"<p>Paragraph {i} of story {n}: the shameful council scandal ruined everything "
                    f"again, officials said on Monday after a long and bitter night of talks.</p>"
                    for i in range(4))
    return (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>{paras}"
            "</article></body></html>").encode()


def rss(base: str, items: Iterable[int], title: str = "Daily Example") -> bytes:
    entries = "".join(f"<item><title>Story {n}</title><link>{base}/a/{n}</link></item>" for n in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>news</description>{entries}</channel></rss>").encode()


class Site:
    """A threaded HTTP server on 127.0.0.1. `routes` maps a path to (status, headers, body), a
    `Drip`, or a function of the path giving either; `fallback` answers other paths; `hits`
    counts requests per path."""

    def __init__(self, routes: dict[str, Any] | None = None, fallback: Callable[[str], Any] | None = None):
        self.routes: dict[str, Any] = dict(routes or {})
        self.fallback = fallback
        self.hits: Counter[str] = Counter()
        self.done = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[self.path] += 1
                answer = site.routes.get(self.path)
                if answer is None and site.fallback is not None:
                    answer = site.fallback(self.path)
                if callable(answer):
                    answer = answer(self.path)
                with contextlib.suppress(OSError):
                    self._answer(answer if answer is not None else (404, TEXT_TYPE, b"missing"))

            def _answer(self, answer: Any) -> None:
                self.close_connection = True
                if isinstance(answer, Drip):
                    for piece in answer.pieces():
                        if site.done.is_set():
                            return
                        self.wfile.write(piece)
                        self.wfile.flush()
                        time.sleep(answer.pause)
                    return
                status, headers, body = answer
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.httpd.shutdown()
        self.httpd.server_close()


# the CLI as `unspin` runs it; HOSTILE_START (a time.time()) lines up runs started together
CLI = ("import os, sys, time; from unspin.cli.main import app; "
       "time.sleep(max(0.0, float(os.environ.get('HOSTILE_START', '0')) - time.time())); "
       "sys.argv = ['unspin', *sys.argv[1:]]; app()")


class Proc:
    """`unspin ARGS` in a child process (stdout and stderr to files, so nothing blocks)."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None,
                 preexec: Callable[[], None] | None = None):
        self.args, self.env, self.preexec = args, env or {}, preexec
        self.code: int | None = None
        self.seconds = 0.0
        self.rss_mb = 0
        self.timed_out = False
        self.signalled_after: float | None = None  # seconds from the signal to the exit

    def start(self) -> Proc:
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 - read while the child runs, closed by GC
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", **self.env}
        self._began = time.monotonic()
        self._proc = subprocess.Popen([sys.executable, "-c", CLI, *self.args], stdout=self._out,
                                      stderr=self._err, env=env, preexec_fn=self.preexec)
        return self

    def read(self, which: str = "stdout") -> str:
        handle = self._out if which == "stdout" else self._err
        handle.seek(0)
        return handle.read().decode("utf-8", "replace")

    def wait(self, timeout: float, *, send: int | None = None,
             when: Callable[[Proc], bool] | None = None) -> Proc:
        """Reap the child within `timeout` s (else SIGKILL); with `send`, send that signal once
        `when(self)` holds and time the exit from then."""
        sent_at = None
        while True:
            pid, status, usage = os.wait4(self._proc.pid, os.WNOHANG)
            now = time.monotonic()
            if pid:
                self._proc.returncode = self.code = os.waitstatus_to_exitcode(status)
                self.seconds = round(now - self._began, 2)
                self.rss_mb = usage.ru_maxrss // 1024
                if sent_at is not None:
                    self.signalled_after = round(now - sent_at, 2)
                return self
            if now - self._began > timeout:
                self.timed_out = True
                self._proc.send_signal(signal.SIGKILL)
            elif send is not None and sent_at is None and when is not None and when(self):
                self._proc.send_signal(send)
                sent_at = now
            time.sleep(0.02)

    @property
    def stdout(self) -> str:
        return self.read("stdout")

    @property
    def stderr(self) -> str:
        return self.read("stderr")


def run(args: list[str], timeout: float = 120, **options: Any) -> Proc:
    """Run `unspin ARGS` to the end (bounded by `timeout`)."""
    env = options.pop("env", {})
    preexec = options.pop("preexec", None)
    return Proc(args, env=env, preexec=preexec).start().wait(timeout, **options)
