"""Local batch runs: every pending document analyzed once, results as `analyze` gives them, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.batch.run import BatchSettings, run_batch
from unspin.cli.main import app
from unspin.doc import Document
from unspin.errors import InputError
from unspin.store import Store
from unspin.store.records import content_hash
from unspin.store.schema import analyses

TEXTS = [f"Story {i}: the corrupt elites betrayed us, and every true patriot knows it. " * (1 + i % 3)
         for i in range(12)]


def fill(store: Store, n: int = len(TEXTS)) -> None:
    store.add_documents([Document(t, meta={"source": f"s{i % 2}", "published": f"2024-05-0{1 + i % 5}"})
                         for i, t in enumerate(TEXTS[:n])])


def test_run_analyzes_each_document_once(store: Store, tiny_analyzer) -> None:
    fill(store)
    seen: list[tuple[int, int]] = []
    summary = run_batch(store, tiny_analyzer, settings=BatchSettings(batch_size=5),
                        progress=lambda done, total: seen.append((done, total)))
    assert (summary["analyzed"], summary["written"], summary["remaining"]) == (12, 12, 0)
    assert seen[0] == (0, 12) and seen[-1] == (12, 12) and len(seen) == 4  # 5 + 5 + 2
    again = run_batch(store, tiny_analyzer)
    assert again["analyzed"] == 0
    # what the store holds is what `analyze` says
    aid = store.analysis_ids(content_hash(TEXTS[4]), model=tiny_analyzer.name)[0]
    stored = store.get_analysis(aid)
    direct = tiny_analyzer.analyze(TEXTS[4]).to_dict()
    assert stored is not None
    # the same spans; scores and cue weights agree up to float noise (windows batched differently)
    assert [(x["start"], x["end"], x["technique"]) for x in stored["spans"]] == [
        (x["start"], x["end"], x["technique"]) for x in direct["spans"]]
    scores = [x["score"] for x in direct["spans"]]
    assert [x["score"] for x in stored["spans"]] == pytest.approx(scores, abs=2e-3)
    assert stored["figures"] == direct["figures"]


def test_limit_and_settings(store: Store, tiny_analyzer) -> None:
    fill(store, 6)
    assert run_batch(store, tiny_analyzer, settings=BatchSettings(limit=4))["remaining"] == 2
    with pytest.raises(InputError):
        BatchSettings(engine="spark")
    with pytest.raises(InputError, match="Parquet"):
        BatchSettings(output="out")


def test_failure_mid_run_loses_only_the_batch_in_flight(sqlite_url: str, tiny_analyzer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(sqlite_url)
    fill(store)
    original = Store.save_batch
    calls = {"n": 0}

    def failing(self: Store, batch):  # the third transaction dies half-way
        calls["n"] += 1
        if calls["n"] == 3:
            with self.write() as conn:
                conn.execute(analyses.insert(), [{"id": "x" * 16}])  # raises: a half-written row, rolled back
        return original(self, batch)

    monkeypatch.setattr(Store, "save_batch", failing)
    with pytest.raises(Exception):  # noqa: B017 - any database error
        run_batch(store, tiny_analyzer, settings=BatchSettings(batch_size=4))
    assert store.pending_count(tiny_analyzer.name) == 4
    monkeypatch.setattr(Store, "save_batch", original)
    assert run_batch(store, tiny_analyzer, settings=BatchSettings(batch_size=4))["analyzed"] == 4
    assert store.pending_count(tiny_analyzer.name) == 0
    assert store.models()[0]["documents"] == 12


def test_kill_9_then_rerun(tmp_path: Path, tiny_model_dir: Path) -> None:
    """A real `kill -9` of `unspin batch` mid-run, then a rerun: each document analyzed exactly once."""
    db = tmp_path / "crash.db"
    store = Store.open(db)
    store.add_documents([Document(f"Document {i}: they are traitors and liars, all of them. " * 40)
                         for i in range(60)])
    cmd = [str(Path(sys.executable).parent / "unspin"), "batch", "--db", str(db),
           "--model", str(tiny_model_dir), "--batch-size", "2", "--json"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and store.models() == []:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = store.models()[0]["documents"] if store.models() else 0
    assert 0 < done_before < 60, "the kill should land mid-run"
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    summary = json.loads(rerun.stdout)
    assert summary["analyzed"] == 60 - done_before and summary["remaining"] == 0
    with store.read() as conn:
        rows = conn.execute(analyses.select()).all()
    assert len(rows) == 60 == len({r.document_id for r in rows})


def test_cli_batch(tmp_path: Path, tiny_model_dir: Path) -> None:
    db = tmp_path / "c.db"
    fill(Store.open(db), 3)
    result = CliRunner().invoke(app, ["batch", "--db", str(db), "--model", str(tiny_model_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["analyzed"] == 3


def test_disk_full_mid_batch_is_one_line_and_loses_nothing(tmp_path: Path, tiny_model_dir: Path) -> None:
    """`unspin batch` whose files may not grow past 3 MB (RLIMIT_FSIZE: the writes fail as on a
    full disk): one `error:` line, exit 2, and a rerun analyzes each document exactly once."""
    import resource

    db = tmp_path / "full.db"
    store = Store.open(db)
    store.add_documents([Document(f"Document {i}: they are traitors and liars, all of them. " * 40)
                         for i in range(120)])
    limit = 3 * 1024 * 1024
    assert db.stat().st_size < limit / 2

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "batch", "--db", str(db),
           "--model", str(tiny_model_dir), "--batch-size", "8", "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    full = subprocess.run(cmd, env=env, capture_output=True, text=True, preexec_fn=small_disk, timeout=300)
    assert full.returncode == 2, full.stderr
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: The database could not be written")
    assert "run the same command again" in lines[0] and "Traceback" not in full.stderr
    done_before = store.models()[0]["documents"] if store.models() else 0
    assert 0 < done_before < 120, "the disk should fill up mid-run"
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=300)
    assert json.loads(rerun.stdout)["analyzed"] == 120 - done_before
    with store.read() as conn:
        rows = conn.execute(analyses.select()).all()
    assert len(rows) == 120 == len({r.document_id for r in rows})


def test_storage_messages() -> None:
    import errno

    import psycopg
    from sqlalchemy.exc import OperationalError

    from unspin.cli.storage import storage_message

    pg_full = OperationalError("INSERT ...", {}, psycopg.errors.DiskFull("could not extend file"))
    assert "it is full (could not extend file)" in storage_message(pg_full)  # type: ignore[operator]
    lite = OperationalError("INSERT ...", {}, Exception("database or disk is full"))
    assert "Free space on the disk" in storage_message(lite)  # type: ignore[operator]
    gone = OperationalError("SELECT 1", {}, psycopg.errors.AdminShutdown("terminating connection"))
    assert "connection to the database was lost" in storage_message(gone)  # type: ignore[operator]
    disk = OSError(errno.ENOSPC, "No space left on device", "/out/spans.parquet")
    assert "writing /out/spans.parquet: the disk is full" in storage_message(disk)  # type: ignore[operator]
    assert storage_message(ValueError("nope")) is None
    assert storage_message(OperationalError("x", {}, Exception("syntax error"))) is None
