"""A real server process for the shared-jobs tests: the fake analyzer on a database, with
jobs held part-way while a "hold" file exists.

    python job_server.py DB_URL PORT HOLD_FILE [QUEUE_SIZE]"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).parent))

from web_fakes import FakeAnalyzer

from unspin.store import Store
from unspin.web import WebSettings, create_app


class HeldAnalyzer(FakeAnalyzer):
    """Stops after the first window of a long text while `hold` exists."""

    def __init__(self, hold: Path):
        super().__init__()
        self.hold = hold

    def pipe(self, texts: Any, *, progress: Any = None, **kwargs: Any) -> Any:
        def held(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            while done == 1 and total > 1 and self.hold.exists():
                time.sleep(0.05)
                if progress is not None:
                    progress(done, total)  # a cancel stops it here

        return super().pipe(texts, progress=held, **kwargs)


def main() -> None:
    url, port, hold = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    queue = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    settings = WebSettings(auth="off", queue_size=queue, workers=1)
    app = create_app(HeldAnalyzer(hold), store=Store.open(url), settings=settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
