"""The same documents three ways: `unspin batch --engine local`, `--engine ray` with Ray started
in the process, and `--engine ray --address` on a two-node cluster started on this machine with
`ray start` (head + one worker, `--num-cpus 1` each, `--node-ip-address 127.0.0.2`: loopback only;
token authentication on).

    python benchmarks/corpus_ray.py --model src/unspin/resources/model --docs 500
    python benchmarks/corpus_ray.py --docs 40 --words 300 --model fast --out benchmarks/results/x.json

Each run starts from a fresh store holding the same documents and is timed by `run_batch` (the
summary's docs/s), so Ray's figures include connecting and starting the actors (each loads the
model once). The cluster is stopped at the end (its process groups; `ray stop` is never run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emit import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "batch"))  # ray_cluster: start/stop a real cluster
sys.path.insert(0, str(ROOT / "benchmarks"))


def fill(db: Path, texts: list[str]) -> None:
    from unspin.doc import Document
    from unspin.store import Store

    Store.open(db).add_documents([Document(t, meta={"source": f"s{i % 5}"}) for i, t in enumerate(texts)])


def cli_batch(env: dict[str, str], db: Path, model: str, *args: str) -> dict:
    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "batch", "--db", str(db),
           "--model", model, "--json", *args]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="fast", help="a tier (fast, accurate) or a model folder")
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--out", default=None, help="also write the figures (JSON) here")
    args = parser.parse_args()

    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on 127.0.0.1 only
    from corpus_throughput import articles
    from ray_cluster import start_cluster

    from unspin.batch.run import model_folder

    model = str(model_folder(args.model))
    texts = articles(args.docs, args.words)
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT / "src"),
                                                                     os.environ.get("PYTHONPATH"))))}
    out: dict[str, object] = {"command": "python benchmarks/corpus_ray.py " + " ".join(sys.argv[1:]),
                              "model": model, "docs": len(texts), "words_per_doc": args.words,
                              "machine_cpus": os.cpu_count()}
    runs = {"local": ("--engine", "local"), "ray_in_process": ("--engine", "ray", "--actors", "2")}
    for name, extra in runs.items():
        fill(tmp / f"{name}.db", texts)
        summary = cli_batch(env, tmp / f"{name}.db", model, *extra)
        out[f"{name}_docs_per_s"], out[f"{name}_seconds"] = summary["docs_per_s"], summary["seconds"]
    began = time.perf_counter()
    cluster = start_cluster(workers=1)
    out["cluster_start_s"] = round(time.perf_counter() - began, 1)
    try:
        fill(tmp / "cluster.db", texts)
        summary = cli_batch(cluster.env, tmp / "cluster.db", model, "--engine", "ray", "--address",
                            cluster.address)
        out["ray_two_nodes_docs_per_s"] = summary["docs_per_s"]
        out["ray_two_nodes_seconds"] = summary["seconds"]
    finally:
        cluster.stop()
    local_s = float(out["local_seconds"])  # type: ignore[arg-type]
    out["ray_in_process_overhead_s"] = round(float(out["ray_in_process_seconds"]) - local_s, 2)  # type: ignore[arg-type]
    out["ray_two_nodes_overhead_s"] = round(float(out["ray_two_nodes_seconds"]) - local_s, 2)  # type: ignore[arg-type]
    emit(out, args.out)


if __name__ == "__main__":
    main()
