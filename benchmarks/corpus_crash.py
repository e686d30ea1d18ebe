"""Crash test: `kill -9` an `unspin batch` run mid-way, rerun it, and check that every document
was analyzed exactly once (nothing lost, nothing duplicated, no half-written document).

    .venv/bin/python benchmarks/corpus_crash.py --docs 300 --kills 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--kills", type=int, default=3, help="how many runs to kill before the last one")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from unspin.doc import Document
    from unspin.store import Store
    from unspin.store.schema import analyses, spans, technique_counts
    from unspin.testing.tiny import build_tiny_model

    tmp = Path(tempfile.mkdtemp())
    model = build_tiny_model(tmp / "tiny")
    db = tmp / "crash.db"
    store = Store.open(db)
    store.add_documents([Document(f"Report {i}: they are traitors and liars, all of them. " * 30,
                                  meta={"source": f"s{i % 4}"}) for i in range(args.docs)])
    cmd = [str(Path(sys.executable).parent / "unspin"), "batch", "--db", str(db), "--model", str(model),
           "--batch-size", str(args.batch_size), "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    rng = random.Random(0)

    def analyzed() -> int:
        with store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(analyses)).scalar_one())

    kills = []
    for _ in range(args.kills):
        before = analyzed()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while analyzed() <= before and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.2, 1.5))  # land anywhere inside a later batch
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills.append({"analyzed_before": before, "analyzed_after_kill": analyzed()})
    final = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    summary = json.loads(final.stdout)

    with store.read() as conn:
        rows = conn.execute(select(analyses.c.id, analyses.c.document_id, analyses.c.spans)).all()
        s, t = spans.c, technique_counts.c
        span_rows = dict(conn.execute(select(s.analysis_id, func.count()).group_by(s.analysis_id)).all())
        totals = select(t.analysis_id, func.sum(t.spans)).group_by(t.analysis_id)
        count_rows = dict(conn.execute(totals).all())
    per_doc = len(rows) == args.docs == len({r.document_id for r in rows})
    whole = all(span_rows.get(r.id, 0) == r.spans == (count_rows.get(r.id) or 0) for r in rows)
    print(json.dumps({"docs": args.docs, "batch_size": args.batch_size, "kills": kills,
                      "rerun_analyzed": summary["analyzed"], "remaining": summary["remaining"],
                      "analyses": len(rows), "each_document_exactly_once": per_doc,
                      "every_analysis_complete (spans == counts == header)": whole,
                      "ok": per_doc and whole and summary["remaining"] == 0}, indent=2))
    if not (per_doc and whole):
        sys.exit(1)


if __name__ == "__main__":
    main()
