"""A deterministic fake analyzer for the web tests: same interface as `unspin.Analyzer`,
spans from regular expressions, several overlapping or nested on purpose."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from unspin.doc import Analysis, Cue, Document, Span
from unspin.pipeline import check_text

# (pattern, technique, score): matches become spans; several overlap or nest on purpose.
RULES = [
    (r"shameful, disgusting betrayal", "Loaded_Language", 0.91),
    (r"disgusting", "Exaggeration,Minimisation", 0.42),
    (r"betrayal of our great nation", "Flag-Waving", 0.77),
    (r"radical left mob", "Name_Calling,Labeling", 0.83),
    (r"Everybody knows[^.]*\.", "Bandwagon,Reductio_ad_hitlerum", 0.25),
    (r"<script>[^<]*</script>", "Doubt", 0.66),
]
ARTICLE = (
    "The radical left mob staged a shameful, disgusting betrayal of our great nation. "
    "Everybody knows the truth about them. Officials declined to comment."
)


class FakeAnalyzer:
    """Same interface as `unspin.Analyzer`; spans come from `RULES`."""

    name = "fake-rules"
    threshold = 0.2

    def __init__(self, delay: float = 0.0, *, window_chars: int = 400):
        self.delay = delay
        self.window_chars = window_chars
        self.calls = 0
        self.lock = threading.Lock()
        # When set, texts with more than one window stop after their first window until the
        # gate opens: a test sees a job part-way through without any timing.
        self.gate: threading.Event | None = None
        self.waiting = threading.Event()

    def analyze(self, text: str | Document, *, threshold: float | None = None,
                progress: Any = None) -> Analysis:
        return next(self.pipe([text], threshold=threshold, progress=progress))

    def pipe(self, texts: Any, *, batch_size: int = 16, threshold: float | None = None,
             progress: Any = None) -> Any:
        cut = self.threshold if threshold is None else threshold
        for item in texts:
            doc = item if isinstance(item, Document) else Document(check_text(item))
            with self.lock:
                self.calls += 1
            if self.delay:
                time.sleep(self.delay)
            windows = max(1, -(-len(doc.text) // self.window_chars))
            for done in range(1, windows + 1):
                if progress is not None:
                    progress(done, windows)
                if done == 1 and windows > 1 and self.gate is not None:
                    self.waiting.set()
                    self.gate.wait(30)
            spans = []
            for pattern, technique, score in RULES:
                for m in re.finditer(pattern, doc.text):
                    if score >= cut:
                        word = re.search(r"\w+", m.group())
                        why = (Cue(m.start() + word.start(), m.start() + word.end(), 0.9),) if word else ()
                        spans.append(Span(doc, m.start(), m.end(), technique, score, why))
            spans.sort(key=lambda s: (s.start, s.end, s.technique))
            yield Analysis(doc, tuple(spans), self.name)


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
