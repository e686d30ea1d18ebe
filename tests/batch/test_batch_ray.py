"""The Ray engine on a local Ray (2 CPUs): same analyses as the local engine; Parquet output."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.batch.run import BatchSettings, run_batch
from unspin.doc import Document
from unspin.store import Store
from unspin.store.records import content_hash

pytestmark = pytest.mark.ray
TEXTS = [f"Item {i}: the corrupt elites betrayed us, and every true patriot knows it. " * (1 + i % 3)
         for i in range(6)]


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_matches_local(local_ray, tmp_path: Path, tiny_analyzer, tiny_model_dir: Path) -> None:
    stores = {}
    for engine in ("local", "ray"):
        store = Store.open(tmp_path / f"{engine}.db")
        store.add_documents([Document(t, meta={"source": "s"}) for t in TEXTS])
        settings = BatchSettings(engine=engine, batch_size=4, actors=2)
        summary = run_batch(store, tiny_analyzer, settings=settings, model_path=str(tiny_model_dir))
        assert (summary["analyzed"], summary["remaining"]) == (6, 0)
        stores[engine] = store
    for text in TEXTS:
        local, remote = (s.get_analysis(s.analysis_ids(content_hash(text))[0]) for s in stores.values())
        assert local is not None and remote is not None
        # the same spans; scores agree up to float noise (other window batches, other threads)
        assert [(x["start"], x["end"], x["technique"]) for x in local["spans"]] == [
            (x["start"], x["end"], x["technique"]) for x in remote["spans"]]
        assert [x["score"] for x in local["spans"]] == pytest.approx([x["score"] for x in remote["spans"]],
                                                                     abs=2e-3)


def test_ray_parquet_output(local_ray, tmp_path: Path, tiny_analyzer, tiny_model_dir: Path) -> None:
    import pyarrow.dataset as ds

    store = Store.open(tmp_path / "p.db")
    store.add_documents([Document(t) for t in TEXTS[:3]])
    out = tmp_path / "parquet"
    settings = BatchSettings(engine="ray", actors=2, output=str(out))
    summary = run_batch(store, tiny_analyzer, settings=settings, model_path=str(tiny_model_dir))
    assert summary["analyzed"] == 3 and summary["written"] == 3
    table = ds.dataset(out, format="parquet").to_table()
    assert table.num_rows == 3 and {"document_id", "model", "spans", "figures"} <= set(table.column_names)
    assert store.pending_count(tiny_analyzer.name) == 3  # Parquet output leaves the store as it was


def test_ray_parquet_output_resumes(local_ray, tmp_path: Path, tiny_analyzer, tiny_model_dir: Path) -> None:
    import pyarrow.dataset as ds

    store = Store.open(tmp_path / "r.db")
    store.add_documents([Document(t) for t in TEXTS[:5]])
    out = tmp_path / "parquet"
    first = BatchSettings(engine="ray", actors=2, output=str(out), limit=2, batch_size=2)
    assert run_batch(store, tiny_analyzer, settings=first, model_path=str(tiny_model_dir))["written"] == 2
    rest = BatchSettings(engine="ray", actors=2, output=str(out), batch_size=2)
    summary = run_batch(store, tiny_analyzer, settings=rest, model_path=str(tiny_model_dir))
    assert (summary["analyzed"], summary["written"]) == (3, 3)
    ids = ds.dataset(out, format="parquet").to_table()["document_id"].to_pylist()
    assert sorted(ids) == sorted(content_hash(t) for t in TEXTS[:5])  # each once
    assert not list(out.glob(".*partial"))
    again = run_batch(store, tiny_analyzer, settings=rest, model_path=str(tiny_model_dir))
    assert again["analyzed"] == 0


@pytest.mark.parametrize("threads", [1, 3])
def test_actor_threads_follow_its_cpu_share(tiny_model_dir: Path, threads: int) -> None:
    import os

    from unspin.batch.engines.ray import load_with_threads

    before = os.environ.get("UNSPIN_THREADS")
    analyzer = load_with_threads(str(tiny_model_dir), threads)
    backend = analyzer.predictor.backend
    per_window = backend.session.get_session_options().intra_op_num_threads
    assert backend.workers * per_window == threads  # windows at once x threads each: its share
    assert os.environ.get("UNSPIN_THREADS") == before  # set only while the model loads


def test_ray_errors_are_one_line(local_ray, tmp_path: Path, tiny_analyzer) -> None:
    from unspin.batch.engines.ray import RayClusterError

    store = Store.open(tmp_path / "e.db")
    store.add_documents([Document(TEXTS[0])])
    with pytest.raises(RayClusterError, match="need 8 CPUs; the cluster has 2"):
        run_batch(store, tiny_analyzer, settings=BatchSettings(engine="ray", actors=8),
                  model_path=str(tmp_path))
    with pytest.raises(RayClusterError, match="could not load the model"):
        run_batch(store, tiny_analyzer, settings=BatchSettings(engine="ray", actors=1),
                  model_path=str(tmp_path / "no-model"))
    assert store.pending_count(tiny_analyzer.name) == 1
