"""Inference threads follow the CPUs the process may use, or UNSPIN_THREADS."""

import os

import numpy as np
import pytest

from unspin.runtime import threads


def test_threads_follow_affinity_and_the_setting(monkeypatch):
    monkeypatch.delenv("UNSPIN_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: None)
    assert threads.inference_threads() == 3
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 1.5)  # a container's 1.5 CPUs
    assert threads.inference_threads() == 1
    monkeypatch.setenv("UNSPIN_THREADS", "2")
    assert threads.inference_threads() == 2
    assert threads.inference_threads(4) == 4
    monkeypatch.setenv("UNSPIN_THREADS", "many")
    with pytest.raises(ValueError, match="UNSPIN_THREADS"):
        threads.inference_threads()


def test_onnx_sessions_do_not_spin(tiny_model_dir, monkeypatch):
    import unspin

    monkeypatch.setenv("UNSPIN_THREADS", "1")
    backend = unspin.load(tiny_model_dir, backend="onnx").predictor.backend
    config = backend.session.get_session_options().get_session_config_entry
    assert config("session.intra_op.allow_spinning") == "0"
    assert backend.session.get_session_options().intra_op_num_threads == 1


def test_one_blas_thread_limits_numpy_blas_and_restores_it():
    import numpy as np  # noqa: F401  (loads the BLAS library threadpoolctl inspects)
    from threadpoolctl import threadpool_info

    from unspin.runtime.threads import one_blas_thread

    def blas_threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before = blas_threads()
    assert before, "numpy should load a BLAS library"
    with one_blas_thread():
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before


@pytest.mark.parametrize(
    ("cpus", "split"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (2, 2)), (5, (2, 2)), (8, (2, 4))]
)
def test_window_workers_never_exceed_the_threads(cpus, split):
    workers, per_window = threads.window_workers(cpus)
    assert (workers, per_window) == split
    assert workers * per_window <= cpus


class _RecordingBackend:
    """BIO logits from each piece's id; records which thread ran each window."""

    def __init__(self, workers):
        self.workers = workers
        self.threads = []

    def encode(self, input_ids, mask):
        import threading

        self.threads.append(threading.current_thread().name)
        ids = input_ids.astype(np.float32)
        bio = np.stack([np.sin(ids), np.cos(ids), ids / 100], -1)
        return np.zeros((*ids.shape, 4), np.float32), bio, np.zeros((*ids.shape, 14), np.float32)

    def classify(self, states, spans):
        return np.zeros((len(spans), 14), np.float32)


def test_windows_side_by_side_give_the_same_answer_in_order():
    from unspin.runtime.predictor import Predictor
    from unspin.runtime.settings import Settings
    from unspin.testing.tiny import tiny_tokenizer

    tok = tiny_tokenizer(["the corrupt elites betray the nation again and again"] * 5)
    texts = ["\n".join(["the corrupt elites betray the nation again and again"] * 9), "the nation"]
    one, two = _RecordingBackend(1), _RecordingBackend(2)
    seen = []
    settings = Settings(max_len=18, stride=12)
    a = list(Predictor(one, tok, settings).encode(texts))
    b = list(Predictor(two, tok, settings).encode(texts, progress=lambda d, t: seen.append(d)))
    assert len(a[0].doc.windows) > 2
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.bio, y.bio) and np.array_equal(x.tech, y.tech)
    assert set(one.threads) == {"MainThread"}
    assert all(name.startswith("unspin-window") for name in two.threads)
    assert seen == sorted(seen) and seen[-1] == len(two.threads)


def test_onnx_windows_side_by_side_match_one_at_a_time(tiny_model_dir, monkeypatch):
    import unspin

    text = "The corrupt elites betray the nation again. Build the wall! " * 30
    out = {}
    for n in ("1", "2"):
        monkeypatch.setenv("UNSPIN_THREADS", n)
        analyzer = unspin.load(tiny_model_dir, backend="onnx")
        assert analyzer.predictor.backend.workers == int(n)
        out[n] = [(s.start, s.end, s.technique, s.score) for s in analyzer.analyze(text).spans]
    assert out["1"] == out["2"] and out["1"]


def test_windows_no_one_reads_are_cancelled():
    import time

    from unspin.runtime.predictor import Predictor
    from unspin.runtime.settings import Settings
    from unspin.testing.tiny import tiny_tokenizer

    class Slow(_RecordingBackend):
        def encode(self, input_ids, mask):
            time.sleep(0.05)
            return super().encode(input_ids, mask)

    tok = tiny_tokenizer(["the corrupt elites betray the nation again and again"] * 5)
    text = "\n".join(["the corrupt elites betray the nation again and again"] * 40)
    backend = Slow(2)
    predictor = Predictor(backend, tok, Settings(max_len=18, stride=12))
    started = predictor._start([predictor.prepare(text)])
    assert len(started.lengths) >= 30
    next(started.results)
    started.results.close()  # the reader stops: an error or Ctrl-C in `_finish`
    time.sleep(0.3)
    ran = len(backend.threads)
    time.sleep(0.3)
    assert len(backend.threads) == ran < len(started.lengths)  # at most the two running finished
