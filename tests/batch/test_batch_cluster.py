"""`unspin batch --engine ray --address` against a real cluster started with `ray start --head`
(1 CPU, loopback, a token in its user's ~/.ray/auth_token, so token authentication on), then
stopped; and the one-line errors when the cluster cannot be reached or refuses the driver's
token. The other token states are in test_batch_cluster_auth.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ray_cluster import Cluster, free_port, start_cluster

from unspin.batch.engines.ray_auth import GET_TOKEN
from unspin.doc import Document
from unspin.store import Store
from unspin.store.records import content_hash

pytestmark = pytest.mark.ray
TEXTS = [f"Note {i}: the corrupt elites betrayed us, and every true patriot knows it." for i in range(5)]
CLI = [sys.executable, "-c", "from unspin.cli.main import app; app()"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    pytest.importorskip("ray")
    running = start_cluster(workers=0)
    try:
        yield running
    finally:
        running.stop()


def batch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "batch", "--engine", "ray", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_batch_on_a_ray_start_cluster(cluster: Cluster, tmp_path: Path, tiny_model_dir: Path,
                                      tiny_analyzer) -> None:
    db = tmp_path / "c.db"
    Store.open(db).add_documents([Document(t, meta={"source": "s"}) for t in TEXTS])
    out = batch(cluster.env, "--address", cluster.address, "--db", str(db), "--model", str(tiny_model_dir),
                "--batch-size", "2", "--json")
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout)
    assert (summary["analyzed"], summary["written"], summary["remaining"]) == (5, 5, 0)
    store = Store.open(db)
    for text in TEXTS:  # what the cluster's actor found is what the model finds here
        stored = store.get_analysis(store.analysis_ids(content_hash(text))[0])
        assert stored is not None
        assert [(s["start"], s["end"], s["technique"]) for s in stored["spans"]] == [
            (s.start, s.end, s.technique) for s in tiny_analyzer.analyze(text).spans]
    # the run cleaned up: its actor is gone (the CPU is free again) and no helper actors are left
    code = (f"import ray, logging, json; ray.init(address={cluster.address!r}, logging_level=logging.ERROR); "
            "print(json.dumps([ray.available_resources().get('CPU', 0), "
            "ray.util.list_named_actors(all_namespaces=True)])); ray.shutdown()")
    left = subprocess.run([sys.executable, "-c", code], env=cluster.plain_ray_env(), capture_output=True,
                          text=True, timeout=120)
    assert left.returncode == 0, left.stderr[-2000:]
    assert json.loads(left.stdout.strip().splitlines()[-1]) == [1.0, []]


def test_a_wrong_token_is_one_clear_line(cluster: Cluster, tmp_path: Path, tiny_model_dir: Path) -> None:
    db = tmp_path / "t.db"
    Store.open(db).add_documents([Document(TEXTS[0])])
    env = {**cluster.env, "RAY_AUTH_TOKEN": "not-the-cluster-token-0123456789"}
    out = batch(env, "--address", cluster.address, "--db", str(db), "--model", str(tiny_model_dir))
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    expected = (f"error: The Ray cluster at {cluster.address} refused this driver's token "
                "(InvalidAuthToken: the token from RAY_AUTH_TOKEN is not the cluster's). " + GET_TOKEN)
    assert errors == [expected], out.stderr[-2000:]
    assert "not-the-cluster-token" not in out.stderr + out.stdout
    assert "Traceback" not in out.stderr and "gcs_client" not in out.stderr, out.stderr[-2000:]
    assert Store.open(db).models() == []  # nothing was written


def test_an_unreachable_cluster_is_one_clear_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    db = tmp_path / "u.db"
    Store.open(db).add_documents([Document(TEXTS[0])])
    port = free_port()  # nothing listens there
    out = batch(dict(os.environ), "--address", f"127.0.0.1:{port}", "--db", str(db), "--model",
                str(tiny_model_dir))
    assert out.returncode == 2
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Cannot reach the Ray cluster at 127.0.0.1:{port}")
    assert "Traceback" not in out.stderr
